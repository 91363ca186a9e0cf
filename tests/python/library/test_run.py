"""keel.run: a run in this process, results as DataFrames, errors as exceptions."""
import _thread
import math
import os
import pathlib
import subprocess
import sys

import numpy
import pandas
import pytest

import keel
from conftest import bars_config, write_bars

DEMO = "config/examples/demo.json"


# ---- the package ---------------------------------------------------------------------------

def test_the_package_is_the_one_strategies_import():
    assert keel.Strategy.__module__ == "keel._strategy"
    assert keel.run.__module__ == "keel" and keel.Result.__module__ == "keel"
    assert keel._keel._library is True
    assert pathlib.Path(keel.__file__).name == "__init__.py"


def test_the_readme_one_liner_works_from_the_source_folder(root):
    # What the "done when" runs, as a user would, in a fresh process.
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-c", f"import keel; print(keel.run({DEMO!r}).fills.head())"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "trend_aapl" in out.stdout and "AAPL" in out.stdout


# ---- results -------------------------------------------------------------------------------

def test_the_dataframes_are_the_report_files(root, tmp_path, monkeypatch):
    monkeypatch.chdir(root)
    result = keel.run(DEMO, output_dir=tmp_path / "out")
    assert result.status == "completed"
    assert result.summary["num_fills"] == len(result.fills) > 0
    assert result.output_dir == str(tmp_path / "out")
    for table in ("fills", "orders", "equity", "equity_by_strategy"):
        csv = pandas.read_csv(tmp_path / "out" / f"{table}.csv", float_precision="round_trip")
        frame = getattr(result, table)
        assert list(frame.columns) == list(csv.columns), table
        assert len(frame) == len(csv), table
        for column in csv.columns:
            if column.endswith("ts"):
                expected = pandas.to_datetime(csv[column], utc=True)
                assert (frame[column].reset_index(drop=True) == expected).all(), (table, column)
            elif csv[column].dtype == object:
                got = frame[column].astype(object).where(frame[column].notna(), numpy.nan)
                assert got.fillna("").astype(str).tolist() == csv[column].fillna("").astype(str).tolist()
            else:
                numpy.testing.assert_array_equal(frame[column].to_numpy(dtype=float),
                                                 csv[column].to_numpy(dtype=float),
                                                 err_msg=f"{table}.{column}")
    trades = pandas.read_csv(tmp_path / "out" / "trades.csv", float_precision="round_trip")
    assert len(result.trades) == len(trades)
    numpy.testing.assert_array_equal(result.trades["net_pnl"].to_numpy(), trades["net_pnl"].to_numpy())
    closed = ~result.trades["open"]
    assert (result.trades.loc[closed, "duration"].to_numpy().astype("int64") ==
            trades.loc[closed.to_numpy(), "duration_ns"].to_numpy()).all()
    summary = (tmp_path / "out" / "summary.json").read_text()
    import json
    assert json.loads(summary) == result.summary


def test_column_types(root, monkeypatch):
    monkeypatch.chdir(root)
    fills = keel.run(DEMO).fills
    assert str(fills["ts"].dtype) == "datetime64[ns, UTC]"
    assert fills["strategy"].dtype == "category"
    assert set(fills["side"].cat.categories) == {"buy", "sell"}
    assert fills["price"].dtype == numpy.float64
    orders = keel.run(DEMO).orders
    assert orders.loc[orders["type"] == "market", "limit_price"].isna().all()


def test_without_output_dir_nothing_is_written(root, tmp_path):
    data = write_bars(tmp_path / "bars.csv", [100 + math.sin(i / 5) for i in range(200)])
    config = bars_config(data, [{"name": "s", "factory": "keel.sma_cross", "instruments": ["AAPL"],
                                 "params": {"fast": 5, "slow": 20, "quantity": 10}}])
    config["output"] = {"dir": str(tmp_path / "must_not_exist")}
    before = sorted(p.name for p in tmp_path.iterdir())
    result = keel.run(config)
    assert result.status == "completed" and len(result.fills) > 0
    assert result.output_dir is None
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# ---- strategies as classes -------------------------------------------------------------------

