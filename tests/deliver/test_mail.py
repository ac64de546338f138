"""deliver/mail.py against real SMTP servers (aiosmtpd on 127.0.0.1); smtplib is not mocked."""

from __future__ import annotations

import base64
import logging
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from reportgen.deliver.mail import (
    SmtpSettings,
    load_distribution,
    read_send_log,
    smtp_settings_from_env,
)
from reportgen.errors import DeliveryError

from .mail_fixtures import (
    ATTACHMENT,
    FROM,
    HEADLINE,
    PASSWORD,
    RECIPIENTS,
    REPO,
    SUBJECT,
    Edition,
    outcomes,
    parse,
    plain,
)
from .smtp_fixtures import (
    DROP,
    HOST,
    RecordingHandler,
    free_port,
    make_tls,
    password_authenticator,
    running_smtp,
)

# --- a good send ---------------------------------------------------------------------


@pytest.mark.slow
def test_message_arrives_with_headers_body_and_attachment(edition: Edition) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port:
        result = edition.send(plain(port))

    assert result.outcome == "sent"
    assert result.delivered == tuple(RECIPIENTS)
    assert result.refused == {}
    assert result.attempts == 1
    [received] = handler.received
    assert received.mail_from == "mpr@force.example.org"
    assert received.rcpt_tos == RECIPIENTS

    message = parse(received.content)
    assert message["From"] == FROM
    assert message["To"] == (
        "Performance Team <performance@pcc.example.org>, analyst@pcc.example.org"
    )
    assert message["Cc"] == "board-secretary@pcc.example.org"
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == result.message_id
    sent_at = parsedate_to_datetime(message["Date"])
    assert sent_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=2)

    body = message.get_body(("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    text = body.get_content().replace("\r\n", "\n")  # the wire form has CRLF line ends
    assert f"Attached: {ATTACHMENT} (version 1) for March 2014." in text
    assert HEADLINE in text

    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == ATTACHMENT
    assert attachment.get_content() == edition.pdf.read_bytes()

    records = read_send_log(edition.send_log)
    assert [r.outcome for r in records] == ["sending", "sent"]
    sent = records[-1]
    assert (sent.message_id, sent.edition, sent.version, sent.list_name) == (
        result.message_id,
        "2014-03",
        1,
        "board",
    )
    assert sent.recipients == tuple(RECIPIENTS) and sent.refused == {}
    assert sent.attachment_name == ATTACHMENT
    assert sent.attempts == 1 and sent.error is None
    assert sent.server == f"{HOST}:{port}"
    assert datetime.fromisoformat(sent.time).utcoffset() == timedelta(0)


@pytest.mark.slow
def test_second_send_is_refused_and_resend_goes_through(edition: Edition) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port:
        first = edition.send(plain(port))
        with pytest.raises(DeliveryError) as refused:
            edition.send(plain(port))
        again = edition.send(plain(port), resend=True)

    sent_at = read_send_log(edition.send_log)[1].time
    assert "already sent" in str(refused.value) and sent_at in str(refused.value)
    assert "--resend" in str(refused.value)
    assert len(handler.received) == 2
    # A resend is a new message: reusing the ID would let clients hide it as a duplicate.
    assert again.message_id != first.message_id
    assert [parse(r.content)["Message-ID"] for r in handler.received] == [
        first.message_id,
        again.message_id,
    ]
    assert outcomes(edition) == ["sending", "sent", "sending", "sent"]


@pytest.mark.slow
def test_a_refused_recipient_is_named_and_the_others_still_get_it(edition: Edition) -> None:
    handler = RecordingHandler(refuse={"analyst@pcc.example.org": "550 5.1.1 No such user"})
    with running_smtp(handler) as port:
        result = edition.send(plain(port))

    assert result.outcome == "partial"
    assert result.refused == {"analyst@pcc.example.org": "550 5.1.1 No such user"}
    assert result.delivered == ("performance@pcc.example.org", "board-secretary@pcc.example.org")
    [received] = handler.received
    assert received.rcpt_tos == list(result.delivered)
    last = read_send_log(edition.send_log)[-1]
    assert last.outcome == "partial"
    assert last.refused == {"analyst@pcc.example.org": "550 5.1.1 No such user"}


@pytest.mark.slow
def test_every_recipient_refused_fails_without_retry(edition: Edition) -> None:
    handler = RecordingHandler(refuse={a: "550 5.1.1 No such user" for a in RECIPIENTS})
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as failed:
        edition.send(plain(port))

    assert "every recipient was refused" in str(failed.value)
    assert all(address in str(failed.value) for address in RECIPIENTS)
    assert edition.sleeps == []
    assert read_send_log(edition.send_log)[-1].outcome == "failed"


# --- faults and retries --------------------------------------------------------------


@pytest.mark.slow
def test_retry_after_a_refused_transfer_keeps_the_message_id(edition: Edition) -> None:
    # an explicit 4xx to the message: the server says it did not take it, so a retry
    # cannot deliver it twice
    handler = RecordingHandler(data_replies=["421 4.3.2 Service busy, try later"])
    with running_smtp(handler) as port:
        result = edition.send(plain(port))

    assert result.outcome == "sent" and result.attempts == 2
    assert edition.sleeps == [0.5]
    assert len(handler.data_attempts) == 2 and len(handler.received) == 1
    ids = {parse(attempt.content)["Message-ID"] for attempt in handler.data_attempts}
    assert ids == {result.message_id}
    # each attempt that reached DATA said so first
    assert outcomes(edition) == ["sending", "sending", "sent"]


@pytest.mark.slow
def test_a_connection_dropped_after_data_is_unknown_and_never_resent_by_itself(
    edition: Edition,
) -> None:
    handler = RecordingHandler(data_replies=[DROP])
    with running_smtp(handler) as port:
        with pytest.raises(DeliveryError) as unknown:
            edition.send(plain(port))
        assert len(handler.data_attempts) == 1 and edition.sleeps == []
        records = read_send_log(edition.send_log)
        assert [r.outcome for r in records] == ["sending", "unknown"]
        message_id = records[-1].message_id
        assert "may or may not have been delivered" in str(unknown.value)
        assert message_id in str(unknown.value) and "--resend" in str(unknown.value)

        with pytest.raises(DeliveryError) as refused:
            edition.send(plain(port))
        assert "may already have been delivered" in str(refused.value)
        assert message_id in str(refused.value) and "--resend" in str(refused.value)
        assert len(handler.data_attempts) == 1  # the rerun did not connect at all

        again = edition.send(plain(port), resend=True)
    # the same Message-ID: a client that has the first copy can drop this one
    assert again.message_id == message_id
    assert [parse(m.content)["Message-ID"] for m in handler.received] == [message_id]


@pytest.mark.slow
def test_a_permanent_rejection_is_not_retried(edition: Edition) -> None:
    handler = RecordingHandler(data_replies=["554 5.7.1 Message rejected by policy"])
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as failed:
        edition.send(plain(port))

    assert "554 5.7.1 Message rejected by policy" in str(failed.value)
    assert "after 1 attempt" in str(failed.value)
    assert edition.sleeps == [] and len(handler.data_attempts) == 1
    last = read_send_log(edition.send_log)[-1]
    assert (last.outcome, last.attempts) == ("failed", 1)


@pytest.mark.slow
def test_no_server_fails_after_bounded_retries_and_a_later_run_reuses_the_id(
    edition: Edition,
) -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as failed:
        edition.send(plain(port), attempts=4)

    message = str(failed.value)
    assert f"{HOST}:{port}" in message and "after 4 attempts" in message
    assert "connection refused" in message
    assert edition.sleeps == [0.5, 1.0, 2.0]
    records = read_send_log(edition.send_log)
    assert [r.outcome for r in records] == ["failed"]  # DATA was never reached
    assert records[-1].attempts == 4 and "connection refused" in (records[-1].error or "")

    handler = RecordingHandler()
    with running_smtp(handler) as later_port:
        result = edition.send(plain(later_port))
    assert result.message_id == records[-1].message_id
    assert parse(handler.received[0].content)["Message-ID"] == records[-1].message_id


@pytest.mark.slow
def test_a_run_killed_mid_send_leaves_its_message_id_for_the_next(edition: Edition) -> None:
    def killed(_seconds: float) -> None:
        raise KeyboardInterrupt  # the operator's Ctrl-C while waiting to retry

    with pytest.raises(KeyboardInterrupt):
        edition.send(plain(free_port()), sleep=killed)
    [interrupted] = read_send_log(edition.send_log)
    # nothing reached the server, and the log says so (a run killed outright after DATA
    # leaves 'sending': tests/workflow/test_faults.py)
    assert interrupted.outcome == "failed"
    assert "interrupted before the message was sent" in (interrupted.error or "")

    handler = RecordingHandler()
    with running_smtp(handler) as port:
        result = edition.send(plain(port))
    assert result.message_id == interrupted.message_id


# --- TLS and login -------------------------------------------------------------------


@pytest.mark.slow
def test_starttls_with_a_trusted_certificate_and_login(
    edition: Edition, caplog: pytest.LogCaptureFixture
) -> None:
    tls = make_tls()
    handler = RecordingHandler(data_replies=["451 4.3.0 Try again"])  # forces a logged retry
    options = dict(
        tls_context=tls.server,
        require_starttls=True,
        auth_required=True,
        authenticator=password_authenticator("mpr", PASSWORD),
    )
    with caplog.at_level(logging.DEBUG), running_smtp(handler, **options) as port:
        settings = plain(port, security="starttls", user="mpr", password=PASSWORD)
        result = edition.send(settings, ssl_context=tls.trusting_client)

    assert result.outcome == "sent" and result.attempts == 2
    assert parse(handler.received[0].content)["Message-ID"] == result.message_id
    assert "retrying" in caplog.text
    for secret in (PASSWORD, base64.b64encode(PASSWORD.encode()).decode()):
        assert secret not in caplog.text
        assert secret not in edition.log_text()


@pytest.mark.slow
def test_implicit_tls(edition: Edition) -> None:
    tls = make_tls()
    handler = RecordingHandler()
    with running_smtp(handler, ssl_context=tls.server) as port:
        result = edition.send(plain(port, security="ssl"), ssl_context=tls.trusting_client)
    assert result.outcome == "sent" and len(handler.received) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("certificate_for", "trusted"),
    [(HOST, False), ("mail.elsewhere.example", True)],
    ids=["unknown-ca", "wrong-host-name"],
)
def test_starttls_refuses_a_certificate_that_does_not_verify(
    edition: Edition, certificate_for: str, trusted: bool
) -> None:
    tls = make_tls(certificate_for=certificate_for)
    client = tls.trusting_client if trusted else ssl.create_default_context()
    handler = RecordingHandler()
    with running_smtp(handler, tls_context=tls.server, require_starttls=True) as port:
        with pytest.raises(DeliveryError) as failed:
            edition.send(plain(port, security="starttls"), ssl_context=client)

    assert "certificate verification failed" in str(failed.value)
    assert edition.sleeps == [] and handler.data_attempts == []
    assert read_send_log(edition.send_log)[-1].outcome == "failed"


@pytest.mark.slow
def test_resend_after_an_unknown_goes_only_to_those_not_known_to_have_it(
    edition: Edition,
) -> None:
    refused = RECIPIENTS[1]
    partly = RecordingHandler(refuse={refused: "550 5.1.1 No such user"})
    with running_smtp(partly) as port:
        assert edition.send(plain(port)).outcome == "partial"
    dropped = RecordingHandler(data_replies=[DROP])  # the address fixed, then no answer
    with running_smtp(dropped) as port, pytest.raises(DeliveryError, match="may or may not"):
        edition.send(plain(port))
    assert dropped.data_attempts[0].rcpt_tos == [refused]
    settled = RecordingHandler()
    with running_smtp(settled) as port:
        result = edition.send(plain(port), resend=True)
    # the two who accepted at first do not get it twice
    [received] = settled.received
    assert received.rcpt_tos == [refused] and result.delivered == (refused,)
    assert outcomes(edition) == ["sending", "partial", "sending", "unknown", "sending", "sent"]


@pytest.mark.slow
def test_resend_settling_an_unknown_resend_goes_to_all_it_was_handed_to(
    edition: Edition,
) -> None:
    partly = RecordingHandler(refuse={RECIPIENTS[1]: "550 5.1.1 No such user"})
    with running_smtp(partly) as port:
        assert edition.send(plain(port)).outcome == "partial"
    # a deliberate second sending to everyone, whose answer is lost
    dropped = RecordingHandler(data_replies=[DROP])
    with running_smtp(dropped) as port, pytest.raises(DeliveryError, match="may or may not"):
        edition.send(plain(port), resend=True)
    settled = RecordingHandler()
    with running_smtp(settled) as port:
        edition.send(plain(port), resend=True)
    # that message may have reached nobody: it goes to all it was handed to
    [received] = settled.received
    assert sorted(received.rcpt_tos) == sorted(RECIPIENTS)


@pytest.mark.slow
def test_starttls_missing_on_the_server_never_falls_back_to_plain_text(
    edition: Edition,
) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as failed:
        edition.send(plain(port, security="starttls"), ssl_context=make_tls().trusting_client)

    assert "does not offer STARTTLS" in str(failed.value)
    assert "_NoStartTls" not in str(failed.value)  # a class name means nothing to a reader
    assert "plain text" in str(failed.value)
    # what a test server on this machine (as a newcomer starts one) needs is said too
    assert "for a test server on this machine, REPORTGEN_SMTP_SECURITY=none" in (
        failed.value.hint or ""
    )
    assert handler.data_attempts == [] and edition.sleeps == []


def test_an_unverified_context_is_refused(edition: Edition) -> None:
    loose = ssl.create_default_context()
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="verify"):
        edition.send(plain(free_port(), security="starttls"), ssl_context=loose)


