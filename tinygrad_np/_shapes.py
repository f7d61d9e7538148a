"""Pure NumPy shape helpers: normalizing `dim`, broadcasting checks, summing back to a shape."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._kernels import column_sums

Dim = int | Sequence[int] | None


def normalize_dim(dim: Dim, ndim: int, op: str, empty_is_all: bool = True
                  ) -> tuple[int, ...] | None:
    """Turn `dim` (None, an int or a sequence of ints, negatives allowed) into sorted axes.

    None means every axis and is returned as None, which NumPy reads the same way. So does
    an empty sequence, as PyTorch's reductions read it (x.sum(dim=()) is x.sum()), unless
    empty_is_all is False (squeeze(()) squeezes nothing, as in PyTorch).
    """
    if dim is None:
        return None
    try:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    except TypeError:  # not iterable, e.g. a float (the loop below refuses other kinds)
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}") from None
    if not dims and empty_is_all:
        return None
    axes = []
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
        # a 0-d tensor accepts dim 0 and -1, as PyTorch does
        bound = max(ndim, 1)
        if not -bound <= d < bound:
            raise IndexError(
                f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s) "
                f"(expected a value in [{-bound}, {bound - 1}])"
            )
        axes.append(int(d) % bound)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {dim!r} names the same dimension twice")
    if ndim == 0:
        return ()
    return tuple(sorted(axes))


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's broadcast of `shapes`, or a ValueError that names the op and the shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise ValueError(f"{op}: shapes {listed} cannot be broadcast together") from None


def sum_to_axes(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """The axes to sum so that an array of `shape` reduces to `target`, which broadcasts to it.

    Returns (axes, lead): the first `lead` axes are the ones broadcasting prepended and are
    dropped; the other axes are those where `target` has a 1 and `shape` does not.
    """
    lead = len(shape) - len(target)
    if lead < 0:
        raise ValueError(f"sum_to: cannot reduce shape {shape} to the larger shape {target}")
    axes = list(range(lead))
    for i, t in enumerate(target):
        s = shape[lead + i]
        if t == s:
            continue
        if t != 1:
            raise ValueError(f"sum_to: shape {target} does not broadcast to {shape}")
        axes.append(lead + i)
    return tuple(axes), lead


def sum_to(a: np.ndarray, target: tuple[int, ...]) -> np.ndarray:
    """Sum `a` down to `target`: the adjoint of broadcasting `target` up to `a.shape`."""
    if a.shape == target:
        return a
    axes, lead = sum_to_axes(a.shape, target)
    if axes == (0,) and a.ndim == 2:  # a row vector's gradient (a bias): 1ᵀ a, see _kernels
        return column_sums(a).reshape(target)
    out = a.sum(axis=axes, keepdims=True) if axes else a
    return out.reshape(target) if lead or out.shape != target else out


def reshape_shape(shape: tuple[int, ...], size: int, new: Sequence[int], op: str) -> tuple:
    """Resolve a single -1 in `new` and check that the element count is kept."""
    new = tuple(int(n) for n in new)
    if min(new, default=0) >= 0 and math.prod(new) == size:  # the common case: no -1
        return new
    unknown = [i for i, n in enumerate(new) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in new):
        raise ValueError(f"{op}: invalid shape {new} (at most one -1, no other negative sizes)")
    known = math.prod(n for n in new if n != -1)
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"{op}: cannot reshape a tensor of shape {shape} ({size} elements) "
                             f"into {new}")
        new = new[: unknown[0]] + (size // known,) + new[unknown[0] + 1 :]
    elif known != size:
        raise ValueError(f"{op}: cannot reshape a tensor of shape {shape} ({size} elements) into "
                         f"{new} ({known} elements)")
    return new


def as_shape(args: tuple, op: str) -> tuple[int, ...]:
    """Accept sizes as varargs `f(2, 3)` or as one sequence `f((2, 3))`, as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}: sizes must be ints, got {args!r}")
    return tuple(int(a) for a in args)
