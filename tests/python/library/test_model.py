"""keel.Model: a pricing model opened by a plain Python program (keel/embed.h)."""
import ctypes
import gc
import math
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import keel

BUILD = pathlib.Path(keel.__file__).resolve().parents[2]  # build/python/keel/__init__.py
ROOT = pathlib.Path(__file__).resolve().parents[3]

# Haug, The Complete Guide to Option Pricing Formulas: S=60, K=65, T=0.25, r=0.08, vol=0.3.
HAUG = dict(spot=60.0, strike=65.0, expiry=0.25, vol=0.3, rate=0.08, dividend=0.0, right="call")
HAUG_CALL = 2.13336844


@pytest.fixture
def bs():
    with keel.Model("keel.black_scholes") as m:
        yield m


def portfolio(n=7):
    i = np.arange(n)
    return pd.DataFrame({
        "spot": np.full(n, 100.0), "strike": 70.0 + (i % 61), "expiry": 0.05 + (i % 40) * 0.05,
        "vol": 0.10 + (i % 31) * 0.01, "rate": np.full(n, 0.03), "dividend": np.full(n, 0.01),
        "right": np.where(i % 2 == 0, "call", "put")}, index=[f"opt{k}" for k in i])


def test_haug_textbook_call(bs):
    assert bs.price_one(**HAUG).price == pytest.approx(HAUG_CALL, abs=1e-8)
    frame = bs.price(pd.DataFrame([HAUG]))
    assert frame["price"].iloc[0] == pytest.approx(HAUG_CALL, abs=1e-8)


def test_dataframe_in_dataframe_out_agrees_with_single_calls(bs):
    options = portfolio()
    frame = bs.price(options)
    assert list(frame.columns) == ["price", "delta", "gamma", "vega", "theta", "rho"]
    assert list(frame.index) == list(options.index)
    for label, row in options.iterrows():
        one = bs.price_one(**row.to_dict())
        for greek in frame.columns:
            # (a batch may take SIMD paths: equal to the single call within rounding)
            assert frame.at[label, greek] == pytest.approx(getattr(one, greek), rel=1e-13)


def test_right_as_categorical_and_int_codes(bs):
    options = portfolio()
    expected = bs.price(options)
    as_category = options.assign(right=options["right"].astype("category"))
    pd.testing.assert_frame_equal(bs.price(as_category), expected)
    as_codes = options.assign(right=np.where(options["right"] == "call", keel.CALL, keel.PUT))
    pd.testing.assert_frame_equal(bs.price(as_codes), expected)


def test_numpy_keywords_and_scalars_broadcast(bs):
    strikes = np.array([60.0, 65.0, 70.0])
    frame = bs.price(spot=60.0, strike=strikes, expiry=0.25, vol=0.3, rate=0.08, right="call")
    assert len(frame) == 3
    assert frame["price"].iloc[1] == pytest.approx(HAUG_CALL, abs=1e-8)
    as_dict = bs.price({"spot": 60.0, "strike": strikes, "expiry": 0.25, "vol": 0.3,
                        "rate": 0.08, "right": 0})
    pd.testing.assert_frame_equal(as_dict, frame)


def test_float64_columns_pass_in_place_and_the_frame_is_keels_array(bs, monkeypatch):
    options = portfolio(100)
    seen = {}
    real = keel._keel._Model.price_batch

    class Spy:
        def __init__(self, impl):
            self.impl = impl

        def __getattr__(self, name):
            return getattr(self.impl, name)

        def price_batch(self, n, spot, strike, *rest):
            seen.update(spot=spot, strike=strike, right=rest[4])
            return real(self.impl, n, spot, strike, *rest)

    bs._impl = Spy(bs._impl)
    out = np.empty((6, 100))
    frame = bs.price(options, out=out)
    assert np.shares_memory(seen["spot"], options["spot"].to_numpy())
    assert np.shares_memory(seen["strike"], options["strike"].to_numpy())
    assert seen["right"].dtype == np.int32  # strings are converted, once
    # The frame is a view of the (6, n) array keel filled.
    assert np.shares_memory(frame["price"].to_numpy(), out[0])
    assert np.shares_memory(frame["rho"].to_numpy(), out[5])