@pytest.mark.slow
def test_a_wrong_password_is_not_retried_and_never_shown(
    edition: Edition, caplog: pytest.LogCaptureFixture
) -> None:
    tls = make_tls()
    options = dict(
        tls_context=tls.server,
        require_starttls=True,
        auth_required=True,
        authenticator=password_authenticator("mpr", "the-right-one"),
    )
    handler = RecordingHandler()
    with caplog.at_level(logging.DEBUG), running_smtp(handler, **options) as port:
        settings = plain(port, security="starttls", user="mpr", password=PASSWORD)
        with pytest.raises(DeliveryError) as failed:
            edition.send(settings, ssl_context=tls.trusting_client)

    text = str(failed.value)
    assert "535" in text and "REPORTGEN_SMTP_PASSWORD" in text
    assert PASSWORD not in text and PASSWORD not in repr(failed.value)
    assert PASSWORD not in edition.log_text() and PASSWORD not in caplog.text
    assert edition.sleeps == [] and handler.data_attempts == []


# --- settings from the environment ---------------------------------------------------


def test_missing_settings_are_all_named_in_one_error() -> None:
    with pytest.raises(DeliveryError) as failed:
        smtp_settings_from_env({"REPORTGEN_SMTP_USER": "mpr"})
    text = str(failed.value)
    for name in ("REPORTGEN_SMTP_HOST", "REPORTGEN_SMTP_FROM", "REPORTGEN_SMTP_PASSWORD"):
        assert f"{name} is not set" in text


