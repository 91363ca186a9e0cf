"""keel.testing.Harness: a strategy class driven by hand, no run file."""
import numpy
import pandas
import pytest

import keel
from conftest import bars_config, write_bars
from keel.testing import Harness

T0 = 1_704_205_800_000_000_000
MIN = 60_000_000_000


class SmaCross(keel.Strategy):
    """Buys when the fast mean of closes crosses above the slow one, sells when it crosses below."""

    def __init__(self):
        self.fast = self.param("fast", type=int)
        self.slow = self.param("slow", type=int)
        self.quantity = self.param("quantity", 10, type=int)
        self.closes = []
        self.above = None
        self.updates = []
        self.fills = []

    def on_bar(self, bar):
        self.closes.append(bar.close)
        if len(self.closes) < self.slow:
            return
        fast = sum(self.closes[-self.fast:]) / self.fast
        slow = sum(self.closes[-self.slow:]) / self.slow
        above = fast > slow
        if self.above is not None and above != self.above:
            (self.buy if above else self.sell)(bar.instrument, self.quantity)
            self.info(f"cross {'up' if above else 'down'} at {bar.close}")
        self.above = above

    def on_order_update(self, update):
        self.updates.append((update.state, update.reason))

    def on_fill(self, fill):
        self.fills.append((fill.quantity, fill.price))


# Down for 6 bars, then up: the fast mean (2) crosses above the slow (4) at bar 6.
CLOSES = [110, 108, 106, 104, 102, 100, 108, 112, 116, 120]


def bar_rows(closes, symbol="AAPL"):
    return [{"ts": T0 + i * MIN, "instrument": symbol, "open": c, "high": c, "low": c,
             "close": c, "volume": 1000} for i, c in enumerate(closes)]


def make(**kw):
    kw.setdefault("params", {"fast": 2, "slow": 4, "quantity": 10})
    kw.setdefault("instruments", ["AAPL"])
    return Harness(SmaCross, **kw)


def test_sma_cross_buys_at_the_crossover():
    with make(name="trend") as h:
        h.bars(bar_rows(CLOSES[:7]))
        (order,) = h.orders
        assert (order.instrument, order.side, order.type, order.quantity) == ("AAPL", "buy", "market", 10)
        assert order.state == "accepted" and order.working
        assert order.submitted_ts == T0 + 6 * MIN == h.now
        assert h.logs == [("info", "cross up at 108.0")]
        assert h.strategy.above is True and h.strategy.closes[-1] == 108


def test_a_fill_moves_position_and_cash_and_reaches_the_strategy():
    with make(cash=50_000.0) as h:
        h.bars(bar_rows(CLOSES[:7]))
        (order,) = h.open_orders
        h.fill(order, price=104.5, fee=1.25)
        assert h.position("AAPL") == 10
        assert h.cash == pytest.approx(50_000.0 - 10 * 104.5 - 1.25)
        assert h.strategy.fills == [(10.0, 104.5)]
        assert h.strategy.updates == [(keel.FILLED, "")]
        assert h.open_orders == [] and h.orders[0].state == "filled"
        info = h.position_info("AAPL")
        assert info["average_price"] == 104.5 and info["fees"] == 1.25


def test_a_market_fill_without_price_takes_the_last_price_and_partial_fills_add_up():
    with make() as h:
        h.bars(bar_rows(CLOSES[:7]))
        (order,) = h.orders
        h.fill(order, quantity=4)
        assert h.orders[0].state == "partially_filled" and h.orders[0].filled_quantity == 4
        h.fill(order)  # the rest
        assert h.position("AAPL") == 10
        assert h.strategy.fills == [(4.0, 108.0), (6.0, 108.0)]
        with pytest.raises(keel.Error, match="no longer working"):
            h.fill(order)


class Pyramids(keel.Strategy):
    """On each fill sends 50 more orders (the harness's order list grows under the update)."""

    def on_start(self, start):
        self.updates = []

    def on_fill(self, fill):
        for _ in range(50):
            self.buy(fill.instrument, 1, limit=1.0)

    def on_order_update(self, update):
        self.updates.append((update.order_id, update.state, update.reason))


def test_orders_sent_from_on_fill_leave_the_update_that_follows_intact():
    with Harness(Pyramids, instruments=["AAPL"]) as h:
        h.strategy.buy("AAPL", 1, limit=2.0)  # as from a callback: the harness answers any call
        h.fill(1)
        assert h.strategy.updates == [(1, keel.FILLED, "")]
        assert len(h.orders) == 51
        h.reject(51, reason="x" * 300)
        assert h.strategy.updates[-1] == (51, keel.REJECTED, "x" * 300)


def test_a_reject_reaches_on_order_update_with_its_reason():
    with make() as h:
        h.bars(bar_rows(CLOSES[:7]))
        h.reject(h.orders[0], reason="insufficient buying power")
        assert h.strategy.updates == [(keel.REJECTED, "insufficient buying power")]
        assert h.orders[0].state == "rejected" and h.orders[0].reason == "insufficient buying power"
        assert h.position("AAPL") == 0 and h.cash == 100_000.0


