"""DataLoader: aligned batches, every row once per epoch, len, drop_last, seeding, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_np.data import DataLoader


def _rows(n: int):
    """x holds the row index in column 0; y is 10 * x, so pairing errors are visible."""
    x = np.stack([np.arange(n), -np.arange(n)], axis=1)
    return x, 10 * np.arange(n)


def test_shuffled_batches_keep_rows_paired():
    x, y = _rows(103)
    for xb, yb in DataLoader(x, y, batch_size=8, shuffle=True, seed=0):
        assert xb.shape[1:] == (2,) and len(xb) == len(yb)
        np.testing.assert_array_equal(yb, 10 * xb[:, 0])
        np.testing.assert_array_equal(xb[:, 1], -xb[:, 0])


@given(
    n=st.integers(0, 60),
    batch_size=st.integers(1, 25),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_each_epoch_covers_rows_once_in_len_batches(n, batch_size, shuffle, drop_last, seed):
    x, y = _rows(n)
    loader = DataLoader(
        x, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed
    )
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader)
        assert all(len(xb) == batch_size for xb, _ in batches[:-1])
        seen = np.concatenate([xb[:, 0] for xb, _ in batches]) if batches else np.array([])
        assert len(np.unique(seen)) == len(seen)  # no row twice
        if drop_last:
            assert len(seen) == n // batch_size * batch_size
        else:
            np.testing.assert_array_equal(np.sort(seen), np.arange(n))


def test_len_counts_the_partial_batch():
    assert len(DataLoader(np.zeros(10), batch_size=3)) == 4
    assert len(DataLoader(np.zeros(9), batch_size=3)) == 3
    assert len(DataLoader(np.zeros(0), batch_size=3)) == 0


def test_drop_last_skips_the_partial_batch():
    loader = DataLoader(np.arange(10), batch_size=3, drop_last=True)
    assert len(loader) == 3
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_unshuffled_batches_are_in_order_and_views():
    x = np.arange(20).reshape(10, 2)
    batches = list(DataLoader(x, batch_size=4))
    assert [b[:, 0].tolist() for b in batches] == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]
    assert all(np.shares_memory(b, x) for b in batches)


def test_an_in_place_change_of_an_unshuffled_batch_cannot_reach_the_dataset():
    import tinygrad_np as tnp

    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    (batch,) = [b for b, _ in DataLoader(x, np.arange(4), batch_size=4)]
    with pytest.raises(ValueError, match="read-only"):
        batch -= 1  # NumPy's own refusal
    with pytest.raises(RuntimeError, match="read-only.*DataLoader batch.*clone"):
        t = tnp.Tensor(batch)
        t -= 1
    assert x[0].tolist() == [0.0, 1.0] and x.flags.writeable  # the dataset is untouched
    copied = tnp.tensor(batch)  # a copy of its own can change
    copied -= 1
    assert copied[0].tolist() == [-1.0, 0.0]


def test_single_array_yields_arrays_not_tuples():
    batch = next(iter(DataLoader(np.arange(5), batch_size=2)))
    assert isinstance(batch, np.ndarray) and batch.tolist() == [0, 1]


def test_three_arrays_yield_three_batches():
    a, b, c = np.arange(6), np.arange(6) * 2, np.arange(6) * 3
    for ab, bb, cb in DataLoader(a, b, c, batch_size=4, shuffle=True, seed=1):
        np.testing.assert_array_equal(bb, 2 * ab)
        np.testing.assert_array_equal(cb, 3 * ab)


def test_reshuffles_between_epochs():
    loader = DataLoader(np.arange(100), batch_size=100, shuffle=True, seed=3)
    first, second = next(iter(loader)), next(iter(loader))
    assert not np.array_equal(first, second)
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(100))


def test_same_seed_gives_same_epochs():
    a = DataLoader(np.arange(50), batch_size=7, shuffle=True, seed=42)
    b = DataLoader(np.arange(50), batch_size=7, shuffle=True, seed=42)
    for _ in range(3):
        assert [x.tolist() for x in a] == [x.tolist() for x in b]


def test_different_seeds_give_different_orders():
    a = next(iter(DataLoader(np.arange(50), batch_size=50, shuffle=True, seed=1)))
    b = next(iter(DataLoader(np.arange(50), batch_size=50, shuffle=True, seed=2)))
    assert not np.array_equal(a, b)


def test_accepts_objects_with_array_protocol():
    class Wrapped:
        def __init__(self, data):
            self.data = data

        def __array__(self, dtype=None, copy=None):
            return self.data

    x = np.arange(6.0)
    batches = list(DataLoader(Wrapped(x), batch_size=4))
    assert [b.tolist() for b in batches] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0]]


def test_transform_is_applied_to_each_batch():
    loader = DataLoader(np.arange(4), np.arange(4), batch_size=2, transform=lambda b: b[0] + b[1])
    assert [b.tolist() for b in loader] == [[0, 2], [4, 6]]


def test_different_lengths_are_rejected_with_lengths():
    with pytest.raises(ValueError, match=r"same length along axis 0, got lengths \[5, 4\]"):
        DataLoader(np.zeros((5, 2)), np.zeros(4))


@pytest.mark.parametrize("batch_size", [0, -3])
def test_batch_size_below_one_is_rejected(batch_size):
    with pytest.raises(ValueError, match=f"batch_size must be at least 1, got {batch_size}"):
        DataLoader(np.zeros(4), batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [2.5, "8", True])
def test_non_integer_batch_size_is_rejected(batch_size):
    with pytest.raises(ValueError, match="batch_size must be an int"):
        DataLoader(np.zeros(4), batch_size=batch_size)


def test_no_arrays_is_rejected():
    with pytest.raises(ValueError, match="needs at least one array"):
        DataLoader(batch_size=2)


def test_0d_array_is_rejected():
    with pytest.raises(ValueError, match="array 1 is 0-d"):
        DataLoader(np.zeros(3), np.float64(1.0))


def test_manual_seed_makes_unseeded_loaders_reproducible():
    shared = pytest.importorskip("tinygrad_np.random")
    shared.manual_seed(5)
    first = [b.tolist() for b in DataLoader(np.arange(20), batch_size=6, shuffle=True)]
    shared.manual_seed(5)
    assert [b.tolist() for b in DataLoader(np.arange(20), batch_size=6, shuffle=True)] == first


def test_accepts_tinygrad_np_tensors():
    tensor = pytest.importorskip("tinygrad_np.tensor")
    x = tensor.Tensor(np.arange(6.0))
    assert [b.tolist() for b in DataLoader(x, batch_size=4)] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0]]


def test_a_tuple_of_arrays_is_refused_with_the_call_to_write_instead():
    # DataLoader((x, y)) would stack x and y into one array of two rows
    x, y = np.arange(10).reshape(5, 2), np.arange(5)
    with pytest.raises(TypeError, match=r"DataLoader\(x, y, \.\.\.\)"):
        DataLoader((x, y), batch_size=2)


def test_a_list_of_samples_is_stacked_as_rows():
    rows = [np.array([1, 2]), np.array([3, 4]), np.array([5, 6])]
    assert [b.tolist() for b in DataLoader(rows, batch_size=2)] == [[[1, 2], [3, 4]], [[5, 6]]]


def test_ragged_rows_are_refused_naming_the_loader():
    with pytest.raises(ValueError, match="DataLoader: array 0 is not a rectangular array"):
        DataLoader([[1, 2], [3]])


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_a_bad_seed_is_refused_naming_the_loader(seed, error):
    with pytest.raises(error, match="DataLoader: seed"):
        DataLoader(np.arange(4), seed=seed)


def test_each_iter_call_draws_its_epoch_order_when_called():
    # the iterator made first gets the first epoch's order, whichever is consumed first
    first_epoch = [b.item() for b in DataLoader(np.arange(6), shuffle=True, seed=3)]
    loader = DataLoader(np.arange(6), shuffle=True, seed=3)
    a, b = iter(loader), iter(loader)
    list(b)
    assert [x.item() for x in a] == first_epoch


def test_object_arrays_such_as_file_names_are_batched():
    names = np.array(["a.png", "b.png", "c.png"], dtype=object)
    assert [b.tolist() for b in DataLoader(names, batch_size=2)] == [["a.png", "b.png"],
                                                                     ["c.png"]]
