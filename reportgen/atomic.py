"""Writes that either happen whole or not at all, and never leave anything behind.

In: a target path (and, for outputs of a report folder, that folder). Out: the file,
written to a temporary file beside it, fsynced and renamed over it; or, on any error,
the target untouched and the temporary file gone.

The one place reportgen writes files from:

- Temporary files are named ``.<target>.reportgen-<host>-<pid>-<random>.tmp`` and
  scratch folders ``.reportgen-scratch-<host>-<pid>-<random>``. Every exit Python sees
  (an exception, Ctrl-C, SIGTERM, which the CLI turns into an exception) removes them;
  a process killed outright cannot, so the next write into the same folder sweeps those
  whose process is gone (``sweep_stale``) and says so once (``reportgen.notices``).
- An output of a report folder is never written through a symbolic link that leads out
  of it (``within=``); a path the user names outside the folder is theirs to choose.
- The folder must exist (``ensure_folder`` makes one level, for the report's own
  ``out/`` and cache); a read-only existing file is refused, not replaced, and so is
  anything that is not a file (a device, a FIFO: ``/dev/null`` stays a device).
- Every OSError names the file it was about (a full disk too).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from reportgen import notices, steps
from reportgen.errors import ReportgenError
from reportgen.links import LinkLoop, real_path

# a run on another machine sharing the folder cannot be asked whether it is alive; no
# reportgen command runs for a day, so after that its files are stale whatever it says
FOREIGN_STALE_SECONDS = 24 * 3600
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_TAG = r"(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[a-z0-9_]+"
_TEMP_FILE = re.compile(rf"^\..+\.reportgen-{_TAG}\.tmp$")
_SCRATCH = re.compile(rf"^\.reportgen-scratch-{_TAG}$")
# what earlier versions left: ".<name>.<8 random>.tmp", with no owner to ask
_OLD_TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
OLD_TEMP_STALE_SECONDS = 3600


class OutputError(ReportgenError):
    """An output that reportgen will not write: outside the folder, read-only, no folder."""


def current_umask() -> int:
    """The process umask (reading it means setting it, so set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def usual_permissions(path: Path, *, directory: bool = False) -> None:
    """mkstemp/mkdtemp make private files; give ``path`` the mode the umask asks for."""
    os.chmod(path, (0o777 if directory else 0o666) & ~current_umask())


def fsync_dir(directory: Path) -> None:
    # the rename is only durable once the directory entry is on disk
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def named(error: OSError, path: str | Path) -> OSError:
    """``error`` with ``path`` as its file when it names none (a failed write, ENOSPC)."""
    if error.filename:
        return error
    return OSError(error.errno, error.strerror or str(error), str(path))


def _tag() -> str:
    return f"{_HOST}-{os.getpid()}-"


# --- where a write may go ------------------------------------------------------------


def check_within(target: str | Path, root: str | Path) -> None:
    """Refuse to write ``target`` through a symbolic link that leads out of ``root``.

    Only a path inside ``root`` as written is checked: one the user names elsewhere
    (``--out /srv/reports/x.pdf``) is their choice.
    """
    root, lexical = Path(root), Path(os.path.abspath(target))
    try:
        real_root = real_path(root)
        if not (
            lexical.is_relative_to(Path(os.path.abspath(root))) or lexical.is_relative_to(real_root)
        ):
            return
        real_folder = real_path(lexical.parent)
    except LinkLoop as loop:  # out/ linked to itself, say
        where = Path(os.path.abspath(root))
        raise OutputError(
            loop.says(_shown_in(loop.path, where), root=where), file=loop.link, hint=loop.hint
        ) from None
    if real_folder.is_relative_to(real_root):
        return
    link = next(
        (p for p in reversed([lexical.parent, *lexical.parent.parents]) if p.is_symlink()),
        lexical.parent,
    )
    raise OutputError(
        f"this is a link to {link.resolve()}, outside the report folder; reportgen does not "
        "write through it",
        file=link,
        hint="make it a real folder inside the report folder, or name an output path "
        "outside the report folder explicitly (e.g. --out)",
    )


def _shown_in(path: Path, root: Path) -> str:
    """``path`` as the analyst knows it: relative to the report folder ``root``."""
    if path == root or not path.is_relative_to(root):
        return str(path)
    return str(path.relative_to(root))


def ensure_folder(folder: str | Path, *, within: str | Path | None = None) -> Path:
    """Make ``folder`` (one level: its parent must exist), confined to ``within``."""
    folder = Path(folder)
    if within is not None:
        check_within(folder / "-", within)
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            "a file is in the way: reportgen needs a folder of this name",
            file=folder,
            hint="move the file away",
        )
    try:
        folder.mkdir(exist_ok=True)
    except FileNotFoundError as error:
        raise OutputError(
            "the folder above this one does not exist", file=folder, hint="create it first"
        ) from error
    except OSError as error:
        raise named(error, folder) from error
    return folder


