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


class ActsAndGoesOn(keel.Strategy):
    """Sends an order at the batch's event 2 and goes on through the batch."""
    def on_bars(self, bars):
        for i in range(len(bars)):
            self.batch_at(i)
            if i == 2 and not getattr(self, "sent", False):
                self.sent = True
                self.buy(int(bars["instrument"][i]), 1)
        return None


class CursorCancelsNothing(keel.Strategy):
    """Cancels an order that does not exist and goes on: not an action."""
    def on_bars(self, bars):
        for i in range(len(bars)):
            self.batch_at(i)
            if i == 2:
                try:
                    self.cancel(12345)  # not an order handle: refused, nothing sent
                except keel.Error:
                    pass
        return None


class CursorOutOfRange(keel.Strategy):
    def on_bars(self, bars):
        self.batch_at(len(bars))


class CursorInOnBar(keel.Strategy):
    def on_bar(self, bar):
        self.batch_at(0)


class NotAStrategy:
    pass
