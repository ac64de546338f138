"""Email one archived edition PDF to one distribution list.

In: the archived PDF and the readable name to attach it under, the edition ("2014-03"),
its month as readers say it ("March 2014") and its version, a distribution list from
``distribution.yaml`` (``load_distribution``), SMTP settings from ``REPORTGEN_SMTP_*``
environment variables (``smtp_settings_from_env``) and the edition's send log.

Out: a ``SendResult`` (Message-ID, outcome, delivered and refused recipients, attempts)
and new JSON lines in the send log; for a dry run, an ``.eml`` file instead of a send.
Every problem the user can fix is a ``DeliveryError`` saying what is wrong and what to do.

The send log is JSON Lines, one record per event (see ``SendRecord``). It is rewritten
whole through ``reportgen.atomic`` (temporary file, fsync, rename) rather than appended
with ``O_APPEND``: a crash or full disk can then never leave a torn last line that would
stop the next run from reading the log — and with it the Message-ID it must reuse. The
log holds a handful of lines per edition, so rewriting it costs nothing. Runs against the
same edition folder are serialised with an advisory lock so that two of them cannot both
decide the edition is unsent, nor lose each other's records.
"""

from __future__ import annotations

import base64
import contextlib
import email.policy
import hashlib
import json
import logging
import os
import re
import smtplib
import ssl
import string
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any, Literal, get_args

from reportgen import atomic
from reportgen.errors import DeliveryError, InputError
from reportgen.load.yamlfile import Node, NodeList, parse_yaml
from reportgen.months import Month

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are then not serialised
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

Security = Literal["starttls", "ssl", "none"]
Outcome = Literal["sending", "sent", "partial", "failed", "dry-run"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DELIVERED_OUTCOMES: frozenset[str] = frozenset({"sent", "partial"})
# Placeholders every template may use; callers add headline figures on top of these.
STANDARD_PLACEHOLDERS = ("edition", "edition_month", "version", "file_name")

ENV_HOST = "REPORTGEN_SMTP_HOST"
ENV_PORT = "REPORTGEN_SMTP_PORT"
ENV_USER = "REPORTGEN_SMTP_USER"
ENV_PASSWORD = "REPORTGEN_SMTP_PASSWORD"
ENV_SECURITY = "REPORTGEN_SMTP_SECURITY"
ENV_FROM = "REPORTGEN_SMTP_FROM"
_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}

# Used in file names and Message-IDs, so only characters that are safe in both.
_LIST_NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
_LIST_KEYS = ("to", "cc", "subject", "body")
_DRY_RUN_DOMAIN = "reportgen.invalid"


# --- distribution lists -------------------------------------------------------------


@dataclass(frozen=True)
class DistributionList:
    """One named list: who gets the edition and the text they get with it."""

    name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    source: Path
    line: int

    @property
    def envelope_recipients(self) -> tuple[str, ...]:
        """Bare addresses for RCPT TO, To first then Cc."""
        return tuple(getaddresses([entry])[0][1] for entry in self.to + self.cc)


def _line_index(node: object, path: tuple[str | int, ...] = ()) -> dict[tuple, int]:
    """Map each key path (``("pcc-office", "to", 1)``) to its 1-based line."""
    lines: dict[tuple, int] = {}
    if isinstance(node, Node):
        lines[path] = node.line
        for key, value in node.items():
            child = (*path, str(key))
            lines.update(_line_index(value, child))
            lines[child] = node.line_of(str(key))
    elif isinstance(node, NodeList):
        lines[path] = node.line
        for index, item in enumerate(node):
            lines[(*path, index)] = node.item_lines[index]
            lines.update(_line_index(item, (*path, index)))
    return lines


