"""Reading a run's report folder (docs/reports.md) for the tearsheet.

Every table comes back as a pandas DataFrame with times as tz-naive UTC
datetime64[ns] (plotly draws them as they are; the pages say "UTC"), the
same whether it was read from the CSV files of `keel run --output` or taken
from a keel.Result. A file that is there but cannot be read raises
ReportError naming it, with the line where that can be known.
"""
import json
import os

import numpy as np
import pandas as pd

# The columns each report file must have (docs/reports.md).
EQUITY = ["ts", "equity"]
EQUITY_BY_STRATEGY = ["ts", "strategy", "equity"]
FILLS = ["ts", "strategy", "instrument", "side", "quantity", "price", "fee"]
TRADES = ["strategy", "instrument", "direction", "entry_ts", "exit_ts", "quantity",
          "entry_price", "exit_price", "pnl", "fees", "net_pnl", "open"]
_TIMES = ("ts", "entry_ts", "exit_ts")
_TEXT = ("strategy", "instrument", "side", "direction", "liquidity")

BINARY_MAGIC = b"KEELMD\r\n"
# A price line has at most this many points per instrument, whatever the data's size.
MAX_POINTS = 5000


class ReportError(ValueError):
    """A report file that is there cannot be read; the message names it (file:line)."""


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}:{e.lineno}:{e.colno}: not valid JSON ({e.msg}); "
                          "the file may be cut short or edited by hand") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: cannot be read ({e})") from None


def read_csv(path, required):
    """The CSV file at `path` as a DataFrame, or None when it is not there.
    Times become tz-naive UTC, numbers float; `required` columns must exist."""
    if not os.path.exists(path):
        return None
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise ReportError(f"{path}:1: the file is empty (a report CSV starts with its header "
                          f"line: {','.join(required)},...)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as e:
        raise ReportError(f"{path}: cannot be read as CSV ({str(e).strip()})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ReportError(f"{path}:1: the header lacks column(s) {', '.join(missing)} "
                          f"(it has {','.join(frame.columns)}); is this a keel report file?")
    for column in frame.columns:
        if column in _TEXT:
            continue
        text = frame[column]
        if column in _TIMES:
            values = pd.to_datetime(text.where(text != ""), utc=True, errors="coerce")
            frame[column] = values.dt.tz_localize(None)
        else:
            try:  # Python's float(): exact (pandas' own parser can be one ulp off)
                values = text.where(text != "").astype(float)
            except ValueError:
                values = pd.to_numeric(text.where(text != ""), errors="coerce")
            frame[column] = values
        bad = values.isna().to_numpy() & (text != "").to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ReportError(f"{path}:{row + 2}: column {column}: {text.iloc[row]!r} is not a "
                              f"{'time' if column in _TIMES else 'number'}")
    return frame


class RunData:
    """A run's report: summary (dict), manifest (dict or None), and the tables
    equity, equity_by_strategy, fills, trades (DataFrames, possibly empty);
    `where` is the report folder (None for a keel.Result without one)."""

    def __init__(self, summary, manifest, equity, equity_by_strategy, fills, trades, where):
        self.summary = summary
        self.manifest = manifest
        self.equity = equity
        self.equity_by_strategy = equity_by_strategy
        self.fills = fills
        self.trades = trades
        self.where = where


def _empty(columns):
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in _TIMES else
                                      object if c in _TEXT else float) for c in columns})


def load_run(folder):
    """The report folder's files. summary.json may be missing when the run was
    killed (its manifest still says `running`): the summary is then rebuilt
    from the rows that were written, with that status."""
    folder = os.fspath(folder)
    join = lambda name: os.path.join(folder, name)  # noqa: E731
    manifest = read_json(join("manifest.json")) if os.path.exists(join("manifest.json")) else None
    if os.path.exists(join("summary.json")):
        summary = read_json(join("summary.json"))
        if not isinstance(summary, dict):
            raise ReportError(f"{join('summary.json')}:1: expected a JSON object")
    elif manifest is not None:
        summary = {"status": f"{manifest.get('status', 'running')} (no summary.json: the run "
                             "was stopped before writing it; the rows written so far are shown)"}
    else:
        raise ReportError(f"{folder}: no summary.json or manifest.json")
    tables = [read_csv(join(name), columns) for name, columns in (
        ("equity.csv", EQUITY), ("equity_by_strategy.csv", EQUITY_BY_STRATEGY),
        ("fills.csv", FILLS), ("trades.csv", TRADES))]
    tables = [_empty(columns) if t is None else t
              for t, columns in zip(tables, (EQUITY, EQUITY_BY_STRATEGY, FILLS, TRADES))]
    if "run_name" not in summary:
        summary["run_name"] = os.path.basename(os.path.abspath(folder))
    return RunData(summary, manifest, *tables, folder)


