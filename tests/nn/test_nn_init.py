"""nn.init: gains and fans as PyTorch defines them, the spread of each random scheme
(large tensors, loose tolerances), reproducibility under manual_seed, and the in-place
contract (same tensor returned, dtype kept, version bumped, allowed on parameters)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import nn
from tinygrad_np.nn import init

RANDOM = {
    "uniform_": lambda t: init.uniform_(t, -0.5, 1.5),
    "normal_": lambda t: init.normal_(t, 0.3, 2.0),
    "xavier_uniform_": init.xavier_uniform_,
    "xavier_normal_": init.xavier_normal_,
    "kaiming_uniform_": init.kaiming_uniform_,
    "kaiming_normal_": init.kaiming_normal_,
}
CONSTANT = {
    "zeros_": (init.zeros_, 0.0),
    "ones_": (init.ones_, 1.0),
    "constant_": (lambda t: init.constant_(t, 0.25), 0.25),
}
ALL = {**RANDOM, **{k: fn for k, (fn, _) in CONSTANT.items()}}


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("selu") == 0.75


def test_calculate_gain_refuses_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


def test_fans_count_the_receptive_field():
    # (out, in, kh, kw) = (16, 8, 3, 3): fan_in = 8 * 9, fan_out = 16 * 9
    t = tnp.zeros(16, 8, 3, 3, dtype=np.float64)
    tnp.manual_seed(0)
    init.kaiming_uniform_(t, nonlinearity="relu")
    assert np.abs(t.data).max() <= math.sqrt(2) * math.sqrt(3 / 72)
    init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")
    assert np.abs(t.data).max() <= math.sqrt(2) * math.sqrt(3 / 144)
    assert np.abs(t.data).max() > 0.95 * math.sqrt(2) * math.sqrt(3 / 144)


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_"])
def test_fan_based_init_needs_two_dimensions(name):
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        RANDOM[name](tnp.zeros(5))


def test_kaiming_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(tnp.zeros(2, 2), mode="fan_avg")


# the standard deviation each scheme should give a (400, 300) tensor
FAN_IN, FAN_OUT = 300, 400
EXPECTED_STD = {
    "uniform_": 2 / math.sqrt(12),
    "normal_": 2.0,
    "xavier_uniform_": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "xavier_normal_": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    # a = 0 is the leaky_relu slope by default, so the gain is √2
    "kaiming_uniform_": math.sqrt(2) / math.sqrt(FAN_IN),
    "kaiming_normal_": math.sqrt(2) / math.sqrt(FAN_IN),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_init_has_the_expected_spread(name):
    tnp.manual_seed(0)
    t = RANDOM[name](tnp.zeros(FAN_OUT, FAN_IN))
    assert t.data.std() == pytest.approx(EXPECTED_STD[name], rel=0.02)
    mean = 0.5 if name == "uniform_" else 0.3 if name == "normal_" else 0.0
    assert abs(t.data.mean() - mean) < 0.02 * EXPECTED_STD[name]


@pytest.mark.parametrize("name", ["uniform_", "xavier_uniform_", "kaiming_uniform_"])
def test_uniform_schemes_stay_within_their_bounds(name):
    tnp.manual_seed(1)
    t = RANDOM[name](tnp.zeros(FAN_OUT, FAN_IN, dtype=np.float64))
    center = 0.5 if name == "uniform_" else 0.0
    half_width = EXPECTED_STD[name] * math.sqrt(3)
    assert np.abs(t.data - center).max() <= half_width
    assert np.abs(t.data - center).max() > 0.999 * half_width


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_init_is_reproducible_under_manual_seed(name):
    tnp.manual_seed(42)
    a = RANDOM[name](tnp.zeros(7, 5)).data.copy()
    tnp.manual_seed(42)
    b = RANDOM[name](tnp.zeros(7, 5)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, RANDOM[name](tnp.zeros(7, 5)).data)


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_works_in_place_keeps_dtype_and_bumps_the_version(name, dtype):
    p = nn.Parameter(tnp.zeros(6, 4, dtype=dtype))
    array, version = p.data, p._vc[0]
    assert ALL[name](p) is p
    assert p.data is array and p.dtype == dtype and p.requires_grad
    assert p._vc[0] > version


@pytest.mark.parametrize("name", sorted(CONSTANT))
def test_constant_init_fills_the_value(name):
    fn, value = CONSTANT[name]
    assert (fn(tnp.full((3, 2), 7.0)).data == value).all()


def test_random_init_refuses_integer_tensors():
    with pytest.raises(TypeError, match="floating point"):
        init.normal_(tnp.zeros(3, dtype=np.int64))


def test_init_of_a_graph_input_makes_its_backward_fail_loudly():
    w = nn.Parameter(tnp.ones(2, 2))
    loss = (w * w).sum()
    init.normal_(w)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()