def load_distribution(path: Path) -> dict[str, DistributionList]:
    """Read and validate every list in a distribution file, by list name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeliveryError(
            f"cannot read the distribution file: {exc.strerror}",
            file=path,
            hint="pass the path of distribution.yaml, or create one from the shipped sample",
        ) from exc
    except UnicodeDecodeError as exc:
        raise DeliveryError("the distribution file is not UTF-8 text", file=path) from exc

    try:
        # the project's strict YAML reader: a key given twice is refused with its line
        data = parse_yaml(text, str(path))
    except InputError as exc:
        raise DeliveryError(exc.message, file=path, line=exc.line, hint=exc.hint) from None

    if not isinstance(data, dict) or not data:
        raise DeliveryError(
            "the distribution file holds no lists",
            file=path,
            hint="write one mapping per list: name -> to, cc, subject, body",
        )
    lines = _line_index(data)
    return {str(name): _parse_list(str(name), entry, path, lines) for name, entry in data.items()}


def _parse_list(
    name: str, entry: object, path: Path, lines: Mapping[tuple, int]
) -> DistributionList:
    def fail(message: str, *where: str | int, hint: str | None = None) -> DeliveryError:
        return DeliveryError(
            f"list {name!r}: {message}", file=path, line=lines.get((name, *where)), hint=hint
        )

    if not _LIST_NAME.match(name):
        raise fail("a list name may use only letters, digits and . _ - between them")
    if not isinstance(entry, dict):
        raise fail("must be a mapping with to, cc, subject and body")
    unknown = sorted(str(key) for key in entry if key not in _LIST_KEYS)
    if unknown:
        raise fail(
            f"unknown key(s) {', '.join(unknown)}",
            unknown[0],
            hint=f"a list has only {', '.join(_LIST_KEYS)}",
        )

    def addresses(key: str) -> tuple[str, ...]:
        value = entry.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise fail(f"{key} must be a list of addresses", key, hint=f"write {key}: [a@b.org]")
        result = []
        for index, item in enumerate(value):
            address = _check_address(item)
            if address is None:
                raise fail(
                    f"{key} entry {item!r} is not one email address",
                    key,
                    index,
                    hint="write name@domain or 'Full Name <name@domain>', one per entry; "
                    "the address itself must be ASCII",
                )
            result.append(address)
        return tuple(result)

    to, cc = addresses("to"), addresses("cc")
    if not to:
        raise fail(
            "has no recipients in to",
            *(("to",) if "to" in entry else ()),
            hint="add at least one address under to",
        )
    seen: set[str] = set()
    for address in to + cc:
        bare = getaddresses([address])[0][1].lower()
        if bare in seen:
            raise fail(f"{bare} is listed more than once across to and cc")
        seen.add(bare)

    texts = {}
    for key in ("subject", "body"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"needs a {key} (text)", *((key,) if key in entry else ()))
        texts[key] = value
    subject = texts["subject"].strip()
    if "\n" in subject or "\r" in subject:
        raise fail("the subject must be one line", "subject")
    for key, template in (("subject", subject), ("body", texts["body"])):
        problem = _template_syntax_problem(template)
        if problem:
            raise fail(
                f"{key} template: {problem}",
                key,
                hint="write placeholders as {name}; write a literal brace as {{ or }}",
            )
    body = texts["body"] if texts["body"].endswith("\n") else texts["body"] + "\n"
    line = lines.get((name,), 1)
    return DistributionList(name, to, cc, subject, body, path, line)


def _check_address(item: object) -> str | None:
    """The address normalised as 'Name <a@b>' or 'a@b', or None if it is not exactly one."""
    if not isinstance(item, str) or any(ch in item for ch in "\r\n"):
        return None
    # parseaddr would quietly take the first of "a@b, c@d"; getaddresses shows both.
    parsed = getaddresses([item])
    if len(parsed) != 1:
        return None
    display, address = parsed[0]
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in address):
        return None
    if not address.isascii():
        return None  # smtplib cannot put it in RCPT TO unless the server offers SMTPUTF8
    try:
        # str(Address) quotes a display name that needs it, without encoding it.
        return str(Address(display_name=display, addr_spec=address))
    except (ValueError, IndexError):
        return None


def _template_syntax_problem(template: str) -> str | None:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return str(exc)
    for _literal, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        # Attribute, index and format syntax would let a template reach into values.
        if not field_name.isidentifier() or spec or conversion:
            return f"{{{field_name}}} is not a plain placeholder name"
    return None


def render_templates(distribution: DistributionList, values: Mapping[str, str]) -> tuple[str, str]:
    """Fill the list's subject and body; an unknown placeholder is a DeliveryError."""
    for part, template in (("subject", distribution.subject), ("body", distribution.body)):
        for _literal, field_name, _spec, _conv in string.Formatter().parse(template):
            if field_name is not None and field_name not in values:
                raise DeliveryError(
                    f"list {distribution.name!r}: the {part} uses the placeholder "
                    f"{{{field_name}}}, which is not provided",
                    file=distribution.source,
                    line=distribution.line,
                    hint=f"available placeholders: {', '.join(sorted(values))}",
                )
    subject = distribution.subject.format_map(values)
    if "\n" in subject or "\r" in subject:
        raise DeliveryError(
            f"list {distribution.name!r}: the subject becomes more than one line once "
            "its placeholders are filled",
            file=distribution.source,
            line=distribution.line,
            hint="use multi-line values such as {headline} only in the body",
        )
    return subject, distribution.body.format_map(values)


