"""keel.sweep: one base run file at many points of a parameter space.

A sweep file (config/sweep.schema.json, docs/sweeps.md) names the base run
file, the parameters (JSON pointers into it, each with a list, a range or a
seeded random sample of values), the objective and the output folder. The
points are the cartesian product of the values, in file order, the last
parameter varying fastest. Every point's document is checked before any
runs; then an executor runs the points (in this process, a local process
pool (_local_pool.py) or a Dask cluster (_dask.py)) and the results go to
OUTPUT/results.csv and results.json in point order, with the best point's
report in OUTPUT/best/ (every point's in OUTPUT/points/NNNN/ with keep_all).

The parts walk-forward reuses: parse_sweep / expand (the points),
check_points (up front), evaluate_points (run a list of points of a base
document with an executor, rows in point order) and best_point.
"""
import dataclasses as _dataclasses
import decimal as _decimal
import json as _json
import math as _math
import os as _os
import pathlib as _pathlib
import random as _random
import shutil as _shutil
import signal as _signal
import sys as _sys
import tempfile as _tempfile

from ._run import ConfigError, Result, _to_json
from ._strategy import Error

__all__ = ["sweep", "SweepResult", "SweepError"]

# Exit codes (engine/cli/exit_codes.hpp).
EXIT_OK, EXIT_USAGE, EXIT_PLUGIN_LOAD, EXIT_FAILED = 0, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

METRICS = ("final_equity", "total_return", "sharpe", "max_drawdown", "total_fees", "num_fills",
           "num_orders", "events")
_MIN_BY_DEFAULT = ("max_drawdown", "total_fees")
MAX_POINTS = 1_000_000
_SHOWN_POINT_ERRORS = 20


class SweepError(Error):
    """A sweep could not start: a point's document is invalid, an executor
    lacks what the points need (keel, a data file), the output folder cannot
    be written. Nothing ran (exit code 2)."""


# ---- the executor protocol -----------------------------------------------------------------

@_dataclasses.dataclass
class PointTask:
    """One point to run: the run file as a dict with the point's values
    applied; `source` is the base run file's absolute path (messages name it,
    relative paths start from its folder), or "<dict>" (the working
    directory). `keep`: return the report's files."""
    index: int
    document: dict
    source: str
    keep: bool = False
    log_level: str = "warn"


@_dataclasses.dataclass
class Requirements:
    """What a worker needs: this keel version and these absolute paths
    (data files, Python strategy scripts, plugin folders)."""
    keel_version: str
    paths: list


class Executor:
    """Runs point tasks somewhere. check() raises SweepError naming what is
    missing where; run() calls run_point(task) once per task and
    on_result(result) in the calling thread as results arrive, one result per
    task; KeyboardInterrupt cancels what is pending and propagates."""

    def check(self, requirements):
        raise NotImplementedError

    def run(self, tasks, on_result):
        raise NotImplementedError

    def close(self):
        pass


def run_point(task):
    """Runs one point and reports how it went (never raises for a failed
    run): {"index", "status", "summary" (summary.json as a dict, or None),
    "error" ("" if none), "kind" (0, 2, 3 or 4), "files" ({name: bytes} with
    task.keep, else None)}. A KeyboardInterrupt (Ctrl-C, SIGTERM in `keel
    sweep`) during the run propagates, the partial result as its
    `keel_point_result`."""
    from . import _keel
    classes = {}
    document = _to_json(task.document, "", classes)
    document.setdefault("output", {"dir": "."})  # only written to a folder of ours, below
    text = _json.dumps(document)
    folder = _tempfile.mkdtemp(prefix="keel-point-") if task.keep else None
    try:
        outcome = _keel._run(None, text, task.source, classes, folder, task.log_level, None)
        result = {"index": task.index, "summary": None, "error": "", "kind": 0, "files": None}
        if "config_errors" in outcome:
            result["error"] = "; ".join(f"{p + ': ' if p else ''}{m}"
                                        for p, m in outcome["config_errors"])
            result.update(status="failed: " + result["error"], kind=EXIT_USAGE)
            return result
        summary = _json.loads(outcome["summary"])
        result.update(summary=summary, status=summary.get("status", ""),
                      error=outcome.get("failure", ""))
        if result["error"]:
            result["kind"] = outcome.get("kind", EXIT_FAILED) or EXIT_FAILED
        if folder is not None:
            result["files"] = {p.relative_to(folder).as_posix(): p.read_bytes()
                               for p in sorted(_pathlib.Path(folder).rglob("*")) if p.is_file()}
        pending = outcome.get("pending")
        if pending is not None or outcome.get("interrupted"):
            error = pending if pending is not None else KeyboardInterrupt()
            error.keel_point_result = result
            raise error
        return result
    finally:
        if folder is not None:
            _shutil.rmtree(folder, ignore_errors=True)


