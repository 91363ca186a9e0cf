"""One strategy in three forms that, at bar params["at"] (1-based), sends a
market order and an order a risk limit refuses, then raises
(tests/python/python_run_test.cpp): the report of each form must be that of
per-event delivery, however keel batches the bars.

  PerEvent   on_bar; keel's adapter loops over a batch for it.
  Cursor     on_bars, a loop that moves keel's batch cursor (batch_at).
  Vectorised on_bars without a loop: numpy finds the bar, batch_at(i) says
             which, then it acts and raises there.
Each also logs now() at the failing bar, which must be that bar's time.
"""
import numpy

import keel


class PerEvent(keel.Strategy):
    def __init__(self):
        self.at = self.param("at", type=int, min=1)
        self.quantity = self.param("quantity", 10.0, type=float)
        self.refused = self.param("refused", 1e9, type=float)
        self.bars = 0

    def on_bar(self, bar):
        self.bars += 1
        if self.bars == self.at:
            self.fail(bar.instrument, bar.ts)

    def fail(self, instrument, ts):
        if self.now() != ts:
            raise AssertionError(f"now() is {self.now()} at the bar of {ts}")
        self.warn(f"failing at the bar of {ts}, now() {self.now()}")
        self.buy(instrument, self.quantity)
        try:
            self.buy(instrument, self.refused)
        except keel.OrderRejected:
            pass
        raise RuntimeError(f"bar {self.at} is bad")


class Cursor(PerEvent):
    def on_bars(self, bars):
        for i in range(len(bars)):
            self.batch_at(i)
            self.bars += 1
            if self.bars == self.at:
                self.fail(int(bars["instrument"][i]), int(bars["ts"][i]))
        return None


class Vectorised(PerEvent):
    def on_bars(self, bars):
        seen = self.bars + numpy.arange(1, len(bars) + 1)
        hits = numpy.flatnonzero(seen == self.at)
        if hits.size == 0:
            self.bars += len(bars)
            return None
        i = int(hits[0])
        self.batch_at(i)
        self.bars += i + 1
        self.fail(int(bars["instrument"][i]), int(bars["ts"][i]))