def test_settings_from_env_with_defaults() -> None:
    settings = smtp_settings_from_env(
        {"REPORTGEN_SMTP_HOST": " smtp.force.example.org ", "REPORTGEN_SMTP_FROM": FROM}
    )
    assert settings == SmtpSettings("smtp.force.example.org", 587, "starttls", FROM)


def test_the_password_never_shows() -> None:
    env = {
        "REPORTGEN_SMTP_HOST": "smtp.force.example.org",
        "REPORTGEN_SMTP_FROM": FROM,
        "REPORTGEN_SMTP_SECURITY": "ssl",
        "REPORTGEN_SMTP_USER": "mpr",
        "REPORTGEN_SMTP_PASSWORD": PASSWORD,
    }
    settings = smtp_settings_from_env(env)
    assert (settings.port, settings.password) == (465, PASSWORD)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)

    for bad in ({"REPORTGEN_SMTP_PORT": "smtp"}, {"REPORTGEN_SMTP_SECURITY": "none"}):
        with pytest.raises(DeliveryError) as failed:
            smtp_settings_from_env({**env, **bad})
        assert PASSWORD not in str(failed.value) and PASSWORD not in repr(failed.value)
    assert "clear text" in str(failed.value)


@pytest.mark.parametrize("port", ["\u00b2", "\uff10587", "\u0665\u0668\u0667", "9" * 5000, "0",
                                  "65536", "587.0"])  # fmt: skip
