"""Verified downloads: DownloadError, then download_file, which tries each mirror in turn.

A file lands at its destination only after its SHA-256 matched: it is written to a temporary
file in the destination directory and renamed over the destination, and the temporary file is
removed on any failure before the next mirror is tried.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from .._files import atomic_write

_CHUNK = 1 << 16


class DownloadError(OSError):
    """Every mirror failed; ``errors`` holds one (url, reason) pair per mirror tried."""

    def __init__(self, message: str, errors: list[tuple[str, str]]):
        super().__init__(message)
        self.errors = errors


class _MirrorError(Exception):
    """One mirror served something unusable (short file, wrong checksum)."""


class _Progress:
    """tqdm when it is installed, else a line to stderr at the start and at the end."""

    def __init__(self, url: str, total: int | None, enabled: bool):
        self.url, self.total, self.done = url, total, 0
        self.bar = None
        if not enabled:
            self.write = None
            return
        self.write = sys.stderr.write
        try:
            from tqdm import tqdm
        except ImportError:
            size = f" ({total / 1e6:.1f} MB)" if total else ""
            self.write(f"downloading {url}{size}\n")
        else:
            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1])

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)

    def close(self, ok: bool) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.write is not None and ok:
            self.write(f"downloaded {self.url} ({self.done / 1e6:.1f} MB)\n")


def _fetch(url: str, out: BinaryIO, timeout: float, progress: bool) -> str:
    """Stream url into out and return the SHA-256 hex digest of what was written."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = _Progress(url, total, progress)
        ok = False
        try:
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
            # http.client returns b"" instead of raising when the server closes early
            if total is not None and bar.done != total:
                raise _MirrorError(
                    f"connection closed after {bar.done} of {total} bytes (Content-Length)"
                )
            ok = True
        finally:
            bar.close(ok)
    return digest.hexdigest()


def _reason(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return f"{e.reason}"
    return f"{type(e).__name__}: {e}" if not isinstance(e, _MirrorError) else str(e)


def download_file(
    urls: Sequence[str],
    dest: str | os.PathLike,
    sha256: str | None,
    *,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download one file from the first mirror that serves it with the right SHA-256.

    Args:
        urls: full URLs of the same file, tried in order.
        dest: where the verified file goes; its directory is created if needed.
        sha256: the expected hex digest, or None to skip the check (not recommended).
        timeout: seconds to wait on connect and on each read.
        progress: report progress on stderr (a tqdm bar if tqdm is installed).

    Returns:
        The destination path.

    Raises:
        DownloadError: (an OSError) every mirror failed; the message lists each URL and reason.

    Example:
        >>> download_file(["http://127.0.0.1:1/x.gz"], "/tmp/x.gz", None, timeout=1)
        Traceback (most recent call last):
        ...
        tinygrad_np.data.download.DownloadError: could not download x.gz: ...
    """
    dest = Path(dest).expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors: list[tuple[str, str]] = []
    for url in urls:
        try:
            with atomic_write(dest, "download_file") as f:  # kept only if it verifies
                got = _fetch(url, f, timeout, progress)
                if sha256 is not None and got != sha256.lower():
                    raise _MirrorError(f"SHA-256 mismatch: got {got}, expected {sha256}")
            return dest
        except (OSError, http.client.HTTPException, ValueError, _MirrorError) as e:
            # OSError covers URLError, HTTPError, timeouts and connection resets
            errors.append((url, _reason(e)))
    tried = "; ".join(f"{u}: {r}" for u, r in errors) or "no mirrors configured"
    raise DownloadError(f"could not download {dest.name}: {tried}", errors)
