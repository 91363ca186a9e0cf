"""Running a sweep's points: the executor protocol every executor implements
(PointTask in, one result per task out), run_point (one point's run in the
process that calls it), the serial executor, the up-front check of every
point, and evaluate_points, which runs a list of points of a base document
and fills their rows. keel.sweep (_sweep.py) and walk-forward
(_walk_forward.py) are built on it; the executors (_local_pool.py, _dask.py)
implement it.
"""
import dataclasses as _dataclasses
import json as _json
import os as _os
import pathlib as _pathlib
import shutil as _shutil
import signal as _signal
import tempfile as _tempfile

from ._run import ConfigError, _to_json
from ._strategy import Error
from ._sweep_file import point_document
from ._sweep_results import _cell, _fill_row, new_rows

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


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the sweep stops the same way (exit 143)."""


def _on_sigterm(signum, frame):
    raise _Terminated()


SweepError.__module__ = "keel"  # as users name it
