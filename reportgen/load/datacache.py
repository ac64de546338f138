"""The loaded data kept in ``.reportgen-cache/``: a command whose data has not changed
since a load that passed reads it back, without parsing the data files again or
importing pandas (most of a ``check``'s time, as an analyst edits the narrative).

In: a report folder, the files the data load depends on (the catalogue, which the
figures are checked against, and ``data/``'s files), how the catalogue in hand was read,
and the load itself. Out: the ``PerformanceData`` that load gives, from the cache where
it holds a load of exactly these bytes.

The key is reportgen's code, then each file's name and the sha256 of its bytes (or that
it is absent). An entry is made only where the load read exactly the bytes of the key
(a file saved during the load makes none), and used only where the catalogue in hand
was read from the bytes of the key. Only a load that passed is kept: a problem in the
data is found by loading it, every time. A damaged entry (each holds the sha256 of its
payload) is warned about once, and the data loaded again. An entry is written only
once the command has written its own output (``keep``): on a nearly full disk the
edition comes first.

Files: ``data-<key>.msgpack``; the newest few are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec

from reportgen.atomic import OutputError, ensure_folder, write_bytes
from reportgen.cachefolder import CacheFolder, code_version, framed
from reportgen.load.data import PerformanceData
from reportgen.reading import MAX_INPUT_BYTES, Reads, read_limited, recorded_reads

MAGIC = b"reportgen data cache 1\n"
KEEP = 4  # entries: the data as it is, and as it was a few saves ago
_INT64 = 1 << 63


class DataCache(CacheFolder):
    """One command's view of the data cache in ``root``'s ``.reportgen-cache/``."""

    what = "data cache"

    def loaded(
        self,
        root: Path,
        names: Sequence[Path],
        catalogue_reads: Reads,
        load: Callable[[], PerformanceData],
    ) -> tuple[PerformanceData, str | None]:
        """``load()``'s data, from the cache where it holds a load of the bytes of
        ``names`` (in ``root``), the catalogue's among them as ``catalogue_reads`` saw it;
        else loaded. With the key of those bytes where the data is theirs (for ``keep``),
        None where a file changed during the load."""
        snapshot = _snapshot(Path(root), names) if self.usable else None
        if snapshot is None:
            return load(), None
        key, seen = snapshot
        if catalogue_reads and all(
            seen.get(file) == digests for file, digests in catalogue_reads.items()
        ):
            cached = self._read(key)
            if cached is not None:
                return cached, key
        with recorded_reads() as reads:
            data = load()
        made_from = {file: set(digests) for file, digests in catalogue_reads.items()}
        for file, digests in reads.items():
            made_from.setdefault(file, set()).update(digests)
        return data, key if made_from == seen else None

    def keep(self, key: str, data: PerformanceData) -> None:
        """Keep ``data`` under ``key`` (``loaded``'s), unless it is kept already: called
        once the command has written what it was for, so on a nearly full disk its own
        output comes first."""
        if not self.usable:
            return
        path = self.path(f"data-{key}.msgpack")
        try:
            if path.is_file():
                return
        except OSError:
            return  # a folder that cannot be searched: loading told it already
        self._store(key, data)

    def _read(self, key: str) -> PerformanceData | None:
        path = self.path(f"data-{key}.msgpack")
        try:
            stored = read_limited(path, MAX_INPUT_BYTES)
        except FileNotFoundError:
            return None
        except OSError as error:
            self.give_up(
                f"cannot read the data cache ({error.filename or path}: "
                f"{error.strerror or error}); loading the data instead"
            )
            return None
        try:
            return _decoded(stored)
        except ValueError as error:
            self.warn(f"the data cache entry {path} is damaged ({error}); loading the data again")
            return None

    def _store(self, key: str, data: PerformanceData) -> None:
        try:
            payload = msgspec.msgpack.encode(data, enc_hook=_encode)
        except (TypeError, ValueError, OverflowError):
            return  # a value msgpack cannot hold: this data is loaded every time
        stored = MAGIC + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload
        try:
            ensure_folder(self.folder, within=self.root)
            write_bytes(self.path(f"data-{key}.msgpack"), stored, within=self.root)
        except (OSError, OutputError) as error:
            self.unwritable(error)
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the newest ``KEEP`` entries: each save of the data makes a new one."""
        try:
            entries = [
                (path.stat().st_mtime_ns, path.name, path)
                for path in self.folder.glob("data-*.msgpack")
            ]
        except OSError:
            return
        for _, _, path in sorted(entries, reverse=True)[KEEP:]:
            with contextlib.suppress(OSError):
                path.unlink()


def _snapshot(root: Path, names: Sequence[Path]) -> tuple[str, Reads] | None:
    """The key of the files' bytes as they are now, and the reads that saw them; None
    where a file cannot be read (the load then says why)."""
    digest = hashlib.sha256()
    framed(digest, code_version().encode())
    seen: Reads = {}
    for name in names:
        framed(digest, str(name).encode())
        with recorded_reads() as reads:
            try:
                read_limited(root / name, MAX_INPUT_BYTES)
            except FileNotFoundError:
                framed(digest, b"absent")
                continue
            except OSError:
                return None
        ((file, digests),) = reads.items()
        framed(digest, b"sha256:" + next(iter(digests)).encode("ascii"))  # one read
        seen.setdefault(file, set()).update(digests)
    return digest.hexdigest(), seen


def _decoded(stored: bytes) -> PerformanceData:
    """The entry's data; ValueError says how it is damaged."""
    header, _, payload = stored[len(MAGIC) :].partition(b"\n")
    if not stored.startswith(MAGIC):
        raise ValueError("it is not a reportgen data cache entry")
    if header != hashlib.sha256(payload).hexdigest().encode("ascii"):
        raise ValueError("its payload does not match its sha256: truncated or changed")
    try:
        return msgspec.msgpack.Decoder(PerformanceData, dec_hook=_decode).decode(payload)
    except (msgspec.DecodeError, ZeroDivisionError, TypeError, ValueError) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None


def _encode(value: Any) -> Any:
    if isinstance(value, Fraction):
        parts = (value.numerator, value.denominator)
        # msgpack holds 64-bit integers; a longer one is kept as its digits
        return [part if -_INT64 <= part < _INT64 else str(part) for part in parts]
    raise NotImplementedError(f"{type(value).__name__} is not kept in the data cache")


def _decode(kind: type, value: Any) -> Any:
    if kind is Fraction and isinstance(value, list) and len(value) == 2:
        if all(type(part) is int or (type(part) is str and part.isascii()) for part in value):
            numerator, denominator = (int(part) for part in value)
            return Fraction(numerator, denominator)
    raise NotImplementedError(f"not a {kind.__name__}")
