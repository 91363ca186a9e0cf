"""A sweep's tearsheet (docs/tearsheet.md): the results table, the objective
over two parameters and, for a walk-forward, the stitched out-of-sample curve
and the windows; best/ and oos/NN/ get their own run pages."""
import html
import os

from . import _report_read as read
from ._report_read import ReportError
from ._tearsheet_html import (MAX_SWEEP_ROWS, _chart, _money, _note, _number, _page, _pct,
                              _plain, _Raw, _status_line, _table, _write)
from ._tearsheet_run import run_page

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


