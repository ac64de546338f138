"""Email one archived edition PDF to one distribution list, at most once, knowingly.

In: the archived PDF (and the sha256 its manifest records), the readable name to attach
it under, the edition ("2014-03"), its month as readers say it ("March 2014") and its
version, a ``DistributionList`` (``deliver.distribution``), ``SmtpSettings``
(``deliver.smtpsettings``) and the edition's send log (``deliver.sendlog``).

Out: a ``SendResult`` (Message-ID, outcome, delivered and refused recipients, attempts)
and new records in the send log; for a dry run, an ``.eml`` file instead of a send.
Every problem the user can fix is a ``DeliveryError`` saying what is wrong and what to do.

How a message is sent at most once:

- the transaction is MAIL, RCPT each recipient, then DATA (smtplib's ``mail``, ``rcpt``
  and ``data``), so reportgen knows whether DATA was reached. The ``sending`` record
  (Message-ID, recipients) is on disk, fsynced, before the first byte of DATA, and the
  disk is checked beforehand for room for every record to come;
- a failure before DATA (no connection, a 4xx reply, a dropped connection) cannot have
  delivered anything: it is retried with backoff under the same Message-ID. So is an
  explicit 4xx reply to the message itself: the server says it did not take it;
- once DATA has begun, a time-out or a dropped connection leaves it open whether the
  server took the message: the record says ``unknown`` and nothing is retried. The next
  run refuses, naming the Message-ID, until ``--resend`` (which keeps that Message-ID, so
  mail clients can drop a duplicate);
- recipients the server refuses are recorded; the next run without ``--resend`` sends
  only to the recipients that have not accepted the message yet.
"""

from __future__ import annotations

import base64
import contextlib
import email.policy
import hashlib
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any

import msgspec

from reportgen import atomic, notices, steps
from reportgen.deliver.distribution import (
    STANDARD_PLACEHOLDERS,
    DistributionList,
    check_address,
    load_distribution,
    render_templates,
)
from reportgen.deliver.sendlog import (
    DELIVERED_OUTCOMES,
    Outcome,
    SendHistory,
    SendRecord,
    append_record,
    check_room,
    message_id_problem,
    read_send_log,
    send_lock,
)
from reportgen.deliver.smtpsettings import (
    ENV_FROM,
    ENV_HOST,
    ENV_OAUTH_TOKEN,
    ENV_OAUTH_TOKEN_COMMAND,
    ENV_PASSWORD,
    ENV_PORT,
    ENV_SECURITY,
    ENV_TIMEOUT,
    ENV_USER,
    SmtpSettings,
    access_token,
    redact,
    smtp_settings_from_env,
    xoauth2_string,
)
from reportgen.errors import DeliveryError
from reportgen.months import Month
from reportgen.reading import read_limited

