"""keel.run: a run in this process, its records as pandas DataFrames.

The engine runs in C++ (keel._keel._run) with the GIL released; its records
come back as numpy columns (one array per column, no Python object per
row) and become DataFrames here: timestamps as datetime64[ns, UTC], names
and enums as categoricals, empty CSV cells as NaN / NaT.
"""
import json as _json
import math as _math
import os as _os
import signal as _signal
import sys as _sys

from ._strategy import Error

__all__ = ["run", "Result", "ConfigError", "RunError", "StrategyError"]


class ConfigError(Error, ValueError):
    """The run file (or dict) is not valid; nothing ran. `errors` lists every
    error as (JSON pointer, message), in document order; the message has one
    line per error: "SOURCE: /pointer: message"."""

    def __init__(self, source, errors):
        self.source = source
        self.errors = [(pointer, message) for pointer, message in errors]
        lines = [f"{source}: {p + ': ' if p else ''}{m}" for p, m in self.errors]
        super().__init__(f"{len(lines)} error(s) in the run configuration:\n" + "\n".join(lines))


class RunError(Error):
    """The run did not complete: a plugin could not be loaded, data was bad,
    a strategy failed, the report could not be written. `result` holds what
    the run recorded up to there (its summary says how it ended), `kind` is
    the exit code `keel run` would give (2 bad input, 3 plugin load, 4 plugin
    or strategy)."""

    def __init__(self, message, result=None, kind=4):
        super().__init__(message)
        self.result = result
        self.kind = kind


class StrategyError(RunError):
    """A Python strategy raised an exception that ended the run. keel.run
    raises the strategy's exception itself, chained to this error (its
    __cause__), so `except ZeroDivisionError` works; this error names the
    strategy and holds the partial result. The exception also carries it as
    `keel_result`."""

    def __init__(self, message, strategy, result=None):
        super().__init__(message, result, 4)
        self.strategy = strategy


def _native():
    from . import _keel
    if not hasattr(_keel, "_run"):
        raise Error("keel.run is for a Python program that imports keel; inside `keel run` the "
                    "run is already going (use keel.testing to try a strategy by itself)")
    return _keel._run


# ---- the config --------------------------------------------------------------------------