# --- SMTP settings ------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password is left out of repr() and str()."""

    host: str
    port: int
    security: Security
    from_address: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def smtp_settings_from_env(env: Mapping[str, str]) -> SmtpSettings:
    """Read ``REPORTGEN_SMTP_*``; every missing or bad variable is named in one error."""

    def get(name: str) -> str | None:
        value = env.get(name, "")
        # Keep a password exactly as given; trim everything else.
        value = value if name == ENV_PASSWORD else value.strip()
        return value or None

    host, from_raw = get(ENV_HOST), get(ENV_FROM)
    user, password = get(ENV_USER), get(ENV_PASSWORD)
    security_raw, port_raw = get(ENV_SECURITY), get(ENV_PORT)

    missing = [name for name, value in ((ENV_HOST, host), (ENV_FROM, from_raw)) if not value]
    if user and not password:
        missing.append(ENV_PASSWORD)
    if password and not user:
        missing.append(ENV_USER)
    problems = [f"{name} is not set" for name in missing]

    security = (security_raw or "starttls").lower()
    if security not in get_args(Security):
        problems.append(f"{ENV_SECURITY} is {security_raw!r}; use starttls, ssl or none")
        security = "starttls"
    port = _DEFAULT_PORTS[security]
    if port_raw is not None:
        if port_raw.isdigit() and 0 < int(port_raw) < 65536:
            port = int(port_raw)
        else:
            problems.append(f"{ENV_PORT} is {port_raw!r}; use a port number such as 587")
    if host and any(ch.isspace() for ch in host):
        problems.append(f"{ENV_HOST} is {host!r}; use a host name without spaces")
    from_address = _check_address(from_raw) if from_raw else None
    if from_raw and from_address is None:
        problems.append(f"{ENV_FROM} is {from_raw!r}; use one address such as mpr@force.example")
    if user and security == "none":
        problems.append(
            f"{ENV_USER} is set with {ENV_SECURITY}=none, which would send the password "
            "in clear text; use starttls or ssl"
        )
    if problems:
        raise DeliveryError(
            "SMTP settings are missing or invalid: " + "; ".join(problems),
            hint=(
                f"set {ENV_HOST} and {ENV_FROM} (required), {ENV_SECURITY} (starttls, "
                f"the default, ssl or none), {ENV_PORT} (optional) and {ENV_USER} with "
                f"{ENV_PASSWORD} (both or neither)"
            ),
        )
    assert host is not None and from_address is not None  # checked above
    return SmtpSettings(host, port, security, from_address, user, password)  # type: ignore[arg-type]


# --- send log -----------------------------------------------------------------------


@dataclass(frozen=True)
class SendRecord:
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
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise DeliveryError(f"cannot read the send log: {exc}", file=path) from exc
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


