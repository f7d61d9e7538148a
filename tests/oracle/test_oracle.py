"""Autograd and tinygrad_np.optim against the hand-derived NumPy oracle in mlp_numpy.py, in
float64: gradients of random MLPs (any depth, relu/sigmoid/tanh) under softmax cross-entropy,
and parameters after ten SGD-momentum / Adam / AdamW steps, agree to 1e-10 relative."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlp_numpy import (  # tests/oracle is on sys.path: pytest prepends a test's own folder
    ACTIVATIONS,
    AdamByHand,
    SGDMomentum,
    init_mlp,
    loss_and_grads,
)

import tinygrad_np as tnp
from tinygrad_np import nn, optim
from tinygrad_np.nn import functional as F

RTOL = 1e-10

_ACTIVATION_MODULES = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def assert_rel_close(actual, expected, rtol=RTOL, what=""):
    """Elementwise |actual - expected| <= rtol * (|expected| + max|expected|): relative to each
    element, with entries that cancel to ~0 judged against the array's scale."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, what
    scale = np.abs(expected).max(initial=0.0)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


@st.composite
def problems(draw):
    """A random float64 MLP (depth 1..4, widths 1..16), batch (1..16 rows) and labels."""
    depth = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 16), min_size=depth + 1, max_size=depth + 1))
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    batch = draw(st.integers(1, 16))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights, biases = init_mlp(sizes, rng)
    x = rng.standard_normal((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], batch)
    return weights, biases, x, y, activation


def build_model(weights, biases, activation):
    """nn.Sequential of Linear + activation modules holding copies of the given float64
    weights; returns the model and its Linear layers."""
    linears, layers = [], []
    for i, (w, b) in enumerate(zip(weights, biases)):
        linear = nn.Linear(w.shape[1], w.shape[0])
        linear.weight.data = w.copy()
        linear.bias.data = b.copy()
        linears.append(linear)
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(_ACTIVATION_MODULES[activation]())
    return nn.Sequential(*layers), linears


def autograd_loss(model, x, y):
    return F.cross_entropy(model(tnp.tensor(x)), tnp.tensor(y))


@settings(deadline=None)
@given(problems())
def test_autograd_gradients_match_oracle(problem):
    weights, biases, x, y, activation = problem
    model, linears = build_model(weights, biases, activation)
    loss = autograd_loss(model, x, y)
    loss.backward()
    expected_loss, dws, dbs = loss_and_grads(weights, biases, x, y, activation)
    assert loss.dtype == np.float64
    assert_rel_close(loss.item(), expected_loss, what="loss")
    for i, (linear, dw, db) in enumerate(zip(linears, dws, dbs)):
        assert linear.weight.grad.dtype == np.float64
        assert_rel_close(linear.weight.grad.data, dw, what=f"dW of layer {i + 1}")
        assert_rel_close(linear.bias.grad.data, db, what=f"db of layer {i + 1}")


OPTIMIZERS = {
    "sgd-momentum": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                     lambda: SGDMomentum(lr=0.1, momentum=0.9)),
    "sgd-nesterov": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                     lambda: SGDMomentum(lr=0.1, momentum=0.9, nesterov=True)),
    "sgd-dampening-decay": (
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.01),
        lambda: SGDMomentum(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.01)),
    "adam": (lambda ps: optim.Adam(ps, lr=0.01), lambda: AdamByHand(lr=0.01)),
    "adam-decay": (lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
                   lambda: AdamByHand(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    "adamw": (lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1),
              lambda: AdamByHand(lr=0.01, weight_decay=0.1, decoupled=True)),
}


@settings(deadline=None)
@given(problems(), st.sampled_from(sorted(OPTIMIZERS)))
def test_ten_optimizer_steps_match_oracle(problem, name):
    weights, biases, x, y, activation = problem
    make_ours, make_oracle = OPTIMIZERS[name]
    model, linears = build_model(weights, biases, activation)
    params = [p for linear in linears for p in (linear.weight, linear.bias)]
    opt, oracle = make_ours(params), make_oracle()
    expected = [a for pair in zip(weights, biases) for a in pair]
    for _ in range(10):
        opt.zero_grad()
        autograd_loss(model, x, y).backward()
        opt.step()
        _, dws, dbs = loss_and_grads(expected[0::2], expected[1::2], x, y, activation)
        expected = oracle.step(expected, [g for pair in zip(dws, dbs) for g in pair])
    for i, (p, e) in enumerate(zip(params, expected)):
        assert p.dtype == np.float64
        assert_rel_close(p.data, e, what=f"{name}: parameter {i}")


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_oracle_gradients_match_finite_differences(activation):
    """The oracle checked on its own: central differences of its loss, in float64."""
    rng = np.random.default_rng(7)
    weights, biases = init_mlp([3, 5, 4, 3], rng)
    x, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    _, dws, dbs = loss_and_grads(weights, biases, x, y, activation)
    h = 1e-6
    for arrays, grads in ((weights, dws), (biases, dbs)):
        for a, g in zip(arrays, grads):
            numeric = np.zeros_like(a)
            for idx in np.ndindex(a.shape):
                old = a[idx]
                a[idx] = old + h
                up = loss_and_grads(weights, biases, x, y, activation)[0]
                a[idx] = old - h
                down = loss_and_grads(weights, biases, x, y, activation)[0]
                a[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_oracle_optimizer_steps_match_torch():
    """The oracle's hand-written SGD and Adam steps against torch.optim, in float64."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    shapes = [(4, 3), (4,)]
    cases = [
        (SGDMomentum(lr=0.1, momentum=0.9, nesterov=True), torch.optim.SGD,
         dict(lr=0.1, momentum=0.9, nesterov=True)),
        (SGDMomentum(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.01), torch.optim.SGD,
         dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.01)),
        (AdamByHand(lr=0.01, weight_decay=0.1), torch.optim.Adam,
         dict(lr=0.01, weight_decay=0.1)),
        (AdamByHand(lr=0.01, weight_decay=0.1, decoupled=True), torch.optim.AdamW,
         dict(lr=0.01, weight_decay=0.1)),
    ]
    for oracle, torch_cls, kwargs in cases:
        params = [rng.standard_normal(s) for s in shapes]
        theirs = [torch.tensor(p, requires_grad=True) for p in params]
        opt = torch_cls(theirs, **kwargs)
        for _ in range(10):
            grads = [rng.standard_normal(s) for s in shapes]
            for t, g in zip(theirs, grads):
                t.grad = torch.tensor(g)
            opt.step()
            params = oracle.step(params, grads)
        for p, t in zip(params, theirs):
            assert_rel_close(p, t.detach().numpy(), rtol=1e-12, what=torch_cls.__name__)
