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
    # Depth: an exch_ts column, sides in any case, a level removed (size 0).
    # binary_market_data/depth.kmd and v2_depth.kmd are this file through
    # `keel data convert` (--binary-version 1, and the default 2).
    depth = (
        "ts,instrument,side,price,size,exch_ts\n"
        "2024-01-02T14:30:00Z,AAPL,bid,185.1,300,2024-01-02T14:29:59.999Z\n"
        "2024-01-02T14:30:00Z,AAPL,ASK,185.12,200,2024-01-02T14:30:00Z\n"
        "2024-01-02T14:30:00.5Z,MSFT,ask,370.52,0,2024-01-02T14:30:00.4Z\n"
    )
    for harness in ("csv_market_data", "data_convert"):
        write(harness, "depth_exch_ts.csv", depth)
    write("csv_market_data", "depth_no_instrument_crlf.csv",
          "ts,side,price,size\r\n"
          "2024-01-02T14:30:00Z,bid,10,1\r\n"
          "2024-01-02T14:30:01Z,Ask,10.01,0\r\n")
    # 100 KB of unknown symbol: the "did you mean" was quadratic in it.
    write("csv_market_data", "unknown_symbol_100k.csv",
          "ts,instrument,price,size\n2024-01-02T14:30:00Z," + "APPL" * 25_000 + ",1,1\n")


# ---- binary market data (engine/data/binary_format.hpp) ------------------------------

KIND = {"quotes": (1, 48), "trades": (2, 32), "bars": (3, 56)}
COLUMNS = {"quotes": 6, "trades": 4, "bars": 7}


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


def width_of(largest):
    for width, limit in ((0, 0), (1, 0xFF), (2, 0xFFFF), (4, 0xFFFFFFFF)):
        if largest <= limit:
            return width
    return 8


def column(encoding, ints, base=0, step=1, scale=0, width=None):
    """A version 2 column: its 24-byte header and its data."""
    width = width_of(max(ints, default=0)) if width is None else width
    code = {"offset": 0, "delta": 1, "raw": 2}[encoding]
    header = struct.pack("<BBB5xqQ", code, width, scale, base, step)
    data = b"".join(i.to_bytes(width, "little") for i in ints) if width else b""
    return header, data


def value_column(encoding, values, scale):
    if encoding == "raw":
        return column("raw", [struct.unpack("<Q", struct.pack("<d", v))[0] for v in values],
                      width=8)
    ticks = [round(v * 10**scale) for v in values]
    assert all(k / 10**scale == v for k, v in zip(ticks, values)), values
    if encoding == "offset":
        low = min(ticks)
        return column("offset", [k - low for k in ticks], base=low, scale=scale)
    deltas = [b - a for a, b in zip([ticks[0]] + ticks, ticks)]
    return column("delta", [((d << 1) ^ (d >> 63)) & (2**64 - 1) for d in deltas],
                  base=ticks[0], scale=scale)


def kmd2(kind, symbols, records, block_records=4096, encodings=None, scale=2):
    """A version 2 file: blocks of columns. `encodings` gives each value
    column's encoding ("offset", "delta" or "raw"; default offset)."""
    code, _ = KIND[kind]
    values = COLUMNS[kind] - 2
    encodings = encodings or ["offset"] * values
    blocks = b""
    for start in range(0, len(records), block_records):
        chunk = records[start:start + block_records]
        ts = [r[0] for r in chunk]
        columns = [column("delta", [b - a for a, b in zip([ts[0]] + ts, ts)], base=ts[0]),
                   column("offset", [r[1] - min(r[1] for r in chunk) for r in chunk],
                          base=min(r[1] for r in chunk))]
        for j in range(values):
            columns.append(value_column(encodings[j], [r[2 + j] for r in chunk], scale))
        payload = b"".join(data for _, data in columns)
        blocks += struct.pack("<IIQ", len(chunk), len(payload), 0)
        blocks += b"".join(header for header, _ in columns) + payload
    table = b"".join(struct.pack("<H", len(s)) + s for s in (s.encode() for s in symbols))
    header = b"KEELMD\r\n" + struct.pack(
        "<HHIIIQQQIIq", 2, 0, code, 64, block_records, 64, len(records), 64 + len(blocks),
        len(table), len(symbols), records[0][0] if records else 0)
    assert len(header) == 64
    return header + blocks + table


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
    # Version 2: each kind, several blocks, every encoding and width.
    write("binary_market_data", "v2_quotes.kmd",
          kmd2("quotes", ["AAPL", "MSFT"],
               [(t, 0, 32.19, 500, 32.2, 200), (t, 1, 399.0, 10, 399.05, 20),
                (t + 1, 0, 32.2, 100, 32.2, 100)]))
    write("binary_market_data", "v2_trades_blocks_of_2.kmd",
          kmd2("trades", ["AAPL", "SPY"],
               [(t, 0, 32.19, 100), (t + 5, 1, 32.2, -0.0), (t + 70_000, 0, 31.5, 5e-324),
                (t + 2**33, 1, 655.36, 0.1 + 0.2), (t + 2**33, 0, 32.19, 1e308)],
               block_records=2, encodings=["delta", "raw"]))
    write("binary_market_data", "v2_bars.kmd",
          kmd2("bars", ["SPY", "AAPL"], [(t, 1, 32.19, 32.25, 32.1, 32.2, 8807),
                                         (t + 60_000_000_000, 0, 470, 471, 469.5, 470.5, 0)],
               encodings=["offset", "delta", "offset", "delta", "raw"]))
    write("binary_market_data", "v2_empty_trades.kmd", kmd2("trades", [], []))
    write("binary_market_data", "v2_ts_at_the_range_end.kmd",
          kmd2("trades", ["AAPL"], [(0, 0, 1, 1), (7258118400000000000, 0, 1, 1)]))


if __name__ == "__main__":
    for harness in ("run_config", "csv_market_data", "binary_market_data", "data_convert"):
        (CORPUS / harness).mkdir(parents=True, exist_ok=True)
    run_files()
    csv_files()
    binary_files()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{CORPUS}: {sum(1 for p in CORPUS.rglob('*') if p.is_file())} entries, {total} bytes")
