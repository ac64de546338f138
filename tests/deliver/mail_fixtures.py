"""What the mail tests share: an edition ready to send, settings for a plain server,
and readers for what was sent and logged."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.deliver.mail import (
    DistributionList,
    SendResult,
    SmtpSettings,
    load_distribution,
    read_send_log,
    send_edition,
)

from .smtp_fixtures import HOST, write_fake_pdf

REPO = Path(__file__).resolve().parents[2]
FROM = "Performance Analysis <mpr@force.example.org>"
ATTACHMENT = "Essex-Police-Performance-Update-March-2014.pdf"
SUBJECT = "Essex Police Performance Update – March 2014"
HEADLINE = "  All crime: 9,876 (-4.1%)\n  Anti-social behaviour: 1,234 (+2.0%)"
PASSWORD = "s3cret-Pa55word!"

LIST_YAML = """\
board:
  to:
    - Performance Team <performance@pcc.example.org>
    - analyst@pcc.example.org
  cc:
    - board-secretary@pcc.example.org
  subject: "Essex Police Performance Update – {edition_month}"
  body: |
    Dear colleagues,

    Attached: {file_name} (version {version}) for {edition_month}.
    {headline}
"""
RECIPIENTS = [
    "performance@pcc.example.org",
    "analyst@pcc.example.org",
    "board-secretary@pcc.example.org",
]


@dataclass
class Edition:
    """One edition ready to send, with everything send_edition needs around it."""

    tmp: Path
    pdf: Path
    distribution: DistributionList
    send_log: Path
    sleeps: list[float] = field(default_factory=list)

    def send(self, settings: SmtpSettings | None, **overrides: Any) -> SendResult:
        arguments: dict[str, Any] = dict(
            pdf=self.pdf,
            attachment_name=ATTACHMENT,
            edition="2014-03",
            edition_month="March 2014",
            version=1,
            list_name=self.distribution.name,
            distribution=self.distribution,
            settings=settings,
            send_log=self.send_log,
            template_values={"headline": HEADLINE},
            timeout=5.0,
            backoff_seconds=0.5,
            sleep=self.sleeps.append,
        )
        arguments.update(overrides)
        return send_edition(**arguments)

    def log_text(self) -> str:
        return self.send_log.read_text(encoding="utf-8") if self.send_log.exists() else ""


def plain(port: int, **changes: Any) -> SmtpSettings:
    values: dict[str, Any] = dict(
        host=HOST, port=port, security="none", from_address=FROM, user=None, password=None
    )
    values.update(changes)
    return SmtpSettings(**values)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def make_edition(tmp_path: Path) -> Edition:
    lists = tmp_path / "distribution.yaml"
    lists.write_text(LIST_YAML, encoding="utf-8")
    archive_edition = tmp_path / "archive" / "2014-03"
    archive_edition.mkdir(parents=True)
    return Edition(
        tmp=tmp_path,
        pdf=write_fake_pdf(tmp_path / "edition.pdf"),
        distribution=load_distribution(lists)["board"],
        send_log=archive_edition / "send-log.jsonl",
    )


def outcomes(edition: Edition) -> list[str]:
    return [record.outcome for record in read_send_log(edition.send_log)]