class Flipper(keel.Strategy):
    """Buys on even bars, sells on odd ones: a fill on every bar after the first."""

    def __init__(self):
        self.quantity = self.param("quantity", type=int)
        self.bars = 0

    def on_bar(self, bar):
        self.bars += 1
        self.buy(bar.instrument, self.quantity) if self.bars % 2 else self.sell(bar.instrument, self.quantity)


def test_a_dict_may_name_a_class_and_each_strategy_keeps_its_own_book(tmp_path):
    data = write_bars(tmp_path / "bars.csv", [100 + i * 0.5 for i in range(30)])
    config = bars_config(data, [
        {"name": "small", "python": {"class": Flipper}, "instruments": ["AAPL"], "params": {"quantity": 1}},
        {"name": "big", "python": {"class": Flipper}, "instruments": ["AAPL"], "params": {"quantity": 7}},
    ])
    result = keel.run(config)
    assert result.status == "completed"
    by_name = result.fills.groupby("strategy", observed=True)["quantity"].max()
    assert by_name["small"] == 1 and by_name["big"] == 7
    curves = result.equity_by_strategy
    assert set(curves["strategy"]) == {"small", "big"}
    # The two books sum to the run's equity at every sample.
    total = curves.groupby("ts")["equity"].sum()
    whole = result.equity.groupby("ts")["equity"].last()
    numpy.testing.assert_allclose(total.to_numpy(), whole.loc[total.index].to_numpy(), rtol=1e-12)


def test_a_class_that_is_not_a_strategy_is_refused_by_name(tmp_path):
    class NotAStrategy:
        pass
    data = write_bars(tmp_path / "bars.csv", [100.0] * 5)
    with pytest.raises(keel.RunError, match="NotAStrategy.*subclass of keel.Strategy") as caught:
        keel.run(bars_config(data, [{"name": "x", "python": {"class": NotAStrategy},
                                     "instruments": ["AAPL"]}]))
    assert caught.value.result.status.startswith("failed")


# ---- errors ------------------------------------------------------------------------------------

def test_an_invalid_config_lists_every_error_with_its_pointer(tmp_path):
    data = write_bars(tmp_path / "bars.csv", [100.0] * 5)
    config = bars_config(data, [{"name": "s", "factory": "keel.sma_cross", "instruments": ["APPL"]}])
    config["venue"]["taker_fee_bps"] = "high"
    with pytest.raises(keel.ConfigError) as caught:
        keel.run(config)
    pointers = [p for p, _ in caught.value.errors]
    assert "/venue/taker_fee_bps" in pointers
    assert "/strategies/0/instruments/0" in pointers
    assert "did you mean 'AAPL'" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_config_value_that_is_not_json_is_named_by_pointer(tmp_path):
    config = bars_config(tmp_path / "x.csv", [{"name": "s", "factory": "keel.sma_cross",
                                               "instruments": ["AAPL"], "params": {"fast": {1, 2}}}])
    with pytest.raises(keel.ConfigError, match="/strategies/0/params/fast: set is not JSON"):
        keel.run(config)


def test_a_missing_run_file_is_a_config_error():
    with pytest.raises(keel.ConfigError, match="no-such.json"):
        keel.run("no-such.json")


class Explodes(keel.Strategy):
    def on_bar(self, bar):
        if bar.close > 103:
            raise ZeroDivisionError("boom at %s" % bar.close)


