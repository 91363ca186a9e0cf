#!/usr/bin/env python3
"""Prices a portfolio of European options with keel's Black-Scholes model,
from Python (keel.Model over keel/embed.h), in one batch call.

    PYTHONPATH=build/python /usr/bin/python3 examples/embed/python/price_portfolio.py \
        [--plugin-path DIR] [PORTFOLIO.csv] [--bits | --bench [--bench-scale F]]

PORTFOLIO.csv (default examples/data/options.csv):
symbol,spot,strike,expiry,vol,rate,dividend,right  (right: call | put)

--bits   prints each output's IEEE-754 bit pattern (16 hex digits), so every
         language's example can be compared to the last bit;
--bench  prints one line of JSON: ns per single call, and per option in a
         batch of 1,000 and of 1,000,000 (see docs/python-library.md).
"""
import argparse
import json
import pathlib
import struct
import sys
import time

import numpy as np
import pandas as pd

import keel

GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho")
DEFAULT_PORTFOLIO = pathlib.Path(__file__).resolve().parents[2] / "data" / "options.csv"


def bits(x):
    return struct.pack(">d", x).hex()


def generated(n):
    """The benchmark portfolio every language's example prices."""
    i = np.arange(n)
    return {"spot": np.full(n, 100.0), "strike": 70.0 + (i % 61),
            "expiry": 0.05 + (i % 40) * 0.05, "vol": 0.10 + (i % 31) * 0.01,
            "rate": np.full(n, 0.03), "dividend": np.full(n, 0.01),
            "right": np.where(i % 2 == 0, keel.CALL, keel.PUT).astype(np.int32)}


def best_of_5(run):
    best = None
    for _ in range(5):
        start = time.perf_counter_ns()
        run()
        elapsed = time.perf_counter_ns() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def bench(model, scale):
    # Inputs and the (6, n) output array are built once, outside the timing;
    # each price() call does build its DataFrame view (timed).
    first = generated(1000)
    rows = [{k: v[i].item() for k, v in first.items()} for i in range(1000)]
    calls = max(1, int(200_000 * scale))

    def single():
        price_one = model.price_one
        for c in range(calls):
            price_one(**rows[c % 1000])

    out_1k = np.empty((6, 1000))
    repeats = max(1, int(1000 * scale))

    def batch_1k():
        for _ in range(repeats):
            model.price(first, out=out_1k)

    million = generated(1_000_000)
    out_1m = np.empty((6, 1_000_000))
    return {"caller": "python",
            "single_call_ns": best_of_5(single) / calls,
            "batch_1k_ns_per_option": best_of_5(batch_1k) / (repeats * 1000),
            "batch_1m_ns_per_option": best_of_5(lambda: model.price(million, out=out_1m)) / 1e6}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("portfolio", nargs="?", default=str(DEFAULT_PORTFOLIO))
    parser.add_argument("--plugin-path", action="append", default=[])
    parser.add_argument("--bits", action="store_true")
    parser.add_argument("--bench", action="store_true")
    parser.add_argument("--bench-scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    try:
        with keel.Model("keel.black_scholes", {}, plugin_path=args.plugin_path) as model:
            if args.bench:
                print(json.dumps(bench(model, args.bench_scale)))
                return 0
            options = pd.read_csv(args.portfolio, index_col="symbol")
            greeks = model.price(options)
    except keel.ModelError as error:
        print(error, file=sys.stderr)
        return 1
    if args.bits:
        lines = ["symbol," + ",".join(GREEKS)]
        for symbol, row in zip(greeks.index, greeks.itertuples(index=False)):
            lines.append(symbol + "," + ",".join(bits(x) for x in row))
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        print(greeks.reset_index().to_string(index=False, float_format=lambda x: f"{x:.6f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
