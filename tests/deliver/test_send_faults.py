"""Issue 9, sending: servers that misbehave (slower than the time-out, 4xx before DATA,
one recipient refused), a full disk under the send log, a tampered attachment, and
Microsoft 365's AUTH XOAUTH2 and UTF-8 passwords, against real aiosmtpd servers on
127.0.0.1. Every server and command is bounded in time.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest

from reportgen.deliver.mail import SmtpSettings, read_send_log, smtp_settings_from_env
from reportgen.errors import DeliveryError
from tests.faults import fill, small_disk

from .mail_fixtures import RECIPIENTS, Edition, make_edition, outcomes, parse, plain
from .smtp_fixtures import (
    HOST,
    OAuthHandler,
    RecordingHandler,
    make_tls,
    password_authenticator,
    running_smtp,
)

pytestmark = pytest.mark.slow

ANALYST = "analyst@pcc.example.org"
TOKEN = "EwBwA8l6BAAU.eyJ0eXAiOiJKV1QiLCJub25jZSI6Ikp-an_access.token_for-smtp"


# --- a server slower than the time-out, a connection lost after DATA ------------------


def test_a_server_slower_than_the_timeout_gets_the_message_once(edition: Edition) -> None:
    handler = RecordingHandler(data_delay=2.5)  # it answers, too late
    with running_smtp(handler) as port:
        with pytest.raises(DeliveryError) as unknown:
            edition.send(plain(port), timeout=0.5)
        assert "no answer within 0.5 s" in str(unknown.value)
        assert "may or may not have been delivered" in str(unknown.value)
        assert edition.sleeps == []  # never retried
        assert outcomes(edition) == ["sending", "unknown"]
        with pytest.raises(DeliveryError, match="may already have been delivered"):
            edition.send(plain(port), timeout=0.5)
    # the server was handed the message once (a real one would then deliver it; aiosmtpd
    # drops it when the client goes): never a second time
    assert len(handler.data_attempts) == 1


def test_the_timeout_is_a_setting() -> None:
    base = {"REPORTGEN_SMTP_HOST": "smtp.example.org", "REPORTGEN_SMTP_FROM": "a@example.org"}
    assert smtp_settings_from_env(base).timeout == 30.0
    assert smtp_settings_from_env({**base, "REPORTGEN_SMTP_TIMEOUT": "7.5"}).timeout == 7.5
    # float() reads all of these; a timeout is written in ASCII digits
    for bad in ("soon", "0", "-3", "nan", "inf", "1_0", "\u0661\u0660", "1e1", "3600"):
        with pytest.raises(DeliveryError, match="REPORTGEN_SMTP_TIMEOUT"):
            smtp_settings_from_env({**base, "REPORTGEN_SMTP_TIMEOUT": bad})


# --- 4xx before DATA: the server cannot have the message, so it is retried -----------


@pytest.mark.parametrize(
    "script",
    [
        {"mail_replies": ["421 4.7.0 Try again later"]},
        {"rcpt_replies": ["451 4.3.0 Mailbox busy"] * 3},
    ],
    ids=["MAIL", "RCPT"],
)
def test_a_4xx_before_data_is_retried_and_delivers_once(
    edition: Edition, script: dict[str, list[str]]
) -> None:
    handler = RecordingHandler(**script)  # type: ignore[arg-type]
    with running_smtp(handler) as port:
        result = edition.send(plain(port))
    assert result.outcome == "sent" and result.attempts == 2
    assert edition.sleeps == [0.5]
    assert len(handler.data_attempts) == 1 and len(handler.received) == 1
    assert outcomes(edition) == ["sending", "sent"]  # 'sending' only once DATA was next


# --- one recipient refused, then a rerun ---------------------------------------------


def test_after_a_refused_recipient_a_rerun_sends_only_to_the_missing_one(
    edition: Edition,
) -> None:
    handler = RecordingHandler(refuse={ANALYST: "550 5.1.1 No such user"})
    with running_smtp(handler) as port:
        first = edition.send(plain(port))
        assert first.outcome == "partial" and ANALYST in first.refused
        handler.refuse.clear()  # the mailbox is fixed
        second = edition.send(plain(port))
        with pytest.raises(DeliveryError, match="already sent"):
            edition.send(plain(port))

    assert second.outcome == "sent" and second.delivered == (ANALYST,)
    assert second.message_id == first.message_id  # one message, now reaching everyone
    assert [m.rcpt_tos for m in handler.received] == [
        [r for r in RECIPIENTS if r != ANALYST],
        [ANALYST],
    ]
    for received in handler.received:
        message = parse(received.content)
        assert message["Message-ID"] == first.message_id
        assert ANALYST in str(message["To"])  # the headers still name the whole list
    assert outcomes(edition) == ["sending", "partial", "sending", "sent"]


def test_resend_after_a_partial_send_goes_to_everyone(edition: Edition) -> None:
    handler = RecordingHandler(refuse={ANALYST: "550 5.1.1 No such user"})
    with running_smtp(handler) as port:
        edition.send(plain(port))
        handler.refuse.clear()
        again = edition.send(plain(port), resend=True)
    assert again.delivered == tuple(RECIPIENTS)


# --- a full disk under the send log --------------------------------------------------


@pytest.fixture
def edition_on_small_disk(tmp_path: Path) -> Edition:
    with small_disk(tmp_path / "disk", 256) as disk:
        yield make_edition(disk)


def test_no_room_for_the_send_log_sends_nothing(edition_on_small_disk: Edition) -> None:
    edition = edition_on_small_disk
    fill(edition.send_log.parent, leave=8 * 1024)
    handler = RecordingHandler()
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as refused:
        edition.send(plain(port))
    assert "bytes are free beside the send log" in str(refused.value)
    assert str(edition.send_log) in str(refused.value) and "nothing was sent" in str(refused.value)
    assert handler.data_attempts == [] and not edition.send_log.exists()


def test_a_disk_that_fills_while_the_server_takes_the_message(
    edition_on_small_disk: Edition,
) -> None:
    edition = edition_on_small_disk
    folder = edition.send_log.parent
    # the disk fills up while the server receives the message: the 'sent' record fails
    handler = RecordingHandler(on_data=lambda: fill(folder))
    with running_smtp(handler) as port:
        with pytest.raises(DeliveryError) as unrecorded:
            edition.send(plain(port))
        text = str(unrecorded.value)
        assert "was delivered" in text and "could not record it" in text
        assert "No space left on device" in text and str(edition.send_log) in text
        [record] = read_send_log(edition.send_log)
        assert record.outcome == "sending"  # written before DATA, and still there
        (folder / "filler").unlink()
        with pytest.raises(DeliveryError) as refused:
            edition.send(plain(port))
        assert record.message_id in str(refused.value)
    assert len(handler.received) == 1
    assert sorted(p.name for p in folder.iterdir()) == [".send.lock", "send-log.jsonl"]


# --- send only what verifies ---------------------------------------------------------


def test_a_pdf_that_is_not_the_archived_one_is_not_sent(edition: Edition) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as refused:
        edition.send(plain(port), expected_sha256="0" * 64)
    assert "not the one the archive's manifest records" in str(refused.value)
    assert str(edition.pdf) in str(refused.value)
    assert handler.data_attempts == [] and not edition.send_log.exists()


# --- Microsoft 365: XOAUTH2; UTF-8 passwords ------------------------------------------


def oauth_server(handler: OAuthHandler) -> tuple[object, dict[str, object]]:
    tls = make_tls()
    return tls, dict(tls_context=tls.server, require_starttls=True, auth_required=True)


def test_xoauth2_with_a_token_from_the_environment(edition: Edition) -> None:
    handler = OAuthHandler(user="mpr@force.example.org", token=TOKEN)
    tls, options = oauth_server(handler)
    env = {
        "REPORTGEN_SMTP_HOST": HOST,
        "REPORTGEN_SMTP_FROM": "mpr@force.example.org",
        "REPORTGEN_SMTP_USER": "mpr@force.example.org",
        "REPORTGEN_SMTP_OAUTH_TOKEN": TOKEN,
    }
    with running_smtp(handler, **options) as port:
        settings = smtp_settings_from_env({**env, "REPORTGEN_SMTP_PORT": str(port)})
        assert TOKEN not in repr(settings)
        result = edition.send(settings, ssl_context=tls.trusting_client)  # type: ignore[attr-defined]
    assert result.outcome == "sent" and len(handler.received) == 1
    assert handler.offered == [("mpr@force.example.org", TOKEN)]
    assert TOKEN not in edition.log_text()


def token_command(tmp_path: Path, body: str) -> str:
    script = tmp_path / "get-token.py"
    script.write_text(body, encoding="utf-8")
    return f"{sys.executable} {script}"


def oauth_settings(port: int, **changes: object) -> SmtpSettings:
    values: dict[str, object] = dict(
        security="starttls", user="mpr@force.example.org", oauth_token=None
    )
    values.update(changes)
    return plain(port, **values)


def test_xoauth2_with_a_token_command(edition: Edition, tmp_path: Path) -> None:
    handler = OAuthHandler(user="mpr@force.example.org", token=TOKEN)
    tls, options = oauth_server(handler)
    command = token_command(tmp_path, f"print({TOKEN!r})\n")
    env = {
        "REPORTGEN_SMTP_HOST": HOST,
        "REPORTGEN_SMTP_FROM": "mpr@force.example.org",
        "REPORTGEN_SMTP_USER": "mpr@force.example.org",
        "REPORTGEN_SMTP_OAUTH_TOKEN_COMMAND": command,
    }
    with running_smtp(handler, **options) as port:
        settings = smtp_settings_from_env({**env, "REPORTGEN_SMTP_PORT": str(port)})
        result = edition.send(settings, ssl_context=tls.trusting_client)  # type: ignore[attr-defined]
    assert result.outcome == "sent"
    assert handler.offered == [("mpr@force.example.org", TOKEN)]


def test_a_rejected_token_is_named_not_shown_and_not_retried(edition: Edition) -> None:
    handler = OAuthHandler(user="mpr@force.example.org", token="the-right-token")
    tls, options = oauth_server(handler)
    with running_smtp(handler, **options) as port:
        settings = oauth_settings(port, oauth_token=TOKEN)
        with pytest.raises(DeliveryError) as failed:
            edition.send(settings, ssl_context=tls.trusting_client)  # type: ignore[attr-defined]
    text = str(failed.value)
    assert "535" in text and "REPORTGEN_SMTP_OAUTH_TOKEN" in text
    for secret in (TOKEN, base64.b64encode(TOKEN.encode()).decode()):
        assert secret not in text and secret not in edition.log_text()
    assert edition.sleeps == [] and handler.data_attempts == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("import sys\nprint('token service down', file=sys.stderr)\nsys.exit(3)\n", "status 3"),
        ("import time\ntime.sleep(60)\n", "did not finish within 1 s"),
        ("print()\n", "printed no token"),
        ("print('two words')\n", "not one access token"),
    ],
    ids=["fails", "hangs", "empty", "not-a-token"],
)
def test_a_token_command_that_fails_is_a_clear_error_before_connecting(
    edition: Edition, tmp_path: Path, body: str, problem: str
) -> None:
    handler = OAuthHandler()
    tls, options = oauth_server(handler)
    command = tuple(token_command(tmp_path, body).split())
    with running_smtp(handler, **options) as port:
        settings = oauth_settings(port, oauth_token_command=command, timeout=1.0)
        with pytest.raises(DeliveryError) as failed:
            edition.send(settings, ssl_context=tls.trusting_client)  # type: ignore[attr-defined]
    assert problem in str(failed.value) and "OAUTH_TOKEN_COMMAND" in str(failed.value)
    if problem == "status 3":
        assert "token service down" in str(failed.value)
    assert handler.offered == [] and handler.data_attempts == []


def test_a_token_command_that_does_not_exist(edition: Edition, tmp_path: Path) -> None:
    settings = oauth_settings(1, oauth_token_command=(str(tmp_path / "no-such-helper"),))
    with pytest.raises(DeliveryError, match="could not be started"):
        edition.send(settings, ssl_context=make_tls().trusting_client)


def test_token_settings_that_do_not_fit_are_named() -> None:
    base = {
        "REPORTGEN_SMTP_HOST": "smtp.office365.com",
        "REPORTGEN_SMTP_FROM": "mpr@force.example.org",
    }
    cases = [
        ({"REPORTGEN_SMTP_OAUTH_TOKEN": TOKEN}, "REPORTGEN_SMTP_USER is not set"),
        (
            {
                "REPORTGEN_SMTP_USER": "m",
                "REPORTGEN_SMTP_PASSWORD": "p",
                "REPORTGEN_SMTP_OAUTH_TOKEN": TOKEN,
            },
            "not both",
        ),
        ({"REPORTGEN_SMTP_USER": "m", "REPORTGEN_SMTP_OAUTH_TOKEN": "a b"}, "not an access token"),
        (
            {"REPORTGEN_SMTP_USER": "m", "REPORTGEN_SMTP_OAUTH_TOKEN_COMMAND": "get 'token"},
            "cannot be read as a command",
        ),
    ]
    for extra, problem in cases:
        with pytest.raises(DeliveryError) as failed:
            smtp_settings_from_env({**base, **extra})
        assert problem in str(failed.value)
        assert TOKEN not in str(failed.value)


def test_a_non_ascii_password_logs_in_with_utf8_auth_plain(edition: Edition) -> None:
    password = "Pässwörd-€-密码"
    tls = make_tls()
    handler = RecordingHandler()
    options = dict(
        tls_context=tls.server,
        require_starttls=True,
        auth_required=True,
        authenticator=password_authenticator("mpr", password),
    )
    with running_smtp(handler, **options) as port:
        settings = plain(port, security="starttls", user="mpr", password=password)
        result = edition.send(settings, ssl_context=tls.trusting_client)
        with pytest.raises(DeliveryError, match="535"):
            wrong = plain(port, security="starttls", user="mpr", password="Pässwort")
            edition.send(wrong, ssl_context=tls.trusting_client, resend=True)
    assert result.outcome == "sent" and len(handler.received) == 1
