"""erf and erfc for ndarrays (Cody's rational approximations) against math.erf and
math.erfc, and the Erf op's gradients."""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import given, settings

import tinygrad_np as tnp
from tinygrad_np.nn._erf import Erf, erf, erfc

GRID = np.concatenate([
    np.linspace(-30, 30, 60001),
    np.geomspace(1e-300, 1, 301), -np.geomspace(1e-300, 1, 301),
    [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, np.nextafter(4.0, 5), 26.5, 27.3],
])


def test_erf_relative_error_is_below_1e_13():
    ref = np.array([math.erf(v) for v in GRID])
    got = erf(GRID)
    nonzero = ref != 0
    assert np.all(got[~nonzero] == 0)
    assert np.max(np.abs(got - ref)[nonzero] / np.abs(ref[nonzero])) < 1e-13


def test_erfc_relative_error_is_below_1e_13_down_to_the_smallest_normal_float():
    ref = np.array([math.erfc(v) for v in GRID])
    got = erfc(GRID)
    normal = ref > np.finfo(np.float64).tiny
    assert np.max(np.abs(got - ref)[normal] / ref[normal]) < 1e-13
    assert np.max(np.abs(got - ref)) < 1e-300 or np.max(np.abs(got - ref)[~normal]) < 1e-300


def test_erf_limits_nan_and_symmetry():
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    np.testing.assert_array_equal(erfc(np.array([np.inf, -np.inf])), [0.0, 2.0])
    assert np.isnan(erf(np.array([np.nan]))).all() and np.isnan(erfc(np.array([np.nan]))).all()
    x = np.linspace(0, 6, 101)
    np.testing.assert_array_equal(erf(-x), -erf(x))


def test_erf_keeps_float32_and_promotes_integers():
    assert erf(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert erfc(np.arange(3)).dtype == np.float64


@settings(deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4),
                    elements=st.floats(-4, 4)))
def test_erf_op_gradients(x):
    assert tnp.gradcheck(Erf.apply, [x]) and tnp.gradgradcheck(Erf.apply, [x])
