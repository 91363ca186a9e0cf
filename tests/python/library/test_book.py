"""Order-book depth for Python strategies: on_book (only for a class that defines it) and
self.book(), a read-only numpy view of a per-strategy buffer, as of the event being handled."""
import numpy
import pytest

import keel

START = 1_704_205_800_000_000_000


def depth_run(tmp_path, cls, steps=6):
    """Bars every 10 s; between them two depth updates (a bid and an ask level that move)."""
    bars = ["ts,instrument,open,high,low,close,volume"]
    depth = ["ts,instrument,side,price,size,exch_ts"]
    for k in range(steps):
        ts = START + k * 10_000_000_000
        bars.append(f"{ts},AAPL,100,100,100,100,1000")
        at = ts + 5_000_000_000
        depth.append(f"{at},AAPL,bid,{99 + k / 100:.2f},{10 + k},{at - 1000}")
        depth.append(f"{at},AAPL,ask,{101 - k / 100:.2f},{20 + k},{at - 1000}")
    (tmp_path / "bars.csv").write_text("\n".join(bars) + "\n")
    (tmp_path / "depth.csv").write_text("\n".join(depth) + "\n")
    return keel.run({
        "run": {"name": "book", "initial_cash": 100000},
        "instruments": [{"id": "AAPL", "kind": "equity", "tick_size": 0.01, "lot_size": 1}],
        "data": [{"path": str(tmp_path / "bars.csv"), "format": "bars"},
                 {"path": str(tmp_path / "depth.csv"), "format": "depth"}],
        "strategies": [{"name": "s", "python": {"class": cls}, "instruments": ["AAPL"]}],
    })


class Watcher(keel.Strategy):
    seen = []

    def on_book(self, update):
        bids = self.book("AAPL", keel.BID, n=2)
        asks = self.book(update.instrument, "ask", n=2)
        Watcher.seen.append((update.ts, update.side, update.price, update.size, update.exch_ts,
                             asks.tolist()))
        assert bids.base is not None  # a view, not a copy


class BarsOnly(keel.Strategy):
    books = 0
    bars = 0

    def on_bar(self, bar):
        BarsOnly.bars += 1
        BarsOnly.books += len(self.book("AAPL", keel.BID))


def test_on_book_gets_every_update_with_the_book_as_of_it(tmp_path):
    Watcher.seen = []
    result = depth_run(tmp_path, Watcher)
    assert result.status == "completed"
    assert len(Watcher.seen) == 12
    ts, side, price, size, exch_ts, asks = Watcher.seen[0]
    assert (side, price, size, exch_ts) == (keel.BID, 99.0, 10.0, ts - 1000)
    assert asks == []  # the ask of that step is the next event
    assert Watcher.seen[1][5] == [[101.0, 20.0]]
    # Step 2's ask (100.98) is the best; levels come best first.
    assert Watcher.seen[5][5] == [[100.98, 22.0], [100.99, 21.0]]


def test_a_class_without_on_book_gets_no_book_events_but_can_read_the_book(tmp_path):
    BarsOnly.books = BarsOnly.bars = 0
    result = depth_run(tmp_path, BarsOnly)
    assert result.status == "completed"
    assert BarsOnly.bars == 6
    assert BarsOnly.books == 0 + 1 + 2 + 3 + 4 + 5  # the bids so far (up to 10 levels)


class ViewCheck(keel.Strategy):
    checked = False

    def on_book(self, update):
        if update.side != keel.ASK or update.ts < START + 20_000_000_000:
            return
        first = self.book("AAPL", keel.BID, n=3)
        kept = first.copy()
        assert first.dtype == numpy.float64 and first.shape == (3, 2)
        assert not first.flags.writeable
        with pytest.raises(ValueError):
            first[0, 0] = 1.0
        second = self.book("AAPL", keel.ASK, n=3)
        # The same buffer: the first array now shows the asks.
        assert numpy.shares_memory(first, second)
        assert first[:len(second)].tolist() == second.tolist() != kept[:len(second)].tolist()
        with pytest.raises(keel.Error, match="neither 'bid' nor 'ask'"):
            self.book("AAPL", "middle")
        with pytest.raises(keel.Error, match="side 5"):
            self.book("AAPL", 5)
        ViewCheck.checked = True


def test_book_returns_a_read_only_view_of_one_buffer(tmp_path):
    ViewCheck.checked = False
    result = depth_run(tmp_path, ViewCheck)
    assert result.status == "completed", result.status
    assert ViewCheck.checked