def _refuse_to_replace(target: Path) -> None:
    try:
        info = os.lstat(target)
    except OSError:
        return  # nothing there (or nothing readable): the write itself will say
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        # the rename would put a file where /dev/null or a FIFO was
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, FIFO or socket"
        raise OutputError(
            f"this is {kind}, not a file; reportgen replaces only a file",
            file=target,
            hint="name a file",
        )
    writable = info.st_mode & 0o222 and os.access(target, os.W_OK)
    if stat.S_ISREG(info.st_mode) and not writable and _on_read_only_disk(target):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(target))
    if stat.S_ISREG(info.st_mode) and not writable:
        raise OutputError(
            "the file is read-only; reportgen does not replace a read-only file",
            file=target,
            hint="make it writable if it may be replaced (chmod u+w), or write elsewhere",
        )


def _on_read_only_disk(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): the file's mode says it
        return False


# --- temporary files and their sweeping -----------------------------------------------


def _left_by_a_dead_run(host: str, pid: int, path: Path) -> bool:
    try:
        age = time.time() - path.lstat().st_mtime
    except OSError:
        return False
    if host != _HOST or os.name == "nt":  # on Windows, os.kill(pid, 0) would kill it
        return age > FOREIGN_STALE_SECONDS
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass  # alive, someone else's
    return age > FOREIGN_STALE_SECONDS  # a pid reused since then


def _is_stale(entry: Path) -> bool:
    name = entry.name
    match = _TEMP_FILE.match(name) or _SCRATCH.match(name)
    if match:
        return _left_by_a_dead_run(match["host"], int(match["pid"]), entry)
    if _OLD_TEMP_FILE.match(name) and entry.is_file() and not entry.is_symlink():
        with contextlib.suppress(OSError):
            return time.time() - entry.stat().st_mtime > OLD_TEMP_STALE_SECONDS
    return False


def sweep_stale(folder: str | Path) -> list[Path]:
    """Remove the temporary files and scratch folders in ``folder`` whose run is gone.

    Says what it removed as a note; a folder that cannot be listed or cleaned is left
    alone (sweeping is housekeeping, never a reason to fail).
    """
    folder = Path(folder)
    removed = _swept(folder, lambda entry: entry.name.startswith(".") and _is_stale(entry))
    if removed:
        names = ", ".join(p.name for p in removed[:3])
        more = f" and {len(removed) - 3} more" if len(removed) > 3 else ""
        notices.note(
            f"removed {len(removed)} temporary file(s) left in {folder} by a run that was "
            f"stopped: {names}{more}"
        )
    return removed


def sweep_left_by(folder: str | Path, pids: Collection[int]) -> list[Path]:
    """Remove the temporary files and scratch folders in ``folder`` that the processes
    ``pids`` (of this host) left: a run's own jobs, which it has ended and reaped, so
    nothing of theirs is left for the next run to sweep. Quietly: they were this run's."""

    def theirs(entry: Path) -> bool:
        match = _TEMP_FILE.match(entry.name) or _SCRATCH.match(entry.name)
        return match is not None and match["host"] == _HOST and int(match["pid"]) in pids

    return _swept(Path(folder), theirs)


def _swept(folder: Path, left_behind: Callable[[Path], bool]) -> list[Path]:
    """The entries of ``folder`` that are ``left_behind``, removed; a folder that cannot
    be listed, or an entry that cannot be removed, is left alone."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [entry for entry in entries if left_behind(entry) and _removed(entry)]


def _removed(entry: Path) -> bool:
    """Remove a temporary file or scratch folder; False where it cannot be."""
    try:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def atomic_path(target: str | Path, *, within: str | Path | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any exception the temporary file is removed and ``target`` is untouched.
    ``within``: the report folder the write must not leave through a symbolic link.
    """
    target = Path(target)
    folder = target.parent
    if within is not None:
        check_within(target, within)
    if not folder.is_dir():
        raise OutputError(
            "the folder to write into does not exist",
            file=folder,
            hint="create it first, or choose a file in an existing folder",
        )
    _refuse_to_replace(target)
    sweep_stale(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.reportgen-{_tag()}", suffix=".tmp", dir=folder
        )
    except OSError as error:  # named by the file it was for, not the temporary name
        raise OSError(error.errno, error.strerror or str(error), str(target)) from error
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        usual_permissions(tmp)
        yield tmp
        steps.reached("write: temporary file")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(folder)
    except BaseException as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(error, OSError) and error.filename in (None, "", str(tmp)):
            # the file the analyst knows of, not its temporary name
            raise OSError(error.errno, error.strerror or str(error), str(target)) from error
        raise


def write_bytes(target: str | Path, data: bytes, *, within: str | Path | None = None) -> Path:
    with atomic_path(target, within=within) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str, *, within: str | Path | None = None) -> Path:
    return write_bytes(target, text.encode("utf-8"), within=within)