def test_a_strategy_exception_comes_out_as_itself_with_the_partial_result(tmp_path):
    data = write_bars(tmp_path / "bars.csv", [100.0 + i for i in range(10)])
    with pytest.raises(ZeroDivisionError, match="boom at 104") as caught:
        keel.run(bars_config(data, [{"name": "bomb", "python": {"class": Explodes},
                                     "instruments": ["AAPL"]}]))
    cause = caught.value.__cause__
    assert isinstance(cause, keel.StrategyError)
    assert cause.strategy == "bomb" and "bomb" in str(cause)
    partial = caught.value.keel_result
    assert partial is cause.result
    assert partial.status.startswith("failed")
    assert 0 < partial.summary["events"] < 10


class InterruptsAt(keel.Strategy):
    def on_bar(self, bar):
        if bar.close == 105:
            _thread.interrupt_main()  # what Ctrl-C does: a KeyboardInterrupt in the main thread


def test_ctrl_c_in_a_strategy_stops_the_run_with_a_consistent_partial_result(tmp_path):
    data = write_bars(tmp_path / "bars.csv", [100.0 + i for i in range(50)])
    with pytest.raises(KeyboardInterrupt) as caught:
        keel.run(bars_config(data, [{"name": "s", "python": {"class": InterruptsAt},
                                     "instruments": ["AAPL"]}]), output_dir=tmp_path / "out")
    partial = caught.value.keel_result
    assert partial.status == "interrupted"
    # The engine stops at the next event it reaches; the strategy, handed a
    # span of bars at once, may have looked a few bars further without acting.
    assert 1 <= partial.summary["events"] <= 6
    import json
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"


def test_ctrl_c_during_a_native_run_stops_it_at_the_progress_tick(tmp_path):
    # No Python code runs during this run (a C++ strategy): Python's SIGINT
    # handler runs at the engine's progress tick. A thread sends the signal
    # once the run is under way; if the run ever finishes first, the data
    # grows and it tries again.
    import signal
    import threading
    import time
    rows = 400_000
    for attempt in range(4):
        closes = 100 + numpy.sin(numpy.arange(rows) / 7.0)
        ts = 1_704_205_800_000_000_000 + numpy.arange(rows, dtype=numpy.int64) * 60_000_000_000
        frame = pandas.DataFrame({"ts": ts, "instrument": "AAPL", "open": closes, "high": closes,
                                  "low": closes, "close": closes, "volume": 1000})
        frame.to_csv(tmp_path / "bars.csv", index=False)
        config = bars_config(tmp_path / "bars.csv",
                             [{"name": "s", "factory": "keel.sma_cross", "instruments": ["AAPL"],
                               "params": {"fast": 5, "slow": 20, "quantity": 10}}])
        main = threading.get_ident()
        sender = threading.Timer(0.05, lambda: signal.pthread_kill(main, signal.SIGINT))
        finished = False
        try:
            sender.start()
            keel.run(config)
            finished = True
            time.sleep(1)  # the signal arrives here
        except KeyboardInterrupt as interrupt:
            if finished:
                rows *= 4
                continue
            partial = interrupt.keel_result
            assert partial.status == "interrupted"
            assert 0 < partial.summary["events"] < rows
            assert len(partial.equity) > 0
            return
        finally:
            sender.cancel()
    pytest.fail("the run always finished before the signal arrived")


def test_a_class_object_with_a_script_is_refused(tmp_path):
    config = bars_config(tmp_path / "x.csv", [{"name": "s", "instruments": ["AAPL"],
                                               "python": {"class": Flipper, "script": "x.py"}}])
    with pytest.raises(keel.ConfigError, match="/strategies/0/python/script: .*takes no script"):
        keel.run(config)


def test_runs_in_several_threads_at_once_give_the_serial_results(root, monkeypatch):
    # The engine releases the GIL: each thread runs its own run (what a
    # threaded Dask worker does), and the results are those of a serial run.
    import threading
    monkeypatch.chdir(root)
    serial = keel.run(DEMO)
    python_run = "examples/python/sma_cross.json"
    serial_python = keel.run(python_run)
    results, errors = {}, []

    def work(i):
        try:
            results[i] = keel.run(DEMO if i % 2 == 0 else python_run)
        except BaseException as e:  # noqa: B902 — reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i, result in results.items():
        expected = serial if i % 2 == 0 else serial_python
        assert result.summary == expected.summary
        pandas.testing.assert_frame_equal(result.fills, expected.fills)


