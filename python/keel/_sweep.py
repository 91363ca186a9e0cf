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

The parts, from the bottom up: _sweep_file.py (the sweep file and its
points), _sweep_results.py (rows, results files, SweepResult),
_sweep_points.py (the executor protocol, run_point, the up-front check,
evaluate_points), the executors (_local_pool.py, _dask.py) and
_walk_forward.py; this file ties them together as keel.sweep and
`keel sweep`.
"""
import json as _json
import os as _os
import pathlib as _pathlib
import shutil as _shutil
import signal as _signal
import sys as _sys
import tempfile as _tempfile

from ._run import ConfigError
from ._sweep_file import expand, parse_sweep, point_document
from ._sweep_points import (EXIT_FAILED, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE,
                            PointTask, SerialExecutor, SweepError, _SignalWatch, _Terminated,
                            _on_sigterm, check_points, evaluate_points, requirements)
from ._sweep_results import (SweepResult, _cell, _columns, _fill_row, _write_files, best_point,
                             new_rows, write_results)

__all__ = ["sweep", "SweepResult", "SweepError"]

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
          progress=False, log_level="warn", report=True):
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
    report      write the tearsheets (report.html, best/report.html; False
                skips them: `keel report OUTPUT` writes them later)
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
    if report:
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
    parser.add_argument("--no-report", action="store_true",
                        help="write no tearsheet (keel report DIR writes it later)")
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
                       report=not args.no_report,
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


for _public in (SweepResult, sweep):
    _public.__module__ = "keel"
