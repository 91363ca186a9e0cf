"""Strategies that go wrong, one way each (tests/python/python_run_test.cpp)."""
import keel


class Boom(keel.Strategy):
    def on_bar(self, bar):
        self.bars = getattr(self, "bars", 0) + 1
        if self.bars == 5:
            return 1 / 0


class UnknownInstrument(keel.Strategy):
    def on_bar(self, bar):
        self.buy("XYZ", 1)


class NotSubscribed(keel.Strategy):
    def on_bar(self, bar):
        self.buy("MSFT", 1)


class NeedsWindow(keel.Strategy):
    def __init__(self):
        self.window = self.param("window", type=int, min=2)


class BadBatchCount(keel.Strategy):
    def on_bars(self, bars):
        return 0


class NotAStrategy:
    pass
