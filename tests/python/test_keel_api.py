"""The `keel` module as a strategy author uses it, outside a run.

Runs inside keel's embedded interpreter (keel_pytest_runner), which gives
keel._test_context: a host table with one pricing model, "bs"
(keel.black_scholes), and no run (orders and positions answer unsupported).
"""
import math
import threading

import numpy
import pytest

import keel


@pytest.fixture
def ctx():
    return keel._test_context


@pytest.fixture
def bs(ctx):
    return ctx.model_lookup("bs")


def make_strategy(cls, params):
    """A strategy object the way keel makes one: attributes first, then __init__."""
    s = cls.__new__(cls)
    s._keel = keel._test_context
    s.params = params
    s.__init__()
    return s


# ---- pricing -------------------------------------------------------------------------

def test_scalar_price_is_haugs_example(bs):
    g = bs.price(spot=60.0, strike=65.0, expiry=0.25, vol=0.3, rate=0.08)
    assert g.price == pytest.approx(2.1334, abs=5e-5)
    assert 0 < g.delta < 1 and g.gamma > 0 and g.vega > 0


def test_put_call_parity(bs):
    call = bs.price(100.0, 95.0, 0.5, 0.2, 0.03, 0.01, keel.CALL).price
    put = bs.price(100.0, 95.0, 0.5, 0.2, 0.03, 0.01, keel.PUT).price
    assert call - put == pytest.approx(100 * math.exp(-0.005) - 95 * math.exp(-0.015), abs=1e-10)


def test_price_batch_fills_the_callers_arrays_in_place(bs):
    n = 257
    spot = numpy.linspace(50.0, 150.0, n)
    strike = numpy.full(n, 100.0)
    right = numpy.where(numpy.arange(n) % 2 == 0, keel.CALL, keel.PUT).astype(numpy.int32)
    price = numpy.zeros(n)
    delta = numpy.zeros(n)
    returned = bs.price_batch(spot, strike, 0.75, 0.25, 0.02, 0.0, right, price=price, delta=delta)
    assert returned is price
    for i in (0, 1, 128, 256):
        g = bs.price(spot[i], 100.0, 0.75, 0.25, 0.02, 0.0, int(right[i]))
        assert price[i] == pytest.approx(g.price, rel=1e-12, abs=1e-12)
        assert delta[i] == pytest.approx(g.delta, rel=1e-12, abs=1e-12)


def test_price_batch_reads_inputs_in_place_and_refuses_to_copy(bs):
    spot = numpy.linspace(80.0, 120.0, 10)
    with pytest.raises(TypeError, match="spot: expected a C-contiguous 1-D float64 array "
                                        r"\(keel reads it in place\), got dtype float32"):
        bs.price_batch(spot.astype(numpy.float32), 100.0, 1.0, 0.2)
    with pytest.raises(TypeError, match="strike: .* got a strided"):
        bs.price_batch(spot, numpy.full(20, 100.0)[::2], 1.0, 0.2)
    with pytest.raises(TypeError, match="right: expected a C-contiguous 1-D int32 array"):
        bs.price_batch(spot, 100.0, 1.0, 0.2, right=numpy.zeros(10, dtype=numpy.int64))


def test_price_batch_length_mismatch_is_a_keel_error(bs):
    with pytest.raises(keel.Error, match="strike has 3 elements, expected 4") as caught:
        bs.price_batch(numpy.ones(4), numpy.ones(3), 1.0, 0.2)
    assert caught.value.code == keel.ERR_INVALID_ARGUMENT


def test_price_batch_reports_bad_items_per_item_with_a_status_array(bs):
    vol = numpy.array([0.2, -1.0, 0.3])
    status = numpy.zeros(3, dtype=numpy.int32)
    price = bs.price_batch(numpy.full(3, 100.0), 100.0, 1.0, vol, status=status)
    assert status[0] == 0 and status[2] == 0 and status[1] == keel.ERR_INVALID_ARGUMENT
    assert math.isnan(price[1]) and price[0] > 0 and price[2] > price[0]
    with pytest.raises(keel.Error, match="1") as caught:
        bs.price_batch(numpy.full(3, 100.0), 100.0, 1.0, vol)
    assert caught.value.code == keel.ERR_INVALID_ARGUMENT


def test_read_only_output_is_refused(bs):
    out = numpy.zeros(2)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="price: the output array is read-only"):
        bs.price_batch(numpy.ones(2) * 100, 100.0, 1.0, 0.2, price=out)


def test_implied_vol_round_trips_scalar_and_batch(bs):
    premium = bs.price(100.0, 110.0, 0.5, 0.27, 0.01).price
    assert bs.implied_vol(premium, 100.0, 110.0, 0.5, 0.01) == pytest.approx(0.27, abs=1e-9)
    vols = numpy.array([0.1, 0.2, 0.4])
    premiums = bs.price_batch(numpy.full(3, 100.0), 100.0, 1.0, vols)
    out = numpy.empty(3)
    assert bs.implied_vol_batch(premiums, numpy.full(3, 100.0), 100.0, 1.0, out=out) is out
    numpy.testing.assert_allclose(out, vols, atol=1e-9)


def test_unknown_model_is_not_found(ctx):
    with pytest.raises(keel.Error, match="model_lookup: .*nope") as caught:
        ctx.model_lookup("nope")
    assert caught.value.code == keel.ERR_NOT_FOUND


# ---- the host outside a run --------------------------------------------------------

def test_orders_outside_a_run_are_unsupported(ctx):
    with pytest.raises(keel.Error) as caught:
        ctx.submit(0, keel.BUY, keel.MARKET, keel.GTC, 1.0, 0.0, 0.0, 0)
    assert caught.value.code == keel.ERR_UNSUPPORTED
    assert not isinstance(caught.value, keel.OrderRejected)


