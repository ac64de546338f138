"""``.reportgen-cache/`` of a report folder: what the chart cache (``render.chartcache``)
and the data cache (``load.datacache``) share.

In: a report folder. Out: a ``CacheFolder`` that knows whether the cache can be used at
all, and warns once per command when it cannot be read or written; ``code_version``,
the digest of reportgen's own code that every key includes (a change to loading,
computing or drawing is a new key).

A cache is an optimisation, never a reason to fail: a cache folder that is a link out
of the report folder, cannot be read or written, or holds a damaged entry is reported
once as a warning and the command goes on without it (in a long-lived process, a
preview, for the rest of its life: a cache folder given up is not tried again).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from pathlib import Path
from typing import Any

from reportgen import notices
from reportgen.atomic import OutputError, check_within

CACHE = Path(".reportgen-cache")
_PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """reportgen's own code: a change to loading, computing or drawing is a new key."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        framed(digest, str(path.relative_to(_PACKAGE)).encode())
        framed(digest, path.read_bytes())
    return digest.hexdigest()


def framed(digest: Any, chunk: bytes) -> None:
    """Add ``chunk`` to ``digest`` with its length first, so no two sequences of chunks
    hash alike."""
    digest.update(len(chunk).to_bytes(8, "big"))
    digest.update(chunk)


class _FolderState:
    """Whether a report folder's cache may still be used, and whether that was told."""

    def __init__(self) -> None:
        self.usable = True
        self.warned = False


# one per report folder in this process: the chart cache and the data cache share the
# folder, so a folder that cannot be used (a link out of the report folder, a full
# disk) is told once and then left alone by both, not once by each
_STATES: dict[Path, _FolderState] = {}


class CacheFolder:
    """One command's view of the cache folder; ``quiet`` says nothing (a look-ahead) and
    shares no state with the command's own view. ``what`` names the cache in warnings
    ("chart cache")."""

    what = "cache"

    def __init__(self, root: Path, *, quiet: bool = False) -> None:
        self.root = Path(root).resolve()
        self.folder = self.root / CACHE
        self.quiet = quiet
        self._state = _FolderState() if quiet else _STATES.setdefault(self.root, _FolderState())
        if self._state.usable:
            try:
                check_within(self.folder / "-", self.root)
            except OutputError as error:
                self.give_up(f"{CACHE}/: {error.message}; going on without the cache")
            else:
                with contextlib.suppress(OSError):  # what cannot be looked at is told on use
                    if self.folder.exists() and not self.folder.is_dir():
                        self.give_up(
                            f"{CACHE} is not a folder; going on without the cache (remove it, "
                            "and reportgen makes the folder again)"
                        )

    @property
    def usable(self) -> bool:
        return self._state.usable

    def warn(self, text: str) -> None:
        if not self._state.warned and not self.quiet:
            self._state.warned = True  # one warning per command, however many entries fail
            notices.warn(text)

    def give_up(self, text: str) -> None:
        self.warn(text)
        self._state.usable = False

    def path(self, name: str) -> Path:
        return self.folder / name

    def unwritable(self, error: OSError | OutputError) -> None:
        if isinstance(error, OSError):
            where = f"{error.filename or self.folder}: {error.strerror or error}"
        else:
            where = str(error)
        self.give_up(f"cannot write the {self.what} ({where}); going on without the cache")
