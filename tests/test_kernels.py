"""tinygrad_np._kernels against the plain NumPy calls they stand for, for every layout and
dtype an op can pass: the sums (BLAS's gemv for float32 and float64, np.add.reduce
otherwise) against a float64 np.add.reduce, row_max against np.maximum.reduce and
maximum_zero against np.maximum(a, 0), those two bit for bit."""

from __future__ import annotations

import pickle

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import tinygrad_np as tnp
from tinygrad_np import _kernels
from tinygrad_np._kernels import column_sums, maximum_zero, row_max, row_sums
from tinygrad_np._shapes import sum_to

SUMS = [(column_sums, 0), (row_sums, 1)]  # each function and the axis it sums over


def _values(dtype):
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=40),
                      elements=st.floats(-100, 100, width=np.dtype(dtype).itemsize * 8))


@pytest.mark.parametrize(("sums", "axis"), SUMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_blas_sums_are_within_the_rounding_bound_of_an_exact_sum(sums, axis, dtype, data):
    a = data.draw(_values(dtype))
    wide = a.astype(np.float64)
    out = sums(a)
    assert out.shape == (a.shape[1 - axis],) and out.dtype == dtype
    # any order of n additions is within n eps Σ|a| of the exact sum (float64 is exact
    # enough for float32 terms; for float64 the bound holds against it up to the same)
    bound = a.shape[axis] * np.finfo(dtype).eps * np.add.reduce(np.abs(wide), axis=axis)
    assert np.all(np.abs(out - np.add.reduce(wide, axis=axis)) <= 2 * bound)


@pytest.mark.parametrize(("sums", "axis"), SUMS)
@given(data=st.data())
def test_other_dtypes_are_summed_by_numpys_reduction(sums, axis, data):
    a = data.draw(_values(np.float16))
    out = sums(a)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, np.add.reduce(a, axis=axis))


@pytest.mark.parametrize(("sums", "axis"), SUMS)
def test_sums_of_any_layout_and_byte_order(sums, axis):
    base = np.arange(60, dtype=np.float32).reshape(6, 10) - 20.5
    expected = np.add.reduce(base.astype(np.float64), axis=axis)
    layouts = {
        "transposed view of a transpose": np.ascontiguousarray(base.T).T,
        "every other column": np.repeat(base, 2, axis=1)[:, ::2],
        "big-endian": base.astype(">f4"),
        "unpickled": pickle.loads(pickle.dumps(base)),
        "read-only": np.frombuffer(base.tobytes(), np.float32).reshape(6, 10),
    }
    for name, a in layouts.items():
        out = sums(a)
        np.testing.assert_array_equal(out, expected.astype(np.float32), err_msg=name)
        assert out.dtype.kind == "f" and out.dtype.itemsize == 4, name


@pytest.mark.parametrize(("sums", "axis"), SUMS)
def test_sums_keep_infinities_and_nan_as_a_reduction_does(sums, axis):
    a = np.array([[np.inf, 1.0, np.nan], [2.0, -np.inf, 3.0], [np.inf, -np.inf, 0.0]],
                 dtype=np.float32)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(sums(a), np.add.reduce(a, axis=axis))


@pytest.mark.parametrize(("sums", "axis"), SUMS)
def test_sums_of_empty_arrays_are_zeros_of_the_other_length(sums, axis):
    for shape in [(0, 3), (3, 0), (0, 0)]:
        a = np.zeros(shape, np.float32)
        out = sums(a)
        assert out.shape == (shape[1 - axis],) and out.dtype == np.float32
        assert not out.any()


