"""keel's HTML tearsheets (keel._tearsheet): the run page, the sweep page,
`keel report DIR`, and the pages in a real browser (headless Chromium, no
network)."""
import json
import re
import shutil

import numpy as np
import pytest

import keel
from keel import _report_read, _tearsheet, _tearsheet_sweep

import chromium_page

RUN_HEADINGS = ["Summary", "Equity curve", "Drawdown", "Monthly returns", "Rolling Sharpe",
                "Fills on the price", "Round-trip trades"]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    from conftest import ROOT
    folder = tmp_path_factory.mktemp("demo") / "report"
    keel.run(ROOT / "config/examples/demo.json", output_dir=folder)
    return folder


@pytest.fixture
def report(demo_report, tmp_path):
    """A copy of the demo run's report folder, free to change."""
    copy = tmp_path / "report"
    shutil.copytree(demo_report, copy)
    (copy / "report.html").unlink(missing_ok=True)
    return copy


def assert_offline(page):
    from plotly.offline import get_plotlyjs
    assert "plotly.js v2" in page  # embedded, not fetched
    # The page's own HTML (plotly.js's source mentions URLs in code it does not run here;
    # the browser tests check that the page loads with the network cut off).
    page = page.replace(get_plotlyjs(), "")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*href\s*=", page, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "cdn.plot.ly" not in page and "@import" not in page


def test_run_page_has_every_section_the_run_name_and_no_network_reference(report):
    path = _tearsheet.run_page(report)
    assert path == str(report / "report.html")
    page = (report / "report.html").read_text(encoding="utf-8")
    for heading in RUN_HEADINGS:
        assert f"<h2>{heading}</h2>" in page, heading
    assert "keel run: demo" in page and "trend_aapl" in page and "trend_msft" in page
    assert '<span class="status ok">completed</span>' in page
    assert_offline(page)
    # Five days of data: too short for a rolling Sharpe, said instead of an empty chart.
    assert "Rolling Sharpe needs at least 21 daily returns; this run has 5" in page
    # Both instruments' closes are drawn from the CSV data the manifest names.
    assert "AAPL (bars: close)" in page and "MSFT (bars: close)" in page


def test_run_page_bytes_depend_only_on_the_report(report, tmp_path):
    first = _tearsheet.run_page(report, tmp_path / "a.html")
    second = _tearsheet.run_page(report, tmp_path / "b.html")
    assert open(first, "rb").read() == open(second, "rb").read()


def test_result_tearsheet_writes_the_same_page_from_memory(report, tmp_path, root):
    result = keel.run(root / "config/examples/demo.json", output_dir=tmp_path / "out")
    assert result.tearsheet() == str(tmp_path / "out" / "report.html")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for heading in RUN_HEADINGS:
        assert f"<h2>{heading}</h2>" in page
    in_memory = keel.run(root / "config/examples/demo.json")
    with pytest.raises(ValueError, match="give a path"):
        in_memory.tearsheet()
    page = open(in_memory.tearsheet(tmp_path / "mem.html"), encoding="utf-8").read()
    assert "the run&#x27;s data files are not known" in page
    assert "keel run: demo" in page


def _summary(folder, **changes):
    summary = json.loads((folder / "summary.json").read_text())
    summary.update(changes)
    (folder / "summary.json").write_text(json.dumps(summary))


def test_a_failed_or_killed_run_renders_what_is_there_and_says_how_it_ended(report):
    _summary(report, status="failed: strategy 'trend_aapl' returned an error")
    page = open(_tearsheet.run_page(report), encoding="utf-8").read()
    assert "failed: strategy &#x27;trend_aapl&#x27; returned an error" in page
    assert "It did not complete" in page and '<span class="status bad">' in page
    _summary(report, status="interrupted")
    assert "It was interrupted" in open(_tearsheet.run_page(report), encoding="utf-8").read()
    # Killed: no summary.json, a manifest that still says running.
    (report / "summary.json").unlink()
    manifest = json.loads((report / "manifest.json").read_text())
    manifest["status"] = "running"
    (report / "manifest.json").write_text(json.dumps(manifest))
    page = open(_tearsheet.run_page(report), encoding="utf-8").read()
    assert "no summary.json: the run was stopped before writing it" in page
    assert "<h2>Equity curve</h2>" in page and 'id="equity-chart"' in page


