"""The op table: every differentiable operation of the core, one row each, by family
(elementwise, reduce, softmax, linalg, movement). A row gives the name, our callable, a
NumPy reference, the input domain(s) and the number of inputs; tests/ops/test_*.py run
every row forward against NumPy and through first- and second-order gradcheck. Adding an
op means adding a row."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import strategies as S
from helpers import Op

import tinygrad_np as tnp
from tinygrad_np.ops.linalg import Linear, LinearChain
from tinygrad_np.testing import Domain, shapes

# bounds for clamp with tensor bounds: low <= 0 < high, both on the grid, the input on the
# shifted grid, so no input is ever within 1/32 of a bound
GRID_LOW = Domain("grid_low", -3.0, 0.0, step=0.0625)
GRID_HIGH = Domain("grid_high", 0.0625, 3.0, step=0.0625)

# products of up to 64 factors stay far from float32's overflow and underflow
NEAR_ONE = Domain("near_one", -1.5, 1.5, min_abs=0.5)

# float32 through a cast: rounding makes a 1e-6 central difference meaningless
CAST_GRADCHECK = dict(eps=1e-2, atol=1e-4)


def _clear_of_jumps(arrays, params):
    """a // b and a % b jump where a / b is an integer: keep a at least 1e-3 from there."""
    a, b = np.broadcast_arrays(*arrays)
    q = a / b
    return bool(np.all(np.abs(q - np.round(q)) * np.abs(b) > 1e-3))


def _values(out):
    """x.max(dim) returns (values, indices) for an int dim; the values are differentiable."""
    return out.values if isinstance(out, tuple) else out


def _np_reduce(fn):
    def ref(a, dim=None, keepdim=False, **kw):
        return fn(a, axis=S.numpy_axis(dim, a.ndim), keepdims=keepdim, **kw)
    return ref


def _np_logsumexp(a, dim=None, keepdim=False):
    axis = S.numpy_axis(dim, a.ndim)
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdim else np.reshape(out, np.max(a, axis=axis).shape)


def _np_softmax(a, dim):
    axis = S.numpy_axis(dim, a.ndim)
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(a, dim):
    return a - _np_logsumexp(a, dim, keepdim=True)


def _np_var(a, dim=None, keepdim=False, correction=1):
    return np.var(a, axis=S.numpy_axis(dim, a.ndim), ddof=correction, keepdims=keepdim)


def _np_std(a, dim=None, keepdim=False, correction=1):
    return np.sqrt(_np_var(a, dim, keepdim, correction))


def _np_flatten(a, start_dim, end_dim):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:])


def _np_squeeze(a, dim=None):
    axes = None if dim is None else {d % max(a.ndim, 1) for d in np.atleast_1d(dim).tolist()}
    keep = [n for i, n in enumerate(a.shape) if n != 1 or (axes is not None and i not in axes)]
    return a.reshape(keep)


def _np_expand(a, sizes):
    lead = len(sizes) - a.ndim
    shape = [a.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes)]
    return np.broadcast_to(a, shape)


def _var_params(input_shapes):
    return S.reduce_params(input_shapes).flatmap(
        lambda p: st.sampled_from([0, 1]).map(lambda c: {**p, "correction": c}))


def _var_valid(arrays, params):
    # N - correction must be positive, and std is not differentiable at variance 0
    n = S.reduced_count(arrays[0].shape, params["dim"])
    return n - params["correction"] > 0 and n > 1


def _linear_shapes(n):
    @st.composite
    def draw(draw):
        batch = draw(shapes(0, 2))
        n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        return (batch + (n_in,), (n_out, n_in), (n_out,))[:n]
    return draw()


def _np_linear(x, w, b=None):
    return x @ w.T + (0 if b is None else b)


def _chain_shapes(bias):
    """Shapes for a two-layer LinearChain: x, then each layer's weight (and bias)."""
    def chain_shapes(n):
        @st.composite
        def draw(draw):
            batch = draw(shapes(0, 2))
            n_in, hidden, n_out = (draw(st.integers(1, 4)) for _ in range(3))
            layers = [((hidden, n_in), (hidden,)), ((n_out, hidden), (n_out,))]
            return (batch + (n_in,),) + tuple(s for w, b in layers for s in ((w, b) if bias
                                                                              else (w,)))
        return draw()
    return chain_shapes


