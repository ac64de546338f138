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
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from reportgen import atomic
from reportgen.errors import DeliveryError, shown
from reportgen.locks import exclusive_lock
from reportgen.reading import NotAPlainFile, TooLarge, read_limited

Outcome = Literal["sending", "sent", "partial", "failed", "unknown", "dry-run"]
DELIVERED_OUTCOMES: frozenset[str] = frozenset({"sent", "partial"})
UNCERTAIN_OUTCOMES: frozenset[str] = frozenset({"sending", "unknown"})
LOCK_NAME = ".send.lock"
# the logs an edition's folder holds: the edition's sends, and the board pack's
SEND_LOG = "send-log.jsonl"
PACK_SEND_LOG = "pack-send-log.jsonl"
SEND_LOGS = (SEND_LOG, PACK_SEND_LOG)
# room asked for beyond the log itself: a whole copy is written before each rename
ROOM_MARGIN = 64 * 1024
# a send log of years is a few hundred KB; far more is not a log reportgen wrote
MAX_LOG_BYTES = 16 * 1024 * 1024
_RESTORE = "put the real send-log.jsonl back from backup: it records what was already sent"
# The longest Message-ID reportgen writes is about 330 characters (make_msgid's numbers,
# the edition, version and list, a domain of up to 255); a header line holds 998.
MAX_MESSAGE_ID = 500
# RFC 5322 3.6.4 msg-id without its obsolete forms, as email.utils.make_msgid writes it:
# dot-atom-text, @, dot-atom-text or a domain literal. The email package silently cuts
# anything else short ("<a(b)@c>" is sent as "<a"), and a line break would add a header.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@(?:{_DOT_ATOM}|\[[!-Z^-~]*\])>")
# counts as the log holds them; far beyond any real one is not a line reportgen wrote
_COUNT_LIMIT = 2**31 - 1


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


class _LogLine(msgspec.Struct, frozen=True):
    """One line of the log as reportgen writes it (``SendRecord.to_json``), with exactly
    its types: an int is not a float, a bool or a string, a list of addresses is not one
    address (whose characters would each be taken for an address that had accepted the
    message). Keys reportgen does not write are passed over."""

    message_id: str
    edition: str
    version: Annotated[int, msgspec.Meta(ge=1, le=_COUNT_LIMIT)]
    list_name: str = msgspec.field(name="list")
    recipients: tuple[str, ...]
    attachment_sha256: str
    attachment_name: str
    time: str
    outcome: Outcome
    attempts: Annotated[int, msgspec.Meta(ge=0, le=_COUNT_LIMIT)]
    delivered: tuple[str, ...] = ()
    refused: dict[str, str] = msgspec.field(default_factory=dict)
    server: str | None = None
    error: str | None = None


# strict JSON: no NaN or Infinity, no float or string for an int; nesting too deep for
# the decoder is a RecursionError, caught below
_DECODER = msgspec.json.Decoder(_LogLine)


def message_id_problem(message_id: str) -> str | None:
    """Why ``message_id`` is not one Message-ID as reportgen writes them; None if it is."""
    if len(message_id) > MAX_MESSAGE_ID:
        return f"it is {len(message_id)} characters long; reportgen writes at most {MAX_MESSAGE_ID}"
    if not _MESSAGE_ID.fullmatch(message_id):
        return (
            "it is not one Message-ID as reportgen writes them (<left@right>, in letters, "
            "digits, dots and the like: printable ASCII without spaces or brackets inside)"
        )
    return None


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
    records: list[SendRecord] = []
    # lines end at a line feed only, as reportgen writes them and editors count them:
    # str.splitlines() would also break at a U+2028 or U+0085 inside a JSON string, which
    # json.dumps(ensure_ascii=False) leaves as it is
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        problem = None
        try:
            raw = _DECODER.decode(line)
        except msgspec.ValidationError as exc:
            problem = _plain(str(exc))
        except msgspec.DecodeError as exc:
            problem = f"it is not one JSON record: {exc}"
        except RecursionError:
            problem = "it is not one JSON record: it is nested too deeply to read"
        else:
            # reused as the Message-ID header of the next send: checked before it can be
            if found := message_id_problem(raw.message_id):
                problem = f"message_id {shown(raw.message_id)}: {found}"
        if problem is not None:
            raise DeliveryError(
                f"the send log has a line reportgen did not write ({problem})",
                file=path,
                line=number,
                hint="reportgen only appends to this file; restore it or fix that line by hand",
            )
        records.append(
            SendRecord(
                message_id=raw.message_id,
                edition=raw.edition,
                version=raw.version,
                list_name=raw.list_name,
                recipients=raw.recipients,
                delivered=raw.delivered,
                refused=raw.refused,
                attachment_sha256=raw.attachment_sha256,
                attachment_name=raw.attachment_name,
                server=raw.server,
                time=raw.time,
                outcome=raw.outcome,
                error=raw.error,
                attempts=raw.attempts,
            )
        )
    return tuple(records)


def _plain(validation: str) -> str:
    """msgspec's "Expected `int`, got `float` - at `$.version`" as "version: Expected
    `int`, got `float`": the key first, as the line names it."""
    what, _, where = validation.partition(" - at `$")
    where = where.rstrip("`").lstrip(".")
    return f"{where}: {what}" if where else what


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
    if path.is_symlink():
        # it would be read there, then replaced here by a plain file on the next record:
        # the history split in two without a word
        raise DeliveryError(
            f"the send log is a symbolic link (to {shown(os.readlink(path))}); reportgen "
            "keeps its own log as a plain file in the edition's folder",
            file=path,
            hint=f"replace the link by the file it points to, or {_RESTORE}",
        )
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