def test_implied_vol_round_trip(bs):
    options = portfolio(50).assign(strike=95.0 + np.arange(50) % 11)  # premiums that say a vol
    prices = bs.price(options)["price"]
    vols = bs.implied_vol(options.drop(columns="vol"), prices)
    assert isinstance(vols, pd.Series) and list(vols.index) == list(options.index)
    np.testing.assert_allclose(vols.to_numpy(), options["vol"].to_numpy(), rtol=0, atol=1e-7)
    array = bs.implied_vol(spot=60.0, strike=65.0, expiry=0.25, rate=0.08, right="call",
                           premium=np.array([HAUG_CALL]))
    assert isinstance(array, np.ndarray) and array[0] == pytest.approx(0.3, abs=1e-7)


def test_implied_vol_no_solution_raises_or_gives_nan(bs):
    quotes = dict(spot=60.0, strike=65.0, expiry=0.25, rate=0.08, right="call")
    premiums = np.array([HAUG_CALL, 100.0])  # 100 is above the spot: no volatility gives it
    with pytest.raises(keel.ModelError, match=r"keel\.black_scholes.*1"):
        bs.implied_vol(premiums=premiums, **quotes)
    vols = bs.implied_vol(premiums=premiums, errors="nan", **quotes)
    assert vols[0] == pytest.approx(0.3, abs=1e-7) and math.isnan(vols[1])


def test_bad_item_raises_naming_its_index(bs):
    options = portfolio(5)
    options.loc["opt3", "expiry"] = -1.0
    with pytest.raises(keel.ModelError) as raised:
        bs.price(options)
    assert "keel.black_scholes" in str(raised.value) and "3" in str(raised.value)
    assert raised.value.code == keel.ERR_INVALID_ARGUMENT
    frame = bs.price(options, errors="nan")
    assert frame["price"].isna().tolist() == [False, False, False, True, False]
    assert frame["status"].tolist() == [0, 0, 0, keel.ERR_INVALID_ARGUMENT, 0]


def test_bad_right_word_names_its_index(bs):
    options = portfolio(4)
    options.loc["opt2", "right"] = "straddle"
    with pytest.raises(ValueError, match=r"right\[2\] is 'straddle'"):
        bs.price(options)


def test_missing_column_is_named(bs):
    with pytest.raises(TypeError, match="missing column.*vol"):
        bs.price(portfolio().drop(columns="vol"))


def test_calibrate_reports_the_fitted_vol_with_residuals_viewing_the_capsule(bs):
    options = portfolio(20).assign(vol=0.25)
    quotes = options.drop(columns="vol").assign(premium=bs.price(options)["price"])
    report = bs.calibrate(quotes)
    assert isinstance(report, keel.CalibrationReport)
    assert report.converged and report.parameters["vol"] == pytest.approx(0.25, abs=1e-6)
    assert report.residuals.shape == (20,) and not report.residuals.flags.writeable
    assert np.max(np.abs(report.residuals)) < 1e-6 and report.rmse < 1e-6
    owner = report.residuals
    while isinstance(owner, np.ndarray):
        owner = owner.base
    assert type(owner).__name__ == "PyCapsule"
    assert "keel.calibration_report/1" in repr(owner)


class _Descriptor(ctypes.Structure):  # keel_plugin_descriptor_t (keel/plugin.h)
    _fields_ = [("magic", ctypes.c_uint64), ("abi_major", ctypes.c_uint32),
                ("abi_minor", ctypes.c_uint32), ("struct_size", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32)] + [
        (name, ctypes.c_char_p) for name in ("id", "name", "version", "vendor", "description",
                                             "sdk_version", "language", "compiler")] + [
        ("pointer_size", ctypes.c_uint32), ("build_reserved", ctypes.c_uint32),
        ("factory_count", ctypes.c_size_t), ("factories", ctypes.c_void_p),
        ("get_extension", ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p))]


CAPSULES = BUILD / "tests" / "abi" / "broken" / "keel_test_capsules.so"
CAPSULE_MODEL = f"{CAPSULES}:keel_test.capsule_model"


def counter(plugin, index):
    """keel_test.counters/1 of a test plugin (tests/abi/broken/counters.h): the
    same file dlopen'ed again is the same library, with the same statics."""
    library = ctypes.CDLL(str(plugin))
    entry = library.keel_plugin_entry
    entry.restype = ctypes.POINTER(_Descriptor)
    entry.argtypes = [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p]
    counters = entry(1, 0, None).contents.get_extension(b"keel_test.counters/1")
    return ctypes.cast(counters, ctypes.POINTER(ctypes.c_uint64))[index]


