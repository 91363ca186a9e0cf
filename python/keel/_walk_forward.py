"""Walk-forward: the sweep on rolling in-sample windows, the best point of
each run on the out-of-sample window that follows it, and the out-of-sample
equity stitched into one curve — how the chosen parameters did on data the
choice never saw (docs/sweeps.md, "Walk-forward").

Windows: from `start`, an in-sample window [t, t + in_sample) is followed by
its out-of-sample window [t + in_sample, t + in_sample + out_of_sample),
the last one cut at `end`; t moves on by `step` (by default out_of_sample,
so the out-of-sample windows tile the data). Each window's points run with
/run/start and /run/end set to its bounds; every in-sample run of every
window is one batch for the executor, then every out-of-sample run.

Each out-of-sample run starts flat, with the run's initial cash and fresh
strategies (a strategy that needs a warm-up spends it in every window).
The stitched curve chains them: window k's equity e is drawn as
carry_k * e / initial_cash, carry_0 = initial_cash and carry_(k+1) =
carry_k * final_equity_k / initial_cash. Its max drawdown and Sharpe are
computed by the engine's own code (keel._keel._performance), from the
initial cash.
"""
import csv as _csv
import datetime as _datetime
import io as _io
import json as _json

from ._sweep_file import WINDOW_POINTERS, expand, point_document, timestamp_ns
from ._sweep_points import PointTask, SweepError, evaluate_points
from ._sweep_results import (_cell, _write_atomically, _write_files, best_point, new_rows,
                             write_csv)

def windows(start_ns, end_ns, wf):
    """[(is_start, is_end, oos_start, oos_end)]: every window whose
    out-of-sample part starts before end_ns."""
    out, t = [], start_ns
    while t + wf.in_sample_ns < end_ns:
        is_end = t + wf.in_sample_ns
        out.append((t, is_end, is_end, min(is_end + wf.out_of_sample_ns, end_ns)))
        t += wf.step_ns
    return out


def iso(ns):
    seconds, rest = divmod(ns, 10**9)
    when = _datetime.datetime.fromtimestamp(seconds, _datetime.timezone.utc)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{rest:09d}".rstrip("0") if rest else "") + "Z"


def data_span(spec, wf, executor, log_level):
    """(start_ns, end_ns) of the walk: walk_forward.start/end, else the base
    run's /run/start and /run/end, else the data's, from one run of the
    first point (its first event; just after its last)."""
    run = spec.base.get("run", {}) if isinstance(spec.base.get("run"), dict) else {}
    start = wf.start_ns if wf.start_ns is not None else timestamp_ns(run.get("start"))
    end = wf.end_ns if wf.end_ns is not None else timestamp_ns(run.get("end"))
    if start is not None and end is not None:
        return start, end
    pointers = [p for p, _ in spec.parameters]
    first = expand(spec.parameters)[0]
    results = []
    executor.run([PointTask(0, point_document(spec.base, pointers, first), spec.base_source,
                            False, log_level)], results.append)
    summary = results[0].get("summary") if results else None
    if not summary or not summary.get("events"):
        raise _span_error(results[0] if results else None)
    return (start if start is not None else summary["first_event_ts"],
            end if end is not None else summary["last_event_ts"] + 1)


def _span_error(result):
    why = (result or {}).get("error") or "it read no events"
    return SweepError(f"walk-forward: cannot find the data's time span from a run of the first "
                      f"point ({why}); give walk_forward.start and walk_forward.end")


def _read_equity(data):
    """equity.csv's bytes -> [(ts_ns, equity)]."""
    rows = _csv.DictReader(_io.StringIO(data.decode("utf-8")))
    return [(timestamp_ns(r["ts"]), float(r["equity"])) for r in rows]


