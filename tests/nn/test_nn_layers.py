"""Layers and activations: the activation table (module and functional form agree, first and
second order gradcheck under hypothesis), Linear (shapes, init bounds, gradients), Flatten,
Identity and Dropout."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_np as tnp
import tinygrad_np.nn.functional as F
from tinygrad_np import nn


@dataclass(frozen=True)
class Activation:
    """A row of the activation table: the module, its functional form, and how far from
    zero inputs must stay (the kink of relu and leaky_relu)."""

    name: str
    module: Callable[[], nn.Module]
    fn: Callable[[tnp.Tensor], tnp.Tensor]
    min_abs: float = 0.0

    def __str__(self) -> str:
        return self.name


ACTIVATIONS = [
    Activation("relu", nn.ReLU, F.relu, min_abs=1e-3),
    Activation("leaky_relu", lambda: nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), 1e-3),
    Activation("sigmoid", nn.Sigmoid, F.sigmoid),
    Activation("tanh", nn.Tanh, F.tanh),
    Activation("gelu", nn.GELU, F.gelu),
    Activation("gelu_tanh", lambda: nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")),
    Activation("softmax", lambda: nn.Softmax(dim=1), lambda x: F.softmax(x, 1)),
    Activation("log_softmax", lambda: nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, 1)),
    Activation("flatten", nn.Flatten, lambda x: x.flatten(1)),
    Activation("identity", nn.Identity, lambda x: x),
    Activation("dropout_eval", lambda: nn.Dropout(0.3).eval(), lambda x: x),
]


@st.composite
def inputs(draw, min_abs: float = 0.0) -> np.ndarray:
    """float64 arrays of shape (N, C) or (N, C, d) with N in 1..5, C in 2..6, values in
    [-4, 4] and |x| >= min_abs."""
    shape = draw(st.tuples(st.integers(1, 5), st.integers(2, 6)) |
                 st.tuples(st.integers(1, 3), st.integers(2, 4), st.integers(1, 3)))
    values = st.floats(-4, 4, allow_subnormal=False)
    if min_abs:
        values = values.filter(lambda v: abs(v) >= min_abs)
    return draw(hnp.arrays(np.float64, shape, elements=values))


@pytest.mark.parametrize("row", ACTIVATIONS, ids=str)
def test_activation_module_matches_its_functional_form(row):
    x = tnp.randn(3, 4, 2, dtype=np.float64)
    np.testing.assert_array_equal(row.module()(x).data, row.fn(x).data)


@pytest.mark.parametrize("row", ACTIVATIONS, ids=str)
def test_activation_keeps_float32(row):
    assert row.module()(tnp.randn(2, 3)).dtype == np.float32


@pytest.mark.parametrize("row", ACTIVATIONS, ids=str)
@settings(deadline=None)
@given(data=st.data())
def test_activation_gradients(row, data):
    x = data.draw(inputs(row.min_abs))
    module = row.module()
    assert tnp.gradcheck(module, [x])
    assert tnp.gradgradcheck(module, [x])


def test_leaky_relu_values_and_slopes():
    x = tnp.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    y = F.leaky_relu(x, 0.1)
    np.testing.assert_allclose(y.data, [-0.2, -0.05, 0.5, 3.0], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.1, 0.1, 1.0, 1.0], rtol=1e-6)


def test_gelu_refuses_an_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(tnp.ones(2), "fast")
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_gelu_of_large_inputs_is_finite_and_exact():
    x = tnp.tensor([-1e4, -40.0, 40.0, 1e4], dtype=np.float64, requires_grad=True)
    y = F.gelu(x)
    np.testing.assert_array_equal(y.data, [-0.0, -0.0, 40.0, 1e4])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0, 1.0])


def test_gelu_gradient_fast_path_equals_the_create_graph_path():
    x = tnp.randn(50, dtype=np.float64, requires_grad=True)
    (fast,) = tnp.grad(F.gelu(x).sum(), x)
    (graph,) = tnp.grad(F.gelu(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(fast.data, graph.data, rtol=1e-14, atol=1e-15)


def test_softmax_module_defaults_to_the_last_dim():
    x = tnp.randn(2, 3)
    np.testing.assert_array_equal(nn.Softmax()(x).data, x.softmax(-1).data)


@pytest.mark.parametrize("shape", [(5,), (2, 5)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_dim_takes_pytorchs_implicit_dim_for_up_to_two_dims(shape, name):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ours = getattr(nn.functional, name)(tnp.tensor(x)).numpy()
    with pytest.warns(UserWarning, match="[Ii]mplicit dimension"):
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("make", [lambda x: nn.functional.softmax(x),
                                  lambda x: nn.functional.log_softmax(x),
                                  lambda x: nn.Softmax()(x), lambda x: nn.LogSoftmax()(x)])
def test_softmax_without_dim_of_3d_or_4d_input_asks_for_one(make):
    # PyTorch would pick dim 0 (3-D) or 1 (4-D) with a deprecation warning
    for shape in [(2, 3, 4), (2, 3, 4, 5)]:
        with pytest.raises(ValueError, match=rf"softmax: pass dim for an input of shape "
                                             rf"\({shape[0]}, {shape[1]}"):
            make(tnp.ones(*shape))
    assert nn.Softmax(dim=1)(tnp.ones(2, 3, 4)).shape == (2, 3, 4)


# ---- Linear ----------------------------------------------------------------------------------


@pytest.mark.parametrize("in_sequential", [False, True])
def test_linear_with_its_weight_replaced_by_a_computed_tensor_uses_it_like_torch(in_sequential):
    # fast weights (MAML and the like): del the parameter, assign a tensor computed from it
    torch = pytest.importorskip("torch")
    grads = []
    for lib, L in ((tnp, nn), (torch, torch.nn)):
        lib.manual_seed(0)
        model = L.Sequential(L.Linear(2, 3), L.ReLU(), L.Linear(3, 1))
        if not in_sequential:
            model = model[0]
        first = model[0] if in_sequential else model
        w0 = first.weight
        with lib.no_grad():
            w0.copy_(lib.tensor([[1.0, -1.0], [0.5, 0.25], [-2.0, 1.0]]))
            first.bias.fill_(0.1)
            if in_sequential:
                model[2].weight.fill_(1.0)
        del first.weight
        first.weight = w0 * 2
        model(lib.ones(1, 2)).sum().backward()
        grads.append(w0.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_linear_shapes_dtype_and_repr():
    fc = nn.Linear(5, 3)
    assert fc.weight.shape == (3, 5) and fc.bias.shape == (3,)
    assert fc.weight.dtype == np.float32 and fc.bias.dtype == np.float32
    assert fc(tnp.ones(2, 7, 5)).shape == (2, 7, 3)
    assert repr(fc) == "Linear(in_features=5, out_features=3, bias=True)"
    assert repr(nn.Linear(5, 3, bias=False)) == "Linear(in_features=5, out_features=3, bias=False)"


def test_linear_computes_x_wT_plus_b():
    fc = nn.Linear(4, 3, dtype=np.float64)
    x = tnp.randn(6, 4, dtype=np.float64)
    expected = x.data @ fc.weight.data.T + fc.bias.data
    np.testing.assert_allclose(fc(x).data, expected, rtol=1e-12)
    assert fc(x).grad_fn.__class__.__name__ == "Linear"


def test_linear_without_bias_has_one_parameter():
    fc = nn.Linear(4, 3, bias=False)
    assert fc.bias is None and [n for n, _ in fc.named_parameters()] == ["weight"]
    np.testing.assert_allclose(fc(tnp.ones(1, 4)).data, fc.weight.data.sum(1)[None], rtol=1e-6)


def test_linear_init_is_uniform_within_one_over_sqrt_fan_in():
    tnp.manual_seed(0)
    fc = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (fc.weight, fc.bias):
        assert np.abs(p.data).max() <= bound
    # U(-b, b) has standard deviation b / √3 and fills the range
    assert fc.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.abs(fc.weight.data).max() > 0.99 * bound
    assert abs(fc.weight.data.mean()) < 0.01 * bound


def test_linear_init_is_reproducible_under_manual_seed():
    tnp.manual_seed(3)
    a = nn.Linear(5, 4)
    tnp.manual_seed(3)
    b = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)


@settings(deadline=None)
@given(n=st.integers(1, 4), fan_in=st.integers(1, 5), fan_out=st.integers(1, 4),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_linear_gradients(n, fan_in, fan_out, bias, seed):
    tnp.manual_seed(seed)
    fc = nn.Linear(fan_in, fan_out, bias=bias, dtype=np.float64)
    x = tnp.randn(n, fan_in, dtype=np.float64, requires_grad=True)
    params = [x] + list(fc.parameters())
    f = (lambda x, w, b: F.linear(x, w, b)) if bias else (lambda x, w: F.linear(x, w))
    assert tnp.gradcheck(f, params)
    assert tnp.gradgradcheck(f, params)


# ---- Flatten, Identity -----------------------------------------------------------------------


def test_flatten_defaults_keep_the_batch_dim():
    x = tnp.zeros(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_identity_returns_its_input():
    x = tnp.ones(2)
    assert nn.Identity(54, unused="ok")(x) is x


# ---- Dropout ---------------------------------------------------------------------------------


def test_dropout_keeps_the_expectation():
    tnp.manual_seed(0)
    x = tnp.tensor(np.linspace(1, 2, 500), dtype=np.float64)
    draws = np.stack([F.dropout(x, 0.3).data for _ in range(400)])
    # each draw is x/(1-p) with probability 1-p, else 0: mean x, std x √(p/(1-p)) / √400
    np.testing.assert_allclose(draws.mean(0), x.data, atol=5 * 2 * math.sqrt(0.3 / 0.7) / 20)
    assert abs(draws.mean() - x.data.mean()) < 0.01
    assert abs((draws == 0).mean() - 0.3) < 0.01


def test_dropout_scales_kept_elements_and_passes_the_same_mask_to_the_gradient():
    tnp.manual_seed(1)
    x = tnp.ones(1000, requires_grad=True)
    y = F.dropout(x, 0.25)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero():
    x = tnp.randn(10)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    drop = nn.Dropout(0.5)
    drop.eval()
    assert drop(x) is x


def test_dropout_with_p_one_gives_zeros_and_zero_gradient():
    x = tnp.randn(10, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert not y.data.any()
    y.sum().backward()
    assert not x.grad.data.any()


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_refuses_p_outside_the_unit_interval(p):
    with pytest.raises(ValueError, match="dropout"):
        F.dropout(tnp.ones(2), p)
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(p)


def test_dropout_is_reproducible_under_manual_seed():
    x = tnp.ones(50)
    tnp.manual_seed(7)
    a = F.dropout(x, 0.5)
    tnp.manual_seed(7)
    b = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_the_dtype(dtype):
    assert F.dropout(tnp.ones(5, dtype=dtype), 0.5).dtype == dtype


def test_dropout_module_follows_training_mode_and_repr():
    drop = nn.Dropout(0.5)
    assert repr(drop) == "Dropout(p=0.5)"
    tnp.manual_seed(0)
    assert (drop(tnp.ones(100)).data == 0).any()


def test_dropout_gradients_with_a_fixed_mask():
    def f(x):
        tnp.manual_seed(5)  # the same mask for every evaluation gradcheck makes
        return F.dropout(x, 0.4)

    x = np.random.default_rng(0).standard_normal((3, 4))
    assert tnp.gradcheck(f, [x]) and tnp.gradgradcheck(f, [x])


def test_dropout_refuses_integer_input():
    with pytest.raises(TypeError, match="floating point"):
        F.dropout(tnp.tensor([1, 2]), 0.5)