def _append_record(path: Path, record: SendRecord) -> None:
    # Whole-file rewrite through atomic.py; the module docstring says why.
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        existing = b""
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


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``folder``; refuse if another run holds it."""
    if not folder.is_dir():
        # Creating it would leave an edition folder the archive never made.
        raise DeliveryError(
            "the folder for the send log does not exist",
            file=folder,
            hint="archive the edition first; its send log lives in the edition's folder",
        )
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise DeliveryError(
                "another reportgen run is sending from this edition folder right now",
                file=folder,
                hint="wait for it to finish, then check the send log",
            ) from exc
        except OSError:
            pass  # file systems without flock (some network mounts): run unserialised
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --- sending ------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """What happened to one send; ``refused`` maps address -> server reply."""

    message_id: str
    outcome: Outcome
    delivered: tuple[str, ...]
    refused: Mapping[str, str]
    attempts: int
    eml_path: Path | None = None


class _NoStartTls(smtplib.SMTPException):
    """security=starttls but the server does not offer it."""


def send_edition(
    *,
    pdf: Path,
    attachment_name: str,
    edition: str,
    edition_month: str,
    version: int,
    list_name: str,
    distribution: DistributionList,
    settings: SmtpSettings | None,
    send_log: Path,
    template_values: Mapping[str, str] | None = None,
    resend: bool = False,
    dry_run_dir: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    attempts: int = 4,
    backoff_seconds: float = 1.0,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> SendResult:
    """Send ``pdf`` to one list, or with ``dry_run_dir`` write the ``.eml`` there instead.

    A version already sent to the list is refused unless ``resend``. Temporary failures
    (no connection, time-outs, dropped connections, 4xx replies) are retried up to
    ``attempts`` times, sleeping ``backoff_seconds`` * 1, 2, 4 ... in between; every
    attempt carries the same Message-ID. Recipients the server refuses are reported in
    the result (outcome "partial") while the others still get the message.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    if list_name != distribution.name:
        raise ValueError(f"list_name {list_name!r} does not match list {distribution.name!r}")
    try:
        Month.parse(edition)
    except ValueError as exc:
        raise DeliveryError(f"edition: {exc}") from exc
    if version < 1:
        raise DeliveryError(f"version {version} is not a version number; versions start at 1")
    if (
        not attachment_name.lower().endswith(".pdf")
        or any(ch in attachment_name for ch in '/\\"')
        or not attachment_name.isprintable()
    ):
        raise DeliveryError(
            f"attachment name {attachment_name!r} is not a plain PDF file name",
            hint="use a name like Essex-Police-Performance-Update-March-2014.pdf",
        )
    if dry_run_dir is None and settings is None:
        raise DeliveryError(
            "no SMTP settings to send with",
            hint=f"set {ENV_HOST} and {ENV_FROM}, or do a dry run",
        )
    if settings is not None and settings.security != "none":
        ssl_context = ssl_context or ssl.create_default_context()
        if ssl_context.verify_mode != ssl.CERT_REQUIRED or not ssl_context.check_hostname:
            raise ValueError("ssl_context must verify the server certificate and host name")

    values = dict(template_values or {})
    shadowed = sorted(set(values) & set(STANDARD_PLACEHOLDERS))
    if shadowed:
        raise ValueError(f"template_values may not replace {', '.join(shadowed)}")
    values.update(
        edition=edition,
        edition_month=edition_month,
        version=str(version),
        file_name=attachment_name,
    )
    subject, body = render_templates(distribution, values)

    pdf_bytes = _read_pdf(Path(pdf), max_bytes)
    pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    recipients = distribution.envelope_recipients
    send_log = Path(send_log)

    def record(outcome: Outcome, message_id: str, **details: Any) -> None:
        _append_record(
            send_log,
            SendRecord(
                message_id=message_id,
                edition=edition,
                version=version,
                list_name=list_name,
                recipients=recipients,
                delivered=details.get("delivered", ()),
                refused=details.get("refused", {}),
                attachment_sha256=pdf_sha256,
                attachment_name=attachment_name,
                server=settings.server if settings and dry_run_dir is None else None,
                time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                outcome=outcome,
                error=details.get("error"),
                attempts=details.get("attempts", 0),
            ),
        )

    with _folder_lock(send_log.parent):
        history = [
            entry
            for entry in read_send_log(send_log)
            if (entry.edition, entry.version, entry.list_name) == (edition, version, list_name)
        ]
        delivered_before = [entry for entry in history if entry.outcome in DELIVERED_OUTCOMES]
        if delivered_before and not resend:
            last = delivered_before[-1]
            raise DeliveryError(
                f"{edition} version {version} was already sent to list {list_name!r} at "
                f"{last.time} (Message-ID {last.message_id}, outcome {last.outcome})",
                file=send_log,
                hint="use --resend to send it again",
            )
        from_address = settings.from_address if settings else f"reportgen@{_DRY_RUN_DOMAIN}"
        message_id = _message_id_for(history, edition, version, list_name, from_address)
        message = _build_message(
            distribution=distribution,
            from_address=from_address,
            subject=subject,
            body=body,
            pdf_bytes=pdf_bytes,
            attachment_name=attachment_name,
            message_id=message_id,
        )
        data = message.as_bytes()

        if dry_run_dir is not None:
            eml_path = atomic.write_bytes(
                Path(dry_run_dir) / f"{edition}-v{version}-{list_name}.eml", data
            )
            record("dry-run", message_id)
            return SendResult(message_id, "dry-run", (), {}, 0, eml_path)

        assert settings is not None  # checked above
        # Written before the first connection so that, if this process dies mid-send,
        # the next run still finds and reuses the Message-ID.
        record("sending", message_id)
        made = 0
        while True:
            made += 1
            try:
                refused_raw = _send_once(settings, ssl_context, timeout, recipients, data)
                break
            except (smtplib.SMTPException, OSError) as exc:
                text = _redact(_describe(exc, timeout), settings)
                refused = _refusals(exc)
                if made >= attempts or not _is_temporary(exc):
                    record("failed", message_id, error=text, attempts=made, refused=refused)
                    raise _final_error(
                        exc, text, settings, edition, version, list_name, message_id, made
                    ) from None  # the cause may quote the server's AUTH exchange
                delay = backoff_seconds * 2 ** (made - 1)
                log.warning(
                    "sending %s v%s to %s via %s: attempt %d of %d failed (%s); retrying in %gs",
                    edition,
                    version,
                    list_name,
                    settings.server,
                    made,
                    attempts,
                    text,
                    delay,
                )
                sleep(delay)

        refused = {address: _reply(code, reply) for address, (code, reply) in refused_raw.items()}
        delivered = tuple(address for address in recipients if address not in refused)
        outcome: Outcome = "partial" if refused else "sent"
        record(outcome, message_id, delivered=delivered, refused=refused, attempts=made)
        return SendResult(message_id, outcome, delivered, refused, made)


