"""DataLoader: aligned mini-batches over NumPy arrays, reshuffled each epoch from its own seed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._args import check_count, is_integer
from ..random import generator


def _draw_seed() -> int:
    """A seed from tinygrad_np's shared generator, so manual_seed makes loaders reproducible."""
    return int(generator().integers(2**63))


def _holds_arrays(value: Any) -> bool:
    """True for a tuple of two or more arrays (or tensors), as in DataLoader((x, y)), which
    would stack x and y into one array of 2 rows. (A list is taken as a list of samples and
    stacked, as PyTorch's collate does.)"""
    return isinstance(value, tuple) and len(value) > 1 and all(
        hasattr(v, "__array__") and np.ndim(v) >= 1 for v in value)


def _read_only(view: np.ndarray) -> np.ndarray:
    view.flags.writeable = False  # the view only: the dataset array itself stays writable
    return view


def _as_array(value: Any, i: int) -> np.ndarray:
    try:
        a = np.asarray(value)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"DataLoader: array {i} is not a rectangular array: {e}") from None
    return a


class DataLoader:
    """Iterate over aligned mini-batches of one or more arrays that share their first axis.

    Each epoch (each ``iter(loader)``) shuffles with one permutation drawn from the loader's
    own ``np.random.Generator(PCG64(seed))``, so a fixed seed gives the same sequence of epochs
    and consecutive epochs differ. Without shuffling, batches are slices of the arrays (views,
    no copy), made read-only so that an in-place change of a batch (``x -= mean`` on
    ``Tensor(batch)``) cannot change the dataset for the next epoch; with it, each batch is
    one fancy index per array, a copy of its own.

    Args:
        *arrays: NumPy arrays (or objects with ``__array__``, such as tensors), all of the same
            length along axis 0.
        batch_size: rows per batch, at least 1; the last batch may be smaller.
        shuffle: draw a new order every epoch.
        drop_last: skip the last batch when it has fewer than ``batch_size`` rows.
        seed: seed of the loader's generator, a non-negative int; None draws one from
            ``tinygrad_np.random``'s shared generator (so ``manual_seed`` fixes it).
        transform: optional callable applied to each batch (what iteration would yield);
            its result is yielded instead.

    Yields:
        A tuple with one batch per array, or the batch itself when there is one array.

    Raises:
        ValueError: no arrays, a 0-d or ragged array, lengths that differ, batch_size < 1,
            or a negative seed.
        TypeError: the arrays were passed as one tuple, ``DataLoader((x, y))``, instead of
            ``DataLoader(x, y)``; or a seed that is not an int.

    Example:
        >>> import numpy as np
        >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
        >>> loader = DataLoader(x, y, batch_size=2)
        >>> len(loader)
        3
        >>> [yb.tolist() for _, yb in loader]
        [[0, 1], [2, 3], [4]]
        >>> len(DataLoader(x, batch_size=2, drop_last=True, shuffle=True, seed=0))
        2
    """

    def __init__(
        self,
        *arrays: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        transform: Callable[[Any], Any] | None = None,
    ):
        if not arrays:
            raise ValueError("DataLoader: needs at least one array")
        if len(arrays) == 1 and _holds_arrays(arrays[0]):
            raise TypeError(
                f"DataLoader: got one tuple of {len(arrays[0])} arrays; pass them as separate "
                "arguments, DataLoader(x, y, ...), so that each batch holds rows of every "
                "array (or np.stack the tuple, if its arrays are samples)")
        self.arrays = tuple(_as_array(a, i) for i, a in enumerate(arrays))
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"DataLoader: array {i} is 0-d; arrays need a first axis to batch")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(
                f"DataLoader: arrays must have the same length along axis 0, "
                f"got lengths {lengths} (shapes {shapes})"
            )
        if not is_integer(batch_size):
            raise ValueError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        self.num_samples = lengths[0]
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        check_count("DataLoader", "seed", seed, allow_none=True)
        self.seed = _draw_seed() if seed is None else int(seed)
        self.transform = transform
        self._rng = np.random.Generator(np.random.PCG64(self.seed))

    def __len__(self) -> int:
        """Number of batches per epoch."""
        full, rest = divmod(self.num_samples, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[Any]:
        # the epoch's order is drawn here, when iter() is called, not at the first next():
        # of two iterators, the one made first gets the first epoch's order
        order = self._rng.permutation(self.num_samples) if self.shuffle else None
        return self._batches(order)

    def _batches(self, order: np.ndarray | None) -> Iterator[Any]:
        bs = self.batch_size
        for start in range(0, len(self) * bs, bs):
            if order is None:
                batch = tuple(_read_only(a[start : start + bs]) for a in self.arrays)
            else:
                idx = order[start : start + bs]
                batch = tuple(a[idx] for a in self.arrays)
            out = batch[0] if len(batch) == 1 else batch
            yield out if self.transform is None else self.transform(out)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return (
            f"DataLoader({shapes}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, seed={self.seed})"
        )
