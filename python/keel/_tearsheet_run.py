"""A run's tearsheet (docs/tearsheet.md): the summary, the equity per
strategy, drawdown, monthly returns, rolling Sharpe, fills on the price and
the round trips, from a run's report folder or a keel.Result."""
import html
import os

from . import _report_read as read
from ._tearsheet_html import (MAX_TRADE_ROWS, _chart, _figure, _money, _note, _number, _page,
                              _pct, _plain, _status_line, _table, _write)

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


