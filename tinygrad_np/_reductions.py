"""Reductions along one axis of a 2-D array, done the fast way for the shapes a batch gives
(many short rows: 128 rows of 10 classes, or 128 rows summed into a bias gradient).

np.add.reduce and np.maximum.reduce along one axis of a 2-D array run their inner loop once
per line along the other axis, and for short lines that per-line cost is most of the time.
- Sums are matrix-vector products instead: 1ᵀ a adds up the rows (a layer's bias
  gradient), a 1 adds up each row (a softmax's denominators). BLAS's gemv does them in one
  call, 2 to 4 times faster on a (128, 128) or (128, 10) float32 array on the machine of
  bench/README.md, with a smaller error against a float64 sum in our measurements. Only
  float32 and float64 arrays in native byte order go to BLAS; other dtypes keep
  np.add.reduce.
- A row's maximum is read at its argmax, whose loop is cheaper per row: twice as fast
  from 64 rows on, and the same value (the first NaN of a row with one, as np.maximum).
"""

from __future__ import annotations

import numpy as np

# native float32 and float64 (a tuple's `in` tries identity first: NumPy's own descriptors
# pass at once, an equal one, e.g. unpickled, after one comparison)
_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_ones_vectors: dict[tuple[int, np.dtype], np.ndarray] = {}


def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones, kept for the next call (a batch size repeats)."""
    key = (n, dtype)
    ones = _ones_vectors.get(key)
    if ones is None:
        if len(_ones_vectors) >= 64:  # sizes that keep changing: keep a bounded number
            _ones_vectors.clear()
        ones = _ones_vectors[key] = np.ones(n, dtype)
        ones.flags.writeable = False
    return ones


def column_sums(a: np.ndarray) -> np.ndarray:
    """Σ_i a[i, :] of a 2-D array: shape (a.shape[1],), a's dtype."""
    dtype = a.dtype
    if dtype in _BLAS_DTYPES:
        return np.dot(_ones(a.shape[0], dtype), a)
    return np.add.reduce(a, axis=0)


def row_sums(a: np.ndarray) -> np.ndarray:
    """Σ_j a[:, j] of a 2-D array: shape (a.shape[0],), a's dtype."""
    dtype = a.dtype
    if dtype in _BLAS_DTYPES:
        return np.dot(a, _ones(a.shape[1], dtype))
    return np.add.reduce(a, axis=1)


def row_max(a: np.ndarray) -> np.ndarray:
    """max_j a[:, j] of a 2-D array: shape (a.shape[0],), a's dtype. A NaN in a row is its
    maximum, as np.maximum.reduce has it (argmax picks the first NaN)."""
    rows, cols = a.shape
    if not cols:  # nothing to take a maximum of: NumPy's own error
        return np.maximum.reduce(a, axis=1)
    return a[np.arange(rows), a.argmax(axis=1)]
