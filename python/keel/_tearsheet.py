"""keel's HTML tearsheets: one self-contained page for a run's report folder
(run_page) or a sweep's output folder (sweep_page), and `keel report DIR`
(main).

A page holds plotly.js itself (Debian's python3-plotly, embedded once in
<head>) and the figures as JSON, so it opens with no network: no <script
src>, no stylesheet or font from elsewhere. Figures are interactive (zoom,
hover). The bytes depend only on the report's files (no uuids, no clock).
See docs/tearsheet.md. The parts: _tearsheet_html.py (the page machinery),
_tearsheet_run.py, _tearsheet_sweep.py, _tearsheet_figures.py (the charts),
_report_read.py (reading the folders).
"""
import argparse
import os
import sys

from . import _report_read as read
from ._tearsheet_run import run_page
from ._tearsheet_sweep import sweep_page

__all__ = ["run_page", "sweep_page", "main", "ReportError"]

ReportError = read.ReportError


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
