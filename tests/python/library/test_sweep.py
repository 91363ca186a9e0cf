"""keel.sweep and `python3 -m keel sweep`: the points, the checks before any run,
the results table, best/ and points/, the local process pool (a worker that
dies, determinism against the serial reference) and Ctrl-C."""
import csv
import json
import os
import random
import signal
import subprocess
import sys
import warnings

import pytest

import keel
from keel import _sweep, _sweep_file, _sweep_points
from conftest import ROOT, bars_config, write_bars

EXAMPLE = ROOT / "config/examples/sweep_sma.json"

# A Python strategy whose param "mode" makes its point misbehave: "exit" ends
# its process at once (as a crashing plugin would), "fail" raises, "sleep"
# naps on every bar (a slow point to interrupt).
SCRIPT = """
import os, time
import keel

class Moody(keel.Strategy):
    def __init__(self):
        self.mode = self.param("mode", "trade", type=str)
        self.quantity = self.param("quantity", 1, type=int)
        self.bars = 0

    def on_bar(self, bar):
        self.bars += 1
        if self.mode == "exit" and self.bars == 3:
            os._exit(7)
        if self.mode == "fail" and self.bars == 3:
            raise ValueError("mode fail asked for it")
        if self.mode == "sleep":
            time.sleep(0.2)
        if self.bars % 2:
            self.buy(bar.instrument, self.quantity)
        else:
            self.sell(bar.instrument, self.quantity)
"""


def moody_run(tmp_path, bars=20):
    """A run file (in tmp_path) of one Moody strategy, and its folder's script."""
    (tmp_path / "moody.py").write_text(SCRIPT)
    data = write_bars(tmp_path / "bars.csv", [100.0 + (i % 7) for i in range(bars)])
    run = bars_config("bars.csv", [{"name": "m", "python": {"script": "moody.py", "class": "Moody"},
                                    "instruments": ["AAPL"], "params": {"mode": "trade"}}])
    run["output"] = {"dir": "out"}
    run["venue"]["taker_fee_bps"] = 1  # fees grow with the quantity
    assert data.exists()
    (tmp_path / "run.json").write_text(json.dumps(run))
    return tmp_path / "run.json"


def write_sweep(tmp_path, parameters, name="sweep.json", **more):
    document = {"base": "run.json", "parameters": parameters, "output": {"dir": "results"}}
    document.update(more)
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---- the points ----------------------------------------------------------------------------

def test_lists_ranges_and_random_samples_expand_in_file_order_last_fastest(tmp_path):
    base = {"strategies": [{"params": {"a": 1}}], "venue": {}}
    spec = _sweep_file.parse_sweep({"base": base, "parameters": {
        "/strategies/0/params/a": [1, "x"],
        "/strategies/0/params/b": {"range": [0.1, 0.3, 0.1]},
        "/venue/taker_fee_bps": {"random": {"n": 2, "seed": 5, "uniform": [0, 2]}},
    }})
    values = dict(spec.parameters)
    assert values["/strategies/0/params/b"] == [0.1, 0.2, 0.3]  # no 0.30000000000000004
    draw = random.Random(5)
    assert values["/venue/taker_fee_bps"] == [draw.uniform(0, 2), draw.uniform(0, 2)]
    points = _sweep_file.expand(spec.parameters)
    assert len(points) == 12
    assert points[0] == (1, 0.1, values["/venue/taker_fee_bps"][0])
    assert points[1] == (1, 0.1, values["/venue/taker_fee_bps"][1])  # the last varies fastest
    assert points[2][:2] == (1, 0.2) and points[6][0] == "x"


def test_integer_ranges_stay_integers_and_include_their_stop():
    errors = []
    assert _sweep_file._expand_range([20, 60, 10], "", errors) == [20, 30, 40, 50, 60]
    assert _sweep_file._expand_range([5, 1, -2], "", errors) == [5, 3, 1]
    assert all(type(v) is int for v in _sweep_file._expand_range([20, 60, 10], "", errors))
    assert errors == []


