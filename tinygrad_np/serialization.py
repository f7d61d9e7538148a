"""save and load: checkpoints (state dicts, optimizer states, dicts of them) as .npz files
without pickle, written atomically.

File layout: every array is one .npy entry of the zip; the structure around them (dicts with
str or int keys, lists, tuples, numbers, strings, None, bools) is JSON in the entry
"__tree__", a uint8 array of UTF-8 text, where {"array": name} marks where an array goes.
Containers and NumPy scalars are tagged ({"dict": [[key, value], ...]}, {"tuple": [...]},
...) so that tuples stay tuples, int keys stay ints, and np.float32(1.5) comes back as
np.float32. Any .npz opens with np.load(path, allow_pickle=False); a plain .npz of arrays
(no "__tree__") loads as a flat dict.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from typing import Any

import numpy as np

from ._files import atomic_write
from .tensor import Tensor

__all__ = ["load", "save"]

_TREE = "__tree__"
_FORMAT = "tinygrad_np.checkpoint"
_VERSION = 1
_SAFE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_RESERVED = {_TREE, "file", "allow_pickle"}


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a checkpoint to `path` (exactly that name) atomically, without pickle.

    The file is first written to a temporary file in the same directory, flushed and
    fsync'ed, then renamed over `path`: a crash or an error at any point leaves the previous
    file at `path` untouched and no temporary file behind.

    Args:
        obj: a state dict (str -> ndarray or Tensor), or a dict of them, e.g. {"model":
            model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}. Nested dicts
            (str or int keys), lists, tuples, ints, floats, bools, strings, None and NumPy
            scalars round-trip exactly; arrays keep dtype and bits; Tensors are stored as
            their arrays (and load as ndarrays).
        path: the file to write, conventionally ending in ".npz".

    Example:
        >>> import os, tempfile
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> from tinygrad_np.serialization import save, load
        >>> model = nn.Linear(3, 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> save({"model": model.state_dict(), "epoch": 7}, path)
        >>> ckpt = load(path)
        >>> ckpt["epoch"], sorted(ckpt["model"])
        (7, ['bias', 'weight'])
    """
    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        raise TypeError(f"save: cannot store a {type(obj).__name__} object; save its "
                        "state_dict() instead (checkpoints hold arrays, not pickled objects)")
    arrays: dict[str, np.ndarray] = {}
    tree = {"format": _FORMAT, "version": _VERSION, "tree": _encode(obj, [], arrays)}
    text = json.dumps(tree, allow_nan=False, separators=(",", ":"))
    arrays[_TREE] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    with atomic_write(path, "save") as f:
        np.savez(f, allow_pickle=False, **arrays)


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by save (or any .npz of arrays) without unpickling.

    Args:
        path: the file save wrote.

    Returns:
        The saved object, with ndarrays where arrays or Tensors were; a plain .npz of
        arrays loads as a dict of name -> ndarray.

    Raises:
        FileNotFoundError if there is no file at path; ValueError naming the path if the
        file is not a readable .npz (corrupt, truncated, pickled or of another format).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from tinygrad_np.serialization import save, load
        >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
        >>> save({"w": np.arange(3, dtype=np.int8), "betas": (0.9, 0.999)}, path)
        >>> load(path)
        {'w': array([0, 1, 2], dtype=int8), 'betas': (0.9, 0.999)}
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no checkpoint at {path!r}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not an .npz archive")
        with npz:
            arrays = {name: npz[name] for name in npz.files}
        if _TREE not in arrays:
            return arrays
        tree = json.loads(arrays.pop(_TREE).tobytes().decode("utf-8"))
        if not isinstance(tree, dict) or tree.get("format") != _FORMAT:
            raise ValueError("its __tree__ entry is not a tinygrad_np checkpoint")
        if tree.get("version") != _VERSION:
            raise ValueError(f"it has format version {tree.get('version')!r}; this "
                             f"tinygrad_np reads version {_VERSION}")
        return _decode(tree["tree"], arrays)
    except (ValueError, OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile,
            UnicodeDecodeError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"load: cannot read {path!r} as a tinygrad_np checkpoint (.npz "
                         f"without pickle): {type(e).__name__}: {e}") from e


# ---- encoding --------------------------------------------------------------------------------


def _encode(obj: Any, where: list, arrays: dict[str, np.ndarray]) -> Any:
    """obj as JSON-ready data, moving every array into `arrays` under a name from `where`."""
    if isinstance(obj, np.generic):  # first: np.float64 is also a Python float
        return {"scalar": _store(np.asarray(obj), where, arrays)}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, (Tensor, np.ndarray)):
        return {"array": _store(obj.data if isinstance(obj, Tensor) else obj, where, arrays)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} at "
                                f"{_where(where)}")
            items.append([k, _encode(v, where + [k], arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, where + [i], arrays) for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {_where(where)}; "
                    "checkpoints hold arrays, Tensors, numbers, strings, None, and dicts, "
                    "lists and tuples of them")


def _store(arr: np.ndarray, where: list, arrays: dict[str, np.ndarray]) -> str:
    if arr.dtype.hasobject:
        raise TypeError(f"save: the array at {_where(where)} has dtype {arr.dtype}, which "
                        "needs pickle; convert it to a numeric dtype")
    parts = [str(k) for k in where]
    readable = parts and all(p and p not in (".", "..") and set(p) <= _SAFE_CHARS
                             for p in parts)
    name = "/".join(parts) if readable else ""
    i = len(arrays)
    # a fresh name if unreadable or taken, or one np.savez cannot take: its own keyword
    # arguments, and names ending in ".npy" (np.load's lookup would confuse "w.npy" and "w")
    while not name or name in arrays or name in _RESERVED or name.endswith(".npy"):
        name, i = f"__array_{i}__", i + 1
    arrays[name] = arr
    return name


def _where(where: list) -> str:
    return "the top level" if not where else "key path " + "/".join(map(repr, where))


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(node, dict):
        return node
    ((kind, value),) = node.items()
    if kind == "array":
        return arrays[value]
    if kind == "scalar":
        return arrays[value][()]
    if kind == "float":
        return float(value)
    if kind == "dict":
        return {k: _decode(v, arrays) for k, v in value}
    if kind == "list":
        return [_decode(v, arrays) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, arrays) for v in value)
    raise ValueError(f"unknown entry kind {kind!r} in __tree__")
