"""Shared test pieces: the Op row of the op tables, and the checks every row runs (forward
against NumPy, float32 kept, first- and second-order gradcheck)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_np as tnp
from tinygrad_np.testing import Domain, check_grads

# gradcheck settings for the table: inputs above MAX_ELEMENTS are checked along random
# directions, which catch a wrong gradient as surely and cost the same for any size
GRADCHECK = dict(max_elements=12, n_directions=4)


@dataclass(frozen=True)
class Op:
    """One row of an op table.

    fn(*inputs, **params) is our callable and ref(*arrays, **params) its NumPy reference.
    Inputs at the positions in `constants` are passed to fn as ndarrays (not Tensors), to
    test reflected operators like `ndarray + Tensor`; gradcheck differentiates the others.
    `shapes(n)` draws the input shapes, `params(shapes)` draws keyword arguments (dims,
    indices, ...) and `valid(arrays, params)` rejects draws the op is not smooth at.
    """

    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    domain: str | Domain | tuple[str | Domain, ...]
    n_inputs: int
    shapes: Callable[[int], Any] | None = None
    params: Callable[[tuple], Any] | None = None
    valid: Callable[[Sequence[np.ndarray], dict], bool] | None = None
    constants: tuple[int, ...] = ()
    unique: bool = False
    gradcheck: dict = field(default_factory=dict)
    keeps_float32: bool = True

    def __str__(self) -> str:
        return self.name

    def domains(self) -> tuple[str | Domain, ...]:
        if isinstance(self.domain, tuple):
            return self.domain
        return (self.domain,) * self.n_inputs

    def call(self, arrays: Sequence[np.ndarray], params: dict, requires_grad: bool = False):
        """fn on Tensors made from `arrays` (ndarrays at the constant positions)."""
        args = [a if i in self.constants else tnp.tensor(a, requires_grad=requires_grad)
                for i, a in enumerate(arrays)]
        return self.fn(*args, **params)

    def differentiable(self, arrays: Sequence[np.ndarray], params: dict):
        """(f, inputs) for gradcheck: f takes only the non-constant inputs as Tensors."""
        consts = {i: arrays[i] for i in self.constants}
        wanted = [tnp.tensor(a, requires_grad=True) for i, a in enumerate(arrays)
                  if i not in consts]

        def f(*ts):
            it = iter(ts)
            args = [consts[i] if i in consts else next(it) for i in range(len(arrays))]
            return self.fn(*args, **params)

        return f, wanted


def as_array(out: Any) -> np.ndarray:
    return out.numpy() if isinstance(out, tnp.Tensor) else np.asarray(out)


def check_forward(op: Op, arrays: Sequence[np.ndarray], params: dict) -> None:
    """fn agrees with the NumPy reference in float64: values, shape and dtype."""
    out = op.call(arrays, params)
    expected = np.asarray(op.ref(*arrays, **params))
    assert isinstance(out, tnp.Tensor), f"{op}: returned {type(out).__name__}"
    assert out.shape == expected.shape, f"{op}: shape {out.shape}, NumPy {expected.shape}"
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-7, atol=1e-12, err_msg=str(op))


def check_float32(op: Op, arrays: Sequence[np.ndarray], params: dict) -> None:
    """float32 inputs give a float32 output close to the float64 reference, and float32
    gradients."""
    arrays32 = [a.astype(np.float32) for a in arrays]
    out = op.call(arrays32, params, requires_grad=True)
    assert out.dtype == np.float32, f"{op}: float32 inputs gave {out.dtype}"
    expected = op.ref(*[a.astype(np.float64) for a in arrays32], **params)
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-5, atol=2e-6, err_msg=str(op))
    if out.requires_grad:
        leaves = [a for i, a in enumerate(arrays32) if i not in op.constants]
        ts = [tnp.tensor(a, requires_grad=True) for a in leaves]
        f, _ = op.differentiable(arrays32, params)
        grads = tnp.grad(f(*ts).sum(), ts, allow_unused=True)
        for g in grads:
            assert g is None or g.dtype == np.float32, f"{op}: gradient dtype {g.dtype}"


def check_gradients(op: Op, arrays: Sequence[np.ndarray], params: dict,
                    second_order: bool) -> None:
    f, inputs = op.differentiable(arrays, params)
    kwargs = {**GRADCHECK, **op.gradcheck}
    if second_order:
        tnp.gradgradcheck(f, inputs, **kwargs)
    else:
        check_grads(f, inputs, second_order=False, **kwargs)


def assert_no_shared_memory(a: tnp.Tensor, b: tnp.Tensor) -> None:
    assert not np.shares_memory(a.numpy(), b.numpy())


def torch_and_ours(fn_torch, fn_ours, *values, reduce: bool = True):
    """Run fn on float64 leaves in torch and in tinygrad_np; backward of the sum.

    Returns ((torch output, torch grads), (our output, our grads)) as ndarrays.
    """
    import pytest

    torch = pytest.importorskip("torch")
    ts = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    os_ = [tnp.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    out_t, out_o = fn_torch(*ts), fn_ours(*os_)
    out_t.sum().backward()
    out_o.sum().backward()
    grads_t = [np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in ts]
    grads_o = [np.zeros(o.shape) if o.grad is None else o.grad.numpy() for o in os_]
    return (out_t.detach().numpy(), grads_t), (out_o.numpy(), grads_o)


def assert_same_as_torch(fn_torch, fn_ours, *values) -> None:
    """Same values and same gradients (NaN and inf included) as torch."""
    (out_t, grads_t), (out_o, grads_o) = torch_and_ours(fn_torch, fn_ours, *values)
    np.testing.assert_allclose(out_o, out_t, rtol=1e-12, atol=1e-12)
    for i, (gt, go) in enumerate(zip(grads_t, grads_o)):
        np.testing.assert_allclose(go, gt, rtol=1e-12, atol=1e-12,
                                   err_msg=f"gradient of input {i}")


class FirstOrderOnlySin(tnp.Function):
    """out = sin a, with a gradient that is right but not differentiable (cos as a constant):
    gradcheck passes it, gradgradcheck must not"""

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * np.cos(a.numpy())
