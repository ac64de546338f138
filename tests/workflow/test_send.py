"""Issue 5 end to end: ``reportgen send`` against a real SMTP server (aiosmtpd, 127.0.0.1).

The SMTP settings come from ``REPORTGEN_SMTP_*`` environment variables, as in real use;
the edition is archived first (the shared ``archived`` folder, copied per test, since
every send writes the edition's send log). smtplib is never mocked.
"""

from __future__ import annotations

import email
import email.policy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import reportgen.deliver.mail
from tests.deliver.smtp_fixtures import HOST, RecordingHandler, free_port, running_smtp

from .conftest import EDITION, EDITION_PDF, PACK_PDF, sha256

pytestmark = pytest.mark.slow  # runs an SMTP server and sends archived editions

LIST = "pcc-office"
FROM = "mpr@force.example.org"
ENV = ("HOST", "PORT", "USER", "PASSWORD", "SECURITY", "FROM")
SENT_NAME = "Essex-Police-Performance-Update-March-2014.pdf"
PACK_NAME = "Essex-Police-Performance-Update-Board-Pack-March-2014.pdf"


@dataclass
class CountingHandler(RecordingHandler):
    """Also records every EHLO, so a test can tell whether anyone connected at all."""

    greetings: list[str] = field(default_factory=list)

    async def handle_EHLO(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.greetings.append(hostname)
        return responses


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch):
    """Clear every REPORTGEN_SMTP_* variable; the returned function sets a plain server."""
    for name in ENV:
        monkeypatch.delenv(f"REPORTGEN_SMTP_{name}", raising=False)

    def configure(port: int) -> None:
        monkeypatch.setenv("REPORTGEN_SMTP_HOST", HOST)
        monkeypatch.setenv("REPORTGEN_SMTP_PORT", str(port))
        monkeypatch.setenv("REPORTGEN_SMTP_SECURITY", "none")
        monkeypatch.setenv("REPORTGEN_SMTP_FROM", f"Performance Analysis <{FROM}>")

    return configure


@pytest.fixture
def server(smtp_env) -> Iterator[CountingHandler]:
    handler = CountingHandler()
    with running_smtp(handler) as port:
        smtp_env(port)
        yield handler


def send(run_cli, root: Path, *options: str):  # a CliResult
    return run_cli("send", "--edition", EDITION, "--to", LIST, *options, root=root)


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def send_log(root: Path, name: str = "send-log.jsonl") -> list[dict[str, Any]]:
    path = root / "archive" / EDITION / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def the_list(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / "distribution.yaml").read_text(encoding="utf-8"))[LIST]


def bare(addresses: list[str]) -> list[str]:
    return [address for _name, address in getaddresses(addresses)]


def only_attachment(message: EmailMessage) -> EmailMessage:
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    return attachments[0]  # type: ignore[return-value]


def test_send_delivers_the_archived_edition_and_logs_it(
    archived_copy: Path, server: CountingHandler, run_cli
) -> None:
    result = send(run_cli, archived_copy)
    assert result.code == 0, result.err
    listed = the_list(archived_copy)
    recipients = bare(listed["to"] + listed["cc"])
    assert len(server.received) == 1 and len(server.greetings) == 1
    envelope = server.received[0]
    assert (envelope.mail_from, envelope.rcpt_tos) == (FROM, recipients)

    message = parse(envelope.content)
    assert bare([str(message["To"])]) == bare(listed["to"])
    assert bare([str(message["Cc"])]) == bare(listed["cc"])
    assert message["Subject"] == "Essex Police Performance Update – March 2014"
    message_id = message["Message-ID"]
    assert message_id.startswith("<") and message_id.endswith(">")
    sent_at = parsedate_to_datetime(message["Date"])
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=5)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "March 2014" in body and SENT_NAME in body and "version 1" in body

    archived_pdf = archived_copy / "archive" / EDITION / "v1" / EDITION_PDF
    attachment = only_attachment(message)
    assert attachment.get_filename() == SENT_NAME
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == archived_pdf.read_bytes()
    assert message_id in result.out

    log = send_log(archived_copy)
    assert [entry["outcome"] for entry in log] == ["sending", "sent"]
    record = log[-1]
    assert record["message_id"] == message_id
    assert record["list"] == LIST
    assert (record["edition"], record["version"]) == (EDITION, 1)
    assert record["recipients"] == recipients == record["delivered"]
    assert record["attachment_sha256"] == sha256(archived_pdf)
    assert record["attachment_name"] == SENT_NAME


def test_a_second_send_is_refused_unless_resend(
    archived_copy: Path, server: CountingHandler, run_cli
) -> None:
    assert send(run_cli, archived_copy).code == 0
    again = send(run_cli, archived_copy)
    assert again.code == 1
    assert "already sent" in again.err and "--resend" in again.err
    assert len(server.received) == 1

    resent = send(run_cli, archived_copy, "--resend")
    assert resent.code == 0, resent.err
    assert len(server.received) == 2
    first, second = (parse(m.content)["Message-ID"] for m in server.received)
    assert first != second  # a resend is a new message
    assert [e["outcome"] for e in send_log(archived_copy)] == ["sending", "sent"] * 2


