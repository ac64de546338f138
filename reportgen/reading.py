"""Reading a file the analyst (or anyone) could have replaced: a plain file only, and no
more of it than a limit.

In: a path and a byte limit. Out: the file's bytes; or ``FileNotFoundError`` for a
missing file (the caller knows whether that is fine), ``IsADirectoryError`` for a folder,
``NotAPlainFile`` or ``TooLarge``, both ``OSError``\\ s so a caller's ``except OSError``
still catches them.

A FIFO blocks a plain ``open`` until someone writes to it, ``/dev/zero`` never ends,
and ``stat()`` gives both a size of 0, so a size check before ``read_bytes()`` passes
them: the file is opened without blocking, checked with ``fstat`` on the open file (no
swap between check and read), and read only up to the limit, so a file that grows
meanwhile is refused too.

``recorded_reads`` notes, while it lasts, which files were read (by the path asked for,
and the device and inode that path led to) and the sha256 of what each read gave: the
data cache keeps a load only under the very bytes it was made from.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

MAX_INPUT_BYTES = 64 << 20  # more than any input the load accepts: for a copy or a hash

# a file read (the path asked for, and the device and inode it led to) -> the sha256 of
# each read of it
Reads = dict[tuple[str, int, int], set[str]]
_RECORDING: ContextVar[tuple[Reads, ...]] = ContextVar("reportgen_reads", default=())


@contextlib.contextmanager
def recorded_reads() -> Iterator[Reads]:
    """Every file ``read_limited`` reads meanwhile (in this thread), and what it gave; a
    recording within another is seen by both."""
    reads: Reads = {}
    token = _RECORDING.set((*_RECORDING.get(), reads))
    try:
        yield reads
    finally:
        _RECORDING.reset(token)


class NotAPlainFile(OSError):
    """A FIFO, a device, a socket: nothing reportgen reads."""


class TooLarge(OSError):
    """Over the limit; ``size`` is what was seen (at least ``limit + 1``)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit


def read_limited(path: Path | str, limit: int, *, follow_link: bool = True) -> bytes:
    """The bytes of the plain file at ``path``, at most ``limit``; a link is followed
    unless ``follow_link`` is False (then ``OSError`` ELOOP, even if it is swapped in
    after a look)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_link:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        # on the open file, before anything reads it: no swap between look and read
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotAPlainFile(
                errno.EINVAL, "not a plain file (a FIFO, a device or a socket)", str(path)
            )
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        handle = open(descriptor, "rb", buffering=0, closefd=True)
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        chunks: list[bytes] = []
        left = limit + 1  # one byte more tells a file that grew past the limit
        while left > 0:
            chunk = handle.read(min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(len(data), limit)
    recordings = _RECORDING.get()
    if recordings:
        file = (os.path.abspath(path), info.st_dev, info.st_ino)
        digest = hashlib.sha256(data).hexdigest()
        for reads in recordings:
            reads.setdefault(file, set()).add(digest)
    return data
