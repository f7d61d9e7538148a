"""Gradient clipping (tinygrad_np.nn.utils): the total norm and the scaled gradients of
torch.nn.utils, for every norm type, and the edge cases: no gradients, nan, bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import nn
from tinygrad_np.nn.utils import clip_grad_norm_, clip_grad_value_

GRADS = [[[0.5, -3.0], [2.0, 0.25]], [4.0, -1.5, 0.0], [[-0.75]]]


def _params_with_grads(lib, grads):
    params = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(np.shape(g)))
        p.grad = lib.tensor(g)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, 0.5, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.0, 1.0, 100.0])
def test_clip_grad_norm_like_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = _params_with_grads(tnp, GRADS), _params_with_grads(torch, GRADS)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-6)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_leaves_small_gradients_and_skips_parameters_without_one():
    small = _params_with_grads(tnp, [[0.3, 0.4]])[0]
    bare = nn.Parameter(tnp.ones(2))
    assert clip_grad_norm_([small, bare], max_norm=1.0).item() == pytest.approx(0.5)
    assert small.grad.tolist() == pytest.approx([0.3, 0.4]) and bare.grad is None
    assert clip_grad_norm_(bare, 1.0).item() == 0.0  # a single tensor, with no gradient


def test_clip_grad_norm_scales_every_gradient_by_one_factor():
    params = _params_with_grads(tnp, [[3.0], [4.0]])
    clip_grad_norm_(params, max_norm=1.0)
    assert [p.grad.item() for p in params] == pytest.approx([0.6, 0.8], rel=1e-5)


def test_clip_grad_norm_of_nan_gradients_raises_when_asked_else_spreads_nan_like_torch():
    (p,) = _params_with_grads(tnp, [[float("nan"), 1.0]])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is nan"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.numpy()[1] == 1.0  # nothing changed before the error
    assert math.isnan(clip_grad_norm_([p], 1.0).item())
    assert np.isnan(p.grad.numpy()).all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_norm=-1.0), "max_norm must be >= 0"),
    (dict(max_norm=float("nan")), "max_norm must be >= 0"),
    (dict(max_norm=1.0, norm_type=0), "norm_type must be a positive number or inf"),
    (dict(max_norm=1.0, norm_type="two"), "norm_type must be a positive number or inf"),
])
def test_clip_grad_norm_refuses_bad_arguments_naming_them(kwargs, message):
    (p,) = _params_with_grads(tnp, [[1.0]])
    with pytest.raises(ValueError, match=f"clip_grad_norm_: {message}"):
        clip_grad_norm_([p], **kwargs)


def test_clip_grad_value_clamps_each_element_in_place_like_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _params_with_grads(tnp, GRADS), _params_with_grads(torch, GRADS)
    before = ours[0].grad.numpy()
    clip_grad_value_(ours, 1.0)
    torch.nn.utils.clip_grad_value_(theirs, 1.0)
    assert ours[0].grad.numpy() is before  # the same array, changed in place
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be >= 0"):
        clip_grad_value_(ours, -0.5)


def test_clipping_between_backward_and_step_trains_with_the_clipped_gradient():
    model = nn.Linear(2, 1)
    with tnp.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    opt = tnp.optim.SGD(model.parameters(), lr=1.0)
    loss = (model(tnp.tensor([[30.0, 40.0]])) - 1.0).square().sum()  # grads -60, -80, -2
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
    total = np.sqrt(60.0**2 + 80.0**2 + 2.0**2)
    np.testing.assert_allclose(model.weight.numpy(), [[60 / total, 80 / total]], rtol=1e-5)