def _np_chain(layers):
    """The NumPy reference of LinearChain with these (has_bias, relu) layers."""
    def ref(x, *params):
        return _np_chain_pre_activations(layers, x, params)[-1][1]
    return ref


def _np_chain_pre_activations(layers, x, params):
    """[(z_l, h_l)] of each layer: its pre-activation and its output."""
    out, i, h = [], 0, x
    for has_bias, relu in layers:
        z = _np_linear(h, params[i], params[i + 1] if has_bias else None)
        i += 1 + has_bias
        h = np.maximum(z, 0) if relu else z
        out.append((z, h))
    return out


def _chain_op(name, layers, bias):
    def away_from_relu_kinks(arrays, params):
        # ReLU is not differentiable at 0: keep every pre-activation clear of the central
        # difference's step
        zs = _np_chain_pre_activations(layers, arrays[0], arrays[1:])
        return all(np.all(np.abs(z) > 1e-3) for (z, _), (_, relu) in zip(zs, layers) if relu)

    n = 1 + sum(1 + has_bias for has_bias, _ in layers)
    shapes = _chain_shapes(bias) if len(layers) == 2 else _linear_shapes
    return Op(name, lambda x, *ps: LinearChain.apply(x, *ps, layers=layers), _np_chain(layers),
              "real", n, shapes=shapes, valid=away_from_relu_kinks)


# ---- elementwise --------------------------------------------------------------------------