def test_random_draws_are_seeded():
    def draw(kind, bounds):
        errors = []
        values = _sweep_file._expand_random({"n": 50, "seed": 3, kind: bounds}, "", errors)
        assert errors == []
        return values
    ints = draw("int", [1, 3])
    assert set(ints) == {1, 2, 3} and ints == draw("int", [1, 3])
    logs = draw("log_uniform", [1e-4, 1e-2])
    assert all(1e-4 <= v <= 1e-2 for v in logs)
    assert set(draw("choice", ["a", "b"])) == {"a", "b"}


def test_every_sweep_file_error_is_reported_with_its_pointer(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps(
        {"strategies": [{"params": {"fast": 1}}], "venue": {"taker_fee_bps": 1}}))
    path = write_sweep(tmp_path, {
        "/strategies/0/params/slow": [1],              # a new key of an existing object: fine
        "/strategies/3/params/fast": [1],              # no such index
        "/strategy/0/params/fast": [1],                # no such key on the way
        "/venue/taker_fee_bps": {"range": [1, 0, 1]},  # never gets there
        "/venue/maker_fee_bps": {"random": {"n": 2, "seed": 1}},
        "/venue/fee_per_order": [],
    }, objective="sharp", extra=1)
    with pytest.raises(keel.ConfigError) as caught:
        keel.sweep(path)
    errors = dict(caught.value.errors)
    assert "/strategies~10~1params~1slow" not in str(errors)
    assert "is a list of 1" in errors["/parameters/~1strategies~13~1params~1fast"]
    assert "no 'strategy'" in errors["/parameters/~1strategy~10~1params~1fast"]
    assert "never goes" in errors["/parameters/~1venue~1taker_fee_bps/range/2"]
    assert "exactly one of" in errors["/parameters/~1venue~1maker_fee_bps/random"]
    assert "at least one value" in errors["/parameters/~1venue~1fee_per_order"]
    assert "unknown metric 'sharp'" in errors["/objective"]
    assert "unknown key 'extra'" in errors["/extra"]
    assert str(path) in str(caught.value)
    assert not (tmp_path / "results").exists()


def test_a_bad_point_is_caught_before_anything_runs_and_named_with_its_values(tmp_path):
    moody_run(tmp_path)
    path = write_sweep(tmp_path, {"/strategies/0/params/quantity": [1, 2],
                                  "/venue/order_latency_ns": [0, -5]})
    code = _sweep.main([str(path)])
    assert code == 2
    with pytest.raises(keel.SweepError) as caught:
        keel.sweep(path)
    message = str(caught.value)
    assert "2 of 4 points" in message
    assert "point 1 (/strategies/0/params/quantity=1, /venue/order_latency_ns=-5): run.json: " \
           "/venue/order_latency_ns:" in message
    assert "point 3 (" in message and "point 0 (" not in message
    assert not (tmp_path / "results" / "results.csv").exists()


# ---- the results ---------------------------------------------------------------------------

def test_the_example_gives_the_same_table_serially_and_on_two_processes(tmp_path):
    serial = keel.sweep(EXAMPLE, jobs=1, output_dir=tmp_path / "one")
    pooled = keel.sweep(EXAMPLE, jobs=2, output_dir=tmp_path / "two")
    one = (tmp_path / "one" / "results.csv").read_bytes()
    assert one == (tmp_path / "two" / "results.csv").read_bytes()
    assert serial.status == pooled.status == "completed"
    rows = read_csv(tmp_path / "one" / "results.csv")
    assert len(rows) == 18 and [r["point"] for r in rows] == [str(i) for i in range(18)]
    assert list(rows[0])[:4] == ["point", "/strategies/0/params/fast", "/strategies/0/params/slow",
                                 "/venue/taker_fee_bps"]
    assert list(rows[0])[4:] == ["status", *_sweep_file.METRICS, "error"]
    # Each row is that point's own run.
    point = json.loads((ROOT / "config/examples/demo.json").read_text())
    point["strategies"][0]["params"].update(fast=10, slow=45)
    point["venue"]["taker_fee_bps"] = float(rows[9]["/venue/taker_fee_bps"])
    assert (rows[9]["/strategies/0/params/fast"], rows[9]["/strategies/0/params/slow"]) == \
        ("10", "45")
    alone = keel.run(dict(point, data=[{"path": str(ROOT / "examples/data/demo_bars.csv"),
                                         "format": "bars"}]))
    assert float(rows[9]["final_equity"]) == alone.summary["final_equity"]
    assert float(rows[9]["sharpe"]) == alone.summary["sharpe"]