class _SignalWatch:
    """Remembers a SIGINT or SIGTERM that arrives while a sweep runs, then
    lets the handler that was there act (Ctrl-C raises KeyboardInterrupt).
    A point's run can swallow that exception (one raised while a strategy's
    script is imported makes the point fail), so executors also ask
    interrupt_seen() after each point."""
    active = None

    def __init__(self):
        self.seen = 0
        self._previous = {}

    def __enter__(self):
        import threading
        if threading.current_thread() is threading.main_thread():
            for number in (_signal.SIGINT, _signal.SIGTERM):
                previous = _signal.getsignal(number)
                if callable(previous):  # not SIG_DFL / SIG_IGN: those stay as they are
                    self._previous[number] = previous
                    _signal.signal(number, self._handle)
        _SignalWatch.active = self
        return self

    def _handle(self, number, frame):
        self.seen = self.seen or number
        self._previous[number](number, frame)

    def __exit__(self, *exc):
        _SignalWatch.active = None
        for number, previous in self._previous.items():
            _signal.signal(number, previous)


def interrupt_seen():
    """Whether SIGINT/SIGTERM arrived during this sweep (raise what its
    handler raises: KeyboardInterrupt, or keel sweep's for SIGTERM)."""
    watch = _SignalWatch.active
    return watch is not None and watch.seen != 0


def raise_interrupt():
    watch = _SignalWatch.active
    raise _Terminated() if watch is not None and watch.seen == _signal.SIGTERM and \
        watch._previous.get(_signal.SIGTERM) is _on_sigterm else KeyboardInterrupt()


class SerialExecutor(Executor):
    """Runs the points one after another in this process (jobs=1): the
    reference the other executors are compared with."""

    def check(self, requirements):
        missing = [p for p in requirements.paths if not _os.path.exists(p)]
        if missing:
            raise SweepError("the points need files this machine does not have: " +
                             ", ".join(missing))

    def run(self, tasks, on_result):
        for task in tasks:
            try:
                result = run_point(task)
            except KeyboardInterrupt as interrupt:
                partial = getattr(interrupt, "keel_point_result", None)
                if partial is not None:
                    on_result(partial)
                raise
            if interrupt_seen():  # the run swallowed it: the point did not run to its end
                if result["status"] != "completed":
                    result["status"] = "interrupted"
                on_result(result)
                raise_interrupt()
            on_result(result)


# ---- the sweep file ------------------------------------------------------------------------