ELEMENTWISE = [
    # binary operators on two tensors of broadcasting shapes
    Op("add", lambda a, b: a + b, np.add, "real", 2),
    Op("sub", lambda a, b: a - b, np.subtract, "real", 2),
    Op("mul", lambda a, b: a * b, np.multiply, "real", 2),
    Op("div", lambda a, b: a / b, np.divide, ("real", "far_from_zero"), 2),
    Op("pow", lambda a, b: a ** b, np.power, ("positive", "small"), 2),
    Op("floor_divide", lambda a, b: a // b, np.floor_divide, ("real", "far_from_zero"), 2,
       valid=_clear_of_jumps),
    Op("remainder", lambda a, b: a % b, np.remainder, ("real", "far_from_zero"), 2,
       valid=_clear_of_jumps),
    Op("remainder_function", lambda a, b: tnp.remainder(a, b), np.remainder,
       ("real", "far_from_zero"), 2, valid=_clear_of_jumps),
    Op("maximum", lambda a, b: a.maximum(b), np.maximum, ("grid", "grid_shifted"), 2),
    Op("minimum", lambda a, b: tnp.minimum(a, b), np.minimum, ("grid", "grid_shifted"), 2),
    Op("where", lambda a, b: tnp.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
       ("away_from_zero", "real"), 2),
    Op("where_method", lambda a, b: a.where(b < 0, b), lambda a, b: np.where(b < 0, a, b),
       ("real", "away_from_zero"), 2),
    Op("clamp_tensor_bounds", lambda x, lo, hi: x.clamp(lo, hi), np.clip,
       ("grid_shifted", GRID_LOW, GRID_HIGH), 3),
    Op("clamp_tensor_min", lambda x, lo: tnp.clamp(x, min=lo), np.maximum,
       ("grid_shifted", GRID_LOW), 2),
    # a Python scalar on either side
    Op("add_scalar", lambda x: x + 1.5, lambda a: a + 1.5, "real", 1),
    Op("radd_scalar", lambda x: 1.5 + x, lambda a: 1.5 + a, "real", 1),
    Op("sub_scalar", lambda x: x - 2, lambda a: a - 2, "real", 1),
    Op("rsub_scalar", lambda x: 1.5 - x, lambda a: 1.5 - a, "real", 1),
    Op("mul_scalar", lambda x: x * -2.5, lambda a: a * -2.5, "real", 1),
    Op("rmul_scalar", lambda x: 3 * x, lambda a: 3 * a, "real", 1),
    Op("div_scalar", lambda x: x / 4.0, lambda a: a / 4.0, "real", 1),
    Op("rdiv_scalar", lambda x: 2.0 / x, lambda a: 2.0 / a, "far_from_zero", 1),
    Op("floordiv_scalar", lambda x: x // 0.75, lambda a: a // 0.75, "real", 1,
       valid=lambda arrays, params: _clear_of_jumps((arrays[0], 0.75), params)),
    Op("rfloordiv_scalar", lambda x: 2.5 // x, lambda a: 2.5 // a, "far_from_zero", 1,
       valid=lambda arrays, params: _clear_of_jumps((2.5, arrays[0]), params)),
    Op("mod_scalar", lambda x: x % 1.25, lambda a: a % 1.25, "real", 1,
       valid=lambda arrays, params: _clear_of_jumps((arrays[0], 1.25), params)),
    Op("rmod_scalar", lambda x: 2.5 % x, lambda a: 2.5 % a, "far_from_zero", 1,
       valid=lambda arrays, params: _clear_of_jumps((2.5, arrays[0]), params)),
    Op("pow_int", lambda x: x ** 3, lambda a: a ** 3, "real", 1),
    Op("pow_float", lambda x: x ** 2.5, lambda a: a ** 2.5, "positive", 1),
    Op("pow_negative", lambda x: x ** -1.5, lambda a: a ** -1.5, "positive", 1),
    Op("rpow_scalar", lambda x: 2.0 ** x, lambda a: 2.0 ** a, "real", 1),
    # NumPy float64 scalars must not turn float32 into float64
    Op("rmul_numpy_scalar", lambda x: np.float64(2.0) * x, lambda a: 2.0 * a, "real", 1),
    Op("mul_numpy_sqrt", lambda x: x * np.sqrt(2), lambda a: a * np.sqrt(2), "real", 1),
    Op("rsub_numpy_scalar", lambda x: np.float64(1.5) - x, lambda a: 1.5 - a, "real", 1),
    Op("div_numpy_scalar", lambda x: x / np.float64(3), lambda a: a / 3.0, "real", 1),
    # an ndarray on either side (not differentiated)
    Op("add_ndarray", lambda x, c: x + c, np.add, "real", 2, constants=(1,)),
    Op("radd_ndarray", lambda c, x: c + x, np.add, "real", 2, constants=(0,)),
    Op("rsub_ndarray", lambda c, x: c - x, np.subtract, "real", 2, constants=(0,)),
    Op("sub_ndarray", lambda x, c: x - c, np.subtract, "real", 2, constants=(1,)),
    Op("rmul_ndarray", lambda c, x: c * x, np.multiply, "real", 2, constants=(0,)),
    Op("mul_ndarray", lambda x, c: x * c, np.multiply, "real", 2, constants=(1,)),
    Op("rdiv_ndarray", lambda c, x: c / x, np.divide, ("real", "far_from_zero"), 2,
       constants=(0,)),
    Op("div_ndarray", lambda x, c: x / c, np.divide, ("real", "far_from_zero"), 2,
       constants=(1,)),
    Op("rpow_ndarray", lambda c, x: c ** x, np.power, ("positive", "small"), 2, constants=(0,)),
    Op("pow_ndarray", lambda x, c: x ** c, np.power, ("positive", "small"), 2, constants=(1,)),
    # unary math
    Op("neg", lambda x: -x, np.negative, "real", 1),
    Op("neg_method", lambda x: x.neg(), np.negative, "real", 1),
    Op("exp", lambda x: x.exp(), np.exp, "real", 1),
    Op("log", lambda x: tnp.log(x), np.log, "positive", 1),
    Op("sqrt", lambda x: x.sqrt(), np.sqrt, "positive", 1),
    Op("abs", lambda x: tnp.abs(x), np.abs, "away_from_zero", 1),
    Op("sign", lambda x: x.sign(), np.sign, "away_from_zero", 1),
    Op("sin", lambda x: tnp.sin(x), np.sin, "real", 1),
    Op("cos", lambda x: x.cos(), np.cos, "real", 1),
    Op("tanh", lambda x: tnp.tanh(x), np.tanh, "real", 1),
    Op("sigmoid", lambda x: tnp.sigmoid(x), lambda a: 1 / (1 + np.exp(-a)), "real", 1),
    Op("relu", lambda x: tnp.relu(x), lambda a: np.maximum(a, 0), "away_from_zero", 1),
    Op("square", lambda x: x.square(), np.square, "real", 1),
    Op("reciprocal", lambda x: x.reciprocal(), np.reciprocal, "far_from_zero", 1),
    Op("where_scalar", lambda x: tnp.where(x > 0, x, 0.0), lambda a: np.where(a > 0, a, 0.0),
       "away_from_zero", 1),
    Op("clamp", lambda x: x.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
       "grid_shifted", 1),
    Op("clamp_min", lambda x: x.clamp(min=-1.0), lambda a: np.maximum(a, -1.0),
       "grid_shifted", 1),
    Op("clamp_max", lambda x: tnp.clamp(x, max=1.0), lambda a: np.minimum(a, 1.0),
       "grid_shifted", 1),
    Op("clip", lambda x: x.clip(-1, 2), lambda a: np.clip(a, -1, 2), "grid_shifted", 1),
    Op("maximum_scalar", lambda x: tnp.maximum(x, 0.5), lambda a: np.maximum(a, 0.5),
       "grid_shifted", 1),
    Op("minimum_scalar", lambda x: x.minimum(0.5), lambda a: np.minimum(a, 0.5),
       "grid_shifted", 1),
    # copies and casts
    Op("clone", lambda x: x.clone(), np.copy, "real", 1),
    Op("double", lambda x: x.double(), lambda a: a.astype(np.float64), "real", 1,
       keeps_float32=False),
    Op("float", lambda x: x.float(), lambda a: a.astype(np.float32), "real", 1,
       gradcheck=CAST_GRADCHECK),
    Op("to_float32", lambda x: x.to(np.float32), lambda a: a.astype(np.float32), "real", 1,
       gradcheck=CAST_GRADCHECK),
    Op("to_float64_and_back", lambda x: x.to("float64").to(x.dtype), np.copy, "real", 1),
]