def test_unreadable_price_data_gives_fills_alone_with_a_note(report, tmp_path):
    binary = tmp_path / "bars.kmd"
    binary.write_bytes(_report_read.BINARY_MAGIC + b"\0" * 64)
    manifest = json.loads((report / "manifest.json").read_text())
    manifest["data_files"] = [{"path": str(binary)}, {"path": str(tmp_path / "gone.csv")}]
    (report / "manifest.json").write_text(json.dumps(manifest))
    page = open(_tearsheet.run_page(report), encoding="utf-8").read()
    assert "is keel binary data (.kmd)" in page and "gone.csv is no longer there" in page
    assert 'id="fills-chart"' in page and "(bars: close)" not in page


def test_a_depth_run_draws_its_trades_not_its_book_levels(root, tmp_path):
    # A depth file's rows are book levels of both sides: drawn as a price
    # line they would zigzag between bid and ask levels. The page says so
    # and draws the run's trades file instead.
    result = keel.run(root / "config/examples/depth_market_making.json", output_dir=tmp_path / "out")
    page = open(result.tearsheet(), encoding="utf-8").read()
    assert "demo_depth.csv is order-book depth" in page
    assert "ESX (trades: price)" in page and "(trades: price)" in page
    assert 'id="fills-chart"' in page


def test_downsample_keeps_the_ends_and_the_extremes():
    x = np.arange(200_000)
    y = np.sin(x / 1000.0)
    y[123_457] = 50.0
    y[7] = -50.0
    dx, dy = _report_read.downsample(x, y)
    assert len(dx) <= _report_read.MAX_POINTS
    assert dy.max() == 50.0 and dy.min() == -50.0
    assert dx[0] == 0 and dx[-1] == 199_999 and np.all(np.diff(dx) > 0)


def test_long_trade_lists_are_capped_with_a_note(report):
    lines = (report / "trades.csv").read_text().splitlines()
    (report / "trades.csv").write_text("\n".join([lines[0]] + lines[1:2] * 600) + "\n")
    page = open(_tearsheet.run_page(report), encoding="utf-8").read()
    assert "The first 500 of 600 round trips; all are in trades.csv." in page
    trades = page[page.index('<section id="trades">'):]
    assert trades.count("<tr class=") + trades.count("<tr>") - 1 == 500


# ---- keel report DIR -------------------------------------------------------------------

def test_report_prints_the_page_path(report, capsys, tmp_path):
    assert _tearsheet.main([str(report)]) == 0
    assert capsys.readouterr().out.strip() == str(report / "report.html")
    assert _tearsheet.main([str(report), "--output", str(tmp_path / "x.html")]) == 0
    assert (tmp_path / "x.html").stat().st_size > 1_000_000