def test_a_port_not_written_in_ascii_digits_or_out_of_range_is_refused(port: str) -> None:
    env = {"REPORTGEN_SMTP_HOST": "smtp.force.example.org", "REPORTGEN_SMTP_FROM": FROM}
    assert smtp_settings_from_env({**env, "REPORTGEN_SMTP_PORT": "2525"}).port == 2525
    with pytest.raises(DeliveryError) as failed:
        smtp_settings_from_env({**env, "REPORTGEN_SMTP_PORT": port})
    message = str(failed.value)
    assert "REPORTGEN_SMTP_PORT is" in message and "use a port number" in message
    assert len(message) < 1000  # a long value is cut short


@pytest.mark.slow
def test_tls_spoken_to_a_plain_port_says_which_port_to_use(edition: Edition) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as failed:
        edition.send(plain(port, security="ssl"), ssl_context=make_tls().trusting_client)
    assert "WRONG_VERSION_NUMBER" in failed.value.message
    assert failed.value.hint and "did not answer in TLS" in failed.value.hint
    assert "certificate" not in failed.value.hint  # not the problem here


# --- before any connection -----------------------------------------------------------


def test_dry_run_writes_a_parseable_eml_and_sends_nothing(edition: Edition) -> None:
    out = edition.tmp / "out"
    result = edition.send(None, dry_run_dir=out)

    assert result.outcome == "dry-run" and result.attempts == 0
    assert result.eml_path == out / "2014-03-v1-board.eml"
    message = parse(result.eml_path.read_bytes())
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == result.message_id
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == ATTACHMENT
    assert attachment.get_content() == edition.pdf.read_bytes()
    assert outcomes(edition) == ["dry-run"]
    assert [p.name for p in out.iterdir()] == ["2014-03-v1-board.eml"]  # no temp files left


