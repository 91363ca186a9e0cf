"""keel.testing: unit-test a keel.Strategy subclass without a run file.

    from keel.testing import Harness
    with Harness(MyStrategy, params={"fast": 10}, instruments=["AAPL"]) as h:
        h.bars(rows)                 # a DataFrame or a list of dicts
        order, = h.open_orders
        h.fill(order, price=101.0)   # on_fill, then on_order_update
        assert h.position("AAPL") == 100

The strategy is called through keel's own host (the C++ harness
keel._keel._Harness), as the engine calls it. There is no venue: an order
works ("accepted") from the moment it is sent, with no update, until the
test answers it with fill(), reject() or confirm_cancel(). Instruments are
equities with tick 0.01, lot 1, multiplier 1.
"""
from dataclasses import dataclass as _dataclass
import json as _json

from ._run import _SIDES, _STATES, _TIFS, _TYPES  # the report's words, by ABI value

try:
    from ._keel import _Harness
except ImportError:  # the package embedded in the keel executable has no harness
    raise ImportError("keel.testing needs keel as a library (a plain python3 with "
                      "PYTHONPATH=build/python or keel installed), not `keel run`") from None

__all__ = ["Harness", "Order"]

_WORKING = ("pending", "accepted", "partially_filled")
_LEVELS = {0: "trace", 1: "debug", 2: "info", 3: "warn", 4: "error"}

_COLUMNS = {
    "bar": (("open", None), ("high", None), ("low", None), ("close", None), ("volume", 0.0)),
    "quote": (("bid", None), ("bid_size", 0.0), ("ask", None), ("ask_size", 0.0)),
    "trade": (("price", None), ("size", 0.0)),
}


@_dataclass(frozen=True)
class Order:
    """An order the strategy sent, as it stood when read (h.orders reads afresh).
    `id` is its handle's value (what send_order returned) and the run-wide order number."""
    id: int
    instrument: str
    side: str            # "buy" | "sell"
    type: str            # "market" | "limit" | "stop" | "stop_limit"
    quantity: float
    limit_price: float
    stop_price: float
    time_in_force: str   # "gtc" | "ioc" | "fok"
    tag: int
    state: str           # "accepted" | "partially_filled" | "filled" | "canceled" | "rejected"
    filled_quantity: float
    average_fill_price: float
    fees: float
    reason: str
    submitted_ts: int

    @property
    def working(self):
        return self.state in _WORKING


def _ns(value):
    """ts as int ns: an int, a numpy datetime64 or a pandas Timestamp."""
    if hasattr(value, "value") and not isinstance(value, (int, float)):  # pandas Timestamp
        return int(value.value)
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "M":  # numpy datetime64
        return int(value.astype("datetime64[ns]").astype("int64"))
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"ts {value!r} is not a whole number of ns")
    return int(value)


