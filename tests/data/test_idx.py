"""read_idx / write_idx: round trips, the byte format itself, and errors on damaged files."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

from tinygrad_np.data import IDXFormatError, read_idx, write_idx
from tinygrad_np.data import idx as idx_module

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
SHAPES = [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 2)]


def _random(dtype: str, shape, rng) -> np.ndarray:
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return rng.standard_normal(shape).astype(dtype) * 1e3


def _write_bytes(path, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{len(s)}d")
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_keeps_values_shape_and_dtype(tmp_path, dtype, shape, suffix):
    arr = _random(dtype, shape, np.random.default_rng(0))
    path = tmp_path / f"a-idx{len(shape)}{suffix}"
    write_idx(path, arr)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    assert out.shape == shape
    np.testing.assert_array_equal(out, arr)


def test_round_trip_of_big_endian_input_returns_native_array(tmp_path):
    arr = np.arange(-6, 6, dtype=">i4").reshape(3, 4)
    write_idx(tmp_path / "be.idx", arr)
    out = read_idx(tmp_path / "be.idx")
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_round_trip_with_a_zero_length_dimension(tmp_path):
    write_idx(tmp_path / "empty.gz", np.zeros((0, 28, 28), np.uint8))
    assert read_idx(tmp_path / "empty.gz").shape == (0, 28, 28)


def test_read_returns_a_writable_array(tmp_path):
    write_idx(tmp_path / "w.gz", np.arange(4, dtype=np.uint8))
    out = read_idx(tmp_path / "w.gz")
    out[0] = 9
    assert out[0] == 9


def test_hand_built_header_reads_as_specified(tmp_path):
    # magic 00 00 0C 02: int32, 2 dims; sizes 2 and 3 as big-endian uint32; then 6 BE int32s
    values = [1, -2, 3, 2**31 - 1, -(2**31), 0]
    data = bytes([0, 0, 0x0C, 2]) + struct.pack(">II", 2, 3) + struct.pack(">6i", *values)
    out = read_idx(_write_bytes(tmp_path / "hand-idx2-int", data))
    assert out.dtype == np.int32 and out.shape == (2, 3)
    assert out.ravel().tolist() == values


def test_hand_built_float64_header_reads_as_specified(tmp_path):
    data = bytes([0, 0, 0x0E, 1]) + struct.pack(">I", 2) + struct.pack(">2d", 0.5, -1e300)
    out = read_idx(_write_bytes(tmp_path / "f64", data))
    assert out.dtype == np.float64 and out.tolist() == [0.5, -1e300]


def test_write_produces_the_specified_bytes(tmp_path):
    write_idx(tmp_path / "labels", np.array([[1, 2], [3, 258]], dtype=np.int16))
    expected = bytes([0, 0, 0x0B, 2]) + struct.pack(">II", 2, 2) + struct.pack(">4h", 1, 2, 3, 258)
    assert (tmp_path / "labels").read_bytes() == expected


def test_gz_path_is_gzip_compressed_and_reproducible(tmp_path):
    arr = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", arr)
    first = (tmp_path / "a.gz").read_bytes()
    write_idx(tmp_path / "a.gz", arr)
    assert first[:2] == b"\x1f\x8b" and (tmp_path / "a.gz").read_bytes() == first
    assert gzip.decompress(first)[:4] == bytes([0, 0, 0x08, 1])


def test_gzip_is_detected_by_magic_bytes_not_by_name(tmp_path):
    arr = np.arange(5, dtype=np.uint8)
    write_idx(tmp_path / "real.gz", arr)
    write_idx(tmp_path / "real-raw", arr)
    os.rename(tmp_path / "real.gz", tmp_path / "gzipped-without-suffix")
    os.rename(tmp_path / "real-raw", tmp_path / "raw-with-suffix.gz")
    np.testing.assert_array_equal(read_idx(tmp_path / "gzipped-without-suffix"), arr)
    np.testing.assert_array_equal(read_idx(tmp_path / "raw-with-suffix.gz"), arr)


def test_write_leaves_no_temporary_files(tmp_path):
    write_idx(tmp_path / "x.gz", np.zeros(3, np.uint8))
    write_idx(tmp_path / "y", np.zeros(3, np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.gz", "y"]


def test_failed_write_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    write_idx(tmp_path / "x", np.zeros(3, np.uint8))

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(idx_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_idx(tmp_path / "x", np.ones(5, np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["x"]
    np.testing.assert_array_equal(read_idx(tmp_path / "x"), np.zeros(3, np.uint8))


def test_write_rejects_dtype_without_idx_code(tmp_path):
    with pytest.raises(ValueError, match=r"dtype int64 has no IDX code.*astype"):
        write_idx(tmp_path / "x", np.arange(3, dtype=np.int64))
    assert not any(tmp_path.iterdir())


def test_write_rejects_0d_array(tmp_path):
    with pytest.raises(ValueError, match=r"1 to 255 dimensions, got shape \(\)"):
        write_idx(tmp_path / "x", np.uint8(3))


# --- damaged files: every error is an IDXFormatError (a ValueError) naming the file -------------


def _idx_bytes(arr: np.ndarray, tmp_path) -> bytes:
    write_idx(tmp_path / "source.idx", arr)
    return (tmp_path / "source.idx").read_bytes()


def test_truncated_payload_reports_sizes_and_shape(tmp_path):
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">III", 10000, 28, 28)
    path = _write_bytes(tmp_path / "t10k-images-idx3-ubyte", header + bytes(1000))
    with pytest.raises(IDXFormatError) as e:
        read_idx(path)
    assert str(e.value) == (
        f"{path}: payload has 1000 bytes, header says 7840000 (10000x28x28 uint8): "
        "file is truncated"
    )


def test_truncated_payload_inside_valid_gzip_is_reported(tmp_path):
    data = _idx_bytes(np.zeros((4, 3), np.int16), tmp_path)[:-5]
    path = _write_bytes(tmp_path / "short.gz", gzip.compress(data))
    with pytest.raises(IDXFormatError, match=r"short\.gz: payload has 19 bytes, header says 24"):
        read_idx(path)


def test_huge_size_claim_is_reported_without_allocating_it(tmp_path):
    header = bytes([0, 0, 0x0E, 3]) + struct.pack(">III", 2**32 - 1, 2**32 - 1, 2**32 - 1)
    path = _write_bytes(tmp_path / "huge", header + bytes(16))
    with pytest.raises(IDXFormatError, match=r"huge: payload has 16 bytes.*file is truncated"):
        read_idx(path)


def test_extra_trailing_bytes_are_reported(tmp_path):
    data = _idx_bytes(np.zeros((2, 2), np.uint8), tmp_path) + b"junk!"
    path = _write_bytes(tmp_path / "long", data)
    with pytest.raises(IDXFormatError, match=r"long: payload has 9 bytes.*5 extra trailing bytes"):
        read_idx(path)


def test_wrong_magic_is_reported(tmp_path):
    path = _write_bytes(tmp_path / "notidx.png", b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(IDXFormatError, match=r"notidx\.png: not an IDX file.*0x89 0x50"):
        read_idx(path)


def test_unknown_dtype_code_is_reported(tmp_path):
    path = _write_bytes(tmp_path / "code", bytes([0, 0, 0x0A, 1]) + struct.pack(">I", 1) + b"x")
    with pytest.raises(IDXFormatError, match=r"code: unknown IDX dtype code 0x0a \(known: 0x08"):
        read_idx(path)


def test_zero_dimensions_is_reported(tmp_path):
    path = _write_bytes(tmp_path / "nodims", bytes([0, 0, 0x08, 0]))
    with pytest.raises(
        IDXFormatError, match="nodims: IDX header says 0 dimensions, expected 1 to 64"
    ):
        read_idx(path)


def test_truncated_header_is_reported(tmp_path):
    path = _write_bytes(tmp_path / "hdr", bytes([0, 0, 0x08, 3]) + struct.pack(">I", 5))
    with pytest.raises(IDXFormatError, match=r"hdr: header is truncated: 3 dimensions need 12"):
        read_idx(path)


def test_empty_file_is_reported(tmp_path):
    path = _write_bytes(tmp_path / "empty", b"")
    with pytest.raises(IDXFormatError, match="empty: file has 0 bytes"):
        read_idx(path)


def test_corrupt_gzip_stream_is_reported(tmp_path):
    rng = np.random.default_rng(1)
    write_idx(tmp_path / "c.gz", rng.integers(0, 255, size=(50, 28, 28), dtype=np.uint8))
    data = bytearray((tmp_path / "c.gz").read_bytes())
    data[20:60] = bytes(reversed(data[20:60]))  # scramble the deflate stream
    path = _write_bytes(tmp_path / "c.gz", bytes(data))
    with pytest.raises(IDXFormatError, match=r"c\.gz: corrupt gzip stream"):
        read_idx(path)


def test_truncated_gzip_stream_is_reported(tmp_path):
    write_idx(tmp_path / "cut.gz", np.arange(3000, dtype=np.int32))
    data = (tmp_path / "cut.gz").read_bytes()
    path = _write_bytes(tmp_path / "cut.gz", data[: len(data) // 2])
    with pytest.raises(IDXFormatError, match=r"cut\.gz: corrupt gzip stream"):
        read_idx(path)


def test_bad_gzip_checksum_is_reported(tmp_path):
    write_idx(tmp_path / "crc.gz", np.arange(30, dtype=np.uint8))
    data = bytearray((tmp_path / "crc.gz").read_bytes())
    data[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    path = _write_bytes(tmp_path / "crc.gz", bytes(data))
    with pytest.raises(IDXFormatError, match=r"crc\.gz: corrupt gzip stream.*CRC"):
        read_idx(path)


def test_idx_format_error_is_a_value_error():
    assert issubclass(IDXFormatError, ValueError)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


def test_written_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    write_idx(tmp_path / "labels-idx1-ubyte", np.zeros(3, np.uint8))
    assert os.stat(tmp_path / "labels-idx1-ubyte").st_mode & 0o777 == 0o666 & ~umask


def test_write_into_a_missing_directory_names_the_destination(tmp_path):
    dest = tmp_path / "nodir" / "labels-idx1-ubyte"
    with pytest.raises(FileNotFoundError, match=r"write_idx: the directory of .*nodir"):
        write_idx(dest, np.zeros(3, np.uint8))
    assert not (tmp_path / "nodir").exists()
