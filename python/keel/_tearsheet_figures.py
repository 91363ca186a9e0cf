"""The charts of a run's tearsheet, as plotly figures (or a note saying why
a chart cannot be drawn). Each function takes a _report_read.RunData."""
import math
import os

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import _report_read as read

TEMPLATE = "plotly_white"
ACCOUNT = "account"
BUY, SELL = "#1a9850", "#d73027"
PALETTE = ["#1f3b73", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#d62728"]
# Rolling Sharpe windows, in daily returns: the largest that fits twice in the run.
SHARPE_WINDOWS = (126, 63, 21)
MAX_INSTRUMENTS = 12   # price panels drawn; the others are named in a note
MAX_MARKERS = 5000     # fill markers per side per instrument
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _layout(fig, title, height=380, **more):
    fig.update_layout(template=TEMPLATE, title=title, height=height,
                      margin=dict(l=60, r=20, t=50, b=40), legend=dict(orientation="h", y=-0.15),
                      **more)
    return fig


def account_equity(run):
    """The account's equity as a Series indexed by time (UTC)."""
    equity = run.equity.dropna(subset=["ts", "equity"])
    return pd.Series(equity["equity"].to_numpy(dtype=float), index=pd.DatetimeIndex(equity["ts"]))


def initial_cash(run, equity):
    cash = run.summary.get("initial_cash")
    if isinstance(cash, (int, float)) and cash > 0:
        return float(cash)
    return float(equity.iloc[0]) if len(equity) else math.nan


def equity_curve(run):
    """Each line's change since its start (lines of different sizes compare),
    with a button to show the equity itself."""
    equity = account_equity(run)
    if equity.empty:
        return "No equity samples were written (equity.csv is empty or missing)."
    lines = [(ACCOUNT, equity.index.to_numpy(), equity.to_numpy(), 2.5)]
    by = run.equity_by_strategy.dropna(subset=["ts", "equity"])
    for name in pd.unique(by["strategy"]):
        rows = by[by["strategy"] == name]
        lines.append((str(name), rows["ts"].to_numpy(), rows["equity"].to_numpy(dtype=float), 1.5))
    currency = run.summary.get("currency", "")
    fig = go.Figure()
    for change in (True, False):
        for i, (name, x, y, width) in enumerate(lines):
            x, y = read.downsample(x, y)
            fig.add_trace(go.Scatter(
                x=x, y=y - y[0] if change else y, name=name, mode="lines", visible=change,
                legendgroup=name, line=dict(width=width, color=PALETTE[i % len(PALETTE)])))
    n = len(lines)
    buttons = [dict(label=label, method="update",
                    args=[{"visible": [change] * n + [not change] * n},
                          {"yaxis.title.text": f"{title} ({currency})"}])
               for label, change, title in (("change since start", True, "change"),
                                            ("equity", False, "equity"))]
    return _layout(fig, "Equity: the account and each strategy's own book", hovermode="x unified",
                   yaxis_title=f"change ({currency})", xaxis_title="UTC",
                   updatemenus=[dict(type="buttons", direction="right", buttons=buttons,
                                     x=1, xanchor="right", y=1.12, yanchor="bottom",
                                     showactive=True)])


def drawdown(run):
    equity = account_equity(run)
    if equity.empty:
        return "No equity samples: no drawdown to draw."
    peak = equity.cummax()
    under = np.where(peak > 0, (equity / peak - 1) * 100, 0.0)
    x, y = read.downsample(equity.index.to_numpy(), under)
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", fill="tozeroy", name="drawdown",
                               line=dict(color=SELL, width=1)))
    return _layout(fig, "Drawdown of the account equity from its running peak (%)", height=300,
                   yaxis_title="%", xaxis_title="UTC", showlegend=False)