__all__ = [
    "DELIVERED_OUTCOMES",
    "DeliveryError",
    "DistributionList",
    "Outcome",
    "SendRecord",
    "SendResult",
    "SmtpSettings",
    "check_address",
    "load_distribution",
    "read_send_log",
    "render_templates",
    "send_edition",
    "smtp_settings_from_env",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_DRY_RUN_DOMAIN = "reportgen.invalid"
# records one send can write after the check for room: sending, final, one per retry
_RECORDS_PER_SEND = 8


class SendResult(msgspec.Struct, frozen=True):
    """What happened to one send; ``refused`` maps address -> server reply."""

    message_id: str
    outcome: Outcome
    delivered: tuple[str, ...]
    refused: Mapping[str, str]
    attempts: int
    eml_path: Path | None = None


_QUIT_SECONDS = 2.0  # QUIT is politeness once the message is taken: not worth a long wait


class _ReplyWithin:
    """The connection's reply stream, read line by line as smtplib reads it, giving up
    once the reply has taken longer than the client allows for one reply: the socket's
    time-out only bounds each read, and a server that trickles a reply (continuation
    lines "250-still working", or one line a byte at a time) would otherwise hold the
    send for as long as it likes. Each line's reply code is noted (``codes``)."""

    def __init__(self, lines: Any, client: _BoundedReplies) -> None:
        self._lines = lines
        self._client = client

    def readline(self, size: int = -1) -> bytes:
        limit = size if size >= 0 else _MAX_REPLY_LINE
        line = bytearray()
        while len(line) < limit:
            remaining = self._client.reply_deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete reply within {self._client.reply_seconds:g} s")
            if self._client.sock is not None:
                self._client.sock.settimeout(remaining)
            # what is buffered, or one read of the socket, bounded by the time left
            buffered: bytes = self._lines.peek(1)
            if not buffered:
                break  # the connection closed
            end = buffered.find(b"\n", 0, limit - len(line))
            take = end + 1 if end >= 0 else min(len(buffered), limit - len(line))
            line += self._lines.read(take)
            if end >= 0:
                break
        self._client.codes.append(bytes(line[:3]))
        return bytes(line)

    def close(self) -> None:
        self._lines.close()


# smtplib reads a reply line with readline(_MAXLINE + 1); the same bound where no size
# is given
_MAX_REPLY_LINE = 8193
_DISAGREEING = b"lines with different reply codes: "


class _BoundedReplies(smtplib.SMTP):
    """smtplib's client, each whole reply bounded by ``reply_seconds`` (the greeting,
    read as it connects, too). A reply whose lines give different codes ("250-ok" then
    "550 no") says neither yes nor no: it is read as no reply code at all (-1)."""

    def __init__(self, *args: Any, reply_seconds: float, **options: Any) -> None:
        self.reply_seconds = reply_seconds
        self.reply_deadline = 0.0
        self.codes: list[bytes] = []  # the reply code of each line of the reply being read
        self.replies: list[int] = []  # every reply code read so far on this connection
        super().__init__(*args, **options)

    def getreply(self) -> tuple[int, bytes]:
        # the stream is made anew after STARTTLS (smtplib drops it): wrap whatever is there
        if not isinstance(self.file, _ReplyWithin) and self.sock is not None:
            self.file = _ReplyWithin(self.file or self.sock.makefile("rb"), self)
        self.reply_deadline = time.monotonic() + self.reply_seconds
        self.codes = []
        try:
            code, text = super().getreply()
        finally:
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.settimeout(self.timeout)
        if len(set(self.codes)) > 1:
            code = -1
            text = _DISAGREEING + b" / ".join(self.codes)
        self.replies.append(code)
        return code, text


class _ClientSSL(_BoundedReplies, smtplib.SMTP_SSL):
    pass


class _NoStartTls(smtplib.SMTPException):
    """security=starttls but the server does not offer it."""


class _BadHost(smtplib.SMTPException):
    """The host name cannot be looked up or put in a TLS handshake (the IDNA codec
    refuses it). The settings refuse such a name; this catches any that gets past."""


class _AfterData(Exception):
    """DATA was sent and no reply came: the server may or may not have the message."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _Attempt(msgspec.Struct):
    """How far one attempt got, for the record an interruption leaves."""

    reached_data: bool = False
    accepted: tuple[str, ...] = ()  # the recipients the server was handed the message for
    # once the server said it took the message: (accepted, refused with their replies)
    taken: tuple[tuple[str, ...], dict[str, tuple[int, bytes]]] | None = None


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
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
    expected_sha256: str | None = None,
) -> SendResult:
    """Send ``pdf`` to one list, or with ``dry_run_dir`` write the ``.eml`` there instead.

    See the module docstring for what is retried and what is refused. ``timeout``
    overrides the settings' time-out; ``expected_sha256`` is what the archive's manifest
    says the PDF is: anything else is refused before connecting.
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
    wait = timeout if timeout is not None else (settings.timeout if settings else 30.0)

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
    if expected_sha256 is not None and pdf_sha256 != expected_sha256:
        raise DeliveryError(
            "the PDF to send is not the one the archive's manifest records (its sha256 "
            "differs): it was changed after it was archived; nothing was sent",
            file=pdf,
            hint="run 'reportgen verify'; restore the version folder from backup",
        )
    recipients = distribution.envelope_recipients
    send_log = Path(send_log)

    def record(outcome: Outcome, message_id: str, targets: tuple[str, ...], **details: Any) -> None:
        append_record(send_log, _record(outcome, message_id, targets, **details))

    def _record(
        outcome: Outcome, message_id: str, targets: tuple[str, ...], **details: Any
    ) -> SendRecord:
        return SendRecord(
            message_id=message_id,
            edition=edition,
            version=version,
            list_name=list_name,
            recipients=targets,
            delivered=details.get("delivered", ()),
            refused=details.get("refused", {}),
            attachment_sha256=pdf_sha256,
            attachment_name=attachment_name,
            server=settings.server if settings and dry_run_dir is None else None,
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            outcome=outcome,
            error=details.get("error"),
            attempts=details.get("attempts", 0),
        )

    with send_lock(send_log.parent):
        history = SendHistory.of(read_send_log(send_log), edition, version, list_name)
        targets = _targets(history, recipients, resend, send_log, edition, version, list_name)
        from_address = settings.from_address if settings else f"reportgen@{_DRY_RUN_DOMAIN}"
        message_id = _message_id_for(history, resend, edition, version, list_name, from_address)
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
            atomic.ensure_folder(dry_run_dir)
            eml_path = atomic.write_bytes(
                Path(dry_run_dir) / f"{edition}-v{version}-{list_name}.eml", data
            )
            record("dry-run", message_id, targets)
            return SendResult(message_id, "dry-run", (), {}, 0, eml_path)

        assert settings is not None  # checked above
        check_room(send_log, _record("sending", message_id, targets), _RECORDS_PER_SEND)
        token = access_token(settings)  # a token command runs once, before connecting

        def before_data(accepted: tuple[str, ...]) -> None:
            # on disk before the first byte of DATA: if this process dies from here on,
            # the next run knows the message may have been delivered, and to whom
            try:
                record("sending", message_id, accepted, attempts=attempted)
            except DeliveryError as error:
                raise DeliveryError(
                    f"{error.message}; nothing was sent", file=error.file, hint=error.hint
                ) from error
            steps.reached("send: before DATA")

        attempted = 0
        while True:
            attempted += 1
            attempt = _Attempt()
            try:
                accepted, refused_raw = _send_once(
                    settings, ssl_context, wait, targets, data, token, before_data, attempt
                )
                break
            except _AfterData as unknown:
                text = redact(_describe(unknown.cause, wait), settings, token)
                problem = _unknown_error(text, settings, edition, version, list_name, message_id)
                try:
                    record("unknown", message_id, attempt.accepted, error=text, attempts=attempted)
                except DeliveryError as error:
                    raise _unrecorded(problem, error, "sending") from None
                raise problem from None
            except (smtplib.SMTPException, OSError) as exc:
                text = redact(_describe(exc, wait), settings, token)
                refused = _refusals(exc)
                if attempted >= attempts or not _is_temporary(exc):
                    record(
                        "failed",
                        message_id,
                        targets,
                        error=text,
                        attempts=attempted,
                        refused=refused,
                    )
                    raise _final_error(
                        exc, text, settings, edition, version, list_name, message_id, attempted
                    ) from None  # the cause may quote the server's AUTH exchange
                delay = backoff_seconds * 2 ** (attempted - 1)
                notices.note(
                    f"sending {edition} v{version} to {list_name} via {settings.server}: "
                    f"attempt {attempted} of {attempts} failed ({text}); nothing was delivered, "
                    f"retrying in {delay:g} s"
                )
                _interruptible(sleep, delay, record, message_id, targets, attempted)
            except BaseException as stop:  # Ctrl-C, SIGTERM, no room for the log
                if attempt.taken is not None:  # stopped while saying QUIT: it was delivered
                    taken, refused_then = attempt.taken
                    notices.note(
                        f"{edition} version {version} was delivered to list {list_name!r} "
                        f"(Message-ID {message_id}) before the stop; the send log says so"
                    )
                    with contextlib.suppress(DeliveryError, OSError):
                        record(
                            "partial" if refused_then else "sent",
                            message_id,
                            targets,
                            delivered=taken,
                            refused={a: _reply(*r) for a, r in refused_then.items()},
                            attempts=attempted,
                        )
                    raise
                handed = attempt.accepted if attempt.reached_data else targets
                _record_stop(record, message_id, handed, attempted, attempt.reached_data, stop)
                raise

        refused = {address: _reply(code, reply) for address, (code, reply) in refused_raw.items()}
        outcome: Outcome = "partial" if refused else "sent"
        try:
            record(
                outcome,
                message_id,
                targets,
                delivered=accepted,
                refused=refused,
                attempts=attempted,
            )
        except DeliveryError as error:
            delivered = DeliveryError(
                f"{edition} version {version} was delivered to list {list_name!r} "
                f"(Message-ID {message_id}, accepted for {', '.join(accepted)})"
            )
            raise _unrecorded(delivered, error, "sending") from None
        return SendResult(message_id, outcome, accepted, refused, attempted)


def _interruptible(
    sleep: Callable[[float], None],
    delay: float,
    record: Callable[..., None],
    message_id: str,
    targets: tuple[str, ...],
    attempted: int,
) -> None:
    try:
        sleep(delay)
    except BaseException as stop:
        _record_stop(record, message_id, targets, attempted, False, stop)
        raise


def _record_stop(
    record: Callable[..., None],
    message_id: str,
    targets: tuple[str, ...],
    attempted: int,
    reached_data: bool,
    stop: BaseException,
) -> None:
    """Leave the log saying what is known when a send stops on something not SMTP's."""
    outcome: Outcome = "unknown" if reached_data else "failed"
    if isinstance(stop, Exception):
        why = str(stop)
    elif reached_data:
        why = "interrupted while the server was receiving the message"
    else:
        why = "interrupted before the message was sent"
    # if even this cannot be written, the log still says 'sending': the next run refuses
    with contextlib.suppress(DeliveryError, OSError):
        record(outcome, message_id, targets, error=why, attempts=attempted)


def _targets(
    history: SendHistory,
    recipients: tuple[str, ...],
    resend: bool,
    send_log: Path,
    edition: str,
    version: int,
    list_name: str,
) -> tuple[str, ...]:
    """Who this run sends to: whoever has not accepted it; on --resend after a send that
    may or may not have arrived, also everyone that send was handed to; on --resend
    otherwise, everyone."""
    uncertain = history.uncertain
    if uncertain is not None and not resend:
        state = (
            "was interrupted after the message was handed to the server"
            if uncertain.outcome == "sending"
            else "got no answer after the message was sent"
        )
        raise DeliveryError(
            f"{edition} version {version} may already have been delivered to list "
            f"{list_name!r}: the send at {uncertain.time} (Message-ID {uncertain.message_id}) "
            f"{state}, so reportgen cannot tell whether it arrived (send log: "
            f"'{uncertain.outcome}')",
            file=send_log,
            hint="ask a recipient or check the server's message trace for that Message-ID; "
            "to send it anyway run again with --resend (it keeps the Message-ID, so mail "
            "clients can drop a duplicate)",
        )
    pending = tuple(r for r in recipients if r.lower() not in history.accepted)
    if resend and uncertain is not None:
        # --resend settles the send that may or may not have arrived: it goes to those
        # that send was handed to, and to any who have not accepted the message at all,
        # not again to those known to have it from before
        handed = {address.lower() for address in uncertain.recipients}
        return tuple(r for r in recipients if r.lower() in handed or r in pending)
    if resend:
        return recipients  # the deliberate second sending, to the whole list
    if not pending:
        last = history.last_delivered
        assert last is not None  # everyone accepted it, so something was delivered
        raise DeliveryError(
            f"{edition} version {version} was already sent to list {list_name!r} at "
            f"{last.time} (Message-ID {last.message_id}, outcome {last.outcome})",
            file=send_log,
            hint="use --resend to send it again",
        )
    return pending


def _read_pdf(pdf: Path, max_bytes: int) -> bytes:
    try:
        size = pdf.stat().st_size
        if size > max_bytes:
            raise DeliveryError(
                f"the PDF is {size / 1_048_576:.3g} MiB, over the "
                f"{max_bytes / 1_048_576:.3g} MiB attachment limit ({size} > {max_bytes} bytes)",
                file=pdf,
                hint="shrink the PDF (fewer or smaller images) or raise the limit if the "
                "recipients' mail server accepts more",
            )
        data = read_limited(pdf, max_bytes)  # a FIFO or a file grown since: refused
    except OSError as exc:
        raise DeliveryError(f"cannot read the PDF: {exc.strerror or exc}", file=pdf) from exc
    if not data.startswith(b"%PDF-"):
        raise DeliveryError("this file is not a PDF", file=pdf, hint="pass the archived PDF")
    return data


def _message_id_for(
    history: SendHistory,
    resend: bool,
    edition: str,
    version: int,
    list_name: str,
    from_address: str,
) -> str:
    """Keep the Message-ID of a message that may have reached someone; else a new one.

    A message that may already have reached someone (interrupted, unknown, failed, or
    accepted by some recipients and now sent to the rest) keeps its Message-ID, so mail
    clients can drop a duplicate. A resend after a delivered one gets a new ID: it is a
    new message, and clients that de-duplicate by ID would otherwise hide it.
    """
    last = history.records[-1] if history.records else None
    if last is not None and not (resend and last.outcome in DELIVERED_OUTCOMES):
        return last.message_id  # read_send_log has checked it is one Message-ID
    domain = getaddresses([from_address])[0][1].rpartition("@")[2] or _DRY_RUN_DOMAIN
    full = f"reportgen.{edition}.v{version}.{list_name}"
    short = f"reportgen.{edition}.v{version}"
    # only an ID the send log will read back (message_id_problem): a very long list name
    # or a sender's domain that is not a dot-atom ("force.example.") would otherwise leave
    # a log that stops the next run; the last choice always is one
    for idstring, right in ((full, domain), (short, domain), (short, _DRY_RUN_DOMAIN)):
        message_id = make_msgid(idstring=idstring, domain=right)
        if message_id_problem(message_id) is None:
            break
    return message_id


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
    token: str | None,
    before_data: Callable[[tuple[str, ...]], None],
    attempt: _Attempt,
) -> tuple[tuple[str, ...], dict[str, tuple[int, bytes]]]:
    """One connection, one transaction: (accepted recipients, refused ones with replies).

    Raises ``_AfterData`` when DATA was begun and no reply came; any other error means
    the server cannot have accepted the message.
    """
    client: _BoundedReplies
    try:
        if settings.security == "ssl":
            client = _ClientSSL(
                settings.host,
                settings.port,
                timeout=timeout,
                context=context,
                reply_seconds=timeout,
            )
        else:
            client = _BoundedReplies(
                settings.host, settings.port, timeout=timeout, reply_seconds=timeout
            )
    except UnicodeError as exc:  # from socket's and ssl's IDNA encoding of the name
        raise _BadHost(f"the host name cannot be looked up ({exc})") from exc
    polite = True
    try:
        client.ehlo_or_helo_if_needed()
        if settings.security == "starttls":
            # Never fall back to plain text: a stripped STARTTLS is how downgrades look.
            if not client.has_extn("starttls"):
                raise _NoStartTls("the server does not offer STARTTLS")
            try:
                client.starttls(context=context)
            except UnicodeError as exc:  # the name as TLS sends it (IDNA)
                raise _BadHost(f"the host name cannot be sent in TLS ({exc})") from exc
            client.ehlo_or_helo_if_needed()
        _log_in(client, settings, token)
        sender = getaddresses([settings.from_address])[0][1]
        code, reply = client.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused: dict[str, tuple[int, bytes]] = {}
        for address in recipients:
            code, reply = client.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, reply)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        accepted = tuple(address for address in recipients if address not in refused)
        before_data(accepted)
        attempt.reached_data, attempt.accepted = True, accepted
        replies_before = len(client.replies)
        try:
            code, reply = client.data(data)
        except smtplib.SMTPDataError:
            raise  # the DATA command itself was refused: no byte of the message was sent
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            if 354 not in client.replies[replies_before:]:
                # no "go ahead" to the DATA command (the connection closed, the time ran
                # out): the message was never sent, and may be sent again
                attempt.reached_data = False
                raise
            raise _AfterData(exc) from exc  # no reply, or one that cannot be read
        if 400 <= code < 600:
            # an explicit refusal of the message: the server says it did not take it
            raise smtplib.SMTPDataError(code, reply)
        if not 200 <= code < 300:
            # no reply code at all (-1: unreadable), or one that means neither yes nor no
            raise _AfterData(smtplib.SMTPResponseException(code, reply))
        attempt.taken = (accepted, refused)  # any 2xx: the server has it
        return accepted, refused
    except BaseException as error:
        # say QUIT only to a server that is answering: after a time-out, a lost connection,
        # a TLS handshake cut short or Ctrl-C/SIGTERM, waiting for its reply would only
        # delay the exit
        polite = isinstance(error, smtplib.SMTPException) and not isinstance(
            error, smtplib.SMTPServerDisconnected | _BadHost
        )
        raise
    finally:
        if polite:
            client.reply_seconds = min(timeout, _QUIT_SECONDS)
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
        client.close()