@pytest.mark.parametrize("args, message", [
    (("AAPL", keel.BUY, keel.MARKET, keel.GTC, 1.0, 0.0, 0.0, 0), r"submit\(\): incompatible"),
    ((0, keel.BUY, keel.MARKET, keel.GTC, 1.0, 0.0, 0.0), r"submit\(\) takes 8 arguments \(7"),
    ((0, keel.BUY, keel.MARKET, keel.GTC, "1", 0.0, 0.0, 0), r"submit\(\): incompatible"),
])
def test_submit_refuses_wrong_arguments_with_a_type_error(ctx, args, message):
    # _Context.submit is bound without pybind11's dispatcher (fast_bindings.hpp);
    # its arguments are still checked by pybind11's casters.
    with pytest.raises(TypeError, match=message):
        ctx.submit(*args)


def test_batch_at_refuses_a_float_with_a_type_error(ctx):
    with pytest.raises(TypeError, match=r"batch_at\(\): incompatible"):
        ctx.batch_at(1.5)


# ---- the host-thread rule ----------------------------------------------------------

def on_own_thread(call):
    """What `call` returns or raises on a threading.Thread of our own."""
    box = {}

    def run():
        try:
            box["result"] = call()
        except BaseException as e:  # noqa: BLE001 — handed back to the test
            box["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return box


def test_wrong_thread_error_is_a_keel_error_with_its_code():
    assert issubclass(keel.WrongThreadError, keel.Error)
    assert not issubclass(keel.WrongThreadError, keel.OrderRejected)
    assert keel.ERR_WRONG_THREAD == 14
    assert keel.WrongThreadError("m").code == keel.ERR_WRONG_THREAD


@pytest.mark.parametrize("member, call", [
    ("order_submit", lambda c: c.submit(0, keel.BUY, keel.MARKET, keel.GTC, 1.0, 0.0, 0.0, 0)),
    ("order_cancel", lambda c: c.cancel(1)),
    ("position_get", lambda c: c.position(0)),
    ("account_get", lambda c: c.account()),
    ("timer_set", lambda c: c.timer_set(0, 0)),
    ("timer_cancel", lambda c: c.timer_cancel(1)),
])
def test_host_thread_calls_from_another_thread_raise_wrong_thread_error(ctx, member, call):
    got = on_own_thread(lambda: call(ctx))
    error = got.get("error")
    assert isinstance(error, keel.WrongThreadError), got
    assert error.code == keel.ERR_WRONG_THREAD
    # The host's message: which instance, which member, the rule.
    assert "wrong thread" in str(error)
    assert "pytest" in str(error) and member in str(error)
    assert "[host-thread]" in str(error)
    # On the host's thread the same call gets the host's ordinary answer.
    with pytest.raises(keel.Error) as caught:
        call(ctx)
    assert caught.value.code != keel.ERR_WRONG_THREAD


def test_thread_safe_calls_work_from_another_thread(ctx, bs):
    got = on_own_thread(lambda: (ctx.now(), bs.price(60.0, 65.0, 0.25, 0.3, 0.08).price,
                                 bs.price_batch(numpy.full(3, 60.0), 65.0, 0.25, 0.3, 0.08)))
    assert "error" not in got, got
    now, price, batch = got["result"]
    assert now > 0
    assert price == pytest.approx(2.1334, abs=5e-5)
    assert batch[0] == price


def test_the_batch_cursor_exists_only_inside_a_vectorised_callback(ctx):
    with pytest.raises(keel.Error, match="batch_at: the batch cursor exists only during "
                                         "on_quotes, on_trades or on_bars") as caught:
        ctx.batch_at(0)
    assert caught.value.code == keel.ERR_INVALID_ARGUMENT


# ---- the batch views -------------------------------------------------------------------

def test_batch_dtypes_lie_over_the_abi_event_struct():
    # keel_event_t: kind, reserved, then the payload; each payload starts with ts.
    for dtype in (keel.QUOTE_DTYPE, keel.TRADE_DTYPE, keel.BAR_DTYPE):
        assert dtype.fields["ts"][1] == 8
        assert dtype.fields["instrument"][1] == 16
        assert dtype.itemsize == keel.BAR_DTYPE.itemsize
    assert keel.BAR_DTYPE.names == ("ts", "instrument", "open", "high", "low", "close", "volume")
    assert keel.BAR_DTYPE.fields["close"][1] == 8 + 40
    assert keel.QUOTE_DTYPE.fields["ask"][1] == 8 + 32


def test_the_base_class_callbacks_are_no_ops():
    s = make_strategy(keel.Strategy, {})
    for name in ("on_quote", "on_trade", "on_bar", "on_order_update", "on_fill", "on_timer"):
        assert getattr(s, name)(None) is None
    assert not hasattr(keel.Strategy, "on_bars")


def test_the_base_class_comes_from_its_own_py_file():
    # keel.Strategy and the exceptions are written in python/keel/_strategy.py,
    # embedded in the keel binary at build time: tracebacks and inspect name
    # that file, whose lines are the ones Python shows.
    import inspect
    import linecache
    source = inspect.getsourcefile(keel.Strategy.param)
    assert source.endswith("python/keel/_strategy.py"), source
    code = keel.Strategy.param.__code__
    assert "def param" in linecache.getline(source, code.co_firstlineno)
    assert keel.OrderRejected.__init__.__code__.co_filename == source


def test_keel_run_inside_keel_says_where_it_belongs():
    # The embedded package is the library's, but a run cannot start one.
    with pytest.raises(keel.Error, match="keel.run is for a Python program"):
        keel.run("anything.json")
