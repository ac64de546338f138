"""``.reportgen-cache/`` of a report folder: what the chart cache (``render.chartcache``),
the data cache (``load.datacache``) and the narrative cache (``load.narrativecache``)
share.

In: a report folder. Out: a ``CacheFolder`` that knows whether the cache can be used at
all, and warns once per command when it cannot be read or written, and reads and writes
sealed entries (a payload after its sha256, so one cut short or edited is found);
``code_version``, the digest of reportgen's own code that every key includes (a change
to loading, computing or drawing is a new key).

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
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from reportgen import notices
from reportgen.atomic import OutputError, check_within, ensure_folder, write_bytes
from reportgen.reading import MAX_INPUT_BYTES, NotAPlainFile, TooLarge, read_limited

CACHE = Path(".reportgen-cache")
T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """reportgen's own code: a change to loading, computing or drawing is a new key."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        framed(digest, str(path.relative_to(_PACKAGE)).encode())
        framed(digest, path.read_bytes())
    return digest.hexdigest()


def installed_version(package: str, distribution: str | None = None) -> str:
    """An installed package's version, without importing it (slow) in this process; read
    afresh each time, as a long preview may outlive an upgrade. "" where it is not
    installed. ``distribution``: the name it is installed under, where that is not the
    package's own ("markdown_it_py" for ``markdown_it``).

    Read from the name of its ``<distribution>-<version>.dist-info`` folder beside the
    package (the installed-distribution layout of the packaging standards; installers
    differ in the name's case), which is what ``importlib.metadata`` finds after
    importing itself and scanning every path entry; it falls back to that where the
    layout is not there to read.
    """
    distribution = distribution or package
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin is not None:
        beside = Path(spec.origin).parent.parent
        start = f"{distribution.lower()}-"
        found = [
            p.name[len(start) :].removesuffix(".dist-info")
            for p in beside.glob("*.dist-info")
            if p.name.lower().startswith(start) and p.is_dir()
        ]
        if len(found) == 1:
            return found[0]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
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
# caches share the folder, so a folder that cannot be used (a link out of the report
# folder, a full disk) is told once and then left alone by all of them
_STATES: dict[Path, _FolderState] = {}
# entries made in the command under way, written once its output is (``store_deferred``):
# (report folder, which cache) -> entry name -> payload
_DEFERRED: dict[tuple[Path, str], dict[str, bytes]] = {}


def new_command() -> None:
    """Forget what was found of cache folders, and entries made and not yet written: a
    new command (or a preview's rebuild) tries them again."""
    _STATES.clear()
    _DEFERRED.clear()


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

    def read_sealed(self, name: str, magic: bytes) -> bytes | None:
        """The payload of the sealed entry ``name`` (``store_sealed``); None where there is none.
        ``DamagedEntry`` for one that is not what reportgen wrote, cut short or changed;
        ``OSError`` where the cache cannot be read."""
        try:
            stored = self.read(name)
        except FileNotFoundError:
            return None
        if not stored.startswith(magic):
            raise DamagedEntry(f"it is not a reportgen {self.what} entry")
        header, _, payload = stored[len(magic) :].partition(b"\n")
        if header != hashlib.sha256(payload).hexdigest().encode("ascii"):
            raise DamagedEntry("its payload does not match its sha256: truncated or changed")
        return payload

    def read_entry(
        self,
        name: str,
        magic: bytes,
        decode: Callable[[bytes], T],
        problem: Callable[[T], str | None],
        instead: str,
    ) -> T | None:
        """The sealed entry ``name``, decoded, where ``problem`` finds nothing wrong with
        it. None where there is none; where it is damaged (warned of once, and removed)
        or the cache cannot be read (given up, said once), the command goes on
        ``instead`` ("loading the data")."""
        try:
            payload = self.read_sealed(name, magic)
            if payload is None:
                return None
        except DamagedEntry as error:
            found: str | None = str(error)
        except OSError as error:
            self.give_up(
                f"cannot read the {self.what} ({error.filename or self.path(name)}: "
                f"{error.strerror or error}); {instead} instead"
            )
            return None
        else:
            try:
                value = decode(payload)
                found = problem(value)
            except Exception as error:  # whatever the bytes: a cache is never a reason to fail
                found = f"{type(error).__name__}: {error}"
            if found is None:
                return value
        self.warn(f"the {self.what} entry {self.path(name)} is damaged ({found}); {instead} again")
        self.discard(name)
        return None

    def store_sealed(self, name: str, magic: bytes, payload: bytes, *, keep: int) -> None:
        """Write ``payload`` as the sealed entry ``name`` (its sha256 before it, so a
        torn or edited entry is found), then keep the newest ``keep`` entries whose
        names start as ``name``'s does (up to its first "-"). Too large an entry is not
        written: more than that is never read back."""
        stored = magic + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload
        if len(stored) > MAX_INPUT_BYTES:
            return
        try:
            ensure_folder(self.folder, within=self.root)
            write_bytes(self.path(name), stored, within=self.root)
        except (OSError, OutputError) as error:
            self.unwritable(error)
            return
        self._prune(name.partition("-")[0] + "-*", keep)

    def defer(self, name: str, payload: bytes) -> None:
        """Keep ``payload`` to be written as ``name`` by ``store_deferred``."""
        _DEFERRED.setdefault((self.root, self.what), {})[name] = payload

    def has_deferred(self) -> bool:
        return bool(_DEFERRED.get((self.root, self.what)))

    def store_deferred(self, magic: bytes, *, keep: int) -> None:
        """Write the entries ``defer`` kept that the cache does not hold yet (called once
        the command has written its output: on a nearly full disk that comes first)."""
        for name, payload in sorted(_DEFERRED.pop((self.root, self.what), {}).items()):
            if self.lacks(name):
                self.store_sealed(name, magic, payload, keep=keep)

    def lacks(self, name: str) -> bool:
        """Whether an entry ``name`` is worth writing: the cache is usable and holds none
        (False where the folder cannot be searched: writing would fail the same way)."""
        if not self.usable:
            return False
        try:
            return not self.path(name).is_file()
        except OSError:
            return False

    def _prune(self, pattern: str, keep: int) -> None:
        """Keep the newest ``keep`` entries named by ``pattern``: each save of an input
        makes a new one."""
        try:
            check_within(self.folder / "-", self.root)  # still no link out, as at the start
            entries = [
                (path.lstat().st_mtime_ns, path.name, path) for path in self.folder.glob(pattern)
            ]
        except (OSError, OutputError):
            return
        for _, _, path in sorted(entries, reverse=True)[keep:]:
            with contextlib.suppress(OSError):
                path.unlink()

    def unwritable(self, error: OSError | OutputError) -> None:
        if isinstance(error, OSError):
            where = f"{error.filename or self.folder}: {error.strerror or error}"
        else:
            where = str(error)
        self.give_up(f"cannot write the {self.what} ({where}); going on without the cache")


class DamagedEntry(ValueError):
    """A cache entry that is not what reportgen wrote: used as damaged, never followed."""