def test_best_holds_the_best_points_report_and_it_equals_its_row(tmp_path):
    result = keel.sweep(EXAMPLE, jobs=1, output_dir=tmp_path / "out")
    table = result.table
    best = table[table["status"] == "completed"]["sharpe"].idxmax()
    assert result.best == best
    summary = json.loads((tmp_path / "out" / "best" / "summary.json").read_text())
    row = table.loc[best]
    for metric in ("final_equity", "sharpe", "max_drawdown", "total_fees", "num_fills", "events"):
        assert summary[metric] == row[metric], metric
    assert result.best_result.summary == summary
    assert len(result.best_result.fills) == summary["num_fills"]
    # Its tables are keel.run's: trades with a duration (NaT for a trade
    # still open), read without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trades = result.best_result.trades
    assert trades.columns.tolist()[:6] == ["strategy", "instrument", "direction", "entry_ts",
                                           "exit_ts", "duration"]
    assert trades["duration"].isna().tolist() == trades["open"].astype(bool).tolist()
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["best"] == best and results["status"] == "completed"
    assert results["objective"] == {"metric": "sharpe", "goal": "max"}
    assert results["rows"][best]["sharpe"] == row["sharpe"]
    assert not (tmp_path / "out" / "points").exists()


def test_keep_all_writes_every_points_report_and_min_goals_pick_the_lowest(tmp_path):
    moody_run(tmp_path)
    path = write_sweep(tmp_path, {"/strategies/0/params/quantity": [3, 1, 2, 1]},
                       objective="total_fees", keep_all=True)
    result = keel.sweep(path, jobs=1)
    folder = tmp_path / "results"
    assert sorted(p.name for p in (folder / "points").iterdir()) == ["0000", "0001", "0002", "0003"]
    for i in range(4):
        summary = json.loads((folder / "points" / f"{i:04d}" / "summary.json").read_text())
        assert summary["final_equity"] == result.table.loc[i, "final_equity"]
    assert result.objective == ("total_fees", "min")
    assert result.best == 1  # points 1 and 3 tie: the lowest index wins
    assert (folder / "best" / "summary.json").read_bytes() == \
        (folder / "points" / "0001" / "summary.json").read_bytes()


def test_a_failed_point_fills_its_row_and_the_sweep_exits_4(tmp_path, capsys):
    moody_run(tmp_path)
    path = write_sweep(tmp_path, {"/strategies/0/params/mode": ["trade", "fail", "trade"]})
    assert _sweep.main([str(path), "--jobs", "1"]) == 4
    out = capsys.readouterr().out
    assert "1 failed" in out and "point 1 failed:" in out and "mode fail asked for it" in out
    rows = read_csv(tmp_path / "results" / "results.csv")
    assert [r["status"].split(":")[0] for r in rows] == ["completed", "failed", "completed"]
    assert "ValueError" in rows[1]["error"] and "mode fail asked for it" in rows[1]["error"]
    assert rows[0]["error"] == "" and rows[0]["final_equity"] == rows[2]["final_equity"]
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["status"] == "failed" and results["best"] == 0


# ---- the process pool ----------------------------------------------------------------------