def _log_in(client: smtplib.SMTP, settings: SmtpSettings, token: str | None) -> None:
    if settings.user is None:
        return
    if token is not None:
        _auth_xoauth2(client, settings.user, token)
    elif settings.password is not None:
        if f"{settings.user}{settings.password}".isascii():
            client.login(settings.user, settings.password)
        else:
            _auth_utf8(client, settings.user, settings.password)


def _mechanisms(client: smtplib.SMTP) -> list[str]:
    if not client.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("the server does not offer AUTH (logging in)")
    return client.esmtp_features.get("auth", "").upper().split()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _auth_utf8(client: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN (or LOGIN) with UTF-8 credentials (RFC 4616), which smtplib's
    ``login`` cannot send: it encodes them as ASCII."""
    mechanisms = _mechanisms(client)
    if "PLAIN" in mechanisms:
        code, reply = client.docmd("AUTH", "PLAIN " + _b64(f"\0{user}\0{password}"))
    elif "LOGIN" in mechanisms:
        code, reply = client.docmd("AUTH", "LOGIN " + _b64(user))
        if code == 334:
            code, reply = client.docmd(_b64(password))
    else:
        raise smtplib.SMTPException(
            "the server offers no AUTH method that carries a non-ASCII password "
            f"(PLAIN or LOGIN; it offers {' '.join(mechanisms) or 'none'})"
        )
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _auth_xoauth2(client: smtplib.SMTP, user: str, token: str) -> None:
    """AUTH XOAUTH2: the user and an OAuth 2.0 bearer token (Microsoft 365, Google)."""
    mechanisms = _mechanisms(client)
    if "XOAUTH2" not in mechanisms:
        raise smtplib.SMTPException(
            f"the server does not offer AUTH XOAUTH2 (it offers {' '.join(mechanisms)}); "
            f"set {ENV_PASSWORD} instead of an OAuth token"
        )
    code, reply = client.docmd("AUTH", "XOAUTH2 " + _b64(xoauth2_string(user, token)))
    if code == 334:
        # the server's error, as base64 JSON; an empty line ends the exchange (RFC 7628)
        with contextlib.suppress(ValueError):
            reply = base64.b64decode(reply, validate=True)
        code, _final = client.docmd("")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _is_temporary(exc: BaseException) -> bool:
    # Order matters: SMTPException and SSLError are both OSErrors.
    if isinstance(exc, ssl.SSLError | _NoStartTls | _BadHost):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _reply in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True  # before DATA (after it, _AfterData): nothing was handed over
    if isinstance(exc, smtplib.SMTPResponseException):
        # a reply with no code (garbled) refuses nothing for good: before DATA, nothing
        # was handed over, so trying again does no harm
        return 400 <= exc.smtp_code < 500 or exc.smtp_code == -1
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
    if isinstance(exc, _BadHost | _NoStartTls):
        return str(exc)
    if isinstance(exc, TimeoutError) and str(exc):
        return str(exc)  # a reply that took too long as a whole says so itself
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = _refusals(exc)
        return "every recipient was refused: " + "; ".join(
            f"{address} ({reply})" for address, reply in refused.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == -1:
        told = exc.smtp_error
        if isinstance(told, bytes) and told.startswith(_DISAGREEING):
            return f"the server's reply had {told.decode('ascii', 'replace')}"
        return "the server's reply had no reply code"  # smtplib keeps only part of it
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"server replied {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listening on that port?)"
    # smtplib reports a reply that timed out as a disconnection, raised while handling it
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verification failed: {exc.verify_message or exc.reason}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _unknown_error(
    text: str,
    settings: SmtpSettings,
    edition: str,
    version: int,
    list_name: str,
    message_id: str,
) -> DeliveryError:
    return DeliveryError(
        redact(
            f"{edition} version {version} may or may not have been delivered to list "
            f"{list_name!r}: the message (Message-ID {message_id}) was sent to "
            f"{settings.server} but {text} before it confirmed it; the send log says "
            "'unknown' and it was not sent again",
            settings,
        ),
        hint=f"ask a recipient or check the server's message trace for {message_id}; "
        f"to send it anyway, run again with --resend (raise {ENV_TIMEOUT} if the server "
        "is slow)",
    )


def _unrecorded(what: DeliveryError, error: DeliveryError, log_says: str) -> DeliveryError:
    """``what`` happened, but the send log could not record it (a full disk)."""
    return DeliveryError(
        f"{what.message}, but the send log could not record it ({error.message}); it still "
        f"says '{log_says}', so the next send of this edition to this list will refuse "
        "until you decide",
        file=error.file,
        hint="free some space; do not --resend unless a recipient says it did not arrive",
    )


def _final_error(
    exc: BaseException,
    text: str,
    settings: SmtpSettings,
    edition: str,
    version: int,
    list_name: str,
    message_id: str,
    attempted: int,
) -> DeliveryError:
    tries = f"{attempted} attempt{'s' if attempted != 1 else ''}"
    message = (
        f"could not send {edition} version {version} to list {list_name!r} via "
        f"{settings.server} ({settings.security}) after {tries}: {text}"
    )
    if isinstance(exc, _NoStartTls):
        hint = (
            f"reportgen will not send in plain text; use {ENV_SECURITY}=ssl with the "
            "server's TLS port, or enable STARTTLS on the server (for a test server on "
            f"this machine, {ENV_SECURITY}=none sends in plain text, with no login)"
        )
    elif isinstance(exc, _BadHost):
        hint = (
            f"set {ENV_HOST} to the server's name (letters, digits and hyphens, in parts "
            "of at most 63 between dots) or its IP address"
        )
    elif isinstance(exc, ssl.SSLError) and exc.reason == "WRONG_VERSION_NUMBER":
        hint = (
            f"the server did not answer in TLS on port {settings.port}: with "
            f"{ENV_SECURITY}=ssl use its TLS port (usually 465); on port 587 use starttls"
        )
    elif isinstance(exc, ssl.SSLError):
        hint = (
            f"the server's certificate must be trusted and name {settings.host}; fix the "
            f"certificate or set {ENV_HOST} to the name it carries"
        )
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        if settings.uses_oauth:
            hint = (
                f"check {ENV_USER} (the mailbox) and the token from {ENV_OAUTH_TOKEN} or "
                f"{ENV_OAUTH_TOKEN_COMMAND}: it must be current and carry the SMTP.Send "
                "permission"
            )
        else:
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
    return DeliveryError(redact(message, settings), hint=redact(hint, settings))
