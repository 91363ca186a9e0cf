"""The tearsheets' page machinery: the style, number formatting, tables,
figures (plotly.js embedded once per page, each figure's JSON in the page,
fixed element ids so the bytes depend only on the data) and writing a page
whole or not at all. The pages: _tearsheet_run.py, _tearsheet_sweep.py."""
import functools
import html
import json
import math
import os

from ._report_read import ReportError

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


class _Raw(str):
    """A table cell that is HTML already (a link), not text to escape."""


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