def monthly_returns(run):
    """Returns from one month-end equity to the next; the first month's from
    the initial cash."""
    equity = account_equity(run)
    if equity.empty:
        return "No equity samples: no monthly returns."
    ends = equity.resample("M").last().dropna()
    base = pd.concat([pd.Series([initial_cash(run, equity)]), pd.Series(ends.to_numpy())])
    returns = pd.Series((base / base.shift(1) - 1).to_numpy()[1:] * 100, index=ends.index)
    years = sorted(set(returns.index.year))
    z = np.full((len(years), 12), np.nan)
    for when, value in returns.items():
        z[years.index(when.year), when.month - 1] = value
    fig = go.Figure(go.Heatmap(z=z, x=MONTHS, y=[str(y) for y in years], colorscale="RdYlGn",
                               zmid=0, colorbar=dict(title="%"), hoverongaps=False,
                               hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>"))
    for i, year in enumerate(years):
        for j in range(12):
            if not np.isnan(z[i, j]):
                # By category index: a year such as "2024" given as y is read as a number.
                fig.add_annotation(x=j, y=i, text=f"{z[i, j]:.2f}%",
                                   showarrow=False, font=dict(size=11))
    return _layout(fig, "Monthly returns (%)", height=max(260, 120 + 50 * len(years)),
                   yaxis=dict(type="category", autorange="reversed"),
                   xaxis=dict(type="category", side="top"))


def daily_returns(run):
    """Returns from one UTC day's last equity to the next day that has samples;
    the first day's from the initial cash."""
    equity = account_equity(run)
    if equity.empty:
        return pd.Series(dtype=float)
    days = equity.groupby(equity.index.floor("D")).last()
    base = pd.concat([pd.Series([initial_cash(run, equity)]), pd.Series(days.to_numpy())])
    return pd.Series((base / base.shift(1) - 1).to_numpy()[1:], index=days.index)


def rolling_sharpe(run):
    returns = daily_returns(run)
    n = len(returns)
    window = next((w for w in SHARPE_WINDOWS if n >= 2 * w), None)
    if window is None and n >= SHARPE_WINDOWS[-1]:
        window = SHARPE_WINDOWS[-1]
    if window is None:
        return (f"Rolling Sharpe needs at least {SHARPE_WINDOWS[-1]} daily returns; this run has "
                f"{n} (trading days with equity samples). The whole run's Sharpe is in the "
                "summary above.")
    roll = returns.rolling(window)
    std = roll.std(ddof=1)
    sharpe = (roll.mean() / std.where(std > 0)) * math.sqrt(252)
    fig = go.Figure(go.Scatter(x=sharpe.index, y=sharpe.to_numpy(), mode="lines",
                               name=f"{window}-day Sharpe"))
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    return _layout(fig, f"Rolling Sharpe ratio: {window} daily returns, annualised by \u221a252",
                   height=300, xaxis_title="UTC", showlegend=False)


def _run_file_instruments(run):
    """{absolute data path: instrument} for the run file's data entries that
    name their instrument (files without an instrument column)."""
    manifest = run.manifest or {}
    path = (manifest.get("run_file") or {}).get("path")
    found = {}
    if not path:
        return found
    candidates = [path] if os.path.isabs(path) else [path] + (
        [os.path.join(run.where, path)] if run.where else [])
    for candidate in candidates:
        try:
            doc = read.read_json(candidate)
        except read.ReportError:
            continue
        folder = os.path.dirname(os.path.abspath(candidate))
        for entry in doc.get("data", []) if isinstance(doc, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str) and \
                    isinstance(entry.get("instrument"), str):
                found[os.path.normpath(os.path.join(folder, entry["path"]))] = entry["instrument"]
        break
    return found


def prices(run):
    """({instrument: (times, prices)}, [notes]) from the manifest's data files."""
    notes, found = [], {}
    files = [f.get("path") for f in (run.manifest or {}).get("data_files", []) if f.get("path")]
    if run.manifest is None:
        notes.append("No manifest.json: the run's data files are not known, so no price line "
                     "is drawn (fills alone).")
    named = _run_file_instruments(run) if files else {}
    for path in files:
        full = path if os.path.isabs(path) or not run.where else os.path.join(run.where, path)
        if not os.path.exists(full):
            notes.append(f"{path} is no longer there: its prices are not drawn.")
            continue
        try:
            series, what = read.read_prices(full, named.get(os.path.normpath(full)))
        except read.ReportError as e:
            notes.append(f"{e}: its prices are not drawn.")
            continue
        for symbol, xy in series.items():
            found.setdefault(symbol, []).append((xy, what))
    return found, notes


def _thin(frame, limit):
    if len(frame) <= limit:
        return frame
    return frame.iloc[np.linspace(0, len(frame) - 1, limit).astype(np.int64)]


def fills_on_price(run):
    """(figure or None, [notes])."""
    found, notes = prices(run)
    fills = run.fills.dropna(subset=["ts", "price"])
    symbols = list(dict.fromkeys(list(found) + [str(s) for s in pd.unique(fills["instrument"])]))
    if not symbols:
        return None, notes + ["No prices and no fills to draw."]
    if len(symbols) > MAX_INSTRUMENTS:
        notes.append(f"{len(symbols)} instruments: the first {MAX_INSTRUMENTS} are drawn "
                     f"(not {', '.join(symbols[MAX_INSTRUMENTS:])}).")
        symbols = symbols[:MAX_INSTRUMENTS]
    fig = make_subplots(rows=len(symbols), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=symbols)
    for row, symbol in enumerate(symbols, start=1):
        for (x, y), what in found.get(symbol, []):
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"{symbol} ({what})",
                                     line=dict(color="#4d4d4d", width=1), showlegend=False),
                          row=row, col=1)
        mine = fills[fills["instrument"] == symbol]
        for side, colour, marker in (("buy", BUY, "triangle-up"), ("sell", SELL, "triangle-down")):
            rows = mine[mine["side"] == side]
            if len(rows) > MAX_MARKERS:
                notes.append(f"{symbol}: {len(rows)} {side} fills, {MAX_MARKERS} of them "
                             "marked (evenly spaced).")
                rows = _thin(rows, MAX_MARKERS)
            if rows.empty:
                continue
            fig.add_trace(go.Scatter(
                x=rows["ts"], y=rows["price"], mode="markers", name=side,
                legendgroup=side, showlegend=row == 1,
                marker=dict(symbol=marker, color=colour, size=9, line=dict(width=0.5,
                                                                           color="#222")),
                customdata=np.stack([rows["strategy"].astype(str),
                                     rows["quantity"].astype(str)], axis=-1),
                hovertemplate=(f"{side} %{{customdata[1]}} @ %{{y}}<br>%{{customdata[0]}}"
                               "<br>%{x}<extra></extra>")), row=row, col=1)
    missing = [s for s in symbols if s not in found]
    if missing and not any("not drawn" in n or "not known" in n for n in notes):
        notes.append(f"No price data for {', '.join(missing)} in the run's CSV data files.")
    return _layout(fig, "Fills on the price (\u25b2 buy, \u25bc sell)",
                   height=120 + 260 * len(symbols), hovermode="closest"), notes


def oos_equity(walk):
    """A walk-forward's stitched out-of-sample equity (a _report_read.WalkForwardData),
    one colour per window, the initial cash as a dotted line."""
    equity = walk.equity.dropna(subset=["ts", "window", "equity"])
    if equity.empty:
        return ("No out-of-sample equity (oos_equity.csv is empty or missing): no window's "
                "best point ran out of sample.")
    fig = go.Figure()
    for k in sorted(pd.unique(equity["window"])):
        rows = equity[equity["window"] == k]
        x, y = read.downsample(rows["ts"].to_numpy(), rows["equity"].to_numpy(dtype=float))
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"window {int(k)}",
                                 line=dict(width=2, color=PALETTE[int(k) % len(PALETTE)])))
    cash = walk.figures.get("initial_cash")
    if isinstance(cash, (int, float)) and not isinstance(cash, bool):
        fig.add_hline(y=cash, line=dict(color="#888", width=1, dash="dot"))
    return _layout(fig, "Out-of-sample equity, stitched: each window's run scaled to carry on "
                   "from the one before", hovermode="x unified", yaxis_title="equity",
                   xaxis_title="UTC")
