"""load_mnist / load_fashion_mnist without a network: where files are found, in which order,
and what the error says when they are nowhere. Downloads are in test_mnist_download.py."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tinygrad_np.data import DatasetNotFoundError, load_fashion_mnist, load_mnist, mnist, write_idx

NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def make_split(directory: Path, split: str = "test", tag: int = 0, n: int = 3, gz: bool = True):
    """Write a tiny split whose labels are all `tag`, so a test can tell which folder won."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    images, labels = NAMES[split]
    write_idx(directory / (images + suffix), np.full((n, 28, 28), tag, np.uint8))
    write_idx(directory / (labels + suffix), np.full(n, tag, np.uint8))


def loaded_tag(split: str = "test", **kwargs) -> int:
    images, labels = load_mnist(split, download=False, **kwargs)
    assert images.shape[1:] == (28, 28) and images.dtype == labels.dtype == np.uint8
    return int(labels[0])


def test_root_is_searched_directly(tmp_path):
    make_split(tmp_path / "r", tag=1)
    assert loaded_tag(root=tmp_path / "r") == 1


def test_root_dataset_subfolder_is_searched(tmp_path):
    make_split(tmp_path / "r" / "mnist", tag=2)
    assert loaded_tag(root=tmp_path / "r") == 2


def test_root_itself_wins_over_its_subfolder(tmp_path):
    make_split(tmp_path / "r", tag=1)
    make_split(tmp_path / "r" / "mnist", tag=2)
    assert loaded_tag(root=str(tmp_path / "r")) == 1


def test_env_var_folder_and_subfolder_are_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    make_split(tmp_path / "env" / "mnist", tag=3)
    assert loaded_tag() == 3
    make_split(tmp_path / "env", tag=4)
    assert loaded_tag() == 4


def test_root_wins_over_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    make_split(tmp_path / "env", tag=3)
    make_split(tmp_path / "r", tag=1)
    assert loaded_tag(root=tmp_path / "r") == 1


def test_xdg_cache_is_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    make_split(tmp_path / "xdg" / "tinygrad_np" / "mnist", tag=5)
    assert loaded_tag() == 5


def test_home_cache_is_used_when_xdg_is_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    make_split(tmp_path / "home" / ".cache" / "tinygrad_np" / "mnist", tag=6)
    assert loaded_tag() == 6


def test_env_var_wins_over_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    make_split(tmp_path / "xdg" / "tinygrad_np" / "mnist", tag=5)
    make_split(tmp_path / "env", tag=3)
    assert loaded_tag() == 3


def test_system_dir_is_searched_last(tmp_path, monkeypatch):
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "mnist", [str(tmp_path / "usr-share")])
    make_split(tmp_path / "usr-share", tag=7)
    assert loaded_tag() == 7
    make_split(tmp_path / "xdg-cache" / "tinygrad_np" / "mnist", tag=5)  # the isolated cache
    assert loaded_tag() == 5


def test_search_order_is_root_env_cache_system(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_NP_DATA", "/e")
    monkeypatch.setenv("XDG_CACHE_HOME", "/c")
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "fashion-mnist", ["/s"])
    dirs = [str(d) for d, _ in mnist.search_dirs("fashion-mnist", root="/r")]
    assert dirs == [
        "/r",
        "/r/fashion-mnist",
        "/e",
        "/e/fashion-mnist",
        "/c/tinygrad_np/fashion-mnist",
        "/s",
    ]


def test_ungzipped_files_are_accepted(tmp_path):
    make_split(tmp_path / "r", split="train", tag=8, gz=False)
    assert loaded_tag("train", root=tmp_path / "r") == 8


def test_folder_with_only_one_file_of_the_split_is_skipped(tmp_path, monkeypatch):
    make_split(tmp_path / "r", tag=1)
    os.remove(tmp_path / "r" / "t10k-labels-idx1-ubyte.gz")
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    make_split(tmp_path / "env", tag=3)
    assert loaded_tag(root=tmp_path / "r") == 3


