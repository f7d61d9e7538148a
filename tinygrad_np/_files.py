"""atomic_write: write a file so that no reader ever sees it half-written.

The data goes to a temporary file in the destination's directory, which is flushed and
fsync'ed, then renamed over the destination (a rename within one file system is atomic),
and the directory is fsync'ed so the rename survives a crash. On any error, the temporary
file is removed and the destination is left as it was. save, write_idx and download_file
all write this way.

As open(path, "wb") would, it writes through a symbolic link (the link stays, its target
gets the new contents) and keeps an existing file's permission bits.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO


@contextmanager
def atomic_write(path: str | os.PathLike, op: str) -> Iterator[BinaryIO]:
    """Yield a binary file to write; it replaces `path` when the block ends without error.

    The file gets mode 0o666 less the umask, as open() would give (tempfile.mkstemp would
    make it 0o600, unreadable to other users of a shared data folder). `op` names the
    caller in errors."""
    path = os.fspath(path)
    target = os.path.realpath(path)  # the file a symlink points to: renaming over the link
    directory = os.path.dirname(target)  # itself would turn it into a plain file
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{op}: the directory of {path!r} does not exist")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)  # an existing file keeps its mode
    except FileNotFoundError:
        mode = None
    tmp = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never reuse an existing file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
