"""Bad input to ``send``: REPORTGEN_SMTP_* settings, the archive's send log, addresses.
Each gives one clear error naming what is wrong and how to fix it: never a traceback,
a hang, unbounded memory, or a value quietly taken and failing later."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import pytest

from reportgen.deliver.distribution import address_problem, check_address
from reportgen.deliver.mail import SmtpSettings, read_send_log, smtp_settings_from_env
from reportgen.deliver.sendlog import SendRecord, append_record
from reportgen.deliver.smtpsettings import access_token, redact
from reportgen.errors import DeliveryError
from tests.faults import within_seconds

from .mail_fixtures import FROM, Edition, outcomes, plain
from .smtp_fixtures import free_port

BASE = {"REPORTGEN_SMTP_HOST": "smtp.force.example.org", "REPORTGEN_SMTP_FROM": FROM}
LOGIN = {**BASE, "REPORTGEN_SMTP_USER": "mpr", "REPORTGEN_SMTP_PASSWORD": "s3cret-Pa55word!"}


def refused(env: dict[str, str]) -> str:
    """The one error line the settings give, checked to be printable as it is."""
    with pytest.raises(DeliveryError) as failed:
        smtp_settings_from_env(env)
    text = str(failed.value)
    text.encode("utf-8")  # no lone surrogate: it can be printed and logged
    assert len(text) < 2000 and "\n" not in text
    return text


# --- 1. the host: a name or an IP address, checked before any connection --------------


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("a" * 100_000, "a host name is at most 253 characters"),
        ("a" * 64 + ".example.org", "each part between dots is at most 63"),
        ("127.0.0.1:8025", "set REPORTGEN_SMTP_HOST=127.0.0.1 and REPORTGEN_SMTP_PORT=8025"),
        ("smtp.force.example.org:587", "REPORTGEN_SMTP_PORT=587"),
        ("[::1]:25", "set REPORTGEN_SMTP_HOST=::1 and REPORTGEN_SMTP_PORT=25"),
        ("[::1]", "without the brackets: ::1"),
        ("-h", "not a host name or IP address"),
        ("smtp-.example.org", "not a host name or IP address"),
        ("smtp..example.org", "not a host name or IP address"),
        ("smtp.example.org/", "not a host name or IP address"),
        ("smtp://smtp.example.org", "not a host name or IP address"),
        ("smtp example.org", "not a host name or IP address"),
        ("127.0.0.256", "not an IPv4 address"),
        ("127.1", "not an IPv4 address"),
        ("smtp.polizei-münchen.de", "its ASCII form (xn--"),
    ],
)
def test_a_host_that_is_no_host_name_is_refused_with_a_hint(host: str, problem: str) -> None:
    text = refused({**BASE, "REPORTGEN_SMTP_HOST": host})
    assert "REPORTGEN_SMTP_HOST is" in text and problem in text


@pytest.mark.parametrize(
    "host",
    ["localhost", "smtp.office365.com", "smtp.force.example.org.", "192.0.2.25", "::1",
     "fe80::1%eth0", "xn--polizei-mnchen-3ob.de", "1e100.net", "a" * 63 + ".example.org",
     "mail_relay.corp.local"],
)  # fmt: skip
def test_host_names_and_ip_addresses_are_taken(host: str) -> None:
    assert smtp_settings_from_env({**BASE, "REPORTGEN_SMTP_HOST": host}).host == host


def test_a_host_the_settings_never_let_through_is_still_a_clear_error(edition: Edition) -> None:
    # settings made in code skip the checks; the name fails in socket's IDNA encoding
    settings = plain(free_port(), host="a" * 64 + ".example.org")
    with pytest.raises(DeliveryError) as failed:
        edition.send(settings)
    text = str(failed.value)
    assert "host name cannot be looked up" in text and "REPORTGEN_SMTP_HOST" in text
    assert edition.sleeps == []  # retrying cannot help
    assert outcomes(edition) == ["failed"]


# --- 2. bytes that are not UTF-8 --------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "REPORTGEN_SMTP_HOST",
        "REPORTGEN_SMTP_FROM",
        "REPORTGEN_SMTP_USER",
        "REPORTGEN_SMTP_PASSWORD",
        "REPORTGEN_SMTP_OAUTH_TOKEN",
        "REPORTGEN_SMTP_OAUTH_TOKEN_COMMAND",
        "REPORTGEN_SMTP_PORT",
        "REPORTGEN_SMTP_SECURITY",
        "REPORTGEN_SMTP_TIMEOUT",
    ],
)
def test_a_setting_that_is_not_utf8_is_named_and_never_shown(name: str) -> None:
    env = {**LOGIN, "REPORTGEN_SMTP_SECURITY": "ssl"}
    if "OAUTH" in name:
        del env["REPORTGEN_SMTP_PASSWORD"]
    # what os.environ holds for the byte 0xFF: a lone surrogate
    secret = "pass\udcffword-with-a-stray-byte"
    text = refused({**env, name: secret})
    assert f"{name} is not valid text" in text and "set it again in UTF-8" in text
    assert "pass" not in text and "stray-byte" not in text
    assert "is not set" not in text  # named once, as unreadable, not also as missing


# --- 3. the token command's output is bounded -------------------------------------------


def oauth(command: str, timeout: float = 10.0) -> SmtpSettings:
    """Settings whose token comes from ``python -c command``."""
    return plain(
        1,
        security="starttls",
        user="mpr",
        oauth_token_command=(sys.executable, "-c", command),
        timeout=timeout,
    )


@pytest.mark.slow
def test_a_token_command_that_prints_too_much_is_stopped() -> None:
    # a megabyte of token characters: an unbounded read took it as the token
    settings = oauth("import sys; sys.stdout.write('x' * 1_000_000)")
    with pytest.raises(DeliveryError) as failed:
        access_token(settings)
    assert "printed more than 64 KB" in str(failed.value)
    assert "REPORTGEN_SMTP_OAUTH_TOKEN_COMMAND" in str(failed.value)


@pytest.mark.slow
def test_a_token_command_that_prints_for_ever_is_stopped_at_once() -> None:
    settings = oauth("import sys\nwhile True: sys.stdout.write('x' * 65536)", timeout=30)
    outcome = within_seconds(10, lambda: access_token(settings))
    assert isinstance(outcome, DeliveryError) and "printed more than 64 KB" in str(outcome)


@pytest.mark.slow
def test_a_token_command_chattering_on_stderr_is_read_within_bounds() -> None:
    chatter = "import sys; sys.stderr.write('\\0' * 1_000_000); sys.stderr.write('{end}\\n')"
    token = "EwBwA8l6BAAU.token_for-smtp"
    fine = oauth(chatter.format(end="log") + f"; print({token!r})")
    assert access_token(fine) == token
    failing = oauth(chatter.format(end="token service down") + "; sys.exit(3)")
    with pytest.raises(DeliveryError) as failed:
        access_token(failing)
    # the last line, printable: not the control bytes it starts with
    assert "failed with exit status 3: token service down (" in str(failed.value)


# --- 4. redacting the password does not garble the message ------------------------------


def test_a_short_password_is_not_cut_out_of_every_word() -> None:
    settings = plain(25, security="starttls", user="mpr", password="e")
    text = "could not send 2014-03 version 1 to list 'pcc-office': connection refused"
    assert redact(text, settings) == text
    # what AUTH sends is always removed, however short the password
    for form in (base64.b64encode(b"e"), base64.b64encode(b"\0mpr\0e")):
        assert redact(f"server said: {form.decode()} is wrong", settings) == (
            "server said: *** is wrong"
        )
    long = plain(25, security="starttls", user="mpr", password="s3cret-Pa55word!")
    assert redact("it was s3cret-Pa55word! here", long) == "it was *** here"


def test_a_short_password_leaves_the_error_and_the_log_readable(edition: Edition) -> None:
    settings = plain(free_port(), security="starttls", user="mpr", password="e")
    with pytest.raises(DeliveryError) as failed:
        edition.send(settings, attempts=1)
    assert "connection refused (nothing listening on that port?)" in str(failed.value)
    [record] = read_send_log(edition.send_log)
    assert record.error == "connection refused (nothing listening on that port?)"


def test_a_password_of_spaces_is_refused() -> None:
    text = refused({**LOGIN, "REPORTGEN_SMTP_PASSWORD": "   "})
    assert "REPORTGEN_SMTP_PASSWORD is only spaces" in text


# --- 5. the time-out --------------------------------------------------------------------


@pytest.mark.parametrize("timeout", ["0.001", "0.5", "0.999", "0"])
def test_a_timeout_under_a_second_is_refused(timeout: str) -> None:
    text = refused({**BASE, "REPORTGEN_SMTP_TIMEOUT": timeout})
    assert f"REPORTGEN_SMTP_TIMEOUT is '{timeout}'" in text and "at least 1" in text
    assert smtp_settings_from_env({**BASE, "REPORTGEN_SMTP_TIMEOUT": "1"}).timeout == 1.0


# --- 6. the user ------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["mpr\nRCPT TO:<x@evil.example>", "mpr smith", "mpr\tx",
                                  "mpr\x00", "mpr\x1b[2J", "mpr\u200bx"])  # fmt: skip
def test_a_user_with_spaces_or_control_characters_is_refused(user: str) -> None:
    text = refused({**LOGIN, "REPORTGEN_SMTP_USER": user})
    assert "REPORTGEN_SMTP_USER is" in text and "control character" in text


@pytest.mark.parametrize("user", ["mpr@force.example.org", "FORCE\\mpr", "zoë"])
def test_ordinary_users_are_taken(user: str) -> None:
    assert smtp_settings_from_env({**LOGIN, "REPORTGEN_SMTP_USER": user}).user == user


# --- 7. addresses: RFC 5321's lengths, brackets that pair --------------------------------


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("a" * 100_000 + "@force.example.org", "it is too long"),
        ("a" * 65 + "@force.example.org", "the part before the @ is 65 characters long"),
        ("mpr@" + "b" * 300 + ".example.org", "the domain is 312 characters long"),
        ("a" * 61 + "@" + "b." * 95 + "org", "the address is 255 characters long"),
        ("Name <mpr@force.example.org", "its < has no closing >"),
        ("<mpr@force.example.org", "its < has no closing >"),
        ("Name <<mpr@force.example.org>>", "do not pair up"),
        ('"Name <mpr@force.example.org>', 'its quoted name has no closing "'),
        ("mpr@force..example.org", "the domain 'force..example.org' is not a mail domain"),
        ("mpr@-force-.example.org", "the domain '-force-.example.org' is not a mail domain"),
        ("mpr@force_hq.example.org", "the domain 'force_hq.example.org' is not a mail domain"),
        ("mpr@[300.1.1.1]", "the domain [300.1.1.1] is not an IP address"),
        # once "it holds more than one address", which it does not
        ("mpr@@force.example.org", "its address has more than one @"),
        ("Name <mpr@force@example.org>", "its address has more than one @"),
        ("mpr@force.example.org, b@force.example.org", "it holds more than one address"),
    ],
)
def test_an_address_too_long_or_unclosed_is_refused(address: str, problem: str) -> None:
    assert check_address(address) is None
    assert problem in (address_problem(address) or "")
    text = refused({**BASE, "REPORTGEN_SMTP_FROM": address})
    assert "REPORTGEN_SMTP_FROM is" in text and problem in text


@pytest.mark.parametrize(
    ("address", "normalised"),
    [
        ("a" * 64 + "@force.example.org", "a" * 64 + "@force.example.org"),
        ("Name <mpr@force.example.org>", "Name <mpr@force.example.org>"),
        ('"Team <MPR>" <mpr@force.example.org>', '"Team <MPR>" <mpr@force.example.org>'),
        ("Team (MPR <x>) <mpr@force.example.org>", '"Team (MPR <x>)" <mpr@force.example.org>'),
        ("mpr@[192.0.2.7]", "mpr@[192.0.2.7]"),
        ("mpr@xn--bcher-kva.example", "mpr@xn--bcher-kva.example"),
    ],
)
def test_addresses_within_the_limits_are_taken(address: str, normalised: str) -> None:
    assert check_address(address) == normalised and address_problem(address) is None


# --- 8. the send log: a plain file of bounded size --------------------------------------


def a_record() -> SendRecord:
    return SendRecord(
        message_id="<1.reportgen.2014-03.v1.board@force.example.org>",
        edition="2014-03",
        version=1,
        list_name="board",
        recipients=("a@pcc.example.org",),
        delivered=(),
        refused={},
        attachment_sha256="0" * 64,
        attachment_name="a.pdf",
        server=None,
        time="2014-04-01T09:00:00+00:00",
        outcome="dry-run",
        error=None,
        attempts=0,
    )


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "huge", "not-utf8"])
def test_a_send_log_that_is_not_a_log_is_named_not_read(edition: Edition, kind: str) -> None:
    log = edition.send_log
    if kind == "fifo":
        os.mkfifo(log)
    elif kind == "device":
        log.symlink_to("/dev/zero")
    elif kind == "folder":
        log.mkdir()
    elif kind == "huge":
        with open(log, "wb") as handle:
            handle.truncate(16 * 1024 * 1024 + 1)  # sparse: no disk used
    else:
        log.write_bytes(b'{"outcome": "\xff"}\n')
    expected = {
        "fifo": "the send log is not a plain file",
        "device": "the send log is a symbolic link (to '/dev/zero')",
        "folder": "the send log is a folder",
        "huge": "the send log is over 16 MB",
        "not-utf8": "the send log is not UTF-8 text",
    }[kind]
    works = [lambda: read_send_log(log), lambda: edition.send(None, dry_run_dir=edition.tmp)]
    if kind != "not-utf8":  # appending does not read the lines, only adds one
        works.append(lambda: append_record(log, a_record()))
    for work in works:
        outcome = within_seconds(10, work)
        assert isinstance(outcome, DeliveryError), outcome
        assert expected in outcome.message and outcome.file == str(log)
        assert outcome.hint and "send-log.jsonl" in outcome.hint


def test_an_archived_pdf_that_is_a_fifo_is_refused_not_read_for_ever(tmp_path: Path) -> None:
    from reportgen.deliver.mail import _read_pdf

    fifo = tmp_path / "edition.pdf"
    os.mkfifo(fifo)
    refused = within_seconds(10, lambda: _read_pdf(fifo, 10 << 20))
    assert isinstance(refused, DeliveryError) and "not a plain file" in refused.message


def test_a_send_log_linked_out_of_the_folder_is_refused_not_split(
    edition: Edition, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.jsonl"
    elsewhere.write_text("", encoding="utf-8")
    edition.send_log.symlink_to(elsewhere)
    for work in (
        lambda: read_send_log(edition.send_log),
        lambda: edition.send(None, dry_run_dir=edition.tmp),
        lambda: append_record(edition.send_log, a_record()),
    ):
        outcome = within_seconds(10, work)
        assert isinstance(outcome, DeliveryError), outcome
        assert "the send log is a symbolic link" in outcome.message
    # read there and then replaced here by a plain file, the history would split in two
    assert edition.send_log.is_symlink() and elsewhere.read_text(encoding="utf-8") == ""


def test_a_send_lock_that_is_a_link_is_refused_and_nothing_made_where_it_points(
    edition: Edition, tmp_path: Path
) -> None:
    target = tmp_path / "made-by-lock"
    (edition.send_log.parent / ".send.lock").symlink_to(target)
    outcome = within_seconds(10, lambda: edition.send(None, dry_run_dir=edition.tmp))
    assert isinstance(outcome, DeliveryError), outcome
    assert "the lock file is a symbolic link" in outcome.message and outcome.hint
    assert not target.exists()
