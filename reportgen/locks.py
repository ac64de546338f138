"""One exclusive file lock, for the archive and the send logs.

In: the lock file's path, how long to wait and what to say when another run holds it.
Out: a context in which this process alone holds the lock. The ``filelock`` package
does the locking (``flock`` on POSIX, ``msvcrt`` on Windows, a soft lock file where
neither exists), so the deliver commands run wherever Python does; the operating
system drops the lock of a process that dies, however it dies.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

with warnings.catch_warnings():
    # without fcntl filelock falls back to a lock file and warns; that is what we want
    warnings.simplefilter("ignore")
    from filelock import FileLock, Timeout, has_fcntl

from reportgen.atomic import named
from reportgen.errors import ReportgenError


@contextlib.contextmanager
def exclusive_lock(
    path: Path,
    *,
    timeout: float,
    busy: str,
    hint: str,
    error: type[ReportgenError] = ReportgenError,
) -> Iterator[None]:
    """Hold the lock ``path`` (created if missing); ``error(busy)`` after ``timeout`` s."""
    path = Path(path)
    if path.is_symlink():
        # opening it would make (and lock) a file wherever the link points
        raise error(
            "the lock file is a symbolic link; reportgen makes its own lock file here",
            file=path,
            hint="remove the link (no reportgen run is using it)",
        )
    try:
        # made here first: filelock reports a lock it cannot create as merely busy. Not
        # for a soft lock (no fcntl): there the file's existence is the lock
        if has_fcntl or sys.platform == "win32":
            no_follow = getattr(os, "O_NOFOLLOW", 0)  # a link made since the look above
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | no_follow, 0o666))
    except OSError as problem:
        raise error(
            f"cannot open the lock file: {problem.strerror or problem}",
            file=named(problem, path).filename,
            hint="check the folder is writable",
        ) from problem
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise error(busy, file=path, hint=hint) from None
    try:
        yield
    finally:
        lock.release()