@pytest.mark.slow
def test_an_attachment_over_the_limit_is_refused_before_connecting(edition: Edition) -> None:
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        listener.setblocking(False)
        with pytest.raises(DeliveryError) as failed:
            edition.send(plain(listener.getsockname()[1]), max_bytes=500)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected

    assert "over the" in str(failed.value) and "limit" in str(failed.value)
    assert "600 > 500 bytes" in str(failed.value)
    assert edition.sleeps == [] and not edition.send_log.exists()


def test_a_send_log_outside_an_archived_edition_is_refused(edition: Edition) -> None:
    with pytest.raises(DeliveryError, match="archive the edition first"):
        edition.send(
            None, send_log=edition.tmp / "2014-04" / "send-log.jsonl", dry_run_dir=edition.tmp
        )
    assert not (edition.tmp / "2014-04").exists()


def test_a_second_run_on_the_same_edition_folder_is_refused_while_one_is_sending(
    edition: Edition,
) -> None:
    from reportgen.deliver.sendlog import send_lock

    holding, release = threading.Event(), threading.Event()

    def running_send() -> None:  # another run, holding the folder's send lock
        with send_lock(edition.send_log.parent):
            holding.set()
            release.wait(10)

    other = threading.Thread(target=running_send)
    other.start()
    try:
        assert holding.wait(10)
        with pytest.raises(DeliveryError, match="another reportgen run"):
            edition.send(None, dry_run_dir=edition.tmp)
    finally:
        release.set()
        other.join(10)
    assert edition.send(None, dry_run_dir=edition.tmp).outcome == "dry-run"


