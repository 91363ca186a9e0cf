"""A sweep's results: one row per point (results.csv, results.json), the
best point, and keel.SweepResult. Numbers are written with repr() and no
timings, so the same sweep gives the same bytes whatever ran it."""
import json as _json
import math as _math
import os as _os
import pathlib as _pathlib
import shutil as _shutil

from ._run import Result, _to_json
from ._sweep_file import METRICS, _is_number

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


def write_csv(path, header, lines):
    """A CSV file of already formatted cells ('\\n' line ends), written whole
    or not at all."""
    import csv
    import io
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    _write_atomically(path, text.getvalue())


def write_results(folder, spec, rows, best, status, pointers=None):
    """results.csv and results.json; `pointers`: the rows' parameter columns
    (default the sweep's parameters; walk-forward adds /run/start, /run/end)."""
    pointers = [p for p, _ in spec.parameters] if pointers is None else pointers
    columns = _columns(pointers)
    write_csv(folder / "results.csv", columns, ([_cell(row[c]) for c in columns] for row in rows))

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



class SweepResult:
    """What a sweep found. `table`: results.csv as a DataFrame (index: the
    point); `best`: the best point's index (None when no point completed);
    `best_row`: its row; `best_result`: its keel.Result, read from best/;
    `status`: "completed", "failed" (some point failed) or "interrupted";
    `output_dir`; `objective`: (metric, goal)."""

    def __init__(self, rows, columns, best, status, output_dir, objective):
        import pandas
        self.table = pandas.DataFrame(rows, columns=columns).set_index("point")
        folder = _pathlib.Path(output_dir)
        # Walk-forward (docs/sweeps.md): one row per window, and the stitched
        # out-of-sample equity; None for a plain sweep.
        self.walk_forward = self.oos_equity = None
        if (folder / "walk_forward.csv").is_file():
            self.walk_forward = pandas.read_csv(folder / "walk_forward.csv").set_index("window")
            self.oos_equity = pandas.read_csv(folder / "oos_equity.csv")
            self.oos_equity["ts"] = pandas.to_datetime(self.oos_equity["ts"], utc=True)
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
            if name == "trades":  # an open trade has no duration: Int64 keeps it NaT
                duration = frame.pop("duration_ns").astype("Int64")
                frame.insert(frame.columns.get_loc("entry_ts") + 2, "duration",
                             pandas.to_timedelta(duration, unit="ns"))
            self._frames[name] = frame
        return self._frames[name]


def load_result(folder):
    """A keel.Result of a report folder (summary.json and the CSV files)."""
    return _FolderResult(folder)