def _pointer_token(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def _to_json(value, pointer, classes):
    """A copy of `value` that json can write; Python strategy classes
    ({"python": {"class": Cls}}) are replaced by names registered in `classes`."""
    if isinstance(value, dict):
        if isinstance(value.get("class"), type) and "script" in value:
            raise ConfigError("<dict>", [(pointer + "/script", "a strategy handed over as a class "
                                          "object takes no script: give the class, or the "
                                          "script and the class's name")])
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError("<dict>", [(pointer, f"keys must be strings, got {key!r}")])
            out[key] = _to_json(item, pointer + "/" + _pointer_token(key), classes)
        return out
    if isinstance(value, (list, tuple)):
        return [_to_json(item, f"{pointer}/{i}", classes) for i, item in enumerate(value)]
    if isinstance(value, type):
        if not pointer.endswith("/python/class"):
            raise ConfigError("<dict>", [(pointer, f"a class ({value.__qualname__}) can only be "
                                                   "a strategy's python/class")])
        name = f"{value.__module__}.{value.__qualname__}"
        key, n = name, 1
        while key in classes and classes[key] is not value:
            n += 1
            key = f"{name}#{n}"
        classes[key] = value
        return key
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not _math.isfinite(value):
            raise ConfigError("<dict>", [(pointer, f"expected a finite number, got {value}")])
        return value
    if isinstance(value, _os.PathLike):
        return _os.fspath(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _to_json(value.item(), pointer, classes)
    raise ConfigError("<dict>", [(pointer, f"{type(value).__name__} is not JSON "
                                           "(use dicts, lists, strings, numbers, booleans)")])


# ---- the result ----------------------------------------------------------------------------

class Result:
    """What a run recorded. `summary` is summary.json as a dict; the tables
    are pandas DataFrames with the columns of the CSV files the CLI writes
    (docs/reports.md), built on first use: fills, orders, equity,
    equity_by_strategy, trades. `status` is summary["status"] ("completed",
    "interrupted", "failed: ..."); `output_dir` is where the files went, or
    None."""

    def __init__(self, outcome, output_dir):
        self.summary = _json.loads(outcome["summary"])
        self.output_dir = output_dir
        self._columns = outcome.get("columns", {})
        self._names = outcome.get("names", {"strategies": [], "instruments": [], "reasons": []})
        self._frames = {}

    @property
    def status(self):
        return self.summary.get("status", "")

    def __repr__(self):
        s = self.summary
        return (f"<keel.Result {s.get('run_name', '')!r}: {self.status}, {s.get('events', 0)} events, "
                f"{s.get('num_fills', 0)} fills, final equity {s.get('final_equity', 0):,.2f}>")

    # Each table is built once, from the columns the engine filled.
    def _frame(self, name, build):
        if name not in self._frames:
            import pandas
            self._frames[name] = build(pandas, self._columns.get(name, {}))
        return self._frames[name]

    @property
    def fills(self):
        return self._frame("fills", self._fills)

    @property
    def orders(self):
        return self._frame("orders", self._orders)

    @property
    def equity(self):
        return self._frame("equity", self._equity)

    @property
    def equity_by_strategy(self):
        return self._frame("equity_by_strategy", self._equity_by_strategy)

    @property
    def trades(self):
        return self._frame("trades", self._trades)

    def tearsheet(self, path=None):
        """Writes this run's HTML tearsheet (docs/tearsheet.md) to `path`,
        default output_dir/report.html, and returns the path."""
        from ._tearsheet_run import result_page
        return result_page(self, path)

    # ---- column helpers ----
    @staticmethod
    def _time(pandas, values):
        # int64 ns (int64 min is NaT), viewed in place.
        return pandas.DatetimeIndex(values.view("M8[ns]")).tz_localize("UTC")

    def _category(self, pandas, codes, kind):
        return pandas.Categorical.from_codes(codes, categories=self._names[kind])

    @staticmethod
    def _words(pandas, codes, words):
        # int8 codes into `words`, -1 (NaN) for a value out of range.
        return pandas.Categorical.from_codes(codes, categories=list(words))

    def _table(self, pandas, columns):
        return pandas.DataFrame({k: v for k, v in columns}, copy=False)

    def _fills(self, pandas, c):
        if not c:
            return pandas.DataFrame(columns=_FILL_COLUMNS)
        return self._table(pandas, [
            ("ts", self._time(pandas, c["ts"])),
            ("strategy", self._category(pandas, c["strategy"], "strategies")),
            ("instrument", self._category(pandas, c["instrument"], "instruments")),
            ("order_id", c["order_id"]),
            ("side", self._words(pandas, c["side"], _SIDES)),
            ("quantity", c["quantity"]), ("price", c["price"]), ("fee", c["fee"]),
            ("liquidity", self._words(pandas, c["liquidity"], _LIQUIDITY))])

    def _orders(self, pandas, c):
        if not c:
            return pandas.DataFrame(columns=_ORDER_COLUMNS)
        return self._table(pandas, [
            ("order_id", c["order_id"]),
            ("strategy", self._category(pandas, c["strategy"], "strategies")),
            ("instrument", self._category(pandas, c["instrument"], "instruments")),
            ("side", self._words(pandas, c["side"], _SIDES)),
            ("type", self._words(pandas, c["type"], _TYPES)),
            ("time_in_force", self._words(pandas, c["time_in_force"], _TIFS)),
            ("quantity", c["quantity"]), ("limit_price", c["limit_price"]),
            ("stop_price", c["stop_price"]), ("client_tag", c["client_tag"]),
            ("submitted_ts", self._time(pandas, c["submitted_ts"])),
            ("last_update_ts", self._time(pandas, c["last_update_ts"])),
            ("state", self._words(pandas, c["state"], _STATES)),
            ("filled_quantity", c["filled_quantity"]),
            ("average_fill_price", c["average_fill_price"]), ("fees", c["fees"]),
            ("reason", self._category(pandas, c["reason"], "reasons"))])

    def _equity(self, pandas, c):
        if not c:
            return pandas.DataFrame(columns=_EQUITY_COLUMNS)
        return self._table(pandas, [("ts", self._time(pandas, c["ts"]))] +
                           [(k, c[k]) for k in _EQUITY_COLUMNS[1:]])

    def _equity_by_strategy(self, pandas, c):
        if not c:
            return pandas.DataFrame(columns=["ts", "strategy", "equity"])
        return self._table(pandas, [
            ("ts", self._time(pandas, c["ts"])),
            ("strategy", self._category(pandas, c["strategy"], "strategies")),
            ("equity", c["equity"])])

    def _trades(self, pandas, c):
        if not c:
            return pandas.DataFrame(columns=_TRADE_COLUMNS)
        import numpy
        return self._table(pandas, [
            ("strategy", self._category(pandas, c["strategy"], "strategies")),
            ("instrument", self._category(pandas, c["instrument"], "instruments")),
            ("direction", self._words(pandas, c["direction"], ("short", "long"))),
            ("entry_ts", self._time(pandas, c["entry_ts"])),
            ("exit_ts", self._time(pandas, c["exit_ts"])),
            ("duration", pandas.TimedeltaIndex(
                c["duration_ns"].view("m8[ns]"))),
            ("quantity", c["quantity"]), ("entry_price", c["entry_price"]),
            ("exit_price", c["exit_price"]), ("pnl", c["pnl"]), ("fees", c["fees"]),
            ("net_pnl", c["net_pnl"]), ("open", c["open"].view(numpy.bool_))])


_SIDES = ("buy", "sell")
_LIQUIDITY = ("maker", "taker")
_TYPES = ("market", "limit", "stop", "stop_limit")
_TIFS = ("gtc", "ioc", "fok")
_STATES = ("pending", "accepted", "partially_filled", "filled", "canceled", "rejected", "expired")
_FILL_COLUMNS = ["ts", "strategy", "instrument", "order_id", "side", "quantity", "price", "fee",
                 "liquidity"]
_ORDER_COLUMNS = ["order_id", "strategy", "instrument", "side", "type", "time_in_force",
                  "quantity", "limit_price", "stop_price", "client_tag", "submitted_ts",
                  "last_update_ts", "state", "filled_quantity", "average_fill_price", "fees",
                  "reason"]
_EQUITY_COLUMNS = ["ts", "cash", "equity", "realized_pnl", "unrealized_pnl", "fees",
                   "gross_exposure"]
_TRADE_COLUMNS = ["strategy", "instrument", "direction", "entry_ts", "exit_ts", "duration",
                  "quantity", "entry_price", "exit_price", "pnl", "fees", "net_pnl", "open"]


# ---- run -------------------------------------------------------------------------------------

def _progress_printer(stream):
    def show(events, sim_ns):
        import datetime
        when = datetime.datetime.fromtimestamp(sim_ns / 1e9, datetime.timezone.utc)
        stream.write(f"\rkeel: {events:,} events, at {when:%Y-%m-%d %H:%M:%S} UTC")
        stream.flush()
    return show


def run(config, *, output_dir=None, progress=False, log_level="warn"):
    """Runs a backtest in this process and returns its keel.Result.

    config      a run file's path, or a dict of the run-file schema
                (docs/run-files.md); relative paths in a dict start at the
                working directory. A dict's strategy may name a class
                directly: {"python": {"class": MyStrategy}}. A dict needs no
                "output" section.
    output_dir  also write the report there (the files `keel run` writes);
                None (the default) writes nothing to disk.
    progress    print events done and simulated time to stderr while it runs.
    log_level   keel's log messages on stderr: trace|debug|info|warn|error|off.

    Raises ConfigError (nothing ran) for an invalid config; RunError with the
    partial result when the run failed; a Python strategy's own exception,
    chained to a StrategyError, when it ended the run; KeyboardInterrupt on
    Ctrl-C, with the partial result (interrupted) as its `keel_result`."""
    native = _native()
    classes = {}
    if isinstance(config, dict):
        document = _to_json(config, "", classes)
        document.setdefault("output", {"dir": "."})  # nothing is written unless output_dir
        path, text, source = None, _json.dumps(document), "<dict>"
    elif isinstance(config, (str, _os.PathLike)):
        path, text, source = _os.fspath(config), None, _os.fspath(config)
    else:
        raise TypeError(f"keel.run: config must be a path or a dict, not {type(config).__name__}")
    out_dir = None if output_dir is None else _os.fspath(output_dir)
    outcome = native(path, text, source, classes, out_dir, log_level,
                     _progress_printer(_sys.stderr) if progress else None)
    if progress:
        _sys.stderr.write("\n")
    if "config_errors" in outcome:
        raise ConfigError(source, outcome["config_errors"]) from None
    result = Result(outcome, out_dir)

    pending = outcome.get("pending")
    if pending is not None or outcome.get("interrupted"):
        error = pending if pending is not None else KeyboardInterrupt()
        error.keel_result = result
        raise error
    failure = outcome.get("failure", "")
    if not failure:
        return result
    # The exception that ended the run: the last one raised by a strategy the
    # failure names (others may have been raised by strategies disabled earlier).
    raised = [(name, error) for name, error in outcome.get("raised", []) if f"'{name}'" in failure]
    raised = raised or outcome.get("raised", [])[-1:]
    if raised:
        strategy, exception = raised[-1]
        cause = StrategyError(f"strategy '{strategy}' raised {type(exception).__name__}: "
                              f"{failure}", strategy, result)
        exception.keel_result = result
        if exception.__cause__ is None:
            exception.__cause__ = cause
        raise exception
    raise RunError(failure, result, outcome.get("kind", 4))


for _public in (ConfigError, RunError, StrategyError, Result, run):
    _public.__module__ = "keel"  # as users name them