def walk(spec, wf, folder, executor, state, *, log_level="warn", on_result=None):
    """Runs the walk and writes walk_forward.csv (one row per window),
    oos_equity.csv (the stitched curve), walk_forward.json (its figures) and
    oos/NN/ (each out-of-sample run's report). The in-sample rows (one per
    window and point, the window's bounds as /run/start and /run/end
    columns) go into state["rows"] and state["pointers"] as soon as they
    exist, so an interrupted walk keeps the rows done."""
    from . import _keel

    start, end = data_span(spec, wf, executor, log_level)
    spans = windows(start, end, wf)
    if not spans:
        raise SweepError(f"walk-forward: no window fits: {iso(start)} to {iso(end)} is shorter "
                         f"than in_sample plus some out-of-sample time")
    grid_pointers = [p for p, _ in spec.parameters]
    grid = expand(spec.parameters)
    pointers = grid_pointers + list(WINDOW_POINTERS)
    points = [point + (iso(is_start), iso(is_end)) for is_start, is_end, _, _ in spans
              for point in grid]
    rows = new_rows(pointers, points)
    state.update(rows=rows, pointers=pointers)
    evaluate_points(spec.base, spec.base_source, pointers, points, executor, keep=False,
                    log_level=log_level, rows=rows, on_result=on_result)

    metric, goal = spec.objective
    # A window whose in-sample runs read no event (a weekend, a gap in the
    # data) has nothing to choose by: it chooses nothing.
    chosen = [best_point([r for r in rows[k * len(grid):(k + 1) * len(grid)] if r["events"]],
                         metric, goal) for k in range(len(spans))]
    tasks = []
    for k, best in enumerate(chosen):
        if best is not None:
            values = grid[best % len(grid)] + (iso(spans[k][2]), iso(spans[k][3]))
            tasks.append(PointTask(k, point_document(spec.base, pointers, values),
                                   spec.base_source, True, log_level))
    outcomes = {}
    executor.run(tasks, lambda result: outcomes.__setitem__(result["index"], result))

    window_rows, curve = [], []
    initial = None
    carry = None
    for k, (is_start, is_end, oos_start, oos_end) in enumerate(spans):
        best = chosen[k]
        row = {"window": k, "is_start": iso(is_start), "is_end": iso(is_end),
               "oos_start": iso(oos_start), "oos_end": iso(oos_end), "best_point": best}
        for i, pointer in enumerate(grid_pointers):
            row[pointer] = None if best is None else grid[best % len(grid)][i]
        row["is_" + metric] = None if best is None else rows[best][metric]
        result = outcomes.get(k)
        summary = (result or {}).get("summary") or {}
        window = rows[k * len(grid):(k + 1) * len(grid)]
        why = "no in-sample point completed" if all(r["status"] != "completed" for r in window) \
            else "the in-sample window has no data"
        row["oos_status"] = f"not run: {why}" if best is None else \
            (result or {}).get("status", "not run")
        cash, final = summary.get("initial_cash"), summary.get("final_equity")
        row["oos_total_return"] = final / cash - 1 if cash and final is not None else None
        for name in ("sharpe", "max_drawdown", "num_fills"):
            row["oos_" + name] = summary.get(name)
        row["oos_error"] = (result or {}).get("error", "")
        window_rows.append(row)
        if result and result.get("files"):
            _write_files(folder / "oos" / f"{k:02d}", result["files"])
            if cash:
                initial = cash if initial is None else initial
                carry = initial if carry is None else carry
                for ts, equity in _read_equity(result["files"].get("equity.csv", b"")):
                    curve.append((ts, k, carry * equity / cash))
                if final is not None:
                    carry = carry * final / cash

    figures = {"windows": len(spans), "in_sample": wf.in_sample_ns,
               "out_of_sample": wf.out_of_sample_ns, "step": wf.step_ns,
               "start": iso(start), "end": iso(end), "initial_cash": initial,
               "final_equity": carry, "total_return": None, "sharpe": None, "max_drawdown": None}
    if curve and initial:
        drawdown, sharpe = _keel._performance([t for t, _, _ in curve], [e for _, _, e in curve],
                                              initial)
        figures.update(total_return=carry / initial - 1, sharpe=sharpe, max_drawdown=drawdown)
    _write_outputs(folder, grid_pointers, metric, window_rows, curve, figures)


def window_columns(grid_pointers, metric):
    return ["window", "is_start", "is_end", "oos_start", "oos_end", "best_point", *grid_pointers,
            "is_" + metric, "oos_status", "oos_total_return", "oos_sharpe", "oos_max_drawdown",
            "oos_num_fills", "oos_error"]


def _write_outputs(folder, grid_pointers, metric, window_rows, curve, figures):
    columns = window_columns(grid_pointers, metric)
    write_csv(folder / "walk_forward.csv", columns,
              ([_cell(row[c]) for c in columns] for row in window_rows))
    write_csv(folder / "oos_equity.csv", ["ts", "window", "equity"],
              ([iso(ts), k, repr(equity)] for ts, k, equity in curve))
    _write_atomically(folder / "walk_forward.json", _json.dumps(figures, indent=1) + "\n")
