"""Every language's embedding example prices the portfolio to the same bits.

Each program (examples/embed/<language>/) prints, with --bits, every price
and greek of examples/data/options.csv as its IEEE-754 bit pattern; this
test runs them all and compares each with the C++ program's output byte for
byte, and the C++ program's with what `keel price --csv` writes (round-trip
decimals turned into bits), so all four callers agree with the engine's own
batch to the last bit.

Usage: python3 examples_agree.py KEEL PORTFOLIO NAME=COMMAND [NAME=COMMAND ...]
(the first NAME=COMMAND is the reference; COMMAND is split on spaces).
"""
import csv
import os
import struct
import subprocess
import sys
import tempfile

COLUMNS = ["price", "delta", "gamma", "vega", "theta", "rho"]


def bits(value):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", value))[0]


def run(name, command, portfolio):
    done = subprocess.run(command.split() + ["--bits", portfolio], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{name}: exit {done.returncode}\n{done.stderr}")
    return done.stdout


def keel_price(keel, portfolio):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "priced.csv")
        subprocess.run([keel, "price", "--model", "keel.black_scholes", "--csv", portfolio,
                        "--out", out], check=True, capture_output=True)
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
    lines = ["symbol," + ",".join(COLUMNS)]
    lines += [",".join([r["symbol"]] + [bits(float(r[c])) for c in COLUMNS]) for r in rows]
    return "\n".join(lines) + "\n"


def main():
    keel, portfolio, *callers = sys.argv[1:]
    reference_name, reference_command = callers[0].split("=", 1)
    reference = run(reference_name, reference_command, portfolio)
    rows = reference.count("\n") - 1
    with open(portfolio) as f:
        expected_rows = sum(1 for line in f if line.strip()) - 1
    failures = []
    if rows != expected_rows:
        failures.append(f"{reference_name}: {rows} rows, the portfolio has {expected_rows}")
    engine = keel_price(keel, portfolio)
    if engine != reference:
        failures.append(f"{reference_name} differs from `keel price --csv`:\n{reference}\n{engine}")
    for caller in callers[1:]:
        name, command = caller.split("=", 1)
        got = run(name, command, portfolio)
        if got != reference:
            failures.append(f"{name} differs from {reference_name}:\n{got}\nexpected:\n{reference}")
        else:
            print(f"{name}: {rows} options, the same bits as {reference_name}")
    if failures:
        sys.exit("\n".join(failures))
    print(f"{reference_name}: the same bits as `keel price --csv`")


if __name__ == "__main__":
    main()