def test_pack_sends_the_archived_board_pack_under_a_readable_name(
    archived_copy: Path, server: CountingHandler, run_cli
) -> None:
    result = send(run_cli, archived_copy, "--pack")
    assert result.code == 0, result.err
    attachment = only_attachment(parse(server.received[0].content))
    assert attachment.get_filename() == PACK_NAME
    assert attachment.get_content_type() == "application/pdf"
    pack = archived_copy / "archive" / EDITION / "v1" / PACK_PDF
    assert attachment.get_content() == pack.read_bytes()
    # the pack has its own send record: sending it is not sending the edition
    assert send_log(archived_copy, "pack-send-log.jsonl")[-1]["attachment_sha256"] == sha256(pack)
    assert send_log(archived_copy) == []
    assert send(run_cli, archived_copy).code == 0


def test_dry_run_writes_a_parseable_eml_and_sends_nothing(
    archived_copy: Path, server: CountingHandler, run_cli
) -> None:
    result = send(run_cli, archived_copy, "--dry-run")
    assert result.code == 0, result.err
    eml = Path(result.out.strip())
    assert eml.suffix == ".eml" and eml.is_file()
    message = parse(eml.read_bytes())
    assert "March 2014" in message["Subject"] and message["Message-ID"] and message["Date"]
    assert bare([str(message["To"])]) == bare(the_list(archived_copy)["to"])
    attachment = only_attachment(message)
    assert attachment.get_filename() == SENT_NAME
    archived_pdf = archived_copy / "archive" / EDITION / "v1" / EDITION_PDF
    assert attachment.get_content() == archived_pdf.read_bytes()
    assert (server.greetings, server.received) == ([], [])
    # a dry run reaches nobody, so it does not count as sent
    assert send(run_cli, archived_copy).code == 0
    assert len(server.received) == 1


def test_missing_settings_are_named_in_one_error(archived_copy: Path, smtp_env, run_cli) -> None:
    result = send(run_cli, archived_copy)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "REPORTGEN_SMTP_HOST" in lines[0] and "REPORTGEN_SMTP_FROM" in lines[0]
    assert send_log(archived_copy) == []


def test_send_before_archiving_says_to_archive_first(
    report: Path, server: CountingHandler, run_cli
) -> None:
    result = send(run_cli, report)
    assert result.code == 1
    assert f"{EDITION} has not been archived" in result.err
    assert f"reportgen archive --edition {EDITION}" in result.err
    assert (server.greetings, server.received) == ([], [])
    assert not (report / "archive" / EDITION).exists()


def test_a_server_not_listening_fails_after_bounded_retries_and_is_logged(
    archived_copy: Path, smtp_env, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI keeps send_edition's default retries; only the waiting between them is
    # recorded instead of slept, so the test is quick and can check the backoff.
    sleeps: list[float] = []
    monkeypatch.setattr(
        reportgen.deliver.mail,
        "send_edition",
        functools.partial(reportgen.deliver.mail.send_edition, sleep=sleeps.append),
    )
    smtp_env(free_port())
    result = send(run_cli, archived_copy)
    assert result.code == 1
    log = send_log(archived_copy)
    assert [entry["outcome"] for entry in log] == ["failed"]  # DATA was never reached
    attempts = log[-1]["attempts"]
    assert 1 < attempts <= 10
    assert len(sleeps) == attempts - 1 and sleeps == sorted(sleeps) and sleeps[0] < sleeps[-1]
    assert f"after {attempts} attempts" in result.err and "connection refused" in result.err
    assert "connection refused" in log[-1]["error"]


def test_an_attachment_over_the_limit_is_refused_before_connecting(
    archived_copy: Path, server: CountingHandler, run_cli
) -> None:
    result = send(run_cli, archived_copy, "--max-mb", "0.01")
    assert result.code == 1
    assert "attachment limit" in result.err and EDITION_PDF in result.err
    assert (server.greetings, server.received) == ([], [])
    assert send_log(archived_copy) == []


def test_headline_figures_say_their_units() -> None:
    from reportgen.workflow import headline

    figures = (
        "section,kind,label,last_year,this_year,diff,msg_rank,movement\n"
        "5,measure,KSI,669,715,6.9,,Worsened (4.0% pt.)\n"
        "5,measure,KSI - Fatalities,42,37,-11.9,,Improved (-11.9% pt.)\n"
        "6,measure,The solved crime rate,27.00%,29.17%,2.17,n/a,Improved (0.02% pt.)\n"
        "7,measure,Not comparable,n/a,28181,n/a,,n/a\n"
    )
    assert headline(figures).splitlines() == [
        "- KSI: 715 (6.9% on last year)",
        "- The solved crime rate: 29.17% (2.17% pt. on last year)",
        "- Not comparable: 28181",
    ]


@pytest.mark.parametrize(
    ("reply", "told"),
    [
        ("450 4.2.1 mailbox busy, try later", "the server refused them for now; later, run"),
        ("550 5.1.1 no such user", "once those addresses are fixed, run"),
    ],
)
def test_a_recipient_refused_is_told_when_to_send_again(
    archived_copy: Path, server: CountingHandler, run_cli, reply: str, told: str
) -> None:
    refused = bare(the_list(archived_copy)["to"])[0]
    server.refuse = {refused: reply}
    result = send(run_cli, archived_copy)
    assert result.code == 1
    assert f"reportgen: note: {told} the same send again (without --resend)" in result.err
    server.refuse = {}
    again = send(run_cli, archived_copy)  # only to the one refused
    assert again.code == 0, again.err
    assert [m.rcpt_tos for m in server.received][-1] == [refused]