def _records(rows):
    """A DataFrame or an iterable of dicts, as a list of dicts."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        return rows.to_dict("records")
    return [dict(r) for r in rows]


class Harness:
    """One strategy instance, driven by the test. Creating it calls the class's
    __init__ (with `params`) and on_start; stop() (or leaving a `with` block)
    calls on_stop. An exception the strategy raises comes out of the call
    that made keel call it, as itself."""

    def __init__(self, cls, params=None, instruments=(), cash=100_000.0, name=None, start=0):
        from ._strategy import Strategy
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise TypeError(f"Harness takes a keel.Strategy subclass, got {cls!r}")
        self._symbols = list(instruments)
        self._ids = {s: i for i, s in enumerate(self._symbols)}
        made = []

        class _Tracked(cls):  # records the instance keel makes, for h.strategy
            def __init__(self, *args, **kwargs):
                made.append(self)
                super().__init__(*args, **kwargs)
        _Tracked.__name__ = cls.__name__
        _Tracked.__qualname__ = cls.__qualname__
        _Tracked.__module__ = cls.__module__

        self._made = made
        self._stopped = False
        self._h = _Harness(_Tracked, _json.dumps(params or {}), self._symbols, float(cash),
                           name or cls.__name__, _ns(start))

    # ---- feeding events ----
    def bars(self, rows):
        """Feeds bars (ts, instrument, open, high, low, close[, volume]) in ts order."""
        self._feed("bar", rows)

    def quotes(self, rows):
        """Feeds quotes (ts, instrument, bid, ask[, bid_size, ask_size]) in ts order."""
        self._feed("quote", rows)

    def trades(self, rows):
        """Feeds trades (ts, instrument, price[, size]) in ts order."""
        self._feed("trade", rows)

    def bar(self, **row): self._feed("bar", [row])
    def quote(self, **row): self._feed("quote", [row])
    def trade(self, **row): self._feed("trade", [row])

    def _feed(self, kind, rows):
        events = []
        for n, row in enumerate(_records(rows)):
            try:
                event = {"ts": _ns(row["ts"]), "instrument": self._id(row["instrument"])}
                for column, default in _COLUMNS[kind]:
                    value = row.get(column, default)
                    if value is None:
                        raise KeyError(column)
                    event[column] = float(value)
            except KeyError as e:
                raise KeyError(f"{kind} row {n}: missing column {e.args[0]!r}") from None
            events.append(event)
        events.sort(key=lambda e: e["ts"])  # stable: ties keep the given order
        deliver = getattr(self._h, kind)
        for event in events:
            deliver(event)

    def advance(self, ts):
        """Moves time to ts, firing the timers due by then (on_timer)."""
        self._h.advance(_ns(ts))

    # ---- answering orders ----
    def fill(self, order, price=None, quantity=None, fee=0.0):
        """Fills an order (all that remains, unless `quantity`) at `price`
        (default: its limit price, else the instrument's last price): on_fill,
        then on_order_update (filled or partially_filled); position and cash follow."""
        self._h.fill(self._order_id(order), None if price is None else float(price),
                     None if quantity is None else float(quantity), float(fee))

    def reject(self, order, reason="rejected by the test"):
        """on_order_update with state rejected and `reason`."""
        self._h.reject(self._order_id(order), str(reason))

    def confirm_cancel(self, order):
        """on_order_update with state canceled (answering a cancel request, or not)."""
        self._h.confirm_cancel(self._order_id(order))

    # ---- what the strategy did ----
    @property
    def orders(self):
        """Every order the strategy sent, in order (snapshots: read again after a change)."""
        return [self._make_order(d) for d in self._h.orders()]

    @property
    def open_orders(self):
        return [o for o in self.orders if o.working]

    @property
    def cancels(self):
        """The orders the strategy asked to cancel, in request order (not yet confirmed)."""
        by_id = {o.id: o for o in self.orders}
        return [by_id[i] for i in self._h.cancels()]

    @property
    def logs(self):
        """(level, message) the strategy logged; level is "debug", "info", "warn" or "error"."""
        return [(_LEVELS.get(level, str(level)), message) for level, message in self._h.logs()]

    def position(self, instrument):
        """The signed quantity held (> 0 long); position_info() has the rest."""
        return self.position_info(instrument)["quantity"]

    def position_info(self, instrument):
        """quantity, average_price, realized_pnl, unrealized_pnl, fees, mark_price."""
        return self._h.position(self._id(instrument))

    @property
    def cash(self):
        return self._h.cash

    @property
    def now(self):
        """ns since the epoch: the latest event's or advance()'s time."""
        return self._h.now

    @property
    def strategy(self):
        """The strategy object keel made (inspect its attributes)."""
        return self._made[0] if self._made else None

    # ---- the end ----
    def stop(self):
        """on_stop; the harness takes no more calls after."""
        if not self._stopped:
            self._stopped = True
            self._h.stop()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, trace):
        if kind is None:
            self.stop()
        else:  # the test failed already: stop quietly
            try:
                self.stop()
            except Exception:
                pass
        return False

    # ---- helpers ----
    def _id(self, instrument):
        try:
            return self._ids[instrument]
        except KeyError:
            raise ValueError(f"instrument {instrument!r} is not one of this harness's "
                           f"{self._symbols} (give it in instruments=[...])") from None

    @staticmethod
    def _order_id(order):
        return order.id if isinstance(order, Order) else int(order)

    def _make_order(self, d):
        return Order(id=d["id"], instrument=self._symbols[d["instrument"]],
                     side=_SIDES[d["side"]], type=_TYPES[d["type"]], quantity=d["quantity"],
                     limit_price=d["limit_price"], stop_price=d["stop_price"],
                     time_in_force=_TIFS[d["time_in_force"]],
                     tag=d["tag"], state=_STATES[d["state"]],
                     filled_quantity=d["filled_quantity"],
                     average_fill_price=d["average_fill_price"], fees=d["fees"],
                     reason=d["reason"], submitted_ts=d["submitted_ts"])
