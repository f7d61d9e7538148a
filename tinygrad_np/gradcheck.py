"""gradcheck and gradgradcheck: compare backward() with central differences, in float64.

For a function f with outputs y_k and a random vector u_k per output, backward computes
Jᵀu = ∇_x (Σ_k u_k · y_k(x)). Central differences estimate the same gradient one
coordinate at a time: (g(x + εe_j) - g(x - εe_j)) / 2ε with g = Σ_k u_k · y_k. Inputs
with many elements are checked along random directions v instead: the numerical
directional derivative of g along v against (Jᵀu) · v. Float64 matters: in float32 the
rounding error of a difference quotient swamps the tolerance and checks fail for the
wrong reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad
from .function import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with its numerical estimate."""


def _as_inputs(inputs: Any) -> list[Tensor]:
    """Float64 leaf copies of the inputs; arrays and numbers become inputs that need grad."""
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = [inputs]
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            needs = x.requires_grad
            arr = np.array(x.data, dtype=np.float64) if x.dtype.kind in "fc" else x.data
        else:
            arr = np.asarray(x)
            needs = arr.dtype.kind in "fc"
            arr = np.array(arr, dtype=np.float64) if needs else arr
        out.append(Tensor(arr, requires_grad=needs))
    if not any(x.requires_grad for x in out):
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    return out


def _outputs(fn: Callable, xs: Sequence[Tensor]) -> list[Tensor]:
    out = fn(*xs)
    out = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, o in enumerate(out):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: output {i} of fn is a {type(o).__name__}, not a Tensor")
    return out


def _projection(fn: Callable, xs: Sequence[Tensor], us: Sequence[np.ndarray]) -> float:
    """g(x) = Σ_k u_k · y_k(x), evaluated without recording a graph."""
    with no_grad():
        outs = _outputs(fn, xs)
    return float(sum(np.sum(u * o.data.astype(np.float64)) for u, o in zip(us, outs)))