def scratch_prefix() -> str:
    """The start of a scratch folder's name (``tempfile.mkdtemp(prefix=...)``), which
    ``sweep_stale`` recognises once its process is gone."""
    return f".reportgen-scratch-{_tag()}"


@contextlib.contextmanager
def staged_folder(target: str | Path) -> Iterator[Path]:
    """A new folder that appears at ``target`` whole or not at all: the block writes into
    the staging folder yielded (beside ``target``), which is renamed into place when the
    block ends and removed if it fails. A killed run's staging folder is swept by the
    next.

    An empty folder already at ``target`` (often the one the analyst is in: ``init .``)
    is filled instead, from a staging folder inside it, entry by entry: renaming a folder
    over it would leave their shell in a deleted folder, and over "." cannot be done."""
    target = Path(target).absolute()
    real_path(target)  # a link there that leads round in a loop is named, not renamed over
    if target.is_dir():
        with _filled_in_place(target) as staging:
            yield staging
        return
    parent = target.parent
    sweep_stale(parent)
    staging = _staging_in(parent, target)
    try:
        usual_permissions(staging, directory=True)
        yield staging
        try:
            os.rename(staging, target)  # the whole folder appears at once
        except OSError as error:
            if error.errno in _TAKEN:
                raise FilledMeanwhile(target) from None
            raise
        fsync_dir(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# what a rename says where another run put its folder (or a file) there first
_TAKEN = {errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR}


class FilledMeanwhile(OutputError):
    """The folder ``staged_folder`` was to make (or fill) was made or filled by another
    run while this one wrote: nothing of this one is kept, nothing of the other lost."""

    def __init__(self, target: Path) -> None:
        super().__init__(
            "was filled by something else while this command ran (another reportgen init "
            "or new at the same time?); nothing of this one was kept",
            file=target,
            hint="look at what it holds now; if it is not what you wanted, remove it and "
            "run the command again",
        )


def _move_in(entry: Path, destination: Path, folder: Path) -> None:
    """Move ``entry`` of the staging folder into ``folder``, never over what another run
    put there meanwhile (``FilledMeanwhile``): a folder is renamed, which fails over a
    folder that holds anything; a file is linked, which fails over anything."""
    try:
        if entry.is_dir() and not entry.is_symlink():
            os.rename(entry, destination)
            return
        try:
            os.link(entry, destination, follow_symlinks=False)
        except OSError as error:
            if error.errno in _TAKEN:
                raise
            # a file system without hard links: look, then rename (a narrow race)
            if os.path.lexists(destination):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST)) from error
            os.rename(entry, destination)
            return
        os.unlink(entry)
    except OSError as error:
        if error.errno in _TAKEN:
            raise FilledMeanwhile(folder) from None
        raise


def _staging_in(parent: Path, target: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=scratch_prefix(), dir=parent))
    except OSError as error:  # named by the folder it was for, not the staging name
        raise OSError(error.errno, error.strerror or str(error), str(target)) from error


@contextlib.contextmanager
def _filled_in_place(folder: Path) -> Iterator[Path]:
    sweep_stale(folder)
    staging = _staging_in(folder, folder)
    moved: list[Path] = []
    try:
        usual_permissions(staging, directory=True)
        yield staging
        for entry in sorted(staging.iterdir()):
            _move_in(entry, folder / entry.name, folder)
            moved.append(folder / entry.name)
        staging.rmdir()
        fsync_dir(folder)
    except BaseException:
        for path in moved:  # the folder was empty: what is in it now is ours
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextlib.contextmanager
def scratch_folder(
    parent: str | Path | None, *, within: str | Path | None = None, create: bool = True
) -> Iterator[Path]:
    """A private folder for intermediate files, removed on the way out.

    It is made in ``parent`` (the report's ``out/``, made if ``create``), where a killed
    run's leftovers are swept by the next; where ``parent`` is None or cannot be used (a
    read-only report folder) it is made in the system's temporary folder, swept the same
    way.
    """
    prefix = scratch_prefix()
    try:
        if parent is None:
            raise OutputError("no folder given")
        parent = Path(parent)
        if create:
            ensure_folder(parent, within=within)
        elif within is not None:
            check_within(parent / "-", within)
        sweep_stale(parent)
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except (OSError, OutputError):
        fallback = Path(tempfile.gettempdir())
        sweep_stale(fallback)
        try:
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=fallback))
        except OSError as error:
            raise named(error, fallback) from error
    try:
        yield path
    except OSError as error:
        name = error.filename
        if isinstance(name, (str, bytes)) and _is_within(Path(os.fsdecode(name)), path):
            # a full disk, say, met by a file of this scratch folder: name the folder it
            # is in (out/), where the room is wanted, not a name nobody has seen
            raise OSError(error.errno, error.strerror or str(error), str(path.parent)) from error
        raise
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
