"""Walk-forward (keel.sweep with "walk_forward"): the windows, the choice in
each in-sample window, the out-of-sample runs and the stitched curve, worked
by hand on a small data set."""
import json
import math

import pytest

import keel
from keel import _sweep_file, _walk_forward
from conftest import bars_config

HOUR = 3_600_000_000_000
DAY = 24 * HOUR
T0 = 1_704_153_600_000_000_000  # 2024-01-02T00:00Z

# Three bars a day (10:00, 15:00, 20:00 UTC), open = close.
PRICES = [(100, 100, 110), (110, 110, 120), (100, 100, 90), (90, 95, 120), (100, 100, 105)]


class BuyOnce(keel.Strategy):
    """Buys `qty` at market on the run's first bar (0: does nothing); the
    order fills at the next bar's open."""

    def __init__(self):
        self.qty = self.param("qty", type=int)
        self.done = False

    def on_bar(self, bar):
        if not self.done and self.qty:
            self.buy(bar.instrument, self.qty)
        self.done = True


def write_data(path):
    lines = ["ts,instrument,open,high,low,close,volume"]
    for day, prices in enumerate(PRICES):
        for hour, price in zip((10, 15, 20), prices):
            lines.append(f"{T0 + day * DAY + hour * HOUR},AAPL,{price},{price},{price},{price},1000")
    path.write_text("\n".join(lines) + "\n")
    return path


def walk_sweep(tmp_path, **walk):
    base = bars_config(write_data(tmp_path / "bars.csv"), [
        {"name": "s", "python": {"class": BuyOnce}, "instruments": ["AAPL"], "params": {"qty": 0}}])
    return {"base": base, "parameters": {"/strategies/0/params/qty": [0, 10]},
            "objective": "total_return",
            "walk_forward": {"in_sample": "2d", "out_of_sample": "1d", **walk}}


def test_windows_roll_by_the_step_and_the_last_is_cut_at_the_end():
    wf = _sweep_file.WalkForward(4 * DAY, 2 * DAY, 2 * DAY)
    assert _walk_forward.windows(0, 10 * DAY, wf) == [
        (0, 4 * DAY, 4 * DAY, 6 * DAY), (2 * DAY, 6 * DAY, 6 * DAY, 8 * DAY),
        (4 * DAY, 8 * DAY, 8 * DAY, 10 * DAY)]
    assert _walk_forward.windows(0, 9 * DAY, wf)[-1] == (4 * DAY, 8 * DAY, 8 * DAY, 9 * DAY)
    assert _walk_forward.windows(0, 4 * DAY, wf) == []  # no time left out of sample


def test_the_best_in_sample_point_runs_out_of_sample_and_the_curve_is_stitched(tmp_path):
    # Windows (in_sample 2d, out_of_sample 1d, step 1d) from the first bar,
    # day 0 10:00, to just after the last, day 4 20:00:
    #   0: in [d0 10h, d2 10h): qty 10 fills at 100 (d0 15h), marked 120: +200 -> best qty 10;
    #      out [d2 10h, d3 10h): fills at 100, marked 90: -100 on 100,000 = -0.1%
    #   1: in [d1 10h, d3 10h): qty 10 fills at 110, marked 90: -200 -> best qty 0;
    #      out [d3 10h, d4 10h): no trade, 0
    #   2: in [d2 10h, d4 10h): qty 10 fills at 100, marked 120: +200 -> best qty 10;
    #      out [d4 10h, end): fills at 100, marked 105: +50 = +0.05%
    # Stitched: 100,000 -> 99,900 -> 99,900 -> 99,900 * 1.0005 = 99,949.95.
    result = keel.sweep(walk_sweep(tmp_path), jobs=1, output_dir=tmp_path / "out")
    assert result.status == "completed"
    windows = result.walk_forward
    assert list(windows.index) == [0, 1, 2]
    assert windows["/strategies/0/params/qty"].tolist() == [10, 0, 10]
    assert windows["is_total_return"].tolist() == pytest.approx([0.002, 0.0, 0.002])
    assert windows["oos_total_return"].tolist() == pytest.approx([-0.001, 0.0, 0.0005])
    assert windows["oos_start"].tolist() == ["2024-01-04T10:00:00Z", "2024-01-05T10:00:00Z",
                                             "2024-01-06T10:00:00Z"]
    assert windows["oos_end"].iloc[-1] == "2024-01-06T20:00:00.000000001Z"
    # Every in-sample run is a row, with its window's bounds as columns.
    table = result.table
    assert len(table) == 6
    assert table["/run/start"].tolist()[::2] == ["2024-01-02T10:00:00Z", "2024-01-03T10:00:00Z",
                                                 "2024-01-04T10:00:00Z"]

    figures = json.loads((tmp_path / "out" / "walk_forward.json").read_text())
    assert figures["windows"] == 3
    assert figures["final_equity"] == pytest.approx(99_949.95)
    assert figures["total_return"] == pytest.approx(-0.0005005)
    assert figures["max_drawdown"] == pytest.approx(0.001)
    # Daily closes of the stitched curve from the opening 100,000: 99,900,
    # 99,900, 99,949.95 -> returns -0.001, 0, +0.0005; Sharpe as summary.json's.
    returns = [-0.001, 0.0, 0.0005]
    mean = sum(returns) / 3
    stdev = math.sqrt(sum((r - mean) ** 2 for r in returns) / 2)
    assert figures["sharpe"] == pytest.approx(mean / stdev * math.sqrt(252), rel=1e-6)

    curve = result.oos_equity
    assert curve["window"].drop_duplicates().tolist() == [0, 1, 2]
    assert curve["equity"].iloc[-1] == pytest.approx(99_949.95)
    assert curve[curve["window"] == 1]["equity"].tolist() == pytest.approx([99_900.0] * 3)
    # Each out-of-sample run's own report is kept.
    for k in range(3):
        summary = json.loads((tmp_path / "out" / "oos" / f"{k:02d}" / "summary.json").read_text())
        assert summary["status"] == "completed"