def from_result(result):
    """A keel.Result's tables, in the shape load_run gives."""
    def naive(frame, required):
        frame = frame.copy()
        for column in frame.columns:
            if column in _TIMES:
                frame[column] = pd.DatetimeIndex(frame[column]).tz_convert(None)
            elif column in _TEXT:
                frame[column] = frame[column].astype(object)
        return frame if len(frame.columns) else _empty(required)
    trades = naive(result.trades, TRADES)
    if "open" in trades:
        trades["open"] = trades["open"].astype(float)
    manifest = None
    if result.output_dir and os.path.exists(os.path.join(result.output_dir, "manifest.json")):
        manifest = read_json(os.path.join(result.output_dir, "manifest.json"))
    return RunData(dict(result.summary), manifest, naive(result.equity, EQUITY),
                   naive(result.equity_by_strategy, EQUITY_BY_STRATEGY),
                   naive(result.fills, FILLS), trades, result.output_dir)


# ---- downsampling -------------------------------------------------------------------------

def downsample(x, y, max_points=MAX_POINTS):
    """At most about max_points of (x, y), in order: the series is cut into
    max_points / 4 runs of equal length and each keeps its first, last, lowest
    and highest point, so peaks, troughs and the ends survive."""
    n = len(y)
    if n <= max_points:
        return x, y
    buckets = max(1, max_points // 4)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    values = np.asarray(y, dtype=float)
    keep = [edges[:-1], edges[1:] - 1]
    lows, highs = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        part = values[a:b]
        if np.isnan(part).all():
            continue
        lows.append(a + int(np.nanargmin(part)))
        highs.append(a + int(np.nanargmax(part)))
    keep += [np.array(lows, dtype=np.int64), np.array(highs, dtype=np.int64)]
    index = np.unique(np.concatenate(keep))
    return np.asarray(x)[index], values[index]


# ---- the prices a run's data files hold -----------------------------------------------------

_PRICE = (("close", ("close",), "bars: close"), ("mid", ("bid", "ask"), "quotes: mid"),
          ("price", ("price",), "trades: price"))


def read_prices(path, instrument=None, chunk_rows=1_000_000):
    """{instrument: (times, prices)} from a CSV data file (bars: close,
    quotes: mid of bid and ask, trades: price; depth is refused), each at most MAX_POINTS
    points; read in chunks so a large file never sits in memory whole.
    Returns (prices, what) or raises ReportError saying why it cannot."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ReportError(f"{path}: cannot be read ({e.strerror or e})") from None
    if head.startswith(BINARY_MAGIC):
        raise ReportError(f"{path} is keel binary data (.kmd); `keel data convert` makes a CSV "
                          "copy to plot from")
    header = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip().split(",")
    if "side" in header and "price" in header:  # one book level a row, not a price series
        raise ReportError(f"{path} is order-book depth (levels, not a price series); the price "
                          "line comes from the run's trades, quotes or bars files")
    kind = next((k for k in _PRICE if all(c in header for c in k[1])), None)
    if kind is None or "ts" not in header:
        raise ReportError(f"{path}:1: not a keel bars, quotes or trades CSV "
                          f"(header {','.join(header)})")
    columns = ["ts", *kind[1]] + (["instrument"] if "instrument" in header else [])
    parts = {}
    try:
        for chunk in pd.read_csv(path, usecols=columns, chunksize=chunk_rows,
                                 dtype={"instrument": str}):
            price = chunk[kind[1][0]] if len(kind[1]) == 1 else (chunk["bid"] + chunk["ask"]) / 2
            ts = chunk["ts"]
            times = (pd.to_datetime(ts, unit="ns") if pd.api.types.is_integer_dtype(ts)
                     else pd.to_datetime(ts, utc=True).dt.tz_localize(None))
            symbols = chunk["instrument"] if "instrument" in chunk else \
                pd.Series(instrument or os.path.basename(path), index=chunk.index)
            for symbol, rows in pd.DataFrame({"t": times, "p": price, "s": symbols}).groupby("s"):
                x, y = downsample(rows["t"].to_numpy(), rows["p"].to_numpy(dtype=float),
                                  MAX_POINTS // 2)
                parts.setdefault(symbol, []).append((x, y))
    except (ValueError, pd.errors.ParserError, OSError) as e:
        raise ReportError(f"{path}: cannot be read for prices ({str(e).strip()})") from None
    prices = {}
    for symbol, pieces in parts.items():
        x = np.concatenate([p[0] for p in pieces])
        y = np.concatenate([p[1] for p in pieces])
        prices[str(symbol)] = downsample(x, y)
    return prices, kind[2]


# ---- a walk-forward sweep's files (docs/sweeps.md) -----------------------------------------

# walk_forward.csv's columns besides the window's parameters ("/..." pointers) and its
# in-sample objective ("is_<metric>").
WALK_FORWARD = ["window", "is_start", "is_end", "oos_start", "oos_end", "best_point",
                "oos_status", "oos_total_return", "oos_sharpe", "oos_max_drawdown",
                "oos_num_fills", "oos_error"]
_WALK_NUMBERS = ("window", "best_point", "oos_total_return", "oos_sharpe", "oos_max_drawdown",
                 "oos_num_fills")
OOS_EQUITY = ["ts", "window", "equity"]


class WalkForwardData:
    """A walk-forward sweep's out-of-sample side: `windows` (walk_forward.csv's
    rows as dicts: numbers as float or None, the rest as the CSV's text),
    `pointers` (the swept parameters, in the file's order), `objective`
    (the in-sample objective's column, "is_<metric>"), `figures`
    (walk_forward.json) and `equity` (oos_equity.csv: ts, window, equity)."""

    def __init__(self, windows, pointers, objective, figures, equity):
        self.windows = windows
        self.pointers = pointers
        self.objective = objective
        self.figures = figures
        self.equity = equity


def _number_or_none(text, path, line, column):
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise ReportError(f"{path}:{line}: column {column}: {text!r} is not a number") from None


def load_walk_forward(folder):
    """The walk-forward files of a sweep's output folder, or None when it has
    no walk_forward.csv (a plain sweep)."""
    import csv
    folder = os.fspath(folder)
    path = os.path.join(folder, "walk_forward.csv")
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise ReportError(f"{path}:1: the file is empty (it starts with the header "
                                  f"line {','.join(WALK_FORWARD[:6])},...)")
            missing = [c for c in WALK_FORWARD if c not in header]
            objective = [c for c in header if c.startswith("is_") and c not in WALK_FORWARD
                         and c not in ("is_start", "is_end")]
            if missing or len(objective) != 1:
                what = (f"lacks column(s) {', '.join(missing)}" if missing else
                        "has no in-sample objective column (is_<metric>)")
                raise ReportError(f"{path}:1: the header {what} (it has {','.join(header)}); "
                                  "is this keel sweep's walk_forward.csv?")
            windows = []
            for cells in reader:
                if len(cells) != len(header):
                    raise ReportError(f"{path}:{reader.line_num}: {len(cells)} cells, the header "
                                      f"has {len(header)}")
                row = dict(zip(header, cells))
                for column in (*_WALK_NUMBERS, objective[0]):
                    row[column] = _number_or_none(row[column], path, reader.line_num, column)
                if row["window"] is None:
                    raise ReportError(f"{path}:{reader.line_num}: column window is empty")
                windows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ReportError(f"{path}: cannot be read as CSV ({e})") from None
    figures_path = os.path.join(folder, "walk_forward.json")
    figures = read_json(figures_path) if os.path.exists(figures_path) else {}
    if not isinstance(figures, dict):
        raise ReportError(f"{figures_path}:1: expected a JSON object (keel sweep's "
                          "walk_forward.json)")
    equity = read_csv(os.path.join(folder, "oos_equity.csv"), OOS_EQUITY)
    return WalkForwardData(windows, [c for c in header if c.startswith("/")], objective[0],
                           figures, _empty(OOS_EQUITY) if equity is None else equity)
