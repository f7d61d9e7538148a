"""MNIST and Fashion-MNIST: file tables and mirrors, the directory search, then the loaders.

Where the files are looked for, in order (the first directory holding both files of the split
wins; each file may be gzipped or not):

1. ``root`` and ``root/<dataset>``, when ``root`` is given;
2. ``$TINYGRAD_NP_DATA`` and ``$TINYGRAD_NP_DATA/<dataset>``, when the variable is set;
3. the user cache, ``$XDG_CACHE_HOME/tinygrad_np/<dataset>`` (default ``~/.cache/...``);
4. system locations where distributions install them (``/usr/share/datasets/<dataset>``;
   Debian's ``dataset-fashion-mnist`` package puts Fashion-MNIST there).

``<dataset>`` is ``mnist`` or ``fashion-mnist``. When the files are missing everywhere and
``download=True``, they are downloaded into the user cache from ``MIRRORS``, each checked
against ``SHA256``. Both tables are module-level dicts so they can be pointed elsewhere.
Files found on disk are not checksummed (repackaged copies such as Debian's are recompressed
and differ byte for byte); ``read_idx`` checks their structure instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .download import DownloadError, download_file
from .idx import read_idx

# split -> (images, labels) base names; each file may also end in .gz
SPLIT_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

MIRRORS: dict[str, list[str]] = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

# SHA-256 of the .gz files as the mirrors serve them.
# MNIST: tensorflow/datasets, tensorflow_datasets/url_checksums/mnist.txt (same values in
# several other public download scripts). Fashion-MNIST: tensorflow/datasets,
# tensorflow_datasets/url_checksums/fashion_mnist.txt; checked locally against Debian's
# dataset-fashion-mnist files, whose deflate streams are identical once the original gzip header
# (FNAME plus mtime 2017-08-31) is put back.
SHA256: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    },
}

SYSTEM_DIRS: dict[str, list[str]] = {
    "mnist": ["/usr/share/datasets/mnist"],
    "fashion-mnist": ["/usr/share/datasets/fashion-mnist"],
}

_DISPLAY = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
DOWNLOAD_TIMEOUT = 30.0
_PathLike = str | os.PathLike | None


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are on no searched path and could not be downloaded."""