# ---- reductions -----------------------------------------------------------------------------

REDUCE = [
    Op("sum", lambda x, dim, keepdim: x.sum(dim, keepdim), _np_reduce(np.sum), "real", 1,
       shapes=S.same_shapes, params=S.reduce_params),
    Op("sum_function", lambda x, dim, keepdim: tnp.sum(x, dim, keepdim=keepdim),
       _np_reduce(np.sum), "real", 1, shapes=S.same_shapes, params=S.reduce_params),
    Op("prod", lambda x, dim, keepdim: x.prod(dim, keepdim), _np_reduce(np.prod), NEAR_ONE,
       1, shapes=S.same_shapes, params=S.reduce_params),
    Op("prod_function", lambda x, dim, keepdim: tnp.prod(x, dim, keepdim=keepdim),
       _np_reduce(np.prod), NEAR_ONE, 1, shapes=S.same_shapes, params=S.reduce_params),
    Op("mean", lambda x, dim, keepdim: x.mean(dim, keepdim), _np_reduce(np.mean), "real", 1,
       shapes=S.same_shapes, params=S.reduce_params),
    Op("var", lambda x, dim, keepdim, correction: x.var(dim, None, keepdim, correction=correction),
       _np_var, "grid", 1, shapes=S.same_shapes, params=_var_params, valid=_var_valid,
       unique=True),
    Op("std", lambda x, dim, keepdim, correction: x.std(dim, None, keepdim, correction=correction),
       _np_std, "grid", 1, shapes=S.same_shapes, params=_var_params, valid=_var_valid,
       unique=True),
    Op("amax", lambda x, dim, keepdim: x.amax(dim, keepdim), _np_reduce(np.max), "grid", 1,
       shapes=S.same_shapes, params=S.reduce_params, unique=True),
    Op("amin", lambda x, dim, keepdim: x.amin(dim, keepdim), _np_reduce(np.min), "grid", 1,
       shapes=S.same_shapes, params=S.reduce_params, unique=True),
    Op("max", lambda x, dim, keepdim: _values(x.max(dim, keepdim)), _np_reduce(np.max),
       "grid", 1, shapes=S.same_shapes, params=S.reduce_params, unique=True),
    Op("min", lambda x, dim, keepdim: _values(x.min(dim, keepdim)), _np_reduce(np.min),
       "grid", 1, shapes=S.same_shapes, params=S.reduce_params, unique=True),
    Op("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim), _np_logsumexp,
       "real", 1, shapes=S.same_shapes, params=S.reduce_params),
]

SOFTMAX = [
    Op("softmax", lambda x, dim: x.softmax(dim), _np_softmax, "real", 1,
       shapes=S.same_shapes, params=S.dim_param),
    Op("log_softmax", lambda x, dim: tnp.log_softmax(x, dim), _np_log_softmax, "real", 1,
       shapes=S.same_shapes, params=S.dim_param),
]

# ---- linear algebra -------------------------------------------------------------------------

