#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py — writes the seed corpora in tests/fuzz/corpus/.

Run it from anywhere (`python3 tests/fuzz/make_corpus.py`); it rewrites the
entries it makes and leaves any other file in the corpus alone (a
reproducer added by hand stays). Its output is checked in, so a corpus
does not depend on this script having run.

Seeds: the example run files, small slices of the bundled CSV data, tiny
binary files in each kind; and, one entry each, what a libFuzzer probe of
keel found (deep nesting, a ts at int64 max, a last row without its
newline, a 100 KB unknown symbol, a binary symbol holding a comma and a
newline). Keep the whole corpus well under 1 MB.
"""
import json
import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"

INT64_MAX = 2**63 - 1


def write(harness, name, data):
    path = CORPUS / harness / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def head(path, rows):
    """The header and the first `rows` rows of a bundled CSV file."""
    lines = (ROOT / path).read_text().splitlines(keepends=True)
    return "".join(lines[: rows + 1])


# ---- run files ---------------------------------------------------------------


def run_file(params):
    """A run file that passes every check but one's params (data paths as
    the examples name them; the harness makes those files)."""
    return json.dumps(
        {
            "run": {"name": "deep"},
            "instruments": [{"id": "AAPL", "kind": "equity"}],
            "data": [{"path": "../../examples/data/demo_bars.csv", "format": "bars"}],
            "strategies": [
                {"name": "s", "factory": "keel.sma_cross", "instruments": ["AAPL"], "params": params}
            ],
            "output": {"dir": "out"},
        },
        separators=(",", ":"),
    )


def run_files():
    for example in sorted((ROOT / "config/examples").glob("*.json")):
        shutil.copyfile(example, CORPUS / "run_config" / ("example_" + example.name))
    # Deeper than any sane limit (keel's is far lower), a few KB each: the
    # probe overflowed the stack in the error dump, the pointer sort and
    # the params copy.
    depth = 2000
    write("run_config", "nested_2000_arrays.json", "[" * depth + "]" * depth)
    deep_params = {
        "nested_2000_arrays_in_params.json": "[" * depth + "]" * depth,
        "nested_800_objects_in_params.json": '{"a":' * 800 + "1" + "}" * 800,
    }
    for name, params in deep_params.items():
        write("run_config", name, run_file("PARAMS").replace('"PARAMS"', params))
    # A path holding a NUL byte (every output file would land on one).
    write("run_config", "nul_in_output_dir.json",
          run_file({}).replace('"dir":"out"', '"dir":"out\\u0000x"'))
    # Numbers past what a double or an int64 holds.
    write("run_config", "huge_numbers.json",
          run_file({"n": 1e308}).replace('"run":{"name":"deep"}',
                                         '"run":{"name":"deep","seed":184467440737095516150,'
                                         '"start":9223372036854775807,"initial_cash":1e999}'))
    write("run_config", "duplicate_keys.json", '{"run":{"name":"a","name":"b"},"run":{}}')


# ---- CSV market data ------------------------------------------------------------


def csv_files():
    quotes = head("examples/data/demo_quotes.csv", 12)
    bars = head("examples/data/demo_bars.csv", 12)
    trades = (
        "ts,instrument,price,size\n"
        "2024-01-02T14:30:00Z,AAPL,32.19,100\n"
        "2024-01-02T14:30:00.5Z,MSFT,399.04,20\n"
        "1704205800123456789,AAPL,32.2,1e3\n"
    )
    for harness in ("csv_market_data", "data_convert"):
        write(harness, "quotes_demo_slice.csv", quotes)
        write(harness, "bars_demo_slice.csv", bars)
        write(harness, "trades.csv", trades)
        # No instrument column (the data entry's instrument), columns out of
        # order, an ignored column, CRLF line ends and a BOM.
        write(harness, "bars_no_instrument_crlf_bom.csv",
              "\ufeffvolume,Close,low,HIGH,open,note,ts\r\n"
              "10,1.5,1,2,1.25,x,2024-01-02\r\n"
              "\r\n"
              "0,1.5,1.5,1.5,1.5,,2024-01-02 09:30:00.000000001+00:00\r\n")
        # The probe's findings.
        write(harness, "ts_int64_max.csv",
              f"ts,instrument,price,size\n{INT64_MAX},AAPL,1,1\n")
        write(harness, "last_row_without_newline.csv",
              "ts,instrument,bid,bid_size,ask,ask_size\n"
              "2024-01-02T14:30:00Z,AAPL,32.19,500,32.20,200\n"
              "2024-01-02T14:30:01Z,AAPL,32.19,500,32.20,1")
    # 100 KB of unknown symbol: the "did you mean" was quadratic in it.
    write("csv_market_data", "unknown_symbol_100k.csv",
          "ts,instrument,price,size\n2024-01-02T14:30:00Z," + "APPL" * 25_000 + ",1,1\n")


# ---- binary market data (engine/data/binary_format.hpp) ------------------------------

KIND = {"quotes": (1, 48), "trades": (2, 32), "bars": (3, 56)}


def kmd(kind, symbols, records):
    """A binary market-data file; records are (ts, instrument index, values...)."""
    code, size = KIND[kind]
    body = b"".join(struct.pack("<qII", r[0], r[1], 0) + struct.pack(f"<{len(r) - 2}d", *r[2:])
                    for r in records)
    assert all(len(struct.pack("<qII", 0, 0, 0)) + 8 * (len(r) - 2) == size for r in records)
    table = b"".join(struct.pack("<H", len(s)) + s for s in (s.encode() for s in symbols))
    header = b"KEELMD\r\n" + struct.pack(
        "<HHIIIQQQIIq", 1, 0, code, 64, size, 64, len(records), 64 + len(body), len(table),
        len(symbols), records[0][0] if records else 0)
    assert len(header) == 64
    return header + body + table


def binary_files():
    t = 1704205800000000000
    write("binary_market_data", "quotes.kmd",
          kmd("quotes", ["AAPL", "MSFT"],
              [(t, 0, 32.19, 500, 32.2, 200), (t, 1, 399.0, 10, 399.05, 20),
               (t + 1, 0, 32.2, 100, 32.2, 100)]))
    write("binary_market_data", "trades.kmd",
          kmd("trades", ["AAPL"], [(t, 0, 32.19, 100), (t + 500_000_000, 0, 32.2, 0.5)]))
    write("binary_market_data", "bars.kmd",
          kmd("bars", ["SPY", "AAPL"], [(t, 1, 32.19, 32.25, 32.1, 32.2, 8807),
                                         (t + 60_000_000_000, 0, 470, 471, 469.5, 470.5, 0)]))
    write("binary_market_data", "empty_trades.kmd", kmd("trades", [], []))
    # The probe's findings: `keel data convert` wrote this symbol into a
    # CSV unquoted; a ts at int64 max.
    write("binary_market_data", "symbol_with_comma_and_newline.kmd",
          kmd("trades", ["AAPL,X\nY"], [(t, 0, 1.5, 2)]))
    write("binary_market_data", "ts_int64_max.kmd",
          kmd("trades", ["AAPL"], [(INT64_MAX, 0, 1, 1)]))
    # Found by the harnesses: a time before 1970 converted to an ISO time the
    # CSV reader refused, and a symbol with a leading space came back trimmed.
    write("binary_market_data", "ts_before_1970.kmd",
          kmd("trades", ["AAPL"], [(-1, 0, 1.5, 2)]))
    write("binary_market_data", "symbol_with_leading_space.kmd",
          kmd("trades", [" AAPL"], [(t, 0, 1.5, 2)]))


if __name__ == "__main__":
    for harness in ("run_config", "csv_market_data", "binary_market_data", "data_convert"):
        (CORPUS / harness).mkdir(parents=True, exist_ok=True)
    run_files()
    csv_files()
    binary_files()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{CORPUS}: {sum(1 for p in CORPUS.rglob('*') if p.is_file())} entries, {total} bytes")
