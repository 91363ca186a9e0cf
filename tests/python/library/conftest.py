"""keel as a library, under a plain /usr/bin/python3 (ctest PythonLibrary.<file> runs each
file with PYTHONPATH=<build>/python, where the build assembles the package, and KEEL_BINARY,
the keel executable of that build)."""
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
def root():
    return ROOT


def write_bars(path, closes, symbol="AAPL", start_ns=1_704_205_800_000_000_000, step_ns=60_000_000_000):
    """A bars CSV (ts,instrument,open,high,low,close,volume) of the given closes."""
    lines = ["ts,instrument,open,high,low,close,volume"]
    for i, c in enumerate(closes):
        lines.append(f"{start_ns + i * step_ns},{symbol},{c},{c},{c},{c},1000")
    path.write_text("\n".join(lines) + "\n")
    return path


def bars_config(data_path, strategies, **run):
    return {
        "run": {"name": run.get("name", "lib"), "initial_cash": 100000, "equity_interval": "1m"},
        "instruments": [{"id": "AAPL", "kind": "equity", "tick_size": 0.01, "lot_size": 1}],
        "data": [{"path": str(data_path), "format": "bars"}],
        "venue": {"order_latency_ns": 0, "report_latency_ns": 0},
        "strategies": strategies,
    }