class Sleepy(keel.Strategy):
    def on_bar(self, bar):
        import time
        time.sleep(0.003)


def test_progress_goes_to_stderr(tmp_path, capfd):
    data = write_bars(tmp_path / "bars.csv", [100.0] * 120)
    keel.run(bars_config(data, [{"name": "s", "python": {"class": Sleepy}, "instruments": ["AAPL"]}]),
             progress=True)
    err = capfd.readouterr().err
    assert "keel: 120 events, at 2024-01-02" in err


def test_log_level_shows_a_strategys_messages(tmp_path, capfd):
    class Talks(keel.Strategy):
        def on_start(self, start):
            self.info("hello from " + self.name)
    data = write_bars(tmp_path / "bars.csv", [100.0] * 3)
    config = bars_config(data, [{"name": "chatty", "python": {"class": Talks}, "instruments": ["AAPL"]}])
    keel.run(config)
    assert "hello from chatty" not in capfd.readouterr().err
    keel.run(config, log_level="info")
    assert "hello from chatty" in capfd.readouterr().err


# ---- the summary's performance figures -------------------------------------------------------

class BuyOnce(keel.Strategy):
    """Buys 500 at market on the first bar (it fills at the next bar's open)."""

    def __init__(self):
        self.done = False

    def on_bar(self, bar):
        if not self.done:
            self.buy(bar.instrument, 500)
            self.done = True


def test_a_loss_on_the_first_day_counts_in_sharpe(tmp_path):
    # Cash 100,000; 500 AAPL bought at 100 on day 0 (cash 50,000), so equity
    # is 50,000 + 500 * close. Day closes 80, 83.6, 89.108, 90.99908 give
    # equity 90,000, 91,800, 94,554, 95,499.54: returns from the opening
    # -0.1, +0.02, +0.03, +0.01 (total -4.5%). mean -0.01; deviations -0.09,
    # 0.03, 0.04, 0.02; squares sum 0.011; stdev sqrt(0.011 / 3);
    # Sharpe = -0.01 / stdev * sqrt(252) = -2.6216... Leaving out the first
    # day's return (the old bug) gave +31.7 on this losing run.
    day, hour = 86_400_000_000_000, 3_600_000_000_000
    t0 = 1_704_153_600_000_000_000  # 2024-01-02T00:00Z
    rows = [(t0 + 10 * hour, 100, 100), (t0 + 15 * hour, 100, 80), (t0 + day + 15 * hour, 83.6, 83.6),
            (t0 + 2 * day + 15 * hour, 89.108, 89.108), (t0 + 3 * day + 15 * hour, 90.99908, 90.99908)]
    data = tmp_path / "bars.csv"
    data.write_text("ts,instrument,open,high,low,close,volume\n" + "".join(
        f"{ts},AAPL,{o},{max(o, c)},{min(o, c)},{c},1000\n" for ts, o, c in rows))
    config = bars_config(data, [{"name": "s", "python": {"class": BuyOnce}, "instruments": ["AAPL"]}])
    result = keel.run(config, output_dir=tmp_path / "out")
    assert result.fills["price"].tolist() == [100.0]
    assert result.summary["final_equity"] == pytest.approx(95_499.54)
    expected = -0.01 / math.sqrt(0.011 / 3) * math.sqrt(252)
    assert result.summary["sharpe"] == pytest.approx(expected, rel=1e-9)
    assert result.summary["sharpe"] < 0
    assert result.summary["max_drawdown"] == pytest.approx(0.1)
    # keel run's writer computes the same figures from the same rule.
    import json
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written["sharpe"] == result.summary["sharpe"]
