"""Strategies for the PythonRun tests of the per-event objects and of a
callback with the wrong signature.

keel reuses one event object per kind while only it holds the object; an
object a strategy keeps must never change afterwards.
"""
import keel


class KeepsEveryOther(keel.Strategy):
    """Keeps every other bar with the values it had when it arrived, and
    drops the oldest kept one every 7th bar; on_stop checks each kept bar."""

    def __init__(self):
        self.kept = []
        self.seen = 0

    def on_bar(self, bar):
        self.seen += 1
        if self.seen % 2 == 0:
            self.kept.append((bar, bar.ts, bar.instrument, bar.open, bar.close, bar.volume))
        if self.seen % 7 == 0 and self.kept:
            self.kept.pop(0)

    def on_stop(self, at):
        if self.seen < 100:
            raise AssertionError(f"only {self.seen} bars")
        objects = set()
        for bar, ts, instrument, open_, close, volume in self.kept:
            now = (bar.ts, bar.instrument, bar.open, bar.close, bar.volume)
            if now != (ts, instrument, open_, close, volume):
                raise AssertionError(f"a kept bar changed: {(ts, instrument, open_, close, volume)} -> {now}")
            objects.add(id(bar))
        if len(objects) != len(self.kept):
            raise AssertionError("two kept bars are one object")


class KeepsFills(keel.Strategy):
    """Every 5th bar buys or sells 10 (in turn per instrument) and keeps every other fill
    and order update with the values they had when they arrived; on_stop
    checks each kept one, and that the fields read as before (ints, floats,
    bools and strings, read-only)."""

    def __init__(self):
        self.kept = []
        self.kept_updates = []
        self.updates = 0
        self.fills = 0
        self.bars = 0
        self.buy = {}

    def on_bar(self, bar):
        if not (isinstance(bar.ts, int) and isinstance(bar.instrument, int)
                and isinstance(bar.close, float) and isinstance(bar.volume, float)):
            raise AssertionError(f"bar field types: {[type(x) for x in (bar.ts, bar.instrument, bar.close, bar.volume)]}")
        self.bars += 1
        if self.bars % 5 == 0:  # per instrument: buy, sell, buy... (a cash account)
            buy = self.buy.get(bar.instrument, True)
            self.send_order(bar.instrument, keel.BUY if buy else keel.SELL, 10)
            self.buy[bar.instrument] = not buy

    @staticmethod
    def values(fill):
        return (fill.ts, fill.order, fill.order_id, fill.client_tag, fill.instrument, fill.side,
                fill.liquidity, fill.quantity, fill.price, fill.fee)

    def on_fill(self, fill):
        self.fills += 1
        if self.fills % 2 == 0:
            self.kept.append((fill, self.values(fill)))
        try:
            fill.price = 0.0
        except AttributeError:
            pass
        else:
            raise AssertionError("Fill.price could be assigned")

    @staticmethod
    def update_values(u):
        return (u.ts, u.order, u.order_id, u.client_tag, u.instrument, u.state, u.filled_quantity,
                u.remaining_quantity, u.average_fill_price, u.reason, u.terminal)

    def on_order_update(self, update):
        self.updates += 1
        if self.updates % 2 == 0:
            self.kept_updates.append((update, self.update_values(update)))
        try:
            update.state = 0
        except AttributeError:
            pass
        else:
            raise AssertionError("OrderUpdate.state could be assigned")

    def on_stop(self, at):
        if len(self.kept_updates) < 20:
            raise AssertionError(f"only {len(self.kept_updates)} kept updates")
        for update, values in self.kept_updates:
            if self.update_values(update) != values:
                raise AssertionError(f"a kept update changed: {values} -> {self.update_values(update)}")
            ts, order, order_id, tag, instrument, state, filled, remaining, average, reason, terminal = values
            if not all(isinstance(x, int) for x in (ts, order, order_id, tag, instrument, state)):
                raise AssertionError(f"update integer fields: {values}")
            if not all(isinstance(x, float) for x in (filled, remaining, average)):
                raise AssertionError(f"update number fields: {values}")
            if not isinstance(reason, str) or not isinstance(terminal, bool):
                raise AssertionError(f"update reason/terminal: {values}")
            if terminal != (state in (keel.FILLED, keel.CANCELED, keel.REJECTED, keel.EXPIRED)):
                raise AssertionError(f"update terminal: {values}")
        if len({id(u) for u, _ in self.kept_updates}) != len(self.kept_updates):
            raise AssertionError("two kept updates are one object")
        if len(self.kept) < 20:
            raise AssertionError(f"only {len(self.kept)} kept fills")
        for fill, values in self.kept:
            if self.values(fill) != values:
                raise AssertionError(f"a kept fill changed: {values} -> {self.values(fill)}")
            ts, order, order_id, tag, instrument, side, liquidity, quantity, price, fee = values
            if not all(isinstance(x, int) for x in (ts, order, order_id, tag, instrument, side, liquidity)):
                raise AssertionError(f"fill integer fields: {values}")
            if not all(isinstance(x, float) for x in (quantity, price, fee)):
                raise AssertionError(f"fill number fields: {values}")
            if quantity != 10.0 or not price > 0 or side not in (keel.BUY, keel.SELL):
                raise AssertionError(f"fill values: {values}")
        if len({id(fill) for fill, _ in self.kept}) != len(self.kept):
            raise AssertionError("two kept fills are one object")
        if len({values[2] for _, values in self.kept}) != len(self.kept):
            raise AssertionError("two kept fills have one order id")


class StopWithoutItsArgument(keel.Strategy):
    """on_stop is called with the stop time; this one takes none."""

    def on_stop(self):
        pass
