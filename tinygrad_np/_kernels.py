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

import numpy as np

# native float32 and float64 (a tuple's `in` tries identity first: NumPy's own descriptors
# pass at once, an equal one, e.g. unpickled, after one comparison)
_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_kept_vectors: dict[tuple[int, np.dtype], np.ndarray] = {}  # (fill, dtype) -> read-only


def _filled(fill: int, n: int, dtype: np.dtype) -> np.ndarray:
    """n elements equal to `fill`, read-only: the start of a vector kept per fill and dtype
    for the next call (a batch size repeats), made again when a longer one is asked for."""
    kept = _kept_vectors.get((fill, dtype))
    if kept is None or len(kept) < n:
        kept = _kept_vectors[fill, dtype] = np.full(n, fill, dtype)
        kept.flags.writeable = False
    return kept[:n]


def column_sums(a: np.ndarray) -> np.ndarray:
    """Σ_i a[i, :] of a 2-D array: shape (a.shape[1],), a's dtype."""
    dtype = a.dtype
    if dtype in _BLAS_DTYPES:
        return np.dot(_filled(1, a.shape[0], dtype), a)
    return np.add.reduce(a, axis=0)


def row_sums(a: np.ndarray) -> np.ndarray:
    """Σ_j a[:, j] of a 2-D array: shape (a.shape[0],), a's dtype."""
    dtype = a.dtype
    if dtype in _BLAS_DTYPES:
        return np.dot(a, _filled(1, a.shape[1], dtype))
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
    return np.maximum(a, _filled(0, n, a.dtype).reshape(a.shape), out=out)