def test_a_corrupt_send_log_is_named_with_its_line(edition: Edition) -> None:
    edition.send_log.write_text('{"outcome": "sent"}\n', encoding="utf-8")
    with pytest.raises(DeliveryError) as failed:
        edition.send(None, dry_run_dir=edition.tmp)
    assert f"{edition.send_log}:1" in str(failed.value)


# --- distribution files --------------------------------------------------------------


def test_the_shipped_distribution_file_renders(edition: Edition) -> None:
    lists = load_distribution(REPO / "distribution.yaml")
    office = lists["pcc-office"]
    assert all(a.endswith("@pcc.example.org") for a in office.envelope_recipients)
    result = edition.send(
        None, distribution=office, list_name="pcc-office", dry_run_dir=edition.tmp / "out"
    )
    assert result.eml_path is not None
    message = parse(result.eml_path.read_bytes())
    assert message["Subject"] == SUBJECT
    assert HEADLINE in message.get_body(("plain",)).get_content().replace("\r\n", "\n")


BAD_LISTS = {
    "duplicate-list": (
        "board:\n  to: [a@pcc.example.org]\n  subject: s\n  body: b\n"
        "board:\n  to: [b@pcc.example.org]\n  subject: s\n  body: b\n",
        5,
        "key 'board' appears twice (first on line 1)",
    ),
    "duplicate-field": (
        "board:\n  to: [a@pcc.example.org]\n  subject: s\n  subject: t\n  body: b\n",
        4,
        "key 'subject' appears twice (first on line 3)",
    ),
    "bad-address": (
        "board:\n  to:\n    - a@pcc.example.org\n    - not-an-address\n  subject: s\n  body: b\n",
        4,
        "'not-an-address' is not one email address",
    ),
    "a-pasted-page-as-an-address": (  # cut short, and told why
        "board:\n  to:\n    - a@pcc.example.org\n    - 'Name <" + "a" * 5000 + "@b.example>'\n"
        "  subject: s\n  body: b\n",
        4,
        "(5017 characters) is not one email address: it is too long",
    ),
    "two-addresses-in-one": (
        "board:\n  to: ['a@pcc.example.org, b@pcc.example.org']\n  subject: s\n  body: b\n",
        2,
        "is not one email address",
    ),
    "no-recipients": (
        "board:\n  to: []\n  cc: [a@pcc.example.org]\n  subject: s\n  body: b\n",
        2,
        "'to' must be a list (1 to 200), each text, not an empty list",
    ),
    "unknown-key": (
        "board:\n  to: [a@pcc.example.org]\n  bcc: [b@pcc.example.org]\n  subject: s\n  body: b\n",
        3,
        "unknown key 'bcc' (did you mean 'cc'?)",
    ),
    "not-yaml": ("board: [unclosed\n", 2, "malformed YAML"),
    "format-spec": (
        "board:\n  to: [a@pcc.example.org]\n  subject: '{edition.year}'\n  body: b\n",
        3,
        "is not a plain placeholder name",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LISTS))
def test_a_bad_distribution_file_is_named_with_its_line(tmp_path: Path, case: str) -> None:
    text, line, problem = BAD_LISTS[case]
    path = tmp_path / "distribution.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DeliveryError) as failed:
        load_distribution(path)
    assert str(failed.value).startswith(f"{path}:{line}: ")
    assert problem in str(failed.value)


def test_an_unknown_placeholder_names_file_list_and_placeholder(edition: Edition) -> None:
    path = edition.tmp / "lists.yaml"
    path.write_text(
        "board:\n  to: [a@pcc.example.org]\n  subject: s\n  body: 'Crime is {crime_total}'\n",
        encoding="utf-8",
    )
    # refused when the file is read (so 'reportgen check' finds it), not mid-send
    with pytest.raises(DeliveryError) as failed:
        load_distribution(path)
    text = str(failed.value)
    assert text.startswith(f"{path}:4: list 'board': body template: unknown placeholder")
    assert "{crime_total}" in text and "{headline}" in text  # and what is available