def _read_pdf(pdf: Path, max_bytes: int) -> bytes:
    try:
        size = pdf.stat().st_size
        if size > max_bytes:
            raise DeliveryError(
                f"the PDF is {size / 1_048_576:.1f} MiB, over the "
                f"{max_bytes / 1_048_576:.1f} MiB attachment limit ({size} > {max_bytes} bytes)",
                file=pdf,
                hint="shrink the PDF (fewer or smaller images) or raise the limit if the "
                "recipients' mail server accepts more",
            )
        data = pdf.read_bytes()
    except OSError as exc:
        raise DeliveryError(f"cannot read the PDF: {exc.strerror or exc}", file=pdf) from exc
    if not data.startswith(b"%PDF-"):
        raise DeliveryError("this file is not a PDF", file=pdf, hint="pass the archived PDF")
    return data


def _message_id_for(
    history: list[SendRecord], edition: str, version: int, list_name: str, from_address: str
) -> str:
    """Reuse the Message-ID of an interrupted or failed send; else make a new one.

    A message that may already have reached someone must keep its Message-ID so mail
    clients can drop the duplicate. A resend after a delivered one gets a new ID: it is
    a new message, and clients that de-duplicate by ID would otherwise hide it. Dry runs
    reach nobody, so their IDs are not carried over.
    """
    for entry in reversed(history):
        if entry.outcome in DELIVERED_OUTCOMES:
            break
        if entry.outcome in ("sending", "failed"):
            return entry.message_id
    domain = getaddresses([from_address])[0][1].rpartition("@")[2] or _DRY_RUN_DOMAIN
    return make_msgid(idstring=f"reportgen.{edition}.v{version}.{list_name}", domain=domain)