def capsules_destroyed(plugin):
    return counter(plugin, 8)


def drops(plugin):
    return counter(plugin, 1)


def test_calibration_capsule_destructor_runs_once():
    plugin = CAPSULES
    assert plugin.exists(), f"{plugin}: build the target keel_test_capsules"
    with keel.Model(CAPSULE_MODEL) as m:
        before = capsules_destroyed(plugin)
        report = m.calibrate(spot=[100.0], strike=100.0, expiry=1.0, rate=0.0, right="call",
                             premium=10.0)
        residuals = report.residuals
        assert report.message == "a hand-built report"
        del report
        gc.collect()
        assert capsules_destroyed(plugin) == before  # the residuals view still holds it
        del residuals
        gc.collect()
        assert capsules_destroyed(plugin) == before + 1
    gc.collect()
    assert capsules_destroyed(plugin) == before + 1


def test_close_and_with_drop_the_model_and_later_calls_raise():
    m = keel.Model("keel.black_scholes")
    assert repr(m) == "keel.Model('keel.black_scholes', keel.black_scholes)"
    m.close()
    m.close()  # once is enough; again is a no-op
    assert m.closed and "closed" in repr(m)
    with pytest.raises(keel.ModelError, match="model 'keel.black_scholes' was closed"):
        m.price_one(**HAUG)
    with keel.Model("keel.black_scholes") as inside:
        pass
    with pytest.raises(keel.ModelError, match="was closed"):
        inside.price(pd.DataFrame([HAUG]))


def test_unknown_model_names_it_and_where_keel_looked():
    with pytest.raises(keel.ModelError) as raised:
        keel.Model("acme.no_such_model")
    message = str(raised.value)
    assert "acme.no_such_model" in message and "plugins" in message
    assert raised.value.code == keel.ERR_NOT_FOUND
    assert isinstance(raised.value, keel.Error)


def test_bad_params_are_the_models_message():
    with pytest.raises(keel.ModelError, match="keel_test.capsule_model.*mode"):
        keel.Model(CAPSULE_MODEL, {"mode": "nonsense"})


def test_by_plugin_file_and_by_plugin_path():
    plugins = BUILD / "lib" / "keel" / "plugins"
    [file] = [p for p in plugins.glob("*black_scholes*.so")]
    with keel.Model(str(file)) as m:
        assert m.factory == "keel.black_scholes"
        assert m.price_one(**HAUG).price == pytest.approx(HAUG_CALL, abs=1e-8)
    with keel.Model("keel.black_scholes", plugin_path=plugins) as m:
        assert m.price_one(**HAUG).price == pytest.approx(HAUG_CALL, abs=1e-8)


def test_each_model_is_dropped_exactly_once():
    m = keel.Model(CAPSULE_MODEL)
    before = drops(CAPSULES)
    del m
    gc.collect()
    assert drops(CAPSULES) == before + 1  # garbage collection drops it
    m = keel.Model(CAPSULE_MODEL)
    m.close()
    assert drops(CAPSULES) == before + 2
    m.close()
    del m
    gc.collect()
    assert drops(CAPSULES) == before + 2  # close, again, then GC: still once


EXAMPLE = ROOT / "examples" / "embed" / "python" / "price_portfolio.py"


def run_example(*args):
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True,
                          check=True).stdout


def test_example_bits_are_the_batch_prices_bit_for_bit(bs):
    lines = run_example("--bits").splitlines()
    assert lines[0] == "symbol,price,delta,gamma,vega,theta,rho"
    options = pd.read_csv(ROOT / "examples" / "data" / "options.csv", index_col="symbol")
    frame = bs.price(options)
    assert len(lines) == len(frame) + 1
    for line, (symbol, row) in zip(lines[1:], frame.iterrows()):
        expected = [symbol] + [f"{np.float64(x).view(np.uint64):016x}" for x in row]
        assert line == ",".join(expected)
    assert all(len(field) == 16 for line in lines[1:] for field in line.split(",")[1:])


def test_example_table_and_bench_shape():
    table = run_example()
    assert "SPX-4500C" in table and "delta" in table
    import json
    bench = json.loads(run_example("--bench", "--bench-scale", "0.001"))
    assert bench["caller"] == "python"
    assert set(bench) == {"caller", "single_call_ns", "batch_1k_ns_per_option",
                          "batch_1m_ns_per_option"}
    assert all(bench[k] > 0 for k in bench if k != "caller")
