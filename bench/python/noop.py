"""A Python strategy that does nothing, for keel_bench's call overhead: the
per-event form (on_quote) and the batch form (on_quotes, one call over a
numpy view of a span of quotes). What is measured is the crossing into
Python, not the strategy."""

import keel


class NoOp(keel.Strategy):
    def on_quote(self, quote):
        pass


class NoOpBatched(keel.Strategy):
    def on_quotes(self, quotes):
        pass
