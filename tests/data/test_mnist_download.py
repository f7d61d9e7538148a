"""Downloads against a local HTTP server on 127.0.0.1: a verified file lands in the cache, and
any failure (bad checksum, dropped connection, HTTP error, closed port) leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import socket
import sys

import numpy as np
import pytest

from tinygrad_np.data import DatasetNotFoundError, load_mnist, mnist, write_idx
from tinygrad_np.data.download import DownloadError, download_file

IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


@pytest.fixture
def files(tmp_path):
    """Bytes of a tiny MNIST test split: 4 images and labels 0..3."""
    src = tmp_path / "src"
    src.mkdir()
    write_idx(src / IMAGES, (np.arange(4 * 28 * 28) % 256).astype(np.uint8).reshape(4, 28, 28))
    write_idx(src / LABELS, np.arange(4, dtype=np.uint8))
    return {name: (src / name).read_bytes() for name in (IMAGES, LABELS)}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _serve(server, files, prefix="/"):
    for name, data in files.items():
        server.add(prefix + name, data)
        mnist.SHA256["mnist"][name] = _sha(data)


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "xdg-cache" / "tinygrad_np" / "mnist"


def _cache_files(cache) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_good_download_is_verified_and_lands_in_cache(http_server, files, cache):
    _serve(http_server, files)
    mnist.MIRRORS["mnist"] = [http_server.url]
    images, labels = load_mnist("test")
    assert images.shape == (4, 28, 28) and labels.tolist() == [0, 1, 2, 3]
    assert _cache_files(cache) == sorted([IMAGES, LABELS])
    assert (cache / IMAGES).read_bytes() == files[IMAGES]
    assert sorted(http_server.hits) == sorted(["/" + IMAGES, "/" + LABELS])


def test_second_load_uses_cache_without_network(http_server, files):
    _serve(http_server, files)
    mnist.MIRRORS["mnist"] = [http_server.url]
    load_mnist("test")
    http_server.hits.clear()
    load_mnist("test")
    assert http_server.hits == []


def test_only_the_missing_file_is_downloaded(http_server, files, cache):
    _serve(http_server, files)
    mnist.MIRRORS["mnist"] = [http_server.url]
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(files[LABELS])
    load_mnist("test")
    assert http_server.hits == ["/" + IMAGES]


def test_checksum_mismatch_fails_and_leaves_cache_empty(http_server, files, cache):
    _serve(http_server, files)
    mnist.SHA256["mnist"][IMAGES] = "0" * 64
    mnist.MIRRORS["mnist"] = [http_server.url]
    with pytest.raises(DatasetNotFoundError) as e:
        load_mnist("test")
    assert f"SHA-256 mismatch: got {_sha(files[IMAGES])}, expected {'0' * 64}" in str(e.value)
    assert _cache_files(cache) == []


def test_dropped_connection_fails_and_leaves_cache_empty(http_server, files, cache):
    _serve(http_server, files)
    half = files[IMAGES][: len(files[IMAGES]) // 2]
    http_server.add("/" + IMAGES, half, claimed_length=len(files[IMAGES]))
    mnist.MIRRORS["mnist"] = [http_server.url]
    with pytest.raises(DatasetNotFoundError) as e:
        load_mnist("test")
    assert f"connection closed after {len(half)} of {len(files[IMAGES])} bytes" in str(e.value)
    assert _cache_files(cache) == []


def test_dropped_connection_on_first_mirror_falls_back_to_second(http_server, files, cache):
    _serve(http_server, files, prefix="/a/")
    _serve(http_server, files, prefix="/b/")
    http_server.add("/a/" + IMAGES, b"\x1f\x8b partial", claimed_length=10_000)
    mnist.MIRRORS["mnist"] = [http_server.url + "a/", http_server.url + "b/"]
    assert load_mnist("test")[0].shape == (4, 28, 28)
    assert "/b/" + IMAGES in http_server.hits
    assert _cache_files(cache) == sorted([IMAGES, LABELS])


def test_http_404_on_first_mirror_falls_back_to_second(http_server, files, cache):
    _serve(http_server, files, prefix="/good/")
    mnist.MIRRORS["mnist"] = [http_server.url + "missing/", http_server.url + "good/"]
    labels = load_mnist("test")[1]
    assert labels.tolist() == [0, 1, 2, 3]
    assert http_server.hits[:2] == ["/missing/" + IMAGES, "/good/" + IMAGES]
    assert _cache_files(cache) == sorted([IMAGES, LABELS])


def test_closed_port_on_first_mirror_falls_back_to_second(http_server, files, cache):
    _serve(http_server, files)
    mnist.MIRRORS["mnist"] = [_closed_port_url(), http_server.url]
    assert load_mnist("test")[1].tolist() == [0, 1, 2, 3]
    assert _cache_files(cache) == sorted([IMAGES, LABELS])


def test_all_mirrors_failing_gives_one_error_with_every_reason(http_server, files, cache):
    _serve(http_server, files, prefix="/x/")
    dead = _closed_port_url()
    mnist.MIRRORS["mnist"] = [dead, http_server.url + "missing/"]
    with pytest.raises(DatasetNotFoundError) as e:
        load_mnist("test")
    msg = str(e.value)
    assert f"Download into {cache} failed:" in msg
    assert f"{dead}{IMAGES}: " in msg and "refused" in msg.lower()
    assert f"{http_server.url}missing/{IMAGES}: HTTP 404" in msg
    assert f"  {cache}  (user cache)" in msg
    assert "--data-dir" in msg and "apt-get install dataset-fashion-mnist" in msg
    assert isinstance(e.value.__cause__, DownloadError)
    assert _cache_files(cache) == []


def test_unreachable_mirror_error_names_missing_files():
    mnist.MIRRORS["mnist"] = ["http://127.0.0.1:1/"]
    with pytest.raises(FileNotFoundError, match=r"missing t10k-images-idx3-ubyte\.gz"):
        load_mnist("test")


def test_no_mirrors_configured_is_reported():
    with pytest.raises(DatasetNotFoundError, match="no mirrors configured"):
        load_mnist("test")


def test_download_file_reports_progress_without_tqdm(http_server, tmp_path, monkeypatch, capsys):
    http_server.add("/f.bin", b"x" * 1000)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    out = download_file([http_server.url + "f.bin"], tmp_path / "f.bin", _sha(b"x" * 1000))
    assert out.read_bytes() == b"x" * 1000
    err = capsys.readouterr().err
    assert f"downloading {http_server.url}f.bin" in err and "downloaded" in err


def test_download_file_can_be_silent(http_server, tmp_path, capsys):
    http_server.add("/f.bin", b"abc")
    download_file([http_server.url + "f.bin"], tmp_path / "f.bin", None, progress=False)
    assert capsys.readouterr().err == ""


def test_download_file_error_lists_each_mirror(http_server, tmp_path):
    urls = [http_server.url + "a", http_server.url + "b"]
    with pytest.raises(DownloadError) as e:
        download_file(urls, tmp_path / "out", None, progress=False)
    assert e.value.errors == [(urls[0], "HTTP 404 Not Found"), (urls[1], "HTTP 404 Not Found")]
    assert list(tmp_path.iterdir()) == []


def test_download_file_replaces_an_existing_file_only_when_verified(http_server, tmp_path):
    (tmp_path / "out").write_bytes(b"old")
    http_server.add("/new", b"new")
    with pytest.raises(DownloadError):
        download_file([http_server.url + "new"], tmp_path / "out", "0" * 64, progress=False)
    assert (tmp_path / "out").read_bytes() == b"old"
    download_file([http_server.url + "new"], tmp_path / "out", _sha(b"new"), progress=False)
    assert (tmp_path / "out").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_downloaded_file_is_readable_by_others_and_tilde_means_home(http_server, tmp_path,
                                                                   monkeypatch):
    # a shared data folder: mode 0o666 less the umask, as open() gives (mkstemp gives 0o600)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    http_server.add("/f", b"data")
    path = download_file([http_server.url + "f"], "~/data/f", _sha(b"data"), progress=False)
    assert path == tmp_path / "home" / "data" / "f" and path.read_bytes() == b"data"
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
