"""The send log: one JSON line per event of sending an edition to a list.

In: the edition folder's ``send-log.jsonl`` (or ``pack-send-log.jsonl``). Out: its
``SendRecord`` values; new records appended durably; the ``SendHistory`` of one
edition, version and list (who has accepted the message, whether a send may have been
delivered without being recorded); the lock that lets one run at a time send from an
edition folder; and a check that the disk has room for the records a send will write.

Outcomes: ``sending`` (written, flushed and fsynced before the first byte of DATA),
``sent``, ``partial`` (some recipients refused), ``failed`` (the server cannot have
accepted the message), ``unknown`` (DATA was sent but no reply came: it may have been
delivered) and ``dry-run``. A log whose last word on a message is ``sending`` or
``unknown`` stops the next run until someone decides (``--resend``).

The log is rewritten whole through ``reportgen.atomic`` (temporary file, fsync,
rename) rather than appended with ``O_APPEND``: a crash or full disk can then never leave
a torn last line that would stop the next run from reading the log — and with it the
Message-ID it must reuse. The log holds a handful of lines per edition, so rewriting it
costs nothing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal, get_args

import msgspec

from reportgen import atomic
from reportgen.errors import DeliveryError
from reportgen.locks import exclusive_lock
from reportgen.reading import NotAPlainFile, TooLarge, read_limited

Outcome = Literal["sending", "sent", "partial", "failed", "unknown", "dry-run"]
DELIVERED_OUTCOMES: frozenset[str] = frozenset({"sent", "partial"})
UNCERTAIN_OUTCOMES: frozenset[str] = frozenset({"sending", "unknown"})
LOCK_NAME = ".send.lock"
# room asked for beyond the log itself: a whole copy is written before each rename
ROOM_MARGIN = 64 * 1024
# a send log of years is a few hundred KB; far more is not a log reportgen wrote
MAX_LOG_BYTES = 16 * 1024 * 1024
_RESTORE = "put the real send-log.jsonl back from backup: it records what was already sent"


class SendRecord(msgspec.Struct, frozen=True):
    """One line of the send log."""

    message_id: str
    edition: str
    version: int
    list_name: str
    recipients: tuple[str, ...]
    delivered: tuple[str, ...]
    refused: Mapping[str, str]
    attachment_sha256: str
    attachment_name: str
    server: str | None
    time: str
    outcome: Outcome
    error: str | None
    attempts: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "message_id": self.message_id,
                "edition": self.edition,
                "version": self.version,
                "list": self.list_name,
                "recipients": list(self.recipients),
                "delivered": list(self.delivered),
                "refused": dict(self.refused),
                "attachment_sha256": self.attachment_sha256,
                "attachment_name": self.attachment_name,
                "server": self.server,
                "time": self.time,
                "outcome": self.outcome,
                "error": self.error,
                "attempts": self.attempts,
            },
            ensure_ascii=False,
        )


def read_send_log(path: Path) -> tuple[SendRecord, ...]:
    """Every record in the send log, oldest first; no file means no records."""
    try:
        text = _read_log(Path(path)).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeliveryError(
            f"the send log is not UTF-8 text (byte {exc.start + 1} is not), so reportgen "
            "did not write it",
            file=path,
            hint=_RESTORE,
        ) from exc
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            outcome = raw["outcome"]
            if outcome not in get_args(Outcome):
                raise ValueError(f"unknown outcome {outcome!r}")
            records.append(
                SendRecord(
                    message_id=str(raw["message_id"]),
                    edition=str(raw["edition"]),
                    version=int(raw["version"]),
                    list_name=str(raw["list"]),
                    recipients=tuple(raw["recipients"]),
                    delivered=tuple(raw.get("delivered", ())),
                    refused=dict(raw.get("refused", {})),
                    attachment_sha256=str(raw["attachment_sha256"]),
                    attachment_name=str(raw["attachment_name"]),
                    server=raw.get("server"),
                    time=str(raw["time"]),
                    outcome=outcome,
                    error=raw.get("error"),
                    attempts=int(raw["attempts"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(
                f"the send log has a line reportgen did not write ({exc})",
                file=path,
                line=number,
                hint="reportgen only appends to this file; restore it or fix that line by hand",
            ) from exc
    return tuple(records)


def append_record(path: Path, record: SendRecord) -> None:
    """Add ``record`` durably (rewrite whole, fsync, rename); DeliveryError naming the log."""
    existing = _read_log(path)
    if existing and not existing.endswith(b"\n"):
        existing += b"\n"
    try:
        atomic.write_bytes(path, existing + record.to_json().encode("utf-8") + b"\n")
    except OSError as exc:
        raise DeliveryError(
            f"cannot write the send log: {exc.strerror or exc}",
            file=path,
            hint="check the archive folder is writable and the disk is not full",
        ) from exc


def _read_log(path: Path) -> bytes:
    """The send log's bytes; none if there is no log yet; else a DeliveryError naming it.

    Read through ``read_limited``: a FIFO in its place would hang a plain read, and a
    link to /dev/zero would fill the memory."""
    try:
        return read_limited(path, MAX_LOG_BYTES)
    except FileNotFoundError:
        return b""
    except NotAPlainFile:
        problem, hint = "the send log is not a plain file (a FIFO, device or socket)", _RESTORE
    except TooLarge as exc:
        problem = (
            f"the send log is over {exc.limit // (1024 * 1024)} MB, far more than years of "
            "sends write"
        )
        hint = f"check what replaced it; {_RESTORE}"
    except IsADirectoryError:
        problem, hint = "the send log is a folder, not a file", _RESTORE
    except OSError as exc:
        problem = f"cannot read the send log: {exc.strerror or exc}"
        hint = "check that the archive folder and the log are readable"
    raise DeliveryError(problem, file=path, hint=hint)


def check_room(path: Path, record: SendRecord, records_to_come: int) -> None:
    """Refuse to start a send whose records the disk could not hold.

    Each record rewrites the whole log beside itself before the rename, so the disk must
    hold another copy of the log and the records to come, with a margin.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    except OSError:
        return  # the write will say what is wrong
    line = len(record.to_json().encode("utf-8")) + 1
    needed = 2 * (size + records_to_come * 2 * line) + ROOM_MARGIN
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return
    if free < needed:
        raise DeliveryError(
            f"only {free} bytes are free beside the send log, and recording this send needs "
            f"{needed}; nothing was sent",
            file=path,
            hint="free some space on that disk, then send again",
        )


