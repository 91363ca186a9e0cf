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


class StopWithoutItsArgument(keel.Strategy):
    """on_stop is called with the stop time; this one takes none."""

    def on_stop(self):
        pass
