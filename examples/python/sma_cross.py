"""A moving-average crossover on bars: the Python twin of keel.sma_cross.

Per instrument, independently: long `quantity` while the simple moving
average of the last `fast` closes is above that of the last `slow` closes,
flat otherwise. Nothing is sent until `slow` bars have been seen. Orders are
market GTC orders for the difference between the target and the position
held (tracked from this strategy's own fills); at most one order per
instrument is in flight. An order keel refuses (a risk limit) is logged and
tried again on a later bar.

The arithmetic is the C++ plugin's, step for step (compensated running sums,
the same tolerance), so the two send the same orders and get the same fills
on the same data; tests/python/python_run_test.cpp checks that.

Two forms of the same strategy:
  SmaCross       one on_bar call per bar;
  SmaCrossBatch  on_bars: a numpy view of consecutive bars per call.
"""
import math

import keel

SIGNAL_TOLERANCE = 1e-12  # relative: rounding noise cannot flip the signal
QUANTITY_EPSILON = 1e-9   # smaller position differences are "none"
MAX_WINDOW = 1_000_000


class RunningSum:
    """A running sum with Neumaier compensation."""

    __slots__ = ("total", "compensation")

    def __init__(self):
        self.total = 0.0
        self.compensation = 0.0

    def add(self, x):
        t = self.total + x
        if abs(self.total) >= abs(x):
            self.compensation += (self.total - t) + x
        else:
            self.compensation += (x - t) + self.total
        self.total = t

    def value(self):
        return self.total + self.compensation


class InstrumentState:
    def __init__(self, instrument, slow):
        self.id = instrument
        self.closes = [0.0] * slow  # ring of the last `slow` closes
        self.next = 0               # ring index the next close goes to
        self.seen = 0               # closes seen, saturating at slow
        self.fast_sum = RunningSum()
        self.slow_sum = RunningSum()
        self.position = 0.0         # signed, from this strategy's fills
        self.pending = False
        self.order = 0


class SmaCross(keel.Strategy):
    def __init__(self):
        self.fast = self.param("fast", 10, type=int, min=1, max=MAX_WINDOW - 1)
        self.slow = self.param("slow", 30, type=int, min=2, max=MAX_WINDOW)
        if self.slow <= self.fast:
            raise keel.ParamError(
                f"/slow: expected an integer greater than fast ({self.fast}), got {self.slow}")
        self.quantity = self.param("quantity", 1.0, type=float)
        if not self.quantity > 0:
            raise keel.ParamError(f"/quantity: expected a number > 0, got {self.quantity}")
        self.reject_unknown_params()
        self.states = {}
        self.client_tag = 0

    def state_for(self, instrument):
        state = self.states.get(instrument)
        if state is None:
            state = self.states[instrument] = InstrumentState(instrument, self.slow)
        return state

    def on_start(self, start):
        for instrument in start.instruments:
            self.state_for(instrument)

    def on_bar(self, bar):
        self.handle_close(bar.instrument, bar.close)

    def handle_close(self, instrument, close):
        """One bar's close; True when it sent (or tried to send) an order."""
        if not math.isfinite(close):
            self.warn("ignoring a bar with a non-finite close")
            return False
        s = self.state_for(instrument)
        self.push_close(s, close)
        if s.seen < self.slow or s.pending:
            return False
        fast_mean = s.fast_sum.value() / self.fast
        slow_mean = s.slow_sum.value() / self.slow
        long_signal = fast_mean - slow_mean > SIGNAL_TOLERANCE * abs(slow_mean)
        target = self.quantity if long_signal else 0.0
        difference = target - s.position
        if abs(difference) <= QUANTITY_EPSILON:
            return False
        self.send(s, keel.BUY if difference > 0 else keel.SELL, abs(difference))
        return True

    def push_close(self, s, close):
        fast, slow = self.fast, self.slow
        if s.seen >= fast:
            s.fast_sum.add(-s.closes[(s.next - fast + slow) % slow])
        if s.seen >= slow:
            s.slow_sum.add(-s.closes[s.next])
        s.closes[s.next] = close
        s.fast_sum.add(close)
        s.slow_sum.add(close)
        s.next = (s.next + 1) % slow
        if s.seen < slow:
            s.seen += 1

    def send(self, s, side, quantity):
        self.client_tag += 1
        try:
            s.order = self.send_order(s.id, side, quantity, keel.MARKET,
                                      time_in_force=keel.GTC, tag=self.client_tag)
            s.pending = True
        except keel.OrderRejected as refused:
            self.warn(f"order refused, will retry on a later bar: {refused}")

    def on_fill(self, fill):
        s = self.states.get(fill.instrument)
        if s is not None:
            s.position += fill.quantity if fill.side == keel.BUY else -fill.quantity

    def on_order_update(self, update):
        s = self.states.get(update.instrument)
        if s is None or not s.pending or s.order != update.order or not update.terminal:
            return
        s.pending = False
        s.order = 0
        if update.state == keel.REJECTED:
            self.warn(f"order {update.order_id} rejected: {update.reason}")


class SmaCrossBatch(SmaCross):
    """The same strategy, fed consecutive bars as one numpy array per call."""

    def on_bars(self, bars):
        instruments = bars["instrument"]
        closes = bars["close"]
        for i in range(len(bars)):
            self.batch_at(i)  # keel's cursor: now(), orders and failures belong to bar i
            if self.handle_close(int(instruments[i]), float(closes[i])):
                return i + 1  # acted: keel delivers the rest after what that causes
        return None
