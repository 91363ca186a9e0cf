"""A strategy's params, checked by keel.Strategy.param, as keel makes the strategy
(moved here from tests/python/test_keel_api.py onto keel.testing.Harness)."""
import pytest

import keel
from keel.testing import Harness


class Windowed(keel.Strategy):
    def __init__(self):
        self.window = self.param("window", type=int, min=2, max=1000)
        self.scale = self.param("scale", 1.0, type=float)
        self.label = self.param("label", "x", type=str)
        self.reject_unknown_params()


def test_params_are_read_and_checked():
    with Harness(Windowed, params={"window": 50, "scale": 2}) as h:
        s = h.strategy
        assert (s.window, s.scale, s.label) == (50, 2.0, "x")
        assert isinstance(s.scale, float)
        assert s.params == {"window": 50, "scale": 2}


@pytest.mark.parametrize("params, message", [
    ({}, "/window: required param missing"),
    ({"window": "fifty"}, '/window: expected an integer, got "fifty"'),
    ({"window": 2.5}, "/window: expected an integer, got 2.5"),
    ({"window": True}, "/window: expected an integer, got true"),
    ({"window": 1}, "/window: expected a value >= 2, got 1"),
    ({"window": 5000}, "/window: expected a value <= 1000, got 5000"),
    ({"window": 5, "scale": "big"}, '/scale: expected a finite number, got "big"'),
    ({"window": 5, "windw": 3}, "/windw: unknown param"),
])
def test_bad_params_name_the_param(params, message):
    with pytest.raises(keel.ParamError) as caught:
        Harness(Windowed, params=params)
    assert str(caught.value).startswith(message)
    assert caught.value.code == keel.ERR_INVALID_ARGUMENT
    assert isinstance(caught.value, ValueError)