LINALG = [
    Op("matmul", lambda a, b: a @ b, np.matmul, "real", 2, shapes=S.matmul_shapes),
    Op("matmul_function", lambda a, b: tnp.matmul(a, b), np.matmul, "real", 2,
       shapes=S.matmul_shapes),
    Op("matmul_ndarray", lambda a, c: a @ c, np.matmul, "real", 2, shapes=S.matmul_shapes,
       constants=(1,)),
    Op("rmatmul_ndarray", lambda c, b: c @ b, np.matmul, "real", 2, shapes=S.matmul_shapes,
       constants=(0,)),
    Op("linear", lambda x, w, b: Linear.apply(x, w, b), _np_linear, "real", 3,
       shapes=_linear_shapes),
    Op("linear_no_bias", lambda x, w: Linear.apply(x, w), _np_linear, "real", 2,
       shapes=_linear_shapes),
    _chain_op("linear_chain_one_relu", ((True, True),), bias=True),
    _chain_op("linear_chain_one_relu_no_bias", ((False, True),), bias=False),
    _chain_op("linear_chain_relu_then_linear", ((True, True), (True, False)), bias=True),
    _chain_op("linear_chain_linear_then_relu_no_bias", ((False, False), (False, True)),
              bias=False),
    _chain_op("linear_chain_linear_then_relu", ((True, False), (True, True)), bias=True),
]

# ---- movement -------------------------------------------------------------------------------

MOVEMENT = [
    Op("reshape", lambda x, shape: x.reshape(shape), np.reshape, "real", 1,
       shapes=S.same_shapes, params=S.reshape_params),
    Op("view_varargs", lambda x, shape: x.view(*shape), np.reshape, "real", 1,
       shapes=S.same_shapes, params=S.reshape_params),
    Op("flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim), _np_flatten,
       "real", 1, shapes=S.same_shapes, params=S.flatten_params),
    Op("squeeze", lambda x, dim: x.squeeze(dim), _np_squeeze, "real", 1,
       shapes=lambda n: S.same_shapes(n, max_dims=4).map(
           lambda s: (tuple(k if k % 2 else 1 for k in s[0]),)),
       params=S.squeeze_params),
    Op("unsqueeze", lambda x, dim: x.unsqueeze(dim), lambda a, dim: np.expand_dims(a, dim),
       "real", 1,
       shapes=S.same_shapes, params=S.unsqueeze_params),
    Op("transpose", lambda x, dim0, dim1: x.transpose(dim0, dim1),
       lambda a, dim0, dim1: np.swapaxes(a, dim0, dim1) if a.ndim else a, "real", 1,
       shapes=S.same_shapes, params=S.transpose_params),
    Op("permute", lambda x, dims: x.permute(*dims), lambda a, dims: np.transpose(a, dims),
       "real", 1,
       shapes=S.same_shapes, params=S.permute_params),
    Op("expand", lambda x, sizes: x.expand(*sizes), _np_expand, "real", 1,
       shapes=S.same_shapes, params=S.expand_params),
    Op("T", lambda x: x.T, lambda a: a.T, "real", 1, shapes=S.same_shapes),
    Op("mT", lambda x: x.mT, lambda a: np.swapaxes(a, -1, -2), "real", 1,
       shapes=S.with_min_dims(2)),
    Op("getitem_basic", lambda x, index: x[index], lambda a, index: a[index], "real", 1,
       shapes=S.same_shapes, params=S.basic_index_params),
    Op("getitem_int_arrays", lambda x, index: x[index], lambda a, index: a[index], "real", 1,
       shapes=S.with_min_dims(1), params=S.integer_array_index_params),
    Op("getitem_bool_mask", lambda x, index: x[index], lambda a, index: a[index], "real", 1,
       shapes=S.with_min_dims(1), params=S.bool_mask_params),
    Op("cat", lambda a, b, dim: tnp.cat([a, b], dim), lambda a, b, dim: np.concatenate(
        [a, b], dim), "real", 2, shapes=S.cat_shapes, params=S.cat_params),
    Op("cat3", lambda a, b, c, dim: tnp.cat((a, b, c), dim=dim),
       lambda a, b, c, dim: np.concatenate([a, b, c], dim), "real", 3, shapes=S.cat_shapes,
       params=S.cat_params),
    Op("stack", lambda a, b, dim: tnp.stack([a, b], dim), lambda a, b, dim: np.stack(
        [a, b], dim), "real", 2, shapes=S.same_shapes, params=S.stack_params),
]

ALL = ELEMENTWISE + REDUCE + SOFTMAX + LINALG + MOVEMENT
