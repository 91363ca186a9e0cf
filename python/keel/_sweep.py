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
import json as _json
import os as _os
import pathlib as _pathlib
import shutil as _shutil
import signal as _signal
import sys as _sys
import tempfile as _tempfile

from ._run import ConfigError, _to_json
from ._strategy import Error
from ._sweep_file import METRICS, expand, parse_sweep, point_document  # noqa: F401
from ._sweep_results import (SweepResult, _cell, _columns, _fill_row, _write_files, best_point,
                             new_rows, write_results)

__all__ = ["sweep", "SweepResult", "SweepError"]

# Exit codes (engine/cli/exit_codes.hpp).
EXIT_OK, EXIT_USAGE, EXIT_PLUGIN_LOAD, EXIT_FAILED = 0, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

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


# ---- running points ----------------------------------------------------------------------

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



# ---- keel.sweep ----------------------------------------------------------------------------

def _make_executor(jobs, client, scheduler):
    if client is not None or scheduler is not None:
        try:
            from ._dask import DaskExecutor
        except ImportError as error:
            raise SweepError(f"the Dask executor is not available: {error}") from None
        return DaskExecutor(client=client, scheduler=scheduler)
    jobs = (_os.cpu_count() or 1) if jobs is None else jobs
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
            total = "" if spec.walk_forward is not None else f"/{len(points)}"
            _sys.stderr.write(f"keel sweep: {done[0]}{total} points done (point "
                              f"{row['point']}: {status}{error})\n")
            _sys.stderr.flush()

    status, interrupt = "completed", None
    state = {"rows": rows, "pointers": pointers}  # walk-forward's rows, as soon as it has them
    watch = _SignalWatch().__enter__()
    try:
        executor.check(requirements([point_document(spec.base, pointers, p) for p in points],
                                    spec.base_source))
        if spec.walk_forward is not None:
            from ._walk_forward import walk
            walk(spec, spec.walk_forward, folder, executor, state, log_level=log_level,
                 on_result=arrived)
            best = None  # each window has its own best point (walk_forward.csv)
        else:
            evaluate_points(spec.base, spec.base_source, pointers, points, executor,
                            keep=spec.keep_all, log_level=log_level, rows=rows,
                            on_result=arrived)
            best = best_point(rows, *spec.objective)
            if best is not None:
                _keep_best(folder, spec, pointers, points, best, rows[best], executor, log_level)
    except KeyboardInterrupt as error:
        status, interrupt = "interrupted", error
        best = best_point(rows, *spec.objective) if spec.walk_forward is None else None
    finally:
        watch.__exit__()
        executor.close()
    rows, pointers = state["rows"], state["pointers"]
    if status == "completed" and any(row["status"] != "completed" for row in rows):
        status = "failed"
    write_results(folder, spec, rows, best, status, pointers)
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


def _walk_forward_summary(result, folder):
    """The windows and the stitched out-of-sample figures, for the terminal."""
    figures = _json.loads((folder / "walk_forward.json").read_text())
    table = result.walk_forward
    pointers = [c for c in table.columns if c.startswith("/")]
    lines = [f"walk-forward: {figures['windows']} windows from {figures['start']} to "
             f"{figures['end']}; the best in-sample point run on each out-of-sample window"]
    for window, row in table.iterrows():
        values = ", ".join(f"{p}={_cell(row[p])}" for p in pointers) or "no point completed"
        change = row["oos_total_return"]
        shown = f"{change:+.4%}" if isinstance(change, float) and change == change else "-"
        lines.append(f"  window {window}: out of sample {row['oos_start']} .. {row['oos_end']}: "
                     f"{values}: {shown}")
    if figures.get("total_return") is not None:
        lines.append(f"stitched out-of-sample: return {figures['total_return']:+.4%}, Sharpe "
                     f"{figures['sharpe']:.3f}, max drawdown {figures['max_drawdown']:.4%} "
                     f"({folder / 'oos_equity.csv'})")
    return "\n".join(lines) + "\n"


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
    if result.walk_forward is not None:
        out.write(_walk_forward_summary(result, folder=_pathlib.Path(result.output_dir)))
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