def _token(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decimals(value):
    exponent = _decimal.Decimal(repr(value)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _expand_range(spec, where, errors):
    if not (isinstance(spec, list) and len(spec) == 3 and all(_is_number(v) for v in spec)):
        errors.append((where, "expected [start, stop, step], three numbers"))
        return None
    start, stop, step = spec
    if not all(_math.isfinite(v) for v in spec):
        errors.append((where, "expected finite numbers"))
        return None
    if step == 0 or (stop - start) * step < 0:
        errors.append((where + "/2", f"a step of {step!r} never goes from {start!r} to {stop!r}"))
        return None
    count = int(_math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_POINTS:
        errors.append((where, f"{count:,} values; a sweep may have at most {MAX_POINTS:,} points"))
        return None
    if all(isinstance(v, int) for v in spec):
        return [start + i * step for i in range(count)]
    # Floats: rounded to the decimals of start and step, so 0.1 steps give
    # 0.3, not 0.30000000000000004.
    places = max(_decimals(float(start)), _decimals(float(step)))
    return [round(start + i * step, places) for i in range(count)]


_DRAWS = ("uniform", "log_uniform", "int", "choice")


def _expand_random(spec, where, errors):
    if not isinstance(spec, dict):
        errors.append((where, 'expected {"n": N, "seed": S, and one of ' +
                       ", ".join(f'"{d}"' for d in _DRAWS) + "}"))
        return None
    before = len(errors)
    for key in spec:
        if key not in ("n", "seed") + _DRAWS:
            errors.append((f"{where}/{_token(key)}", f"unknown key '{key}' (expected n, seed, "
                           "and one of " + ", ".join(_DRAWS) + ")"))
    n, seed = spec.get("n"), spec.get("seed")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_POINTS:
        errors.append((where + "/n", f"expected the number of values, 1..{MAX_POINTS:,}"))
    if not isinstance(seed, int) or isinstance(seed, bool):
        errors.append((where + "/seed", "expected an integer seed (the same seed, the same values)"))
    draws = [d for d in _DRAWS if d in spec]
    if len(draws) != 1:
        errors.append((where, "expected exactly one of " + ", ".join(_DRAWS) +
                       (f", got {', '.join(draws)}" if draws else "")))
        return None
    draw = draws[0]
    bounds, at = spec[draw], f"{where}/{draw}"
    if draw == "choice":
        if not isinstance(bounds, list) or not bounds:
            errors.append((at, "expected a non-empty list of values"))
    elif not (isinstance(bounds, list) and len(bounds) == 2 and all(_is_number(b) for b in bounds)
              and all(_math.isfinite(b) for b in bounds) and bounds[0] <= bounds[1]):
        errors.append((at, "expected [low, high], two finite numbers, low <= high"))
    elif draw == "int" and not all(isinstance(b, int) for b in bounds):
        errors.append((at, "expected [low, high], two integers (both included)"))
    elif draw == "log_uniform" and bounds[0] <= 0:
        errors.append((at, "expected [low, high] above zero"))
    if len(errors) != before:
        return None
    rng = _random.Random(seed)
    if draw == "uniform":
        return [rng.uniform(*bounds) for _ in range(n)]
    if draw == "log_uniform":
        low, high = _math.log(bounds[0]), _math.log(bounds[1])
        return [_math.exp(rng.uniform(low, high)) for _ in range(n)]
    if draw == "int":
        return [rng.randint(*bounds) for _ in range(n)]
    return [rng.choice(bounds) for _ in range(n)]


def _expand_values(spec, where, errors):
    if isinstance(spec, list):
        if not spec:
            errors.append((where, "expected at least one value"))
            return None
        return list(spec)
    if isinstance(spec, dict) and len(spec) == 1 and "range" in spec:
        return _expand_range(spec["range"], where + "/range", errors)
    if isinstance(spec, dict) and len(spec) == 1 and "random" in spec:
        return _expand_random(spec["random"], where + "/random", errors)
    errors.append((where, 'expected a list of values, {"range": [start, stop, step]} or '
                   '{"random": {"n": N, "seed": S, "uniform": [low, high]}}'))
    return None


def _split_pointer(pointer):
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _pointer_error(document, pointer):
    """Why `pointer` does not name a value of `document` (or a new key of
    one of its objects), or None."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return "a parameter is a JSON pointer into the run file, e.g. /strategies/0/params/fast"
    node, walked = document, ""
    tokens = _split_pointer(pointer)
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        if isinstance(node, dict):
            if token not in node:
                if last:
                    return None  # a new key of an existing object (a param not given)
                keys = ", ".join(list(node)[:12])
                return (f"the run file has no '{token}' at {walked or '/'} "
                        f"(it has: {keys or 'nothing'})")
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or (len(token) > 1 and token[0] == "0") or \
                    int(token) >= len(node):
                return (f"{walked or '/'} is a list of {len(node)}: '{token}' is not one of "
                        f"its indexes (0..{len(node) - 1})")
            node = node[int(token)]
        else:
            return f"{walked} is a {type(node).__name__}, not an object or a list"
        walked += "/" + _token(token)
    return None


def _set(document, pointer, value):
    tokens = _split_pointer(pointer)
    node = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(tokens[-1])] = value
    else:
        node[tokens[-1]] = value


def _parse_objective(spec, errors):
    if isinstance(spec, str):
        metric, goal, where = spec, None, "/objective"
    elif isinstance(spec, dict):
        for key in spec:
            if key not in ("metric", "goal"):
                errors.append((f"/objective/{_token(key)}",
                               f"unknown key '{key}' (expected metric, goal)"))
        metric, goal, where = spec.get("metric"), spec.get("goal"), "/objective/metric"
        if goal is not None and goal not in ("max", "min"):
            errors.append(("/objective/goal", f"expected \"max\" or \"min\", got {goal!r}"))
    else:
        errors.append(("/objective", 'expected a metric name or {"metric": m, "goal": "max"|"min"}'))
        return ("sharpe", "max")
    if metric not in METRICS:
        errors.append((where, f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}"))
        return ("sharpe", "max")
    return (metric, goal or ("min" if metric in _MIN_BY_DEFAULT else "max"))


@_dataclasses.dataclass
class SweepSpec:
    """A sweep file, read and checked: where it came from, the base run
    document and its source, the parameters [(pointer, values)], the
    objective (metric, goal), the output folder and keep_all."""
    source: str
    base: dict
    base_source: str
    parameters: list
    objective: tuple
    output_dir: object
    keep_all: bool


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key '{key}'")
        out[key] = value
    return out


def _read_json(path, source_for_errors):
    try:
        text = _pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(source_for_errors, [("", f"cannot read {path}: {error}")]) from None
    try:
        return _json.loads(text, object_pairs_hook=_no_duplicates,
                           parse_constant=lambda c: (_ for _ in ()).throw(
                               ValueError(f"{c} is not JSON")))
    except _json.JSONDecodeError as error:
        raise ConfigError(source_for_errors, [("", f"not valid JSON: {error.msg} at line "
                                                   f"{error.lineno} column {error.colno}")]) from None
    except ValueError as error:
        raise ConfigError(source_for_errors, [("", f"not valid JSON: {error}")]) from None


_SWEEP_KEYS = ("$schema", "base", "parameters", "objective", "output", "keep_all")


def parse_sweep(sweep):
    """Reads and checks a sweep file (a path) or dict; raises ConfigError
    with every error (JSON pointers into the sweep file)."""
    if isinstance(sweep, (str, _os.PathLike)):
        source = _os.fspath(sweep)
        document, folder = _read_json(source, source), _pathlib.Path(source).resolve().parent
    elif isinstance(sweep, dict):
        source, document, folder = "<dict>", sweep, _pathlib.Path.cwd()
    else:
        raise TypeError(f"keel.sweep: sweep must be a path or a dict, not {type(sweep).__name__}")
    errors = []
    if not isinstance(document, dict):
        raise ConfigError(source, [("", "a sweep file is a JSON object")])
    for key in document:
        if key not in _SWEEP_KEYS:
            errors.append((f"/{_token(key)}", f"unknown key '{key}' (expected " +
                           ", ".join(_SWEEP_KEYS[1:]) + ")"))
    base, base_source = None, None
    spec = document.get("base")
    if isinstance(spec, str) and spec:
        path = folder / spec
        base_source = str(path.resolve())
        try:
            base = _read_json(path, base_source)
        except ConfigError as error:
            errors.append(("/base", "; ".join(m for _, m in error.errors)))
        else:
            if not isinstance(base, dict):
                errors.append(("/base", f"{base_source} is not a run file (a JSON object)"))
                base = None
    elif isinstance(spec, dict) and source == "<dict>":
        base, base_source = spec, "<dict>"
    else:
        errors.append(("/base", "expected the base run file's path (relative to the sweep file's "
                       "folder)" + (", or a run document (a dict)" if source == "<dict>" else "")))

    parameters = []
    given = document.get("parameters")
    if not isinstance(given, dict) or not given:
        errors.append(("/parameters", 'expected an object {"/json/pointer": values, ...} with at '
                       "least one parameter"))
        given = {}
    count = 1
    for pointer, spec in given.items():
        where = f"/parameters/{_token(pointer)}"
        if base is not None:
            problem = _pointer_error(base, pointer)
            if problem:
                errors.append((where, problem))
        values = _expand_values(spec, where, errors)
        if values is not None:
            parameters.append((pointer, values))
            count *= len(values)
    if count > MAX_POINTS:
        errors.append(("/parameters", f"{count:,} points; a sweep may have at most "
                       f"{MAX_POINTS:,}"))

    objective = _parse_objective(document.get("objective", "sharpe"), errors)
    output_dir = None
    output = document.get("output")
    if output is not None:
        if not isinstance(output, dict):
            errors.append(("/output", 'expected {"dir": "folder"}'))
        else:
            for key in output:
                if key != "dir":
                    errors.append((f"/output/{_token(key)}", f"unknown key '{key}' (expected dir)"))
            if "dir" in output:
                if isinstance(output["dir"], str) and output["dir"]:
                    output_dir = folder / output["dir"]
                else:
                    errors.append(("/output/dir", "expected a folder (relative to the sweep "
                                   "file's folder)"))
    keep_all = document.get("keep_all", False)
    if not isinstance(keep_all, bool):
        errors.append(("/keep_all", f"expected true or false, got {keep_all!r}"))
        keep_all = False
    if errors:
        raise ConfigError(source, errors)
    return SweepSpec(source, base, base_source, parameters, objective, output_dir, keep_all)


def expand(parameters):
    """The points of [(pointer, values)]: the cartesian product in the given
    order, the last parameter varying fastest; a point is a tuple of values."""
    points = [()]
    for _, values in parameters:
        points = [point + (value,) for point in points for value in values]
    return points


def point_document(base, pointers, point):
    """The base run document with the point's values applied (a copy)."""
    document = _json.loads(_json.dumps(base)) if not _has_classes(base) else _copy(base)
    for pointer, value in zip(pointers, point):
        _set(document, pointer, _copy(value))
    return document


def _has_classes(value):
    if isinstance(value, dict):
        return any(_has_classes(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_classes(v) for v in value)
    return isinstance(value, type)


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def describe_point(index, pointers, point):
    """"point 3 (/strategies/0/params/fast=5, /venue/taker_fee_bps=0.5)"."""
    values = ", ".join(f"{p}={_cell(v)}" for p, v in zip(pointers, point))
    return f"point {index} ({values})"


def check_points(base, base_source, pointers, points):
    """Checks every point's run document as keel.run would, before anything
    runs; raises SweepError naming each bad point and its values."""
    from . import _keel
    name = _os.path.basename(base_source) if base_source != "<dict>" else base_source
    problems, bad = [], 0
    for index, point in enumerate(points):
        classes = {}
        try:
            document = _to_json(point_document(base, pointers, point), "", classes)
        except ConfigError as error:
            found = error.errors
        else:
            document.setdefault("output", {"dir": "."})
            found = _keel._check(_json.dumps(document), base_source, list(classes))
        if found:
            bad += 1
            if bad <= _SHOWN_POINT_ERRORS:
                head = describe_point(index, pointers, point)
                problems += [f"{head}: {name}: {p + ': ' if p else ''}{m}" for p, m in found]
    if problems:
        more = f"\n... and {bad - _SHOWN_POINT_ERRORS} more points" \
            if bad > _SHOWN_POINT_ERRORS else ""
        raise SweepError(f"{bad} of {len(points)} points are not valid run files; nothing ran:\n" +
                         "\n".join(problems) + more)


def requirements(documents, base_source):
    """The Requirements of these point documents: keel's version and every
    file or folder they read, as absolute paths."""
    from . import __version__
    folder = _pathlib.Path.cwd() if base_source == "<dict>" else _pathlib.Path(base_source).parent
    paths = set() if base_source == "<dict>" else {str(_pathlib.Path(base_source))}
    for document in documents:
        named = [d.get("path") for d in document.get("data", []) if isinstance(d, dict)]
        named += [s.get("python", {}).get("script") for s in document.get("strategies", [])
                  if isinstance(s, dict) and isinstance(s.get("python"), dict)]
        named += list(document.get("plugin_paths", []))
        for path in named:
            if isinstance(path, str) and path:
                paths.add(_os.path.normpath(folder / path))
    return Requirements(__version__, sorted(paths))


# ---- the results ---------------------------------------------------------------------------

def _cell(value):
    """A value as results.csv writes it: numbers by repr() (shortest round
    trip), strings as they are, other JSON values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    return _json.dumps(value, separators=(",", ":"))


def _row(index, pointers, point):
    row = {"point": index}
    row.update(zip(pointers, point))
    row.update({"status": "not run", **{m: None for m in METRICS}, "error": ""})
    return row


def _fill_row(row, result):
    summary = result.get("summary") or {}
    row["status"] = result.get("status") or ("failed: " + result.get("error", ""))
    row["error"] = result.get("error", "")
    for metric in METRICS:
        row[metric] = summary.get(metric)
    cash, equity = summary.get("initial_cash"), summary.get("final_equity")
    row["total_return"] = equity / cash - 1 if _is_number(cash) and cash and \
        _is_number(equity) else None


def evaluate_points(base, source, pointers, points, executor, *, keep=False, log_level="warn",
                    rows=None, on_result=None):
    """Runs `points` of the base document with `executor`; returns the rows
    (one dict per point, in point order: point, a value per pointer, status,
    the metrics, error). Pass `rows` (from new_rows) to keep the rows done so
    far when a KeyboardInterrupt propagates. on_result(row, result) is
    called as each point finishes."""
    rows = rows if rows is not None else new_rows(pointers, points)
    tasks = [PointTask(i, point_document(base, pointers, p), source, keep, log_level)
             for i, p in enumerate(points)]

    def arrived(result):
        row = rows[result["index"]]
        _fill_row(row, result)
        if on_result is not None:
            on_result(row, result)

    executor.run(tasks, arrived)
    return rows


def new_rows(pointers, points):
    return [_row(i, pointers, p) for i, p in enumerate(points)]


def best_point(rows, metric, goal):
    """The index of the best completed row (ties: the lowest index), or None.
    Failed points and NaN/empty objectives never win."""
    best, best_value = None, None
    for row in rows:
        value = row.get(metric)
        if row["status"] != "completed" or not _is_number(value) or not _math.isfinite(value):
            continue
        if best is None or (value > best_value if goal == "max" else value < best_value):
            best, best_value = row["point"], value
    return best


def _columns(pointers):
    return ["point", *pointers, "status", *METRICS, "error"]


def _write_atomically(path, text):
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    _os.replace(temporary, path)


def write_results(folder, spec, rows, best, status):
    import csv
    import io
    pointers = [p for p, _ in spec.parameters]
    columns = _columns(pointers)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    _write_atomically(folder / "results.csv", text.getvalue())

    def finite(value):
        return None if isinstance(value, float) and not _math.isfinite(value) else value
    document = {"sweep": spec.source if spec.source == "<dict>" else
                str(_pathlib.Path(spec.source).resolve()),
                "base": spec.base_source,
                "objective": {"metric": spec.objective[0], "goal": spec.objective[1]},
                "parameters": pointers, "best": best, "status": status,
                "rows": [{c: finite(_to_json(row[c], "", {})) if c in pointers else finite(row[c])
                          for c in columns} for row in rows]}
    _write_atomically(folder / "results.json", _json.dumps(document, indent=1) + "\n")


def _write_files(folder, files):
    if folder.exists():
        _shutil.rmtree(folder)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# ---- keel.sweep ----------------------------------------------------------------------------

class SweepResult:
    """What a sweep found. `table`: results.csv as a DataFrame (index: the
    point); `best`: the best point's index (None when no point completed);
    `best_row`: its row; `best_result`: its keel.Result, read from best/;
    `status`: "completed", "failed" (some point failed) or "interrupted";
    `output_dir`; `objective`: (metric, goal)."""

    def __init__(self, rows, columns, best, status, output_dir, objective):
        import pandas
        self.table = pandas.DataFrame(rows, columns=columns).set_index("point")
        self.best = best
        self.status = status
        self.output_dir = output_dir
        self.objective = objective
        self._best_result = None

    @property
    def best_row(self):
        return None if self.best is None else self.table.loc[self.best]

    @property
    def best_result(self):
        if self._best_result is None and self.best is not None:
            self._best_result = load_result(_pathlib.Path(self.output_dir) / "best")
        return self._best_result

    def __repr__(self):
        return (f"<keel.SweepResult {len(self.table)} points, {self.status}, best "
                f"{self.best} by {self.objective[1]} {self.objective[0]}: {self.output_dir}>")


class _FolderResult(Result):
    """A keel.Result read back from a report folder: summary.json, and each
    table from its CSV file on first use."""

    _TIMES = {"fills": ["ts"], "orders": ["submitted_ts", "last_update_ts"], "equity": ["ts"],
              "equity_by_strategy": ["ts"], "trades": ["entry_ts", "exit_ts"]}

    def __init__(self, folder):
        self._folder = _pathlib.Path(folder)
        super().__init__({"summary": (self._folder / "summary.json").read_text()}, str(folder))

    def _frame(self, name, build):
        if name not in self._frames:
            import pandas
            frame = pandas.read_csv(self._folder / f"{name}.csv")
            for column in self._TIMES[name]:
                frame[column] = pandas.to_datetime(frame[column], utc=True)
            if name == "trades":
                frame.insert(frame.columns.get_loc("duration_ns"), "duration",
                             pandas.to_timedelta(frame.pop("duration_ns"), unit="ns"))
            self._frames[name] = frame
        return self._frames[name]


def load_result(folder):
    """A keel.Result of a report folder (summary.json and the CSV files)."""
    return _FolderResult(folder)


def _make_executor(jobs, client, scheduler):
    if client is not None or scheduler is not None:
        try:
            from ._dask import DaskExecutor
        except ImportError as error:
            raise SweepError(f"the Dask executor is not available: {error}") from None
        return DaskExecutor(client=client, scheduler=scheduler)
    jobs = _os.cpu_count() or 1 if jobs is None else jobs
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise SweepError(f"jobs must be a whole number of processes, 1 or more, not {jobs!r}")
    if jobs == 1:
        return SerialExecutor()
    from ._local_pool import LocalExecutor
    return LocalExecutor(jobs)


def _tearsheet(folder):
    try:
        from ._tearsheet import sweep_page
    except ImportError:
        return
    try:
        sweep_page(folder)
    except Exception as error:  # the table stands without its page
        _sys.stderr.write(f"keel sweep: the tearsheet was not written: {error}\n")


def sweep(sweep, *, jobs=None, client=None, scheduler=None, output_dir=None, keep_all=None,
          progress=False, log_level="warn"):
    """Runs a base run file at every point of a sweep and returns a
    keel.SweepResult (docs/sweeps.md).

    sweep       a sweep file's path, or a dict of its schema ("base" may then
                be a run document; relative paths start at the working
                directory)
    jobs        processes on this machine (default: the core count); 1 runs
                the points one after another in this process
    client, scheduler   run on a Dask cluster instead: a distributed.Client,
                or the scheduler's address "tcp://host:port"
    output_dir  where the results go (default: the sweep's output.dir, else
                a new temporary folder)
    keep_all    also keep every point's report in points/NNNN/
    progress    a line on stderr per finished point
    log_level   keel's log messages of each run: trace|debug|info|warn|error|off

    Raises ConfigError for an invalid sweep file and SweepError when the
    sweep cannot start (nothing ran); KeyboardInterrupt on Ctrl-C after
    writing the rows done so far (results.json says "interrupted"), with the
    SweepResult as its `keel_result`. A point that fails does not stop the
    sweep: its row says why (status, error)."""
    spec = parse_sweep(sweep)
    if keep_all is not None:
        spec.keep_all = bool(keep_all)
    if output_dir is not None:
        spec.output_dir = _pathlib.Path(output_dir)
    if spec.output_dir is None:
        spec.output_dir = _pathlib.Path(_tempfile.mkdtemp(prefix="keel-sweep-"))
    folder = _pathlib.Path(spec.output_dir)
    pointers = [p for p, _ in spec.parameters]
    points = expand(spec.parameters)
    check_points(spec.base, spec.base_source, pointers, points)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in ("best", "points"):
            if (folder / old).is_dir():
                _shutil.rmtree(folder / old)
    except OSError as error:
        raise SweepError(f"cannot write the output folder {folder}: {error}") from None

    executor = _make_executor(jobs, client, scheduler)
    rows = new_rows(pointers, points)
    done = [0]

    def arrived(row, result):
        done[0] += 1
        if spec.keep_all and result.get("files") is not None:
            _write_files(folder / "points" / f"{row['point']:04d}", result["files"])
        if progress:
            error = f": {row['error']}" if row["error"] else ""
            status = "failed" if row["status"].startswith("failed") else row["status"]
            _sys.stderr.write(f"keel sweep: {done[0]}/{len(points)} points done (point "
                              f"{row['point']}: {status}{error})\n")
            _sys.stderr.flush()

    status, interrupt = "completed", None
    watch = _SignalWatch().__enter__()
    try:
        executor.check(requirements([point_document(spec.base, pointers, p) for p in points],
                                    spec.base_source))
        evaluate_points(spec.base, spec.base_source, pointers, points, executor,
                        keep=spec.keep_all, log_level=log_level, rows=rows, on_result=arrived)
        metric, goal = spec.objective
        best = best_point(rows, metric, goal)
        if best is not None:
            _keep_best(folder, spec, pointers, points, best, rows[best], executor, log_level)
    except KeyboardInterrupt as error:
        status, interrupt = "interrupted", error
        best = best_point(rows, *spec.objective)
    finally:
        watch.__exit__()
        executor.close()
    if status == "completed" and any(row["status"] != "completed" for row in rows):
        status = "failed"
    write_results(folder, spec, rows, best, status)
    _tearsheet(folder)
    result = SweepResult(rows, _columns(pointers), best, status, str(folder), spec.objective)
    if interrupt is not None:
        interrupt.keel_result = result
        raise interrupt
    return result


def _keep_best(folder, spec, pointers, points, best, row, executor, log_level):
    """best/: a copy of points/NNNN with keep_all, else the best point run
    once more with its report kept (runs are deterministic: the summary
    equals the row; a difference is reported)."""
    if spec.keep_all:
        source = folder / "points" / f"{best:04d}"
        if source.is_dir():
            _shutil.copytree(source, folder / "best")
        return
    task = PointTask(best, point_document(spec.base, pointers, points[best]), spec.base_source,
                     True, log_level)
    again = []
    executor.run([task], again.append)
    if again and again[0].get("files"):
        _write_files(folder / "best", again[0]["files"])
        check = dict(row)
        _fill_row(check, again[0])
        if check != row:
            _sys.stderr.write(f"keel sweep: point {best} gave a different result when run again "
                              "for best/: is the run deterministic (seeded)?\n")


# ---- python3 -m keel sweep -----------------------------------------------------------------

class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the sweep stops the same way (exit 143)."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _top_table(result, limit=5):
    metric, goal = result.objective
    table = result.table
    done = table[table["status"] == "completed"]
    done = done[done[metric].notna()]
    order = done.sort_values(metric, ascending=goal == "min", kind="mergesort")
    pointers = [c for c in table.columns if c.startswith("/")]
    shown = ["point", *pointers, metric, "total_return", "num_fills"]
    seen = list(dict.fromkeys(shown))
    lines = [seen]
    for index, row in order.head(limit).iterrows():
        values = {"point": index, **row.to_dict()}
        lines.append([_cell(values[c]) if not isinstance(values[c], float) else
                      f"{values[c]:.6g}" for c in seen])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(seen))]
    return "\n".join("  ".join(str(v).rjust(w) for v, w in zip(line, widths)) for line in lines)


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(
        prog="keel sweep", description="Run one base run file at many points of a parameter "
        "space (docs/sweeps.md).")
    parser.add_argument("sweep", metavar="SWEEP.json", help="the sweep file")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes on this machine (default: the core count; 1: serial)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on this Dask scheduler's workers instead")
    parser.add_argument("--output", metavar="DIR", help="the output folder (default: output.dir)")
    parser.add_argument("--keep-all", action="store_true", default=None,
                        help="keep every point's report in DIR/points/NNNN/")
    parser.add_argument("--progress", action="store_true", help="a line per finished point")
    parser.add_argument("--log-level", default="warn",
                        choices=["trace", "debug", "info", "warn", "error", "off"])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return EXIT_USAGE if exit.code else EXIT_OK
    previous = _signal.signal(_signal.SIGTERM, _on_sigterm)
    try:
        spec_output = args.output
        if spec_output is None:
            try:
                if parse_sweep(args.sweep).output_dir is None:
                    _sys.stderr.write("keel sweep: no output folder: give output.dir in the "
                                      "sweep file or --output DIR\n")
                    return EXIT_USAGE
            except ConfigError as error:
                _sys.stderr.write(f"{error}\n")
                return EXIT_USAGE
        result = sweep(args.sweep, jobs=args.jobs, scheduler=args.scheduler,
                       output_dir=spec_output, keep_all=args.keep_all, progress=args.progress,
                       log_level=args.log_level)
        code = EXIT_OK if result.status == "completed" else EXIT_FAILED
    except (ConfigError, SweepError) as error:
        _sys.stderr.write(f"keel sweep: {error}\n")
        return EXIT_USAGE
    except KeyboardInterrupt as interrupt:
        result = getattr(interrupt, "keel_result", None)
        code = EXIT_SIGTERM if isinstance(interrupt, _Terminated) else EXIT_SIGINT
        if result is None:
            return code
    finally:
        _signal.signal(_signal.SIGTERM, previous)
    table = result.table
    failed = table[table["status"].str.startswith("failed")]
    out = _sys.stdout
    out.write(f"{len(table)} points: {(table['status'] == 'completed').sum()} completed, "
              f"{len(failed)} failed, {(table['status'] == 'not run').sum()} not run "
              f"({result.status})\n")
    if result.best is not None:
        out.write(f"best by {result.objective[1]} {result.objective[0]}: point {result.best}\n")
        out.write(_top_table(result) + "\n")
    for index, row in failed.head(5).iterrows():
        out.write(f"point {index} failed: {row['error']}\n")
    folder = _pathlib.Path(result.output_dir)
    out.write(f"results: {folder / 'results.csv'} (and results.json)\n")
    if (folder / "best").is_dir():
        out.write(f"best point's report: {folder / 'best'}\n")
    if (folder / "report.html").is_file():
        out.write(f"tearsheet: {folder / 'report.html'}\n")
    return code


for _public in (SweepError, SweepResult, sweep):
    _public.__module__ = "keel"
