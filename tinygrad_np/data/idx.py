"""IDX files (the MNIST format): IDXFormatError, the dtype table, read_idx, write_idx.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number of dimensions),
then one big-endian uint32 per dimension, then the elements in C order, big-endian.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .._files import atomic_write

# dtype code -> big-endian NumPy dtype, as listed in the IDX specification
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_MAX_NDIM = 64  # NumPy 2's limit on array dimensions


class IDXFormatError(ValueError):
    """An IDX file is truncated, corrupt or not an IDX file at all; the message names the file."""


def _describe(shape: tuple[int, ...], dtype: np.dtype) -> str:
    dims = "x".join(str(d) for d in shape)
    return f"{dims} {dtype.newbyteorder('=').name}"


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    """Read up to n bytes, looping over the short reads that gzip streams may return."""
    parts, got = [], 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _read_payload(stream: BinaryIO, nbytes: int) -> bytearray:
    """Read up to nbytes in chunks, so a corrupt header cannot make us allocate its claim."""
    buf = bytearray()
    while len(buf) < nbytes:
        part = stream.read(min(_CHUNK << 4, nbytes - len(buf)))
        if not part:
            break
        buf += part
    return buf


def _count_rest(stream: BinaryIO) -> int:
    extra = 0
    while part := stream.read(_CHUNK):
        extra += len(part)
    return extra


def _parse(stream: BinaryIO, name: str) -> np.ndarray:
    magic = _read_exact(stream, 4)
    if len(magic) < 4:
        raise IDXFormatError(f"{name}: file has {len(magic)} bytes, an IDX header needs at least 4")
    if magic[0] != 0 or magic[1] != 0:
        raise IDXFormatError(
            f"{name}: not an IDX file: magic number starts with bytes "
            f"{magic[0]:#04x} {magic[1]:#04x}, expected 0x00 0x00"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"{c:#04x} {d.newbyteorder('=').name}" for c, d in IDX_DTYPES.items())
        raise IDXFormatError(f"{name}: unknown IDX dtype code {code:#04x} (known: {known})")
    if not 1 <= ndim <= _MAX_NDIM:
        raise IDXFormatError(
            f"{name}: IDX header says {ndim} dimensions, expected 1 to {_MAX_NDIM} (NumPy's limit)"
        )
    raw_dims = _read_exact(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise IDXFormatError(
            f"{name}: header is truncated: {ndim} dimensions need {4 * ndim} bytes of sizes, "
            f"file has {len(raw_dims)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
    dtype = IDX_DTYPES[code]
    nbytes = math.prod(shape) * dtype.itemsize
    payload = _read_payload(stream, nbytes)
    what = f"header says {nbytes} ({_describe(shape, dtype)})"
    if len(payload) < nbytes:
        raise IDXFormatError(f"{name}: payload has {len(payload)} bytes, {what}: file is truncated")
    extra = _count_rest(stream)
    if extra:
        raise IDXFormatError(
            f"{name}: payload has {nbytes + extra} bytes, {what}: {extra} extra trailing bytes"
        )
    # frombuffer on a bytearray is writable and shares its memory: no copy for uint8;
    # other dtypes are converted to native byte order so arithmetic does not pay for swaps
    out = np.frombuffer(payload, dtype=dtype).reshape(shape)
    return out.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzipped or raw, into a native-endian NumPy array.

    Gzip is detected by the magic bytes 1f 8b, not by the file name. The header and the payload
    size are checked exactly.

    Args:
        path: the file to read.

    Returns:
        An array with the file's shape and dtype (uint8, int8, int16, int32, float32 or float64).

    Raises:
        FileNotFoundError: the file does not exist.
        IDXFormatError: (a ValueError) the file is truncated, has trailing bytes, a wrong magic
            number, an unknown dtype code, or a corrupt gzip stream. The message names the file.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "x-idx2-ubyte.gz")
        >>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
        >>> read_idx(path)
        array([[0, 1, 2],
               [3, 4, 5]], dtype=uint8)
    """
    name = os.fspath(path)
    with open(path, "rb") as f:
        gzipped = f.read(2) == _GZIP_MAGIC
        f.seek(0)
        if not gzipped:
            return _parse(f, name)
        try:
            with gzip.GzipFile(fileobj=f, mode="rb") as g:
                try:
                    return _parse(g, name)
                except IDXFormatError:
                    # a damaged deflate stream can decode to a plausible but wrong header:
                    # read to the end so the gzip error, the real cause, wins if there is one
                    _count_rest(g)
                    raise
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            # EOFError: the compressed stream ends early; the others: bad header, data or CRC
            raise IDXFormatError(f"{name}: corrupt gzip stream: {e}") from e


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write an array as an IDX file, atomically; gzip it when the path ends with .gz.

    The data goes to a temporary file in the same directory, which is fsynced and then renamed
    over path, so a reader never sees a half-written file.

    Args:
        path: the destination; ".gz" at the end selects gzip compression.
        array: an array (or anything with ``__array__``) of at least one dimension, with dtype
            uint8, int8, int16, int32, float32 or float64 (any byte order).

    Raises:
        ValueError: the dtype has no IDX code, the array is 0-d, or a dimension exceeds 2**32-1.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
        >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
        >>> read_idx(path).tolist()
        [3, 1, 4]
    """
    arr = np.asarray(array)
    codes = {d.newbyteorder("="): c for c, d in IDX_DTYPES.items()}
    native = arr.dtype.newbyteorder("=")
    if native not in codes:
        known = ", ".join(d.name for d in codes)
        raise ValueError(
            f"write_idx: dtype {arr.dtype} has no IDX code (supported: {known}); "
            f"convert with array.astype(...) first"
        )
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"write_idx: IDX needs 1 to 255 dimensions, got shape {arr.shape}")
    if any(d >= 2**32 for d in arr.shape):
        raise ValueError(f"write_idx: dimensions must be below 2**32, got shape {arr.shape}")
    header = bytes([0, 0, codes[native], arr.ndim]) + np.array(arr.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(arr, dtype=IDX_DTYPES[codes[native]]).reshape(-1)
    raw = memoryview(payload.view(np.uint8))

    dest = Path(path)
    with atomic_write(dest, "write_idx") as f:
        if dest.name.endswith(".gz"):
            # mtime=0 and the inner name keep the output reproducible byte for byte
            with gzip.GzipFile(filename=dest.name[:-3], mode="wb", fileobj=f, mtime=0) as g:
                g.write(header)
                g.write(raw)
        else:
            f.write(header)
            f.write(raw)