def test_the_kept_ones_are_read_only_and_bounded(monkeypatch):
    monkeypatch.setattr(_kernels, "_kept_vectors", {})
    monkeypatch.setattr(_kernels, "_kept_views", {})
    column_sums(np.ones((5, 2), np.float32))
    (ones,) = _kernels._kept_vectors.values()
    (view,) = _kernels._kept_views.values()
    for kept in (ones, view):
        with pytest.raises(ValueError, match="read-only"):
            kept[0] = 2.0
    for n in range(199, 0, -1):  # a batch size that never repeats (the vector grows once)
        column_sums(np.ones((n, 2), np.float32))
    assert len(_kernels._kept_vectors) == 1 and len(_kernels._kept_views) <= 64
    assert column_sums(np.ones((5, 2), np.float32)).tolist() == [5.0, 5.0]
    assert row_sums(np.ones((2, 300), np.float32)).tolist() == [300.0, 300.0]  # grows again
    assert len(_kernels._kept_views) == 1  # the views of the outgrown vector are dropped


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@given(data=st.data())
def test_row_max_is_numpys_maximum_bit_for_bit(dtype, data):
    shape = data.draw(st.tuples(st.integers(0, 40), st.integers(1, 40)))
    if dtype == np.float16:  # hypothesis rejects many float16 draws (a flaky health check):
        a = data.draw(hnp.arrays(np.uint16, shape)).view(np.float16)  # any bit pattern
    else:
        a = data.draw(hnp.arrays(dtype, shape))  # any values: NaN, infinities, signed zeros
    if data.draw(st.booleans()):
        a = np.asfortranarray(a)  # transposed logits are column-major
    out = row_max(a)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.maximum.reduce(a, axis=1))


def test_row_max_of_rows_without_columns_is_numpys_error():
    with pytest.raises(ValueError, match="zero-size"):
        row_max(np.zeros((3, 0), np.float32))


def _any_layout(data, dtype):
    """An array of any values (NaN, infinities, signed zeros) in C order, Fortran order or
    as a strided view."""
    a = data.draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                      max_side=12)))
    layout = data.draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided" and a.ndim:
        return np.repeat(a, 2, axis=-1)[..., ::2]
    return a


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32])
@pytest.mark.parametrize("in_place", [False, True])
@given(data=st.data())
def test_maximum_zero_is_numpys_maximum_bit_for_bit(dtype, in_place, data):
    a = _any_layout(data, dtype)
    expected = np.maximum(a, 0)
    if in_place:
        out = a
        assert maximum_zero(a, out=a) is a
    else:
        before = a.copy()
        out = maximum_zero(a)
        np.testing.assert_array_equal(a, before)  # the input is left as it was
        assert out is not a
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)
    assert np.array_equal(np.signbit(out), np.signbit(expected))  # 0.0 for -0.0, as NumPy


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_maximum_zero_keeps_nan_and_signs_zeros_as_numpy_does(dtype):
    a = np.array([[np.nan, -0.0, 0.0, -1.0], [2.0, np.inf, -np.inf, -np.nan]], dtype)
    for out in (maximum_zero(a), maximum_zero(a.copy(), out=a)):
        assert np.isnan(out[0, 0]) and np.isnan(out[1, 3])  # NaN stays (np.fmax: 0)
        np.testing.assert_array_equal(out[0, 1:], [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(out[1, :3], [2.0, np.inf, 0.0])
        # -0.0 comes out as 0.0, except in NumPy's float16 loop, which keeps it
        assert np.signbit(out[0, 1]) == np.signbit(np.maximum(a, 0)[0, 1])


def test_maximum_zero_beyond_the_kept_zeros_is_numpys_maximum(monkeypatch):
    monkeypatch.setattr(_kernels, "_ZEROS_LIMIT", 40)
    monkeypatch.setattr(_kernels, "_kept_vectors", {})
    monkeypatch.setattr(_kernels, "_kept_views", {})
    small = np.arange(-15, 15, dtype=np.float32).reshape(3, 10)
    np.testing.assert_array_equal(maximum_zero(small), np.maximum(small, 0))
    big = np.arange(-30, 30, dtype=np.float32).reshape(6, 10)  # 60 elements: past the limit
    big[5, 9] = np.nan
    expected = np.maximum(big, 0)
    np.testing.assert_array_equal(maximum_zero(big), expected)
    maximum_zero(big, out=big)
    np.testing.assert_array_equal(big, expected)
    (zeros,) = _kernels._kept_vectors.values()  # kept for the small array only, read-only
    assert len(zeros) == 30 and not zeros.any() and not zeros.flags.writeable


@pytest.mark.parametrize("target", [(10,), (1, 10)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_row_vectors_gradient_is_summed_by_column_sums(target, dtype):
    a = np.random.default_rng(0).standard_normal((37, 10)).astype(dtype)
    out = sum_to(a, target)
    assert out.shape == target and out.dtype == dtype
    np.testing.assert_array_equal(out.reshape(-1), column_sums(a))
    # the engine gives the same to a broadcast bias (x + b).sum(): each b_j gets Σ_i 1
    b = tnp.zeros(target, dtype=dtype, requires_grad=True)
    (tnp.tensor(a) + b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), np.full(target, 37, dtype))