def test_report_on_a_folder_that_is_neither_says_what_it_expected(tmp_path, capsys):
    assert _tearsheet.main([str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "neither a run's report folder" in error and "summary.json" in error
    assert "results.json" in error
    assert _tearsheet.main([str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


@pytest.mark.parametrize("name,text,where", [
    ("summary.json", '{"run_name": "demo",\n "status": }', "summary.json:2:"),
    ("equity.csv", None, "equity.csv:4: column equity: 'x1' is not a number"),
    ("fills.csv", "ts,strategy\n", "fills.csv:1: the header lacks column(s) instrument"),
])
def test_a_corrupt_file_is_named_with_its_line_and_exit_2(report, capsys, name, text, where):
    if text is None:
        lines = (report / name).read_text().splitlines()
        cells = lines[3].split(",")
        cells[2] = "x1"
        lines[3] = ",".join(cells)
        text = "\n".join(lines) + "\n"
    (report / name).write_text(text)
    assert _tearsheet.main([str(report)]) == 2
    assert where in capsys.readouterr().err
    assert not (report / "report.html").exists()


# ---- the sweep page, from real sweeps ----------------------------------------------------------

FAST, SLOW, QTY = "/strategies/0/params/fast", "/strategies/0/params/slow", \
    "/strategies/0/params/quantity"
GRID = {FAST: [5, 10], SLOW: [30, 45]}  # 2 x 2 over config/examples/sweep_sma.json's base


def _sweep(folder, **more):
    from conftest import ROOT
    spec = {"base": str(ROOT / "config/examples/demo.json"), "parameters": GRID,
            "objective": "sharpe", **more}
    result = keel.sweep(spec, jobs=1, output_dir=folder)
    assert result.status == "completed", result.table
    return folder


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    """keel.sweep's own output folder (report.html written by the sweep)."""
    return _sweep(tmp_path_factory.mktemp("sweep") / "out")


@pytest.fixture(scope="module")
def walk_sweep(tmp_path_factory):
    """A walk-forward over the demo's 5 days: windows of 2 days in sample, 1 out."""
    return _sweep(tmp_path_factory.mktemp("walk") / "out",
                  walk_forward={"in_sample": "2d", "out_of_sample": "1d"})


def figure_in(page, div_id):
    """(data, layout) of the plotly figure the page draws into div_id."""
    found = re.search(r'var f=([^\n]*?);Plotly\.newPlot\("' + div_id + '"', page)
    assert found, f"no figure drawn into #{div_id}"
    data, layout, _ = json.loads(found.group(1))
    return data, layout


def table_rows(page, section):
    """The rows of the first table in <section id=section>, as lists of cell HTML."""
    part = page[page.index(f'<section id="{section}">'):]
    part = part[:part.index("</table>")]
    return [(cls or "", re.findall(r"<td[^>]*>(.*?)</td>", row))
            for cls, row in re.findall(r'<tr(?: class="(\w+)")?>(.*?)</tr>',
                                       part[part.index("<tbody>"):])]


def _regenerated_pages_equal(folder, pages):
    """keel report FOLDER writes the same bytes as the sweep did, for every page."""
    before = {p: (folder / p).read_bytes() for p in pages}
    for p in pages:
        (folder / p).unlink()
    assert _tearsheet.main([str(folder)]) == 0
    for p in pages:
        assert (folder / p).read_bytes() == before[p], p


def test_a_real_sweep_page_ranks_the_points_stars_the_best_and_links_its_report(real_sweep,
                                                                                capsys):
    doc = json.loads((real_sweep / "results.json").read_text())
    rows, best = doc["rows"], doc["best"]
    assert len(rows) == 4 and best is not None
    page = (real_sweep / "report.html").read_text(encoding="utf-8")  # written by the sweep
    assert_offline(page)
    assert "<h2>Objective</h2>" in page and "<h2>Results, best sharpe first</h2>" in page
    assert "walk-forward" not in page
    # The table: every point, best sharpe first, the best point's row highlighted.
    table = table_rows(page, "results")
    assert [int(cells[1]) for _, cells in table] == sorted(range(4), key=lambda i:
                                                           -rows[i]["sharpe"])
    assert [cls for cls, _ in table] == ["best", "", "", ""]
    assert table[0][1][:4] == ["1", str(best), _tearsheet_sweep._label(rows[best][FAST]),
                               _tearsheet_sweep._label(rows[best][SLOW])]
    # The heatmap over fast x slow holds each point's sharpe; the star is on the best.
    (heat, star), layout = figure_in(page, "objective-chart")
    assert heat["type"] == "heatmap" and heat["x"] == ["5", "10"] and heat["y"] == ["30", "45"]
    for r in rows:
        assert heat["z"][GRID[SLOW].index(r[SLOW])][GRID[FAST].index(r[FAST])] == r["sharpe"]
    assert star["name"] == "best point"
    assert (star["x"], star["y"]) == ([str(rows[best][FAST])], [str(rows[best][SLOW])])
    assert layout["title"]["text"] == f"sharpe (max) over {FAST} and {SLOW}"
    # The best point's own page, linked.
    assert 'href="best/report.html"' in page
    best_page = (real_sweep / "best/report.html").read_text(encoding="utf-8")
    assert "<h2>Equity curve</h2>" in best_page
    # keel report SWEEP_DIR writes both pages again, byte for byte.
    _regenerated_pages_equal(real_sweep, ["report.html", "best/report.html"])
    assert capsys.readouterr().out.strip() == str(real_sweep / "report.html")


def test_a_walk_forward_page_shows_the_stitched_out_of_sample_run_and_its_windows(walk_sweep):
    import csv
    folder = walk_sweep
    doc = json.loads((folder / "results.json").read_text())
    figures = json.loads((folder / "walk_forward.json").read_text())
    with open(folder / "walk_forward.csv", newline="") as f:
        windows = list(csv.DictReader(f))
    assert len(windows) == figures["windows"] >= 3
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert_offline(page)
    sections = re.findall(r'<section id="([\w-]+)">', page)
    assert sections == ["walk-forward", "objective", "results"]
    # The stitched figures, as walk_forward.json has them.
    stitched = dict((cells[0], cells[1]) for _, cells in table_rows(page, "walk-forward"))
    assert stitched["Total return"] == f"{figures['total_return'] * 100:.2f}%"
    assert stitched["Max drawdown"] == f"{figures['max_drawdown'] * 100:.2f}%"
    assert stitched["Sharpe (daily, \u221a252)"] == f"{figures['sharpe']:.3g}"
    assert stitched["In sample / out of sample / step"] == "2d / 1d / 1d"
    assert stitched["Windows"] == str(len(windows))
    # The stitched curve: one trace, one colour, per window, the points of oos_equity.csv.
    data, _ = figure_in(page, "oos-chart")
    with open(folder / "oos_equity.csv", newline="") as f:
        curve = list(csv.DictReader(f))
    drawn = sorted({int(p["window"]) for p in curve})
    assert [t["name"] for t in data] == [f"window {k}" for k in drawn]
    assert len({t["line"]["color"] for t in data}) == len(drawn)
    for trace, k in zip(data, drawn):
        mine = [float(p["equity"]) for p in curve if int(p["window"]) == k]
        assert trace["y"] == mine
    # The windows table: bounds, the chosen parameters, out-of-sample figures, a link each.
    part = page[page.index("<h2 style='margin-top:16px'>Windows</h2>"):]
    table = table_rows(part.replace("<h2 style='margin-top:16px'>Windows</h2>",
                                    '<section id="w">', 1), "w")
    assert len(table) == len(windows)
    for (_, cells), w in zip(table, windows):
        k = int(w["window"])
        assert cells[:5] == [str(k), f"{w['is_start']} \u2192 {w['is_end']}",
                             f"{w['oos_start']} \u2192 {w['oos_end']}", w[FAST], w[SLOW]]
        assert cells[6] == w["oos_status"]
        link = f"oos/{k:02d}/report.html"
        if not w["best_point"]:  # a weekend in sample: nothing chosen, nothing run
            assert w["oos_status"] == "not run: the in-sample window has no data"
            assert link not in cells[11] and not (folder / link).exists()
            continue
        assert w["oos_status"] == "completed"
        assert cells[7] == f"{float(w['oos_total_return']) * 100:.2f}%"
        assert cells[11] == f'<a href="{link}">{link}</a>'
        assert "<h2>Equity curve</h2>" in (folder / link).read_text(encoding="utf-8")
    # The demo's weekend makes windows of both kinds.
    assert {bool(w["best_point"]) for w in windows} == {True, False}
    # The in-sample heatmap is over the swept parameters (not /run/start, /run/end): each
    # cell the best over the windows, every window's choice starred.
    (heat, star), layout = figure_in(page, "objective-chart")
    assert heat["x"] == ["5", "10"] and heat["y"] == ["30", "45"]
    rows = doc["rows"]
    for x, fast in enumerate(GRID[FAST]):
        for y, slow in enumerate(GRID[SLOW]):
            assert heat["z"][y][x] == max(r["sharpe"] for r in rows
                                          if (r[FAST], r[SLOW]) == (fast, slow))
    assert f"each cell the best over the {len(windows)} windows" in layout["title"]["text"]
    chosen = {}
    for w in windows:
        if w["best_point"]:  # a window with no in-sample data chose nothing
            chosen.setdefault((w[FAST], w[SLOW]), []).append(w["window"])
    assert star["name"] == "chosen in a window"
    assert sorted(zip(star["x"], star["y"], star["hovertext"])) == sorted(
        (fast, slow, f"chosen in window{'s' if len(ks) > 1 else ''} {', '.join(ks)}")
        for (fast, slow), ks in chosen.items())
    # The in-sample table, window by window: ranks start again, each window's pick marked.
    table = table_rows(page, "results")
    assert [cells[0] for _, cells in table] == ["1", "2", "3", "4"] * len(windows)
    assert [int(cells[1]) for cls, cells in table if cls == "best"] == \
        [int(w["best_point"]) for w in windows if w["best_point"]]
    assert "In-sample results, window by window, best sharpe first" in page
    # keel report SWEEP_DIR writes every page again, byte for byte.
    _regenerated_pages_equal(folder, ["report.html"] + [f"oos/{int(w['window']):02d}/report.html"
                                                        for w in windows if w["best_point"]])


def test_a_walk_forward_heatmap_refuses_the_window_bounds(walk_sweep, capsys, tmp_path):
    assert _tearsheet.main([str(walk_sweep), "--output", str(tmp_path / "x.html"),
                            "--heatmap", "/run/start", FAST]) == 2
    error = capsys.readouterr().err
    assert f"give two different parameters of the sweep ({FAST}, {SLOW})" in error
    assert not (tmp_path / "x.html").exists()


def _copy_results(source, target):
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("report.html", "oos", "best"))
    return target


@pytest.mark.parametrize("change,where", [
    (lambda t: t.replace(",completed,", ",completed,x", 1),
     "walk_forward.csv:2: column oos_total_return: 'x"),
    (lambda t: t.replace("oos_sharpe", "sharpe", 1),
     "walk_forward.csv:1: the header lacks column(s) oos_sharpe"),
    (lambda t: "", "walk_forward.csv:1: the file is empty"),
])
def test_a_corrupt_walk_forward_csv_is_named_with_its_line(walk_sweep, tmp_path, capsys, change,
                                                           where):
    folder = _copy_results(walk_sweep, tmp_path / "copy")
    csv_file = folder / "walk_forward.csv"
    csv_file.write_text(change(csv_file.read_text()))
    assert _tearsheet.main([str(folder)]) == 2
    assert where in capsys.readouterr().err
    assert not (folder / "report.html").exists()


def write_sweep(folder, parameters=(FAST, SLOW, QTY)):
    """A hand-made results.json, for what a real sweep does not give easily: a
    failed point, a third parameter. fast x slow x quantity, sharpe = fast -
    slow/10 + quantity/1000; point 3 failed."""
    rows = []
    grid = [(f, s, q) for f in (5, 10, 15) for s in (20, 40) for q in (100, 1000)]
    for i, values in enumerate(grid):
        params = dict(zip((FAST, SLOW, QTY), values))
        failed = i == 3
        sharpe = values[0] - values[1] / 10 + values[2] / 1000
        rows.append({"point": i, **{p: params[p] for p in parameters},
                     "status": "failed: strategy 'x' raised ValueError" if failed else "completed",
                     "final_equity": "" if failed else 1e6 + sharpe, "total_return": "",
                     "sharpe": "" if failed else sharpe, "max_drawdown": 0.01, "total_fees": 1.5,
                     "num_fills": 4, "num_orders": 4, "events": 100,
                     "error": "strategy 'x' raised ValueError" if failed else ""})
    scored = [i for i, r in enumerate(rows) if r["status"] == "completed"]
    best = max(scored, key=lambda i: rows[i]["sharpe"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps({
        "sweep": str(folder / "sweep.json"), "base": "config/examples/demo.json",
        "objective": {"metric": "sharpe", "goal": "max"}, "parameters": list(parameters),
        "best": best, "status": "failed", "rows": rows}))
    return rows, best


def test_sweep_page_puts_failed_points_last_with_their_error(tmp_path):
    rows, best = write_sweep(tmp_path / "sweep")
    page = open(_tearsheet.sweep_page(tmp_path / "sweep"), encoding="utf-8").read()
    table = table_rows(page, "results")
    expected = sorted((i for i in range(len(rows)) if i != 3), key=lambda i: -rows[i]["sharpe"])
    assert [int(cells[1]) for _, cells in table] == expected + [3]
    assert table[-1][1][0] == ""  # a failed point has no rank
    assert "failed: strategy &#x27;x&#x27; raised ValueError" in table[-1][1]
    assert [cls for cls, _ in table].count("best") == 1 and table[0][0] == "best"
    assert "best/report.html" not in page  # no best/ folder: no link


def test_sweep_heatmap_takes_the_best_over_the_other_parameters(tmp_path):
    write_sweep(tmp_path / "sweep")
    doc = json.loads((tmp_path / "sweep/results.json").read_text())
    fig = _tearsheet_sweep.sweep_heatmap(doc)
    heat, star = fig.data
    assert list(heat.x) == ["5", "10", "15"] and list(heat.y) == ["20", "40"]
    # quantity 1000 wins (fast - slow/10 + 1), except where that point failed (point 3:
    # fast 5, slow 40), where the cell is the best completed one (quantity 100).
    assert [list(r) for r in heat.z] == [[4.0, 9.0, 14.0], [1.1, 7.0, 12.0]]
    assert (star.x[0], star.y[0]) == ("15", "20")
    chosen = _tearsheet_sweep.sweep_heatmap(doc, (SLOW, QTY))
    assert list(chosen.data[0].x) == ["20", "40"] and list(chosen.data[0].y) == ["100", "1000"]
    with pytest.raises(_tearsheet.ReportError, match="two different parameters"):
        _tearsheet_sweep.sweep_heatmap(doc, (FAST, "/nope"))


def test_sweep_over_one_parameter_draws_a_line(tmp_path, capsys):
    write_sweep(tmp_path / "sweep", parameters=(FAST,))
    doc = json.loads((tmp_path / "sweep/results.json").read_text())
    fig = _tearsheet_sweep.sweep_heatmap(doc)
    assert fig.data[0].type == "scatter" and list(fig.data[0].x) == ["5", "10", "15"]
    assert _tearsheet.main([str(tmp_path / "sweep"), "--heatmap", FAST, "/x"]) == 2
    assert "two different parameters" in capsys.readouterr().err


def test_a_corrupt_results_json_is_refused(tmp_path, capsys):
    (tmp_path / "results.json").write_text('{"rows": 3}')
    assert _tearsheet.main([str(tmp_path)]) == 2
    assert "results.json: /parameters must be an array" in capsys.readouterr().err


# ---- in a browser ------------------------------------------------------------------------------

def test_run_page_loads_in_chromium_without_errors_and_shows_its_charts(report, tmp_path):
    chromium_page.chromium()
    import pathlib
    pixels, console = chromium_page.screenshot(pathlib.Path(_tearsheet.run_page(report)),
                                               tmp_path)
    assert console == []  # no uncaught error, nothing logged
    # The charts (in the top 3000 px: equity, drawdown, monthly heatmap, fills): lines,
    # areas, markers and a colour scale give many colours and many saturated pixels;
    # measured: about 5000 colours and 22000 saturated pixels with the charts, 1500 and
    # 4600 for the same page with Plotly.newPlot made a no-op (text and tables only).
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    saturated = int(((pixels.max(axis=2).astype(int) - pixels.min(axis=2)) > 80).sum())
    assert colours > 3000, colours
    assert saturated > 12000, saturated


@pytest.mark.parametrize("kind,charts", [("real_sweep", 1), ("walk_sweep", 2)])
def test_sweep_pages_load_in_chromium_without_errors_and_draw_their_charts(kind, charts,
                                                                           request, tmp_path):
    chromium_page.chromium()
    folder = request.getfixturevalue(kind)
    errors, drawn = chromium_page.load(folder / "report.html", tmp_path)
    assert errors == [] and drawn == charts
