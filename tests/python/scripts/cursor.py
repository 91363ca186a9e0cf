"""Strategies that call keel at every event of a batch, for the batch cursor
test (python_cursor_test.cpp): the fake host records the cursor it reads."""
import keel


class PerEvent(keel.Strategy):
    """The adapter's loop moves the cursor before each on_bar."""

    def on_bar(self, bar):
        self.account()


class Vectorised(keel.Strategy):
    """batch_at moves the cursor; it visits the events backwards so that a
    cursor that merely counted calls would be caught."""

    def on_bars(self, bars):
        for i in reversed(range(len(bars))):
            self.batch_at(i)
            self.account()
        return None