class SendHistory(msgspec.Struct, frozen=True):
    """What the log says about one edition, version and list (dry runs left out)."""

    records: tuple[SendRecord, ...]

    @classmethod
    def of(
        cls, records: tuple[SendRecord, ...], edition: str, version: int, list_name: str
    ) -> SendHistory:
        return cls(
            tuple(
                r
                for r in records
                if (r.edition, r.version, r.list_name) == (edition, version, list_name)
                and r.outcome != "dry-run"
            )
        )

    @property
    def uncertain(self) -> SendRecord | None:
        """The last record, if it leaves open whether the message was delivered."""
        if self.records and self.records[-1].outcome in UNCERTAIN_OUTCOMES:
            return self.records[-1]
        return None

    @property
    def accepted(self) -> frozenset[str]:
        """Every address a server has accepted the message for (lower case)."""
        return frozenset(
            address.lower()
            for r in self.records
            if r.outcome in DELIVERED_OUTCOMES
            for address in r.delivered
        )

    @property
    def last_delivered(self) -> SendRecord | None:
        delivered = [r for r in self.records if r.outcome in DELIVERED_OUTCOMES]
        return delivered[-1] if delivered else None


@contextlib.contextmanager
def send_lock(folder: Path) -> Iterator[None]:
    """Hold the edition folder's send lock; refuse if another run holds it."""
    if not folder.is_dir():
        # Creating it would leave an edition folder the archive never made.
        raise DeliveryError(
            "the folder for the send log does not exist",
            file=folder,
            hint="archive the edition first; its send log lives in the edition's folder",
        )
    with exclusive_lock(
        folder / LOCK_NAME,
        timeout=0,
        busy="another reportgen run is sending from this edition folder right now",
        hint="wait for it to finish, then check the send log",
        error=DeliveryError,
    ):
        yield
