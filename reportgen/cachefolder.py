"""``.reportgen-cache/`` of a report folder: what the chart cache (``render.chartcache``)
and the data cache (``load.datacache``) share.

In: a report folder. Out: a ``CacheFolder`` that knows whether the cache can be used at
all, and warns once per command when it cannot be read or written; ``code_version``,
the digest of reportgen's own code that every key includes (a change to loading,
computing or drawing is a new key).

A cache is an optimisation, never a reason to fail: a cache folder that is a link out
of the report folder, cannot be read or written, or holds a damaged entry is reported
once as a warning and the command goes on without it (a preview tries again at its next
rebuild). An entry is read only as a plain file in the folder, never through a link.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import importlib.util
from pathlib import Path
from typing import Any

from reportgen import notices
from reportgen.atomic import OutputError, check_within
from reportgen.reading import MAX_INPUT_BYTES, NotAPlainFile, TooLarge, read_limited

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


def installed_version(package: str) -> str:
    """An installed package's version, without importing it (slow) in this process; read
    afresh each time, as a long preview may outlive an upgrade. "" where it is not
    installed.

    Read from the name of its ``<package>-<version>.dist-info`` folder beside the package
    (the installed-distribution layout of the packaging standards), which is what
    ``importlib.metadata`` finds after importing itself and scanning every path entry; it
    falls back to that where the layout is not there to read.
    """
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin is not None:
        beside = Path(spec.origin).parent.parent
        found = [p.name for p in beside.glob(f"{package}-*.dist-info") if p.is_dir()]
        if len(found) == 1:
            return found[0].removeprefix(f"{package}-").removesuffix(".dist-info")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def framed(digest: Any, chunk: bytes) -> None:
    """Add ``chunk`` to ``digest`` with its length first, so no two sequences of chunks
    hash alike."""
    digest.update(len(chunk).to_bytes(8, "big"))
    digest.update(chunk)


class _FolderState:
    """Whether a report folder's cache may still be used, and whether giving it up was
    told."""

    def __init__(self) -> None:
        self.usable = True
        self.told = False


# one per report folder for the command under way (``new_command`` starts afresh): the
# chart cache and the data cache share the folder, so a folder that cannot be used (a
# link out of the report folder, a full disk) is told once and then left alone by both
_STATES: dict[Path, _FolderState] = {}


def new_command() -> None:
    """Forget what was found of cache folders: a new command (or a preview's rebuild)
    tries them again."""
    _STATES.clear()


class CacheFolder:
    """One command's view of the cache folder; ``quiet`` says nothing (a look-ahead) and
    shares no state with the command's own view. ``what`` names the cache in warnings
    ("chart cache")."""

    what = "cache"

    def __init__(self, root: Path, *, quiet: bool = False) -> None:
        self.root = Path(root).resolve()
        self.folder = self.root / CACHE
        self.quiet = quiet
        self._warned = False  # a damaged entry: one warning per cache per command
        self._own_state: _FolderState | None = None  # quiet: its own, never shared
        self._state()  # the folder looked at now, as the command starts

    def _state(self) -> _FolderState:
        """The folder's state for the command under way: looked up on every use, so a
        cache kept across a preview's rebuilds sees each rebuild's (``new_command``)."""
        if self.quiet:
            if self._own_state is None:
                self._own_state = self._looked_at(_FolderState())
            return self._own_state
        state = _STATES.get(self.root)
        if state is None:
            state = _STATES[self.root] = self._looked_at(_FolderState())
        return state

    def _looked_at(self, state: _FolderState) -> _FolderState:
        """``state``, given up where the folder is a link out of the report folder or not
        a folder at all."""
        problem = None
        try:
            check_within(self.folder / "-", self.root)
        except OutputError as error:
            problem = f"{CACHE}/: {error.message}; going on without the cache"
        else:
            with contextlib.suppress(OSError):  # what cannot be looked at is told on use
                if self.folder.exists() and not self.folder.is_dir():
                    problem = (
                        f"{CACHE} is not a folder; going on without the cache (remove it, "
                        "and reportgen makes the folder again)"
                    )
        if problem is not None:
            self._give_up(state, problem)
        return state

    @property
    def usable(self) -> bool:
        return self._state().usable

    def warn(self, text: str) -> None:
        """An entry that cannot be used: the cache itself still can."""
        if not self._warned and not self.quiet:
            self._warned = True  # however many entries fail
            notices.warn(text)

    def give_up(self, text: str) -> None:
        """The cache folder cannot be used: said once, for both caches."""
        self._give_up(self._state(), text)

    def _give_up(self, state: _FolderState, text: str) -> None:
        if not state.told and not self.quiet:
            state.told = True
            notices.warn(text)
        state.usable = False

    def path(self, name: str) -> Path:
        return self.folder / name

    def read(self, name: str, limit: int = MAX_INPUT_BYTES) -> bytes:
        """An entry's bytes: bounded, never a FIFO, and never through a link (an entry is
        only ever written as a file, so a link leads somewhere reportgen did not write).
        ``FileNotFoundError`` where there is none; ``DamagedEntry`` for what is not an
        entry reportgen wrote (a link, a folder, a FIFO, too large)."""
        path = self.path(name)
        try:
            return read_limited(path, limit, follow_link=False)
        except (IsADirectoryError, NotAPlainFile, TooLarge) as error:
            raise DamagedEntry(
                f"it is not a plain file of at most {limit} bytes ({error})"
            ) from None
        except OSError as error:
            if error.errno == errno.ELOOP or path.is_symlink():
                raise DamagedEntry("it is a link, and no entry reportgen writes is one") from None
            raise

    def discard(self, *names: str) -> None:
        """Remove damaged entries, so what is made now is kept in their place (a folder
        only where it is empty: reportgen made nothing in it)."""
        for name in names:
            path = self.path(name)
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    path.unlink()

    def unwritable(self, error: OSError | OutputError) -> None:
        if isinstance(error, OSError):
            where = f"{error.filename or self.folder}: {error.strerror or error}"
        else:
            where = str(error)
        self.give_up(f"cannot write the {self.what} ({where}); going on without the cache")


class DamagedEntry(ValueError):
    """A cache entry that is not what reportgen wrote: used as damaged, never followed."""
