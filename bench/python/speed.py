"""keel_bench's Python speed rows (bench/python_bench.cpp): strategies that
keel runs over generated data, and the plain Python loops they are measured
against in the same embedded interpreter, over the same values.

Each strategy's own Python work is the same statement as its plain loop's,
on state kept the same way (an attribute of an object), so that the run's
time less the loop's time is what keel adds: the engine's loop and data
reading, the call into Python, the event object and reading its fields.
"""

import keel


class Total:
    """The plain loops' state, kept where a strategy keeps it: on an object."""

    def __init__(self):
        self.total = 0.0


# ---- per event: on_quote ---------------------------------------------------------

class QuoteSum(keel.Strategy):
    def __init__(self):
        self.total = 0.0

    def on_quote(self, quote):
        self.total += quote.bid + quote.ask


def plain_quotes(bids, asks):
    """The same sum over lists of floats (a numpy array's tolist())."""
    acc = Total()
    for bid, ask in zip(bids, asks):
        acc.total += bid + ask
    return acc.total


# ---- batched: on_quotes over a numpy view ------------------------------------------

class QuoteSumBatched(keel.Strategy):
    def __init__(self):
        self.total = 0.0

    def on_quotes(self, quotes):
        self.total += float(quotes["bid"].sum()) + float(quotes["ask"].sum())


def plain_quotes_batched(bids, asks):
    """The same sums over the whole of the same quotes, two float64 arrays."""
    acc = Total()
    acc.total += float(bids.sum()) + float(asks.sum())
    return acc.total


# ---- an order, round trip to its fill ------------------------------------------------

class OrderEvery(keel.Strategy):
    """A market order for 1 every `every` quotes, buying and selling in turn
    (so flat every other order), each fill counted in on_fill. With
    send=false it does the same Python work but sends nothing: the run's
    time less that run's time is what the orders cost."""

    def __init__(self):
        self.every = self.param("every", 20, type=int, min=1)
        self.send = self.param("send", True, type=bool)
        self.reject_unknown_params()
        self.count = 0
        self.side = keel.BUY
        self.fills = 0

    def on_quote(self, quote):
        self.count += 1
        if self.count == self.every:
            self.count = 0
            if self.send:
                self.send_order(quote.instrument, self.side, 1.0)
            self.side = keel.SELL if self.side == keel.BUY else keel.BUY

    def on_fill(self, fill):
        self.fills += 1


# ---- the SMA(10/30) crossover example (examples/python/sma_cross.py) ------------------

def plain_sma(sma_module, instruments, closes, fast, slow, quantity):
    """The example's arithmetic, its own code (SmaCross.handle_close), over
    lists of instrument ids and closes, with no keel: an order becomes the
    position it would have filled to at once."""

    class Plain(sma_module.SmaCross):
        def send(self, s, side, qty):
            s.position += qty if side == keel.BUY else -qty

    strategy = Plain.__new__(Plain)
    strategy.params = {"fast": fast, "slow": slow, "quantity": quantity}
    strategy.__init__()
    for instrument, close in zip(instruments, closes):
        strategy.handle_close(instrument, close)  # SmaCross.on_bar's body
    return sum(s.position for s in strategy.states.values())
