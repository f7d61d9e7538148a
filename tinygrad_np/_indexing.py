"""Indexing with PyTorch's rules on NumPy arrays: what Tensor.__getitem__ and __setitem__
accept (Tensors and lists as index arrays, an empty list, 0-d integer tensors), and the one
place where PyTorch and NumPy order the result differently: an index that mixes integers
with arrays. PyTorch applies the integers first, as basic indexing; NumPy counts them as
arrays, which moves the result's dims when an integer and an array are apart."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._args import is_integer
from .function import _tensor_type


def _normalize_index(index: Any, op: str = "getitem") -> tuple:
    """A NumPy index tuple: Tensors and lists become arrays (bool lists stay masks, an
    empty list selects nothing), 0-d integer arrays become ints."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        # index arrays are copied: a backward must use the index its forward used, even if
        # the caller changes the array in between
        if isinstance(i, _tensor_type()):
            i = i._data.copy()
        elif isinstance(i, (list, tuple)):  # a sequence inside the index, as NumPy takes it
            i = np.array(i) if len(i) else np.zeros(0, np.intp)  # np.array([]) is float
        elif isinstance(i, np.ndarray):
            i = np.array(i)
        if isinstance(i, np.ndarray):
            if i.dtype.kind not in "iub":
                raise IndexError(f"{op}: index arrays must be integer or boolean, got {i.dtype}")
            if i.ndim == 0 and i.dtype.kind in "iu":
                i = int(i)  # an integer, as PyTorch takes a 0-d integer tensor
        out.append(i)
    return tuple(out)


def _dims_used(i: Any) -> int:
    """How many of the tensor's dims an index entry (other than Ellipsis) consumes: none for
    None and a bool scalar (both add a dim), a mask's ndim, else one."""
    if i is None or isinstance(i, (bool, np.bool_)):
        return 0
    return i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1


def _integers_first(index: tuple, ndim: int) -> tuple[tuple, tuple] | None:
    """PyTorch applies an index's integers first, as basic indexing, then its arrays; NumPy
    counts an integer as one more array index, so when an integer and an array are apart
    the result's dims come out in another order (a[0, :, [1, 2]] has shape (3, 2) in
    PyTorch and (2, 3) in NumPy). For an index with both, returns (the integer part, the
    rest), to be applied one after the other; else None (NumPy's order is PyTorch's)."""
    if not any(map(is_integer, index)) or \
            not any(isinstance(i, np.ndarray) for i in index):
        return None
    used = sum(_dims_used(i) for i in index if i is not Ellipsis)
    integers, rest = [], []
    for i in index:
        if i is Ellipsis:
            integers += [slice(None)] * (ndim - used)
            rest.append(Ellipsis)
        elif is_integer(i):
            integers.append(i)
        else:  # a slice, an array, None or a bool scalar: the dims it consumes stay
            integers += [slice(None)] * _dims_used(i)
            rest.append(i)
    # the trailing Ellipsis keeps the result an array (a view) when the integers pick one
    # element, so that setitem can write into it
    return tuple(integers) + (Ellipsis,), tuple(rest)
