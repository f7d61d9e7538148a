"""NumPy calls picked for speed on the shapes a batch gives, each with the same result as the
plain call (up to the rounding of a sum). Measured on the machine of bench/README.md,
float32, a (128, 128) or (128, 10) array:

- Sums along one axis of a 2-D array are matrix-vector products: 1ᵀ a adds up the rows (a
  layer's bias gradient), a 1 adds up each row (a softmax's denominators). np.add.reduce
  runs its inner loop once per line along the other axis, and for short lines that
  per-line cost is most of the time; BLAS's gemv is 2 to 4 times faster, with a smaller
  error against a float64 sum in our measurements. Only float32 and float64 arrays in
  native byte order go to BLAS; other dtypes keep np.add.reduce.
- A row's maximum is read at its argmax, whose loop costs less per row: twice as fast from
  64 rows on, and the same value (the first NaN of a row with one, as np.maximum).
- ReLU, max(a, 0), is taken against an array of zeros rather than the scalar 0: NumPy's
  maximum has a vectorized loop for two arrays but not for an array and a scalar, and is 3
  to 4 times faster with one. The zeros are kept per dtype, for arrays of up to 2**20
  elements (4 MB of float32); larger ones take the scalar.
"""

from __future__ import annotations

import math

import numpy as np

# native float32 and float64 (a tuple's `in` tries identity first: NumPy's own descriptors
# pass at once, an equal one, e.g. unpickled, after one comparison)
_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_kept_vectors: dict[tuple[int, np.dtype], np.ndarray] = {}  # (fill, dtype) -> read-only
_kept_views: dict[tuple, np.ndarray] = {}  # (fill, shape, dtype) -> a view of one of those


def _filled(fill: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An array of `shape` full of `fill`, read-only: a view of a vector kept per fill and
    dtype, itself kept per shape for the next call (a batch's shapes repeat, and making a
    view costs as much as the rest of the call)."""
    view = _kept_views.get((fill, shape, dtype))
    if view is None:
        view = _new_view(fill, shape, dtype)
    return view


def _new_view(fill: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    n = math.prod(shape)
    kept = _kept_vectors.get((fill, dtype))
    if kept is None or len(kept) < n:  # made again, longer: the views of the old one go,
        kept = _kept_vectors[fill, dtype] = np.full(n, fill, dtype)  # so it is freed
        kept.flags.writeable = False
        _kept_views.clear()
    if len(_kept_views) >= 64:  # shapes that never repeat: keep a bounded number
        _kept_views.clear()
    view = _kept_views[fill, shape, dtype] = kept[:n].reshape(shape)
    return view


def column_sums(a: np.ndarray) -> np.ndarray:
    """Σ_i a[i, :] of a 2-D array: shape (a.shape[1],), a's dtype."""
    dtype = a.dtype
    if dtype in _BLAS_DTYPES:
        return np.dot(_filled(1, a.shape[:1], dtype), a)
    return np.add.reduce(a, axis=0)


def row_sums(a: np.ndarray) -> np.ndarray:
    """Σ_j a[:, j] of a 2-D array: shape (a.shape[0],), a's dtype."""
    dtype = a.dtype
    if dtype in _BLAS_DTYPES:
        return np.dot(a, _filled(1, a.shape[1:], dtype))
    return np.add.reduce(a, axis=1)


def row_max(a: np.ndarray) -> np.ndarray:
    """max_j a[:, j] of a 2-D array: shape (a.shape[0],), a's dtype. A NaN in a row is its
    maximum, as np.maximum.reduce has it (argmax picks the first NaN)."""
    rows, cols = a.shape
    if not cols:  # nothing to take a maximum of: NumPy's own error
        return np.maximum.reduce(a, axis=1)
    return a[np.arange(rows), a.argmax(axis=1)]


_ZEROS_LIMIT = 1 << 20  # elements of the kept zeros per dtype (4 MB of float32)


def maximum_zero(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """np.maximum(a, 0, out=out), bit for bit (NaN stays NaN; a zero's sign is NumPy's):
    against kept zeros of a's shape for a float array of up to _ZEROS_LIMIT elements."""
    n = a.size
    if a.dtype.kind != "f" or n > _ZEROS_LIMIT:
        return np.maximum(a, 0, out=out)
    return np.maximum(a, _filled(0, a.shape, a.dtype), out=out)
