"""SmaCrossBatch that reports the largest batch it was given (a warning in on_stop)."""
import sys
import os

sys.path.insert(0, os.environ["KEEL_EXAMPLES_PYTHON"])
from sma_cross import SmaCrossBatch  # noqa: E402


class Probe(SmaCrossBatch):
    largest = 0
    calls = 0

    def on_bars(self, bars):
        Probe.largest = max(Probe.largest, len(bars))
        Probe.calls += 1
        return super().on_bars(bars)

    def on_stop(self, at):
        self.warn(f"largest batch {Probe.largest} bars, {Probe.calls} calls")