def test_a_point_that_kills_its_worker_fails_alone_and_the_others_are_unchanged(tmp_path):
    moody_run(tmp_path)
    modes = ["trade", "trade", "exit", "trade", "trade"]
    quantities = {"/strategies/0/params/quantity": [1, 2]}
    crashing = keel.sweep(write_sweep(tmp_path, {"/strategies/0/params/mode": modes, **quantities},
                                      "crash.json"), jobs=2, output_dir=tmp_path / "crash")
    keel.sweep(write_sweep(tmp_path, {"/strategies/0/params/mode": ["trade"] * 5, **quantities},
                           "calm.json"), jobs=2, output_dir=tmp_path / "calm")
    crashed = crashing.table
    assert list(crashed.index) == list(range(10))
    dead = crashed.loc[[4, 5]]
    assert (dead["status"] == "failed: the worker process died while running this point "
                              "(exit code 7)").all()
    assert dead["final_equity"].isna().all()
    # Every other row is byte for byte what it is without the crashing point.
    crashed_lines = (tmp_path / "crash" / "results.csv").read_text().splitlines()
    calm_lines = (tmp_path / "calm" / "results.csv").read_text().splitlines()
    assert len(crashed_lines) == len(calm_lines) == 11
    for i in [i for i in range(10) if i not in (4, 5)]:
        assert crashed_lines[1 + i] == calm_lines[1 + i]
    assert crashing.status == "failed"


def test_a_worker_killed_by_a_signal_is_named(tmp_path):
    from keel._local_pool import LocalExecutor
    moody_run(tmp_path)
    base = json.loads((tmp_path / "run.json").read_text())
    executor = LocalExecutor(2)
    try:
        tasks = [_sweep_points.PointTask(i, base, str(tmp_path / "run.json")) for i in range(3)]
        tasks[1] = _sweep_points.PointTask(1, {**base, "strategies": [dict(
            base["strategies"][0], python={"script": "kill.py", "class": "Kill"})]},
            str(tmp_path / "run.json"))
        (tmp_path / "kill.py").write_text("import os, signal, keel\nclass Kill(keel.Strategy):\n"
                                          "    def on_bar(self, bar):\n"
                                          "        os.kill(os.getpid(), signal.SIGKILL)\n")
        results = []
        executor.run(tasks, results.append)
    finally:
        executor.close()
    assert sorted(r["index"] for r in results) == [0, 1, 2]
    by_index = {r["index"]: r for r in results}
    assert by_index[1]["error"] == "the worker process died while running this point (signal 9)"
    assert by_index[0]["status"] == by_index[2]["status"] == "completed"


# ---- Ctrl-C --------------------------------------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_writes_the_rows_done_and_exits_130(tmp_path, jobs):
    moody_run(tmp_path, bars=400)
    path = write_sweep(tmp_path, {"/strategies/0/params/mode": ["trade", "trade", "sleep", "sleep",
                                                                "sleep"]})
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(keel.__file__)))
    sweep = subprocess.Popen([sys.executable, "-m", "keel", "sweep", str(path), "--progress",
                              "--jobs", jobs], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    try:
        lines = []
        for line in sweep.stderr:  # wait for both quick points' rows
            lines.append(line)
            if "2/5 points done" in line:
                break
        assert lines and "2/5 points done" in lines[-1], "".join(lines)
        sweep.send_signal(signal.SIGINT)
        out, err = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130, err
    rows = read_csv(tmp_path / "results" / "results.csv")
    assert [r["status"] for r in rows[:2]] == ["completed", "completed"]
    assert all(r["status"] in ("not run", "interrupted") for r in rows[2:])
    assert len(rows) == 5
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["status"] == "interrupted" and results["best"] in (0, 1)
    assert "5 points: 2 completed" in out


def test_ctrl_c_that_a_run_swallows_still_stops_the_sweep(tmp_path):
    # Point 1's strategy script is being imported when SIGINT comes: the
    # KeyboardInterrupt ends that import (the point cannot load its
    # strategy), and the sweep must stop there all the same.
    moody_run(tmp_path)
    (tmp_path / "stop.py").write_text("import os, signal, time\n"
                                      "os.kill(os.getpid(), signal.SIGINT)\n"
                                      "time.sleep(5)\n")
    path = write_sweep(tmp_path, {"/strategies/0/python/script": ["moody.py", "stop.py",
                                                                  "moody.py"]})
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(keel.__file__)))
    done = subprocess.run([sys.executable, "-m", "keel", "sweep", str(path), "--jobs", "1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 130, done.stdout + done.stderr
    rows = read_csv(tmp_path / "results" / "results.csv")
    assert [r["status"] for r in rows] == ["completed", "interrupted", "not run"]