class Quoter(keel.Strategy):
    """Rests a limit buy under the bid with a tag, cancels it on a timer."""

    def on_start(self, start):
        self.timer_fired = []
        self.canceled = []

    def on_quote(self, quote):
        if not hasattr(self, "order"):
            self.order = self.buy(quote.instrument, 5, limit=quote.bid - 0.5,
                                  time_in_force=keel.GTC, tag=77)
            self.set_timer(quote.ts + 10 * MIN, cookie=9)

    def on_timer(self, timer):
        self.timer_fired.append((timer.ts, timer.cookie))
        self.cancel(self.order)

    def on_order_update(self, update):
        if update.state == keel.CANCELED:
            self.canceled.append(update.client_tag)


def test_a_limit_orders_fields_and_a_timer_that_cancels_it():
    with Harness(Quoter, instruments=["MSFT"]) as h:
        h.quotes([{"ts": T0, "instrument": "MSFT", "bid": 100.0, "bid_size": 3, "ask": 100.2,
                   "ask_size": 4}])
        (order,) = h.orders
        assert (order.type, order.limit_price, order.stop_price, order.tag, order.time_in_force) == \
            ("limit", 99.5, 0.0, 77, "gtc")
        h.advance(T0 + 9 * MIN)
        assert h.strategy.timer_fired == [] and h.cancels == []
        h.advance(T0 + 10 * MIN)
        assert h.strategy.timer_fired == [(T0 + 10 * MIN, 9)]
        assert [o.id for o in h.cancels] == [order.id]
        h.confirm_cancel(order)
        assert h.strategy.canceled == [77] and h.open_orders == []


def test_a_timer_due_before_a_market_event_fires_first():
    with Harness(Quoter, instruments=["MSFT"]) as h:
        quote = {"instrument": "MSFT", "bid": 100.0, "bid_size": 1, "ask": 100.2, "ask_size": 1}
        h.quotes([dict(quote, ts=T0), dict(quote, ts=T0 + 30 * MIN)])
        assert h.strategy.timer_fired == [(T0 + 10 * MIN, 9)]
        assert h.now == T0 + 30 * MIN


def test_dataframe_and_list_inputs_agree_and_are_sorted_by_ts():
    rows = bar_rows(CLOSES)
    frame = pandas.DataFrame(rows[::-1])  # out of order: the harness sorts by ts
    frame["ts"] = pandas.to_datetime(frame["ts"], utc=True)
    with make() as a, make() as b:
        a.bars(rows)
        b.bars(frame)
        assert a.orders == b.orders and len(a.orders) == 1
        assert a.strategy.closes == b.strategy.closes == CLOSES
    with make() as c:  # numpy datetime64 too
        c.bars([dict(r, ts=numpy.datetime64(r["ts"], "ns")) for r in rows])
        assert c.orders == a.orders


class Explodes(keel.Strategy):
    def on_bar(self, bar):
        raise ZeroDivisionError(f"boom at {bar.close}")


def test_an_exception_in_on_bar_propagates_as_itself():
    h = Harness(Explodes, instruments=["AAPL"])
    with pytest.raises(ZeroDivisionError, match="boom at 101.0"):
        h.bars(bar_rows([101.0]))


class BatchBuyer(keel.Strategy):
    """Vectorised: buys on each bar whose close is above 100."""

    def on_bars(self, bars):
        for i in range(len(bars)):
            if bars["close"][i] > 100:
                self.batch_at(i)
                self.buy(int(bars["instrument"][i]), 1)
                return i + 1
        return None


def test_a_vectorised_strategy_gets_its_events_as_the_engine_gives_them():
    with Harness(BatchBuyer, instruments=["AAPL"]) as h:
        h.bars(bar_rows([99, 101, 100, 102]))
        assert [o.submitted_ts for o in h.orders] == [T0 + MIN, T0 + 3 * MIN]


class BadInit(keel.Strategy):
    def __init__(self):
        self.param("missing")


def test_an_exception_in_init_propagates_and_bad_input_says_what():
    with pytest.raises(keel.ParamError, match="/missing"):
        Harness(BadInit)
    with pytest.raises(TypeError, match="keel.Strategy subclass"):
        Harness(dict)
    with make() as h:
        with pytest.raises(ValueError, match="'TSLA' is not one of"):
            h.bars(bar_rows([1.0], symbol="TSLA"))
        with pytest.raises(KeyError, match="bar row 0: missing column 'close'"):
            h.bars([{"ts": 0, "instrument": "AAPL", "open": 1, "high": 1, "low": 1}])
        with pytest.raises(keel.Error, match="never sent"):
            h.fill(3)


def test_the_same_bars_give_the_same_orders_as_a_real_run(tmp_path):
    closes = [100, 99, 98, 97, 99, 102, 104, 103, 100, 97, 95, 98, 101, 104]
    data = write_bars(tmp_path / "bars.csv", closes)
    params = {"fast": 2, "slow": 4, "quantity": 10}
    result = keel.run(bars_config(data, [{"name": "s", "python": {"class": SmaCross},
                                          "instruments": ["AAPL"], "params": params}]))
    assert result.status == "completed"
    with make(name="s") as h:
        h.bars(bar_rows(closes))
        got = [(o.side, o.type, o.quantity, o.submitted_ts) for o in h.orders]
    engine = result.orders
    expected = [(str(side).lower(), str(kind).lower(), q, pandas.Timestamp(ts).value)
                for side, kind, q, ts in zip(engine["side"], engine["type"], engine["quantity"],
                                             engine["submitted_ts"])]
    assert len(got) >= 3
    assert got == expected