def _build_message(
    *,
    distribution: DistributionList,
    from_address: str,
    subject: str,
    body: str,
    pdf_bytes: bytes,
    attachment_name: str,
    message_id: str,
) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = from_address
    message["To"] = ", ".join(distribution.to)
    if distribution.cc:
        message["Cc"] = ", ".join(distribution.cc)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    # Asks out-of-office responders not to reply to an automated send (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, subtype="plain", charset="utf-8")
    message.add_attachment(
        pdf_bytes, maintype="application", subtype="pdf", filename=attachment_name
    )
    return message


def _send_once(
    settings: SmtpSettings,
    context: ssl.SSLContext | None,
    timeout: float,
    recipients: tuple[str, ...],
    data: bytes,
) -> dict[str, tuple[int, bytes]]:
    """One connection, one transaction; returns the recipients the server refused."""
    client: smtplib.SMTP
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        client.ehlo_or_helo_if_needed()
        if settings.security == "starttls":
            # Never fall back to plain text: a stripped STARTTLS is how downgrades look.
            if not client.has_extn("starttls"):
                raise _NoStartTls("the server does not offer STARTTLS")
            client.starttls(context=context)
            client.ehlo_or_helo_if_needed()
        if settings.user is not None and settings.password is not None:
            client.login(settings.user, settings.password)
        return client.sendmail(getaddresses([settings.from_address])[0][1], list(recipients), data)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
        client.close()


def _is_temporary(exc: BaseException) -> bool:
    # Order matters: SMTPException and SSLError are both OSErrors.
    if isinstance(exc, ssl.SSLError | _NoStartTls):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _reply in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException):
        return False  # e.g. no AUTH offered, no usable AUTH method
    return isinstance(exc, OSError)  # refused, reset, unreachable, timed out, DNS


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"


def _refusals(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return {address: _reply(*reply) for address, reply in exc.recipients.items()}
    return {}


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = _refusals(exc)
        return "every recipient was refused: " + "; ".join(
            f"{address} ({reply})" for address, reply in refused.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"server replied {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listening on that port?)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verification failed: {exc.verify_message or exc.reason}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _redact(text: str, settings: SmtpSettings) -> str:
    """Remove the password, plainly or as AUTH encodes it, from text bound for humans."""
    secret = settings.password
    if not secret:
        return text
    forms = {secret, base64.b64encode(secret.encode()).decode()}
    if settings.user:
        forms.add(base64.b64encode(f"\0{settings.user}\0{secret}".encode()).decode())
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _final_error(
    exc: BaseException,
    text: str,
    settings: SmtpSettings,
    edition: str,
    version: int,
    list_name: str,
    message_id: str,
    made: int,
) -> DeliveryError:
    tries = f"{made} attempt{'s' if made != 1 else ''}"
    message = (
        f"could not send {edition} version {version} to list {list_name!r} via "
        f"{settings.server} ({settings.security}) after {tries}: {text}"
    )
    if isinstance(exc, _NoStartTls):
        hint = (
            f"reportgen will not send in plain text; use {ENV_SECURITY}=ssl with the "
            "server's TLS port, or enable STARTTLS on the server"
        )
    elif isinstance(exc, ssl.SSLError):
        hint = (
            f"the server's certificate must be trusted and name {settings.host}; fix the "
            f"certificate or set {ENV_HOST} to the name it carries"
        )
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        hint = f"check {ENV_USER} and {ENV_PASSWORD}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        hint = "check the addresses in the distribution list"
    elif _is_temporary(exc):
        hint = (
            f"check {ENV_HOST}/{ENV_PORT} and that the server is up, then run again; "
            f"the retry reuses Message-ID {message_id} so nobody sees two different messages"
        )
    else:
        hint = "the server refused the message permanently; its reply above says why"
    return DeliveryError(_redact(message, settings), hint=_redact(hint, settings))