def _analytic(fn: Callable, xs: Sequence[Tensor], us: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Jᵀu for every input that requires grad (zeros where an output does not depend on it)."""
    outs = _outputs(fn, xs)
    wanted = [x for x in xs if x.requires_grad]
    pairs = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    if not pairs:
        return [np.zeros(x.shape) for x in wanted]
    grads = grad([o for o, _ in pairs], wanted, [Tensor(u) for _, u in pairs],
                 allow_unused=True)
    return [np.zeros(x.shape) if g is None else g.data.astype(np.float64)
            for x, g in zip(wanted, grads)]


def _fail(i: int, x: Tensor, where: str, analytic: float, numerical: float,
          atol: float, rtol: float) -> GradcheckError:
    return GradcheckError(
        f"gradcheck failed for input {i} (shape {x.shape}) at {where}: analytic gradient "
        f"{analytic:.8g}, numerical {numerical:.8g} (difference {abs(analytic - numerical):.3g}"
        f", allowed {atol + rtol * abs(numerical):.3g} = atol {atol:g} + rtol {rtol:g} * "
        f"|numerical|)"
    )


def gradcheck(
    fn: Callable,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    max_elements: int = 256,
    n_directions: int = 8,
    seed: int = 0,
) -> bool:
    """Check fn's gradients against central differences in float64; raise on a mismatch.

    Args:
        fn: takes the inputs as Tensors, returns a Tensor or a tuple of Tensors.
        inputs: Tensors (those with requires_grad=True are checked), arrays or numbers
            (checked). Copies in float64 are used; the originals are not touched.
        eps: the step of the central difference.
        atol, rtol: a gradient passes when |analytic - numerical| <= atol + rtol |numerical|.
        max_elements: inputs larger than this are checked along `n_directions` random
            directions instead of element by element.
        seed: seeds the random projection of the outputs and the random directions.

    Returns:
        True (failures raise GradcheckError naming the input, the index and both values).

    Example:
        >>> import tinygrad_np as tnp
        >>> x = tnp.randn(3, 4, dtype="float64", requires_grad=True)
        >>> tnp.gradcheck(lambda x: (x.tanh() * x).sum(1), [x])
        True
    """
    rng = np.random.default_rng(seed)
    xs = _as_inputs(inputs)
    with no_grad():
        shapes = [o.shape for o in _outputs(fn, xs)]
    us = [rng.standard_normal(s) for s in shapes]
    analytic = _analytic(fn, xs, us)
    checked = [(i, x) for i, x in enumerate(xs) if x.requires_grad]
    for (i, x), a in zip(checked, analytic):
        if a.shape != x.shape:
            raise GradcheckError(f"gradcheck: gradient of input {i} has shape {a.shape}, "
                                 f"expected {x.shape}")
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        if x.data.size <= max_elements:
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                plus = _projection(fn, xs, us)
                flat[j] = orig - eps
                minus = _projection(fn, xs, us)
                flat[j] = orig
                numerical = (plus - minus) / (2 * eps)
                got = a.reshape(-1)[j]
                if not abs(got - numerical) <= atol + rtol * abs(numerical):
                    index = np.unravel_index(j, x.shape) if x.ndim else ()
                    raise _fail(i, x, f"index {tuple(int(k) for k in index)}", got,
                                numerical, atol, rtol)
        else:
            orig = flat.copy()
            for d in range(n_directions):
                v = rng.standard_normal(flat.size)
                v /= np.linalg.norm(v)
                flat[:] = orig + eps * v
                plus = _projection(fn, xs, us)
                flat[:] = orig - eps * v
                minus = _projection(fn, xs, us)
                flat[:] = orig
                numerical = (plus - minus) / (2 * eps)
                got = float(a.reshape(-1) @ v)
                if not abs(got - numerical) <= atol + rtol * abs(numerical):
                    raise _fail(i, x, f"random direction {d}", got, numerical, atol, rtol)
    return True


def gradgradcheck(
    fn: Callable,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    max_elements: int = 256,
    n_directions: int = 8,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of x -> Jᵀu computed with create_graph=True.

    Takes the same arguments as gradcheck; u is a fixed random vector per output.

    Example:
        >>> import tinygrad_np as tnp
        >>> x = tnp.randn(5, dtype="float64", requires_grad=True)
        >>> tnp.gradgradcheck(lambda x: (x.sin() * x.exp()).sum(), [x])
        True
    """
    rng = np.random.default_rng(seed + 1)
    xs = _as_inputs(inputs)
    with no_grad():
        us = [Tensor(rng.standard_normal(o.shape)) for o in _outputs(fn, xs)]

    def first_derivative(*args: Tensor) -> tuple[Tensor, ...]:
        wanted = [x for x in args if x.requires_grad]
        with enable_grad():  # the numerical pass runs under no_grad; J^T u needs a graph
            outs = _outputs(fn, args)
        pairs = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        if not pairs:
            return tuple(Tensor(np.zeros(x.shape)) for x in wanted)
        with enable_grad():
            grads = grad([o for o, _ in pairs], wanted, [u for _, u in pairs],
                         create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(x.shape)) if g is None else g
                     for x, g in zip(wanted, grads))

    # the first derivative that is differentiated comes from the ops' Tensor backward
    # (create_graph); a plain backward may run backward_numpy instead, a second formula
    # that must agree, or the check below would pass a wrong Tensor backward
    with enable_grad():
        plain = _analytic(fn, xs, [u.data for u in us])
    for (i, x), p, g in zip([(i, x) for i, x in enumerate(xs) if x.requires_grad], plain,
                            first_derivative(*xs)):
        g = g.data.astype(np.float64)
        with np.errstate(invalid="ignore"):  # inf - inf: equal values are caught below
            close = np.abs(g - p) <= atol + rtol * np.abs(p)
        # equal values agree, inf and NaN included (gradcheck below reports those)
        bad = ~(close | (g == p) | (np.isnan(g) & np.isnan(p)))
        if bad.any():
            j = tuple(int(k) for k in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradgradcheck: for input {i} (shape {x.shape}) the gradient recorded with "
                f"create_graph=True differs from the plain one at index {j}: {g[j]:.8g} "
                f"against {p[j]:.8g}; an op's backward and backward_numpy disagree")
    try:
        return gradcheck(first_derivative, xs, eps, atol, rtol, max_elements=max_elements,
                         n_directions=n_directions, seed=seed)
    except GradcheckError as e:  # say which order failed: the message is gradcheck's
        raise GradcheckError(f"gradgradcheck, second derivatives (the gradient of x -> "
                             f"Jᵀu): {e}") from None