def cache_dir(dataset: str) -> Path:
    """Return the user cache folder for a dataset: $XDG_CACHE_HOME/tinygrad_np/<dataset>.

    Args:
        dataset: "mnist" or "fashion-mnist".

    Returns:
        The path (not created); ``~/.cache`` stands in when XDG_CACHE_HOME is unset or empty.

    Example:
        >>> cache_dir("mnist").parts[-2:]
        ('tinygrad_np', 'mnist')
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tinygrad_np" / dataset


def search_dirs(dataset: str, root: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    """List the directories searched for a dataset, in order, each with where it came from.

    Args:
        dataset: "mnist" or "fashion-mnist".
        root: an explicit folder, searched first (directly, then its <dataset> subfolder).

    Returns:
        (directory, origin) pairs; the directories need not exist.

    Example:
        >>> [origin for _, origin in search_dirs("mnist", root="/data")][:2]
        ['root=', 'root=']
    """
    dirs: list[tuple[Path, str]] = []
    if root is not None:
        root = Path(root).expanduser()  # "~/data" means the home folder, as in a shell
        dirs += [(root, "root="), (root / dataset, "root=")]
    env = os.environ.get("TINYGRAD_NP_DATA")
    if env:
        env_dir = Path(env).expanduser()
        dirs += [(env_dir, "$TINYGRAD_NP_DATA"), (env_dir / dataset, "$TINYGRAD_NP_DATA")]
    dirs.append((cache_dir(dataset), "user cache"))
    dirs += [(Path(d), "system") for d in SYSTEM_DIRS.get(dataset, [])]
    return dirs


def _find(directory: Path, base: str) -> Path | None:
    for name in (base + ".gz", base):
        if (directory / name).is_file():
            return directory / name
    return None


def _not_found(
    dataset: str,
    split: str,
    dirs: list[tuple[Path, str]],
    missing: Sequence[str],
    download_errors: list[tuple[str, str]] | None,
) -> DatasetNotFoundError:
    names = ", ".join(b + ".gz" for b in missing)
    lines = [
        f"{_DISPLAY[dataset]} '{split}' split not found: missing {names} "
        f"(gzipped or not; both files of the split must be in one folder).",
        "Looked in:",
    ]
    lines += [f"  {d}  ({origin})" for d, origin in dirs]
    if not os.environ.get("TINYGRAD_NP_DATA"):
        lines.append("  ($TINYGRAD_NP_DATA is not set)")
    if download_errors is None:
        lines.append("Download: not attempted (download=False).")
    else:
        lines.append(f"Download into {cache_dir(dataset)} failed:")
        lines += [f"  {url}: {reason}" for url, reason in download_errors]
        if not download_errors:
            lines.append("  no mirrors configured")
    lines += [
        "Ways out:",
        "  - pass --data-dir DIR (root=DIR) pointing at a folder that has these files, or",
        "  - `apt-get install dataset-fashion-mnist` and use Fashion-MNIST (load_fashion_mnist),",
        "    which then loads from /usr/share/datasets/fashion-mnist without a network.",
    ]
    return DatasetNotFoundError("\n".join(lines))


def _locate(dataset: str, split: str, root: _PathLike, download: bool) -> tuple[Path, Path]:
    bases = SPLIT_FILES[split]
    dirs = search_dirs(dataset, root)
    for d, _ in dirs:
        found = [_find(d, b) for b in bases]
        if all(found):
            return found[0], found[1]
    if not download:
        raise _not_found(dataset, split, dirs, bases, None)

    cache = cache_dir(dataset)
    paths = []
    for base in bases:
        path = _find(cache, base)
        if path is None:
            name = base + ".gz"
            urls = [m.rstrip("/") + "/" + name for m in MIRRORS.get(dataset, [])]
            try:
                path = download_file(
                    urls, cache / name, SHA256[dataset].get(name), timeout=DOWNLOAD_TIMEOUT
                )
            except DownloadError as e:
                missing = [b for b in bases if _find(cache, b) is None]
                raise _not_found(dataset, split, dirs, missing, e.errors) from e
        paths.append(path)
    return paths[0], paths[1]


def _load(
    dataset: str, split: str, root: _PathLike, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    if split not in SPLIT_FILES:
        raise ValueError(
            f"load_{dataset.replace('-', '_')}: split must be 'train' or 'test', got {split!r}"
        )
    image_path, label_path = _locate(dataset, split, root, download)
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{image_path}: expected uint8 images of shape [N, 28, 28], "
            f"got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
        raise ValueError(
            f"{label_path}: expected {images.shape[0]} uint8 labels to match {image_path.name}, "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.size and labels.max() > 9:  # files found on disk are not checksummed
        raise ValueError(f"{label_path}: labels must be class indices 0 to 9, found "
                         f"{labels.max()}")
    return images, labels


def load_mnist(
    split: str, root: str | os.PathLike | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Load the MNIST handwritten digits, from disk or, failing that, from a verified download.

    See the module docstring for the folders searched and their order.

    Args:
        split: "train" (60000 images) or "test" (10000 images).
        root: a folder holding the four standard files (or a ``mnist`` subfolder that does).
        download: fetch missing files into the user cache from ``MIRRORS["mnist"]``.

    Returns:
        (images, labels): uint8 arrays of shapes [N, 28, 28] and [N], labels in 0..9.

    Raises:
        DatasetNotFoundError: (a FileNotFoundError) the files are nowhere and downloading was
            off or failed; the message lists the folders searched and the mirror errors.
        IDXFormatError: (a ValueError) a file found is truncated or corrupt.

    Example:
        >>> import os, tempfile, numpy as np
        >>> from tinygrad_np.data import write_idx
        >>> root = tempfile.mkdtemp()  # two tiny stand-in files instead of the real 10000 images
        >>> write_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz"), np.zeros((2, 28, 28), "u1"))
        >>> write_idx(os.path.join(root, "t10k-labels-idx1-ubyte"), np.array([7, 1], "u1"))
        >>> images, labels = load_mnist("test", root=root, download=False)
        >>> images.shape, labels.tolist()
        ((2, 28, 28), [7, 1])
    """
    return _load("mnist", split, root, download)


def load_fashion_mnist(
    split: str, root: str | os.PathLike | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Load Fashion-MNIST (Zalando's clothing images), from disk or from a verified download.

    Same files, layout and search as ``load_mnist``, with ``fashion-mnist`` as the subfolder
    name; Debian's ``dataset-fashion-mnist`` package is found without configuration.

    Args:
        split: "train" (60000 images) or "test" (10000 images).
        root: a folder holding the four standard files (or a ``fashion-mnist`` subfolder).
        download: fetch missing files into the user cache from ``MIRRORS["fashion-mnist"]``.

    Returns:
        (images, labels): uint8 arrays of shapes [N, 28, 28] and [N], labels in 0..9.

    Raises:
        DatasetNotFoundError: (a FileNotFoundError) the files are nowhere and downloading was
            off or failed; the message lists the folders searched and the mirror errors.
        IDXFormatError: (a ValueError) a file found is truncated or corrupt.

    Example:
        >>> images, labels = load_fashion_mnist("test")  # doctest: +SKIP
        >>> images.shape, labels.dtype  # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'))
    """
    return _load("fashion-mnist", split, root, download)
