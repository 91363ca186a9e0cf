"""keel's HTML tearsheets: one self-contained page for a run's report folder
(run_page) or a sweep's output folder (sweep_page), and `keel report DIR`
(main).

A page holds plotly.js itself (Debian's python3-plotly, embedded once in
<head>) and the figures as JSON, so it opens with no network: no <script
src>, no stylesheet or font from elsewhere. Figures are interactive (zoom,
hover). The bytes depend only on the report's files (no uuids, no clock).
See docs/tearsheet.md.
"""
import argparse
import functools
import html
import json
import math
import os
import sys

from . import _report_read as read

__all__ = ["run_page", "sweep_page", "main", "ReportError"]

ReportError = read.ReportError
MAX_TRADE_ROWS = 500
MAX_SWEEP_ROWS = 1000

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:#222;background:#f6f7f9;margin:0}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:16px 18px;margin:16px 0}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600}
.ok{background:#dff3e4;color:#176f2c}.warn{background:#fff4d6;color:#7a5400}
.bad{background:#fde2e1;color:#a4161a}
.sub{color:#555}.note{color:#7a5400;background:#fffaf0;border-left:3px solid #e0a800;
 padding:6px 10px;margin:8px 0}
nav a{margin-right:14px;color:#0b5cad;text-decoration:none}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #eceef1;text-align:left;white-space:nowrap}
th{background:#f0f2f5;position:sticky;top:0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.best td{background:#e8f4ff;font-weight:600}.pos{color:#176f2c}.neg{color:#a4161a}
.scroll{max-height:520px;overflow:auto}
table.kv{width:auto;min-width:420px}table.kv td:first-child{padding-right:40px}
"""


# ---- formatting --------------------------------------------------------------------------

def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _money(value):
    return f"{value:,.2f}" if _number(value) else "\u2013"


def _pct(value):
    return f"{value * 100:.2f}%" if _number(value) else "\u2013"


def _plain(value, digits=4):
    if not _number(value):
        return "\u2013" if value is None or value == "" else str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def _status_class(status):
    status = str(status)
    return "ok" if status == "completed" else "warn" if status.startswith("interrupted") else "bad"


def _table(header, rows, numeric=(), classes=None, css=None):
    """An HTML table; `numeric` column indexes are right-aligned; cells are escaped."""
    head = "".join(f'<th class="n">{html.escape(h)}</th>' if i in numeric else
                   f"<th>{html.escape(h)}</th>" for i, h in enumerate(header))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{classes[r]}"' if classes and classes[r] else ""
        cells = "".join(f'<td class="n">{_cell(c)}</td>' if i in numeric else
                        f"<td>{_cell(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    table = f'<table class="{css}">' if css else "<table>"
    return f"{table}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(value):
    return value if isinstance(value, _Raw) else html.escape(str(value))


def _note(text):
    return f'<p class="note">{html.escape(text)}</p>'


def _figure(fig, div_id):
    """A figure as a div and the script that draws it (plotly.js is in <head>)."""
    import plotly.io
    spec = json.loads(plotly.io.to_json(fig, validate=True))
    config = {"displaylogo": False, "responsive": True}
    payload = json.dumps([spec.get("data", []), spec.get("layout", {}), config],
                         separators=(",", ":")).replace("</", "<\\/")
    return (f'<div id="{div_id}" class="chart"></div>\n<script>(function(){{var f={payload};'
            f'Plotly.newPlot("{div_id}",f[0],f[1],f[2]);}})();</script>')


@functools.lru_cache(maxsize=1)
def _plotly_js():
    """plotly.js, read once per process: a sweep writes several pages, and
    reading Debian's unminified copy costs about half a second each time."""
    from plotly.offline import get_plotlyjs
    return get_plotlyjs()


def _page(title, header, sections):
    nav = " ".join(f'<a href="#{sid}">{html.escape(name)}</a>' for sid, name, _ in sections)
    body = "\n".join(f'<section id="{sid}"><h2>{html.escape(name)}</h2>\n{content}\n</section>'
                     for sid, name, content in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n"
            f"<script>/* plotly.js, embedded: the page needs no network */\n{_plotly_js()}"
            f"\n</script>\n</head><body><main>\n<header>{header}</header>\n<nav>{nav}</nav>\n"
            f"{body}\n</main></body></html>\n")


def _write(path, text):
    """Writes the page whole or not at all (a temporary file renamed over it)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ReportError(f"{path}: its folder {folder} does not exist")
    temporary = f"{path}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as e:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise ReportError(f"{path}: cannot write the page ({e.strerror or e})") from None
    return path


# ---- the run page ------------------------------------------------------------------------

def _trade_stats(trades):
    closed = trades[trades["open"] == 0] if len(trades) else trades
    wins = int((closed["net_pnl"] > 0).sum()) if len(closed) else 0
    return {"round_trips": len(closed), "open_trades": len(trades) - len(closed),
            "win_rate": wins / len(closed) if len(closed) else None,
            "avg_trade": float(closed["net_pnl"].mean()) if len(closed) else None}


def _summary_section(run):
    s = run.summary
    trades = run.trades
    total = _trade_stats(trades)
    ret = (s["final_equity"] / s["initial_cash"] - 1
           if _number(s.get("final_equity")) and _number(s.get("initial_cash"))
           and s["initial_cash"] else None)
    period = (f"{s.get('first_event')} \u2192 {s.get('last_event')}"
              if s.get("first_event") else "no events")
    rows = [("Run", s.get("run_name", "")), ("Status", s.get("status", "")),
            ("Period (UTC)", period),
            ("Events", _plain(s.get("events"))), ("Currency", s.get("currency", "")),
            ("Initial cash", _money(s.get("initial_cash"))),
            ("Final equity", _money(s.get("final_equity"))), ("Total return", _pct(ret)),
            ("Realised PnL", _money(s.get("realized_pnl"))),
            ("Unrealised PnL", _money(s.get("unrealized_pnl"))),
            ("Fees", _money(s.get("total_fees"))),
            ("Sharpe (daily, \u221a252; see docs/tearsheet.md)", _plain(s.get("sharpe"), 3)),
            ("Max drawdown", _pct(s.get("max_drawdown"))),
            ("Orders", _plain(s.get("num_orders"))), ("Fills", _plain(s.get("num_fills"))),
            ("Round trips (closed)", _plain(total["round_trips"])),
            ("Trades still open", _plain(total["open_trades"])),
            ("Win rate (net PnL > 0)", _pct(total["win_rate"])),
            ("Average round trip, net", _money(total["avg_trade"]))]
    account = _table(["Account", ""], rows, numeric=(1,), css="kv")
    per = []
    for st in s.get("strategies", []) or []:
        mine = trades[trades["strategy"] == st.get("name")] if len(trades) else trades
        stats = _trade_stats(mine)
        ret = (st["final_equity"] / st["initial_cash"] - 1
               if _number(st.get("final_equity")) and st.get("initial_cash") else None)
        per.append([st.get("name", ""), st.get("status", ""), _money(st.get("initial_cash")),
                    _money(st.get("final_equity")), _pct(ret), _money(st.get("realized_pnl")),
                    _money(st.get("unrealized_pnl")), _money(st.get("total_fees")),
                    _plain(st.get("num_orders")), _plain(st.get("num_fills")),
                    _plain(stats["round_trips"]), _pct(stats["win_rate"])])
    strategies = _table(["Strategy", "Status", "Initial cash", "Final equity", "Return",
                         "Realised", "Unrealised", "Fees", "Orders", "Fills", "Round trips",
                         "Win rate"], per, numeric=range(2, 12)) if per else ""
    return f"{account}<h2 style='margin-top:16px'>Per strategy</h2>{strategies}"


def _trades_section(run):
    trades = run.trades
    if trades.empty:
        return "<p>No round trips (trades.csv is empty or missing).</p>"
    shown = trades.head(MAX_TRADE_ROWS)
    rows, classes = [], []
    for t in shown.itertuples(index=False):
        duration = (str(t.exit_ts - t.entry_ts) if not (str(t.exit_ts) in ("NaT", "nan")) else "")
        rows.append([t.strategy, t.instrument, t.direction, _when(t.entry_ts), _when(t.exit_ts),
                     duration, _plain(t.quantity), _plain(t.entry_price, 8),
                     _plain(t.exit_price, 8), _money(t.pnl), _money(t.fees), _money(t.net_pnl),
                     "open" if t.open else ""])
        classes.append("pos" if t.net_pnl > 0 else "neg" if t.net_pnl < 0 else "")
    table = _table(["Strategy", "Instrument", "Direction", "Entry (UTC)", "Exit (UTC)",
                    "Duration", "Quantity", "Entry price", "Exit price", "PnL", "Fees",
                    "Net PnL", ""], rows, numeric=range(6, 12), classes=classes)
    note = (_note(f"The first {MAX_TRADE_ROWS} of {len(trades)} round trips; all are in "
                  "trades.csv.") if len(trades) > MAX_TRADE_ROWS else "")
    return f"{note}<div class='scroll'>{table}</div>"


def _when(value):
    return "" if str(value) in ("NaT", "nan", "None") else str(value)


def _chart(content, div_id):
    return _note(content) if isinstance(content, str) else _figure(content, div_id)


def _status_line(status):
    status = str(status)
    if status == "completed":
        return '<span class="status ok">completed</span>'
    how = ("It was interrupted: the report holds what happened up to there."
           if status.startswith("interrupted") else
           "It did not complete: the report holds what happened up to the failure.")
    return (f'<span class="status {_status_class(status)}">{html.escape(status)}</span> '
            f'<span class="sub">{how}</span>')


def render_run(run):
    """The run page's HTML for a _report_read.RunData."""
    from . import _tearsheet_figures as figures
    s = run.summary
    fig, notes = figures.fills_on_price(run)
    fills = "".join(_note(n) for n in notes)
    if fig is not None:
        fills += _figure(fig, "fills-chart")
    sections = [("summary", "Summary", _summary_section(run)),
                ("equity", "Equity curve", _chart(figures.equity_curve(run), "equity-chart")),
                ("drawdown", "Drawdown", _chart(figures.drawdown(run), "drawdown-chart")),
                ("monthly", "Monthly returns", _chart(figures.monthly_returns(run),
                                                      "monthly-chart")),
                ("sharpe", "Rolling Sharpe", _chart(figures.rolling_sharpe(run), "sharpe-chart")),
                ("fills", "Fills on the price", fills),
                ("trades", "Round-trip trades", _trades_section(run))]
    name = str(s.get("run_name", ""))
    where = f'<p class="sub">{html.escape(os.path.abspath(run.where))}</p>' if run.where else ""
    header = (f"<h1>keel run: {html.escape(name)}</h1>\n<p>{_status_line(s.get('status', ''))}</p>"
              f"{where}")
    return _page(f"keel run: {name}", header, sections)


def run_page(report_dir, path=None):
    """Writes the tearsheet of a run's report folder (the files `keel run
    --output` writes) to `path` (default report_dir/report.html) and returns
    the path. Raises ReportError when a file is corrupt or the folder is not
    a run's report."""
    report_dir = os.fspath(report_dir)
    run = read.load_run(report_dir)
    path = os.path.join(report_dir, "report.html") if path is None else os.fspath(path)
    return _write(path, render_run(run))


def result_page(result, path=None):
    """Result.tearsheet: the page of a keel.Result (its tables, already in memory)."""
    if path is None:
        if not result.output_dir:
            raise ValueError("Result.tearsheet: give a path; this run wrote no report folder "
                             "(keel.run(..., output_dir=DIR) writes one)")
        path = os.path.join(result.output_dir, "report.html")
    return _write(path, render_run(read.from_result(result)))


# ---- the sweep page ---------------------------------------------------------------------

def _load_sweep(sweep_dir):
    path = os.path.join(sweep_dir, "results.json")
    doc = read.read_json(path)
    problems = []
    if not isinstance(doc, dict):
        raise ReportError(f"{path}:1: expected a JSON object (keel sweep's results.json)")
    for key, kind in (("parameters", list), ("rows", list), ("objective", dict)):
        if not isinstance(doc.get(key), kind):
            problems.append(f"/{key} must be {'an array' if kind is list else 'an object'}")
    if not problems and not all(isinstance(r, dict) for r in doc["rows"]):
        problems.append("/rows must hold objects")
    if problems:
        raise ReportError(f"{path}: {'; '.join(problems)} (is it keel sweep's results.json?)")
    return doc


def _objective(doc):
    objective = doc["objective"]
    metric = str(objective.get("metric", "sharpe"))
    goal = "min" if objective.get("goal") == "min" else "max"
    return metric, goal


def _score(row, metric):
    value = row.get(metric)
    ok = str(row.get("status", "")) == "completed" and _number(value)
    return value if ok else None


def _order(rows, metric, goal, indexes=None):
    """Row indexes (all, or those given), best objective first; failed or
    unscored rows last, in point order."""
    indexes = range(len(rows)) if indexes is None else indexes
    scored = [i for i in indexes if _score(rows[i], metric) is not None]
    scored.sort(key=lambda i: (-rows[i][metric] if goal == "max" else rows[i][metric], i))
    return scored + [i for i in indexes if _score(rows[i], metric) is None]


def _ranked(rows, parameters, metric, goal, walk):
    """[(row index, rank or "")] in the results table's order: by the
    objective; for a walk-forward, window by window (ranks start again)."""
    if walk is None:
        groups = [range(len(rows))]
    else:  # a window's rows share their values of the parameters it added (/run/start, ...)
        keys = [p for p in parameters if p not in walk.pointers]
        found = {}
        for i, r in enumerate(rows):
            found.setdefault(tuple(_label(r.get(p)) for p in keys), []).append(i)
        groups = list(found.values())
    ranked = []
    for indexes in groups:
        order = _order(rows, metric, goal, indexes)
        ranked += [(i, n if _score(rows[i], metric) is not None else "")
                   for n, i in enumerate(order, start=1)]
    return ranked


def _chosen(doc, walk):
    """{row index: [windows]}: the sweep's best point, or each window's."""
    rows = doc["rows"]
    if walk is None:
        best = doc.get("best")
        return {best: []} if isinstance(best, int) and 0 <= best < len(rows) else {}
    chosen = {}
    for w in walk.windows:
        point = w.get("best_point")
        if point is not None and point.is_integer() and 0 <= point < len(rows):
            chosen.setdefault(int(point), []).append(int(w["window"]))
    return chosen


def _label(value):
    """A parameter's value as a chart label: 1000, 0.25 (no thousands separator)."""
    if not _number(value):
        return str(value)
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _values(rows, parameter):
    values = list(dict.fromkeys(_label(r.get(parameter)) for r in rows))
    numbers = {_label(r.get(parameter)): r.get(parameter) for r in rows
               if _number(r.get(parameter))}
    if len(numbers) == len(values):
        return sorted(values, key=lambda v: numbers[v])
    return sorted(values)


def sweep_heatmap(doc, heatmap=None, walk=None):
    """The objective over two parameters (each cell the best over the others),
    a line over one, or a note. The best point is marked with a star; for a
    walk-forward (walk: _report_read.WalkForwardData) the axes are the swept
    parameters (not the windows' /run/start and /run/end), each cell is the
    best over the windows, and each window's chosen point is starred."""
    import plotly.graph_objects as go
    from . import _tearsheet_figures as figures
    parameters = [str(p) for p in doc["parameters"]]
    choosable = parameters if walk is None else [p for p in parameters if p in walk.pointers]
    metric, goal = _objective(doc)
    rows = doc["rows"]
    if heatmap is not None:
        unknown = [p for p in heatmap if p not in choosable]
        if unknown or len(heatmap) != 2 or heatmap[0] == heatmap[1]:
            raise ReportError(f"heatmap: give two different parameters of the sweep "
                              f"({', '.join(choosable)}); got {', '.join(map(str, heatmap))}")
        axes = list(heatmap)
    else:
        axes = choosable[:2]
    if not axes:
        return "The sweep has no parameters: no chart."
    better = max if goal == "max" else min
    others = len(choosable) > len(axes)
    if walk is None:
        title = f"{metric} ({goal}) over {' and '.join(axes)}" + (
            ", best over the other parameters" if others else "")
    else:
        title = (f"in-sample {metric} ({goal}) over {' and '.join(axes)}, each cell the best "
                 f"over the {len(walk.windows)} windows" + (" and the other parameters"
                                                           if others else ""))
    cells = {}
    for r in rows:
        value = _score(r, metric)
        if value is None:
            continue
        key = tuple(_label(r.get(a)) for a in axes)
        cells[key] = value if key not in cells else better(cells[key], value)
    if not cells:
        return f"No point completed with a {metric}: nothing to chart."
    marks = {}  # cell -> the windows that chose it ([] for a plain sweep's best point)
    for i, windows in _chosen(doc, walk).items():
        marks.setdefault(tuple(_label(rows[i].get(a)) for a in axes), []).extend(windows)
    marks = [(key, windows) for key, windows in marks.items() if key in cells]
    name = "best point" if walk is None else "chosen in a window"
    hover = ["best point" if walk is None else
             f"chosen in window{'s' if len(w) > 1 else ''} {', '.join(map(str, sorted(w)))}"
             for _, w in marks]
    xs = _values(rows, axes[0])
    if len(axes) == 1:
        fig = go.Figure(go.Scatter(x=xs, y=[cells.get((x,)) for x in xs], mode="lines+markers",
                                   name=metric))
        if marks:
            fig.add_trace(go.Scatter(x=[k[0] for k, _ in marks], y=[cells[k] for k, _ in marks],
                                     mode="markers", name=name, hovertext=hover,
                                     marker=dict(symbol="star", size=16, color="#e0a800")))
        return figures._layout(fig, title, xaxis=dict(title=axes[0], type="category"),
                               yaxis_title=metric)
    ys = _values(rows, axes[1])
    z = [[cells.get((x, y)) for x in xs] for y in ys]
    fig = go.Figure(go.Heatmap(z=z, x=xs, y=ys, colorscale="Viridis",
                               reversescale=goal == "min", colorbar=dict(title=metric),
                               hoverongaps=False,
                               hovertemplate=f"{axes[0]}=%{{x}}<br>{axes[1]}=%{{y}}<br>"
                                             f"{metric}=%{{z}}<extra></extra>"))
    if marks:
        fig.add_trace(go.Scatter(x=[k[0] for k, _ in marks], y=[k[1] for k, _ in marks],
                                 mode="markers", name=name, hovertext=hover,
                                 marker=dict(symbol="star", size=20, color="#ff4136",
                                             line=dict(width=1.5, color="#fff"))))
    return figures._layout(fig, title, height=max(380, 120 + 36 * len(ys)),
                           xaxis=dict(title=axes[0], type="category"),
                           yaxis=dict(title=axes[1], type="category"))


class _Raw(str):
    """A table cell that is HTML already (a link), not text to escape."""


def _link(href):
    return _Raw(f'<a href="{html.escape(href)}">{html.escape(href)}</a>')


def _duration(ns):
    """Nanoseconds as walk_forward's durations are written: 2d, 6h, 90m, ..."""
    if not _number(ns) or ns <= 0:
        return "\u2013"
    for unit, size in (("d", 86400 * 10**9), ("h", 3600 * 10**9), ("m", 60 * 10**9),
                       ("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if ns % size == 0:
            return f"{int(ns // size)}{unit}"
    return f"{int(ns)}ns"


def _walk_forward_section(doc, walk, oos_links):
    from . import _tearsheet_figures as figures
    metric, goal = _objective(doc)
    f = walk.figures
    period = f"{f.get('start', '')} \u2192 {f.get('end', '')}" if f.get("start") else "\u2013"
    stitched = _table(["Stitched out of sample", ""], [
        ("Windows", _plain(f.get("windows", len(walk.windows)))), ("Period (UTC)", period),
        ("In sample / out of sample / step", " / ".join(
            _duration(f.get(k)) for k in ("in_sample", "out_of_sample", "step"))),
        ("Initial cash", _money(f.get("initial_cash"))),
        ("Final equity", _money(f.get("final_equity"))),
        ("Total return", _pct(f.get("total_return"))),
        ("Sharpe (daily, \u221a252)", _plain(f.get("sharpe"), 3)),
        ("Max drawdown", _pct(f.get("max_drawdown")))], numeric=(1,), css="kv")
    body, classes = [], []
    for w in walk.windows:
        k = int(w["window"])
        status = w.get("oos_status", "")
        body.append([k, f"{w['is_start']} \u2192 {w['is_end']}",
                     f"{w['oos_start']} \u2192 {w['oos_end']}", *[w.get(p, "") for p in
                                                                 walk.pointers],
                     _plain(w.get(walk.objective), 6), status, _pct(w.get("oos_total_return")),
                     _plain(w.get("oos_sharpe"), 3), _pct(w.get("oos_max_drawdown")),
                     _plain(w.get("oos_num_fills")),
                     _link(oos_links[k]) if k in oos_links else "", w.get("oos_error", "")])
        classes.append("" if status == "completed" else "neg")
    first = 3 + len(walk.pointers)
    table = _table(["Window", "In sample (UTC)", "Out of sample (UTC)", *walk.pointers,
                    f"In-sample {metric}", "Status", "Return", "Sharpe", "Max drawdown", "Fills",
                    "Report", "Error"], body, numeric={0} | set(range(first, first + 1)) |
                   set(range(first + 2, first + 6)), classes=classes)
    how = (f"Each window's best in-sample point ({goal} {metric}) ran on the out-of-sample "
           "window after it, starting flat with the initial cash; the stitched curve chains "
           "the windows' returns.")
    return (f"{stitched}\n<p class='sub'>{html.escape(how)}</p>\n"
            f"{_chart(figures.oos_equity(walk), 'oos-chart')}\n"
            f"<h2 style='margin-top:16px'>Windows</h2><div class='scroll'>{table}</div>")


def render_sweep(doc, best_link=None, heatmap=None, walk=None, oos_links=None):
    """The sweep page's HTML for results.json (doc); with walk (a
    _report_read.WalkForwardData) the walk-forward section comes first and
    the results are the in-sample runs, window by window; oos_links: {window:
    href of its out-of-sample run's page}."""
    metric, goal = _objective(doc)
    rows = doc["rows"]
    parameters = [str(p) for p in doc["parameters"]]
    ranked = _ranked(rows, parameters, metric, goal, walk)
    chosen = _chosen(doc, walk)
    metrics = ["final_equity", "total_return", "sharpe", "max_drawdown", "total_fees",
               "num_fills", "num_orders", "events"]
    header = ["Rank", "Point", *parameters, "Status", *metrics, "Error"]
    body, classes = [], []
    for i, rank in ranked[:MAX_SWEEP_ROWS]:
        r = rows[i]
        body.append([rank, r.get("point", i), *[_label(r.get(p)) for p in parameters],
                     r.get("status", ""), *[_plain(r.get(m), 6) for m in metrics],
                     r.get("error", "") or ""])
        classes.append("best" if i in chosen else "")
    numeric = {0, 1} | set(range(len(parameters) + 3, len(parameters) + 3 + len(metrics)))
    table = _table(header, body, numeric=numeric, classes=classes)
    note = (_note(f"The {'best' if walk is None else 'first'} {MAX_SWEEP_ROWS} of {len(rows)} "
                  "points; all are in results.csv.") if len(rows) > MAX_SWEEP_ROWS else "")
    failed = sum(1 for r in rows if r.get("status") != "completed")
    best = doc.get("best")
    link = (f'<p>The best point\'s own tearsheet: <a href="{html.escape(best_link)}">'
            f"{html.escape(best_link)}</a></p>" if best_link else "")
    status = str(doc.get("status", ""))
    name = html.escape(os.path.basename(str(doc.get("sweep", ""))))
    if walk is None:
        what = (f"{len(rows)} points \u00b7 {failed} not completed \u00b7 objective: "
                f"{html.escape(goal)} {html.escape(metric)} \u00b7 best: "
                f"{'point ' + str(best) if best is not None else 'none'}")
    else:
        what = (f"walk-forward over {len(walk.windows)} windows \u00b7 {len(rows)} in-sample "
                f"runs \u00b7 {failed} not completed \u00b7 objective: {html.escape(goal)} "
                f"{html.escape(metric)}, each window's best run out of sample")
    header_html = (f"<h1>keel sweep: {name}</h1>\n<p>{_status_line(status)}</p>"
                   f'<p class="sub">base {html.escape(str(doc.get("base", "")))} \u00b7 {what}'
                   f"</p>{link}")
    title = (f"Results, best {metric} first" if walk is None else
             f"In-sample results, window by window, best {metric} first")
    sections = [("objective", "Objective" if walk is None else "In-sample objective",
                 _chart(sweep_heatmap(doc, heatmap, walk), "objective-chart")),
                ("results", title, f"{note}<div class='scroll'>{table}</div>")]
    if walk is not None:
        sections.insert(0, ("walk-forward", "Walk-forward: out of sample",
                            _walk_forward_section(doc, walk, oos_links or {})))
    return _page(f"keel sweep: {doc.get('sweep', '')}", header_html, sections)


def sweep_page(sweep_dir, path=None, heatmap=None):
    """Writes the tearsheet of a sweep's output folder (results.json, and
    walk_forward.csv, oos_equity.csv and walk_forward.json for a walk-forward)
    to `path` (default sweep_dir/report.html) and returns the path; also
    writes best/report.html and each oos/NN/report.html (run_page) whose
    folder holds a run's report. heatmap: two parameters (JSON pointers) to
    chart the objective over; default the first two swept. Raises
    ReportError for a corrupt file or an unknown parameter."""
    sweep_dir = os.fspath(sweep_dir)
    doc = _load_sweep(sweep_dir)
    walk = read.load_walk_forward(sweep_dir)
    path = os.path.join(sweep_dir, "report.html") if path is None else os.fspath(path)
    here = os.path.dirname(os.path.abspath(path))

    def page_of(folder):
        if not os.path.exists(os.path.join(folder, "summary.json")):
            return None
        return os.path.relpath(run_page(folder), here)

    best_link = page_of(os.path.join(sweep_dir, "best"))
    oos_links = {}
    for w in walk.windows if walk is not None else ():
        k = int(w["window"])
        link = page_of(os.path.join(sweep_dir, "oos", f"{k:02d}"))
        if link is not None:
            oos_links[k] = link
    return _write(path, render_sweep(doc, best_link, heatmap, walk, oos_links))


# ---- keel report DIR -----------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="keel report", description="Write an HTML tearsheet (one self-contained page) for "
        "a run's report folder (summary.json) or a sweep's output folder (results.json).")
    parser.add_argument("dir", metavar="DIR", help="the report or sweep folder")
    parser.add_argument("--output", metavar="FILE", help="where the page goes "
                        "(default DIR/report.html)")
    parser.add_argument("--heatmap", nargs=2, metavar=("P1", "P2"), help="for a sweep: the two "
                        "parameters (JSON pointers) the objective heatmap is drawn over")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    folder = args.dir
    try:
        if os.path.exists(os.path.join(folder, "results.json")):
            page = sweep_page(folder, args.output, args.heatmap)
        elif os.path.exists(os.path.join(folder, "summary.json")) or \
                os.path.exists(os.path.join(folder, "manifest.json")):
            if args.heatmap:
                raise ReportError(f"{folder} is a run's report folder: --heatmap is for a sweep")
            page = run_page(folder, args.output)
        elif not os.path.isdir(folder):
            raise ReportError(f"{folder}: no such folder (give the folder `keel run --output` "
                              "or `keel sweep` wrote)")
        else:
            raise ReportError(f"{folder} is neither a run's report folder (it would hold "
                              "summary.json and manifest.json, from `keel run --output DIR`) nor "
                              "a sweep's (results.json, from `keel sweep`)")
    except ReportError as e:
        sys.stderr.write(f"keel report: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("keel report: interrupted\n")
        return 130
    print(page)
    if args.open:
        import pathlib
        import webbrowser
        webbrowser.open(pathlib.Path(page).resolve().as_uri())
    return 0