def test_the_table_is_the_same_on_two_processes(tmp_path, root):
    # The sweep file form, whose base is a run file the workers can read.
    config = bars_config(write_data(tmp_path / "bars.csv"), [
        {"name": "s", "factory": "keel.sma_cross", "instruments": ["AAPL"],
         "params": {"fast": 2, "slow": 3, "quantity": 10}}])
    (tmp_path / "run.json").write_text(json.dumps(config))
    sweep = {"base": "run.json", "parameters": {"/strategies/0/params/fast": [1, 2]},
             "walk_forward": {"in_sample": "2d", "out_of_sample": "1d"}}
    (tmp_path / "sweep.json").write_text(json.dumps(sweep))
    one = keel.sweep(str(tmp_path / "sweep.json"), jobs=1, output_dir=tmp_path / "one")
    two = keel.sweep(str(tmp_path / "sweep.json"), jobs=2, output_dir=tmp_path / "two")
    assert one.status == two.status == "completed"
    for name in ("results.csv", "walk_forward.csv", "oos_equity.csv", "walk_forward.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.parametrize("walk, pointer, words", [
    ({"in_sample": "2 days", "out_of_sample": "1d"}, "/walk_forward/in_sample", "a duration"),
    ({"in_sample": "2d"}, "/walk_forward", "missing 'out_of_sample'"),
    ({"in_sample": "2d", "out_of_sample": "1d", "stpe": "1d"}, "/walk_forward/stpe", "unknown key"),
    ({"in_sample": "2d", "out_of_sample": "0d"}, "/walk_forward/out_of_sample", "a duration"),
    ({"in_sample": "2d", "out_of_sample": "1d", "start": "2024-01-05", "end": "2024-01-03"},
     "/walk_forward/end", "after walk_forward.start"),
])
def test_a_bad_walk_forward_is_named_by_its_pointer(tmp_path, walk, pointer, words):
    sweep = walk_sweep(tmp_path)
    sweep["walk_forward"] = walk
    with pytest.raises(keel.ConfigError) as caught:
        keel.sweep(sweep, jobs=1, output_dir=tmp_path / "out")
    assert any(p == pointer and words in m for p, m in caught.value.errors), caught.value.errors


def test_the_window_bounds_cannot_be_parameters(tmp_path):
    sweep = walk_sweep(tmp_path)
    sweep["parameters"]["/run/start"] = ["2024-01-02"]
    with pytest.raises(keel.ConfigError) as caught:
        keel.sweep(sweep, jobs=1, output_dir=tmp_path / "out")
    assert any(p == "/parameters/~1run~1start" and "sets /run/start itself" in m
               for p, m in caught.value.errors), caught.value.errors


def test_given_bounds_need_no_run_to_find_the_span(tmp_path):
    # start and end given: windows from them, even where the data has no bars.
    result = keel.sweep(walk_sweep(tmp_path, start="2024-01-03T10:00:00Z",
                                   end="2024-01-06T10:00:00Z"),
                        jobs=1, output_dir=tmp_path / "out")
    assert result.walk_forward["oos_start"].tolist() == ["2024-01-05T10:00:00Z"]
    assert result.walk_forward["oos_end"].tolist() == ["2024-01-06T10:00:00Z"]


def test_a_window_without_in_sample_data_chooses_nothing(tmp_path):
    # From 2023-12-29 10:00 the first three in-sample windows end by
    # 2024-01-02 10:00, before the first bar: nothing to choose by (every point
    # would "complete" with no events and tie), so nothing runs out of sample.
    # The fourth, [01-01 10h, 01-03 10h), holds day 0: qty 10 fills at 100
    # and is marked 110, +100; out of sample (day 1) it fills at 110 and is
    # marked 120: +100 on 100,000.
    result = keel.sweep(walk_sweep(tmp_path, start="2023-12-29T10:00:00Z",
                                   end="2024-01-04T10:00:00Z"),
                        jobs=1, output_dir=tmp_path / "out")
    windows = result.walk_forward
    assert windows["oos_status"].tolist() == ["not run: the in-sample window has no data"] * 3 + \
        ["completed"]
    assert windows["best_point"].isna().tolist() == [True, True, True, False]
    assert windows["/strategies/0/params/qty"].tolist()[3] == 10
    assert windows["oos_total_return"].tolist()[3] == pytest.approx(0.001)
    figures = json.loads((tmp_path / "out" / "walk_forward.json").read_text())
    assert figures["final_equity"] == pytest.approx(100_100)
    assert result.oos_equity["window"].unique().tolist() == [3]
