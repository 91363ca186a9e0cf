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
    """Buys and sells 10 in turn every 5th bar and keeps every other fill
    with the values it had when it arrived; on_stop checks each kept fill,
    and that the fields read as before (ints and floats, read-only)."""

    def __init__(self):
        self.kept = []
        self.fills = 0
        self.bars = 0
        self.buy = True

    def on_bar(self, bar):
        if not (isinstance(bar.ts, int) and isinstance(bar.instrument, int)
                and isinstance(bar.close, float) and isinstance(bar.volume, float)):
            raise AssertionError(f"bar field types: {[type(x) for x in (bar.ts, bar.instrument, bar.close, bar.volume)]}")
        self.bars += 1
        if self.bars % 5 == 0:
            self.send_order(bar.instrument, keel.BUY if self.buy else keel.SELL, 10)
            self.buy = not self.buy

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

    def on_stop(self, at):
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
