"""keel as a library: a run in this process, its results as pandas DataFrames,
and a strategy class handed over directly (no script file, no run file).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/library.py
"""
import pathlib

import keel

ROOT = pathlib.Path(__file__).resolve().parents[2]

# 1. A run file, as `keel run` takes it; nothing is written to disk.
result = keel.run(ROOT / "config/examples/demo.json")
print(result)
print(result.fills.head().to_string())
print(result.trades.groupby("strategy", observed=True)["net_pnl"].sum().round(2))


# 2. A dict of the run-file schema, naming a class defined right here.
class Breakout(keel.Strategy):
    """Buys when a bar closes above the highest close of the last `window` bars,
    sells when it closes below the lowest."""

    def __init__(self):
        self.window = self.param("window", type=int, min=2)
        self.quantity = self.param("quantity", type=float)
        self.closes = {}

    def on_bar(self, bar):
        closes = self.closes.setdefault(bar.instrument, [])
        recent = closes[-self.window:]
        closes.append(bar.close)
        if len(recent) < self.window:
            return
        held = self.position(bar.instrument).quantity
        if bar.close > max(recent) and held <= 0:
            self.buy(bar.instrument, self.quantity - held)
        elif bar.close < min(recent) and held > 0:
            self.sell(bar.instrument, held)


config = {
    "run": {"name": "breakout", "initial_cash": 1_000_000, "equity_interval": "5m"},
    "instruments": [{"id": s, "kind": "equity", "tick_size": 0.01, "lot_size": 1}
                    for s in ("AAPL", "MSFT")],
    "data": [{"path": str(ROOT / "examples/data/demo_bars.csv"), "format": "bars"}],
    "strategies": [
        {"name": f"breakout_{w}", "python": {"class": Breakout}, "instruments": ["AAPL", "MSFT"],
         "params": {"window": w, "quantity": 100}}
        for w in (20, 60)
    ],
}
result = keel.run(config)
print(result)
# The run's last sample may share its ts with the one before (the account after
# the last event, docs/reports.md): keep the last value at each ts.
curves = result.equity_by_strategy.pivot_table(index="ts", columns="strategy", values="equity",
                                               aggfunc="last")
print(curves.tail(3).to_string())