def test_train_and_test_splits_load_their_own_files(tmp_path):
    make_split(tmp_path / "r", split="train", tag=1, n=5)
    make_split(tmp_path / "r", split="test", tag=2, n=4)
    assert load_mnist("train", root=tmp_path / "r")[0].shape == (5, 28, 28)
    assert load_mnist("test", root=tmp_path / "r")[1].tolist() == [2, 2, 2, 2]


def test_fashion_mnist_uses_its_own_subfolder(tmp_path):
    make_split(tmp_path / "r" / "mnist", tag=1)
    make_split(tmp_path / "r" / "fashion-mnist", tag=9)
    assert load_fashion_mnist("test", root=tmp_path / "r", download=False)[1][0] == 9


def test_bad_split_is_a_value_error():
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'validation'"):
        load_mnist("validation")


def test_images_of_wrong_shape_are_reported(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((2, 32, 32), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match=r"images-idx3-ubyte\.gz: expected uint8 images.*32, 32"):
        load_mnist("test", root=tmp_path)


def test_label_count_mismatch_is_reported(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"expected 2 uint8 labels.*got uint8 \(3,\)"):
        load_mnist("test", root=tmp_path)


def test_missing_files_error_lists_files_folders_and_ways_out(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(tmp_path / "env"))
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "mnist", ["/usr/share/datasets/mnist"])
    with pytest.raises(DatasetNotFoundError) as e:
        load_mnist("train", root=tmp_path / "r", download=False)
    msg = str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    assert "MNIST 'train' split not found" in msg
    assert "train-images-idx3-ubyte.gz" in msg and "train-labels-idx1-ubyte.gz" in msg
    for folder in [
        tmp_path / "r",
        tmp_path / "r" / "mnist",
        tmp_path / "env",
        tmp_path / "env" / "mnist",
        tmp_path / "xdg-cache" / "tinygrad_np" / "mnist",
        Path("/usr/share/datasets/mnist"),
    ]:
        assert f"  {folder}  (" in msg
    assert "download=False" in msg
    assert "--data-dir" in msg and "root=" in msg
    assert "apt-get install dataset-fashion-mnist" in msg


def test_missing_files_error_notes_unset_env_var():
    with pytest.raises(DatasetNotFoundError, match=r"\$TINYGRAD_NP_DATA is not set"):
        load_fashion_mnist("test", download=False)


def test_missing_file_is_not_downloaded_when_download_is_false(http_server):
    mnist.MIRRORS["mnist"] = [http_server.url]
    with pytest.raises(DatasetNotFoundError):
        load_mnist("test", download=False)
    assert http_server.hits == []


@pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="Debian's dataset-fashion-mnist package is not installed",
)
def test_debian_fashion_mnist_test_split(monkeypatch, real_system_dirs):
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", real_system_dirs)
    images, labels = load_fashion_mnist("test", download=False)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert images.dtype == labels.dtype == np.uint8
    assert labels.min() == 0 and labels.max() == 9
    assert np.bincount(labels).tolist() == [1000] * 10


def test_tilde_in_root_and_env_var_means_the_home_folder(tmp_path, monkeypatch):
    # "~/fm" must not be taken literally (and silently skipped for another dataset)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    make_split(tmp_path / "home" / "fm", tag=5)
    assert loaded_tag(root="~/fm") == 5
    monkeypatch.setenv("TINYGRAD_NP_DATA", "~/fm")
    assert loaded_tag() == 5


def test_labels_outside_0_to_9_are_reported(tmp_path):
    make_split(tmp_path, tag=0)
    write_idx(tmp_path / (NAMES["test"][1] + ".gz"), np.array([0, 200, 1], np.uint8))
    with pytest.raises(ValueError, match=r"labels must be class indices 0 to 9, found 200"):
        load_mnist("test", root=tmp_path, download=False)
