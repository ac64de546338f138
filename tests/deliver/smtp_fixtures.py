"""Real SMTP servers for the mail tests: aiosmtpd on 127.0.0.1, scripted misbehaviour.

In: a ``RecordingHandler`` saying which recipients to refuse and how to answer DATA,
optionally TLS material from ``make_tls``. Out: a running server (``running_smtp``) whose
handler records every envelope it was given, and small PDFs to send.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
# Closes the connection instead of replying to DATA: the client cannot know whether
# the message was accepted, which is the case the retry must handle.
DROP = "drop"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def write_fake_pdf(path: Path, size: int = 600) -> Path:
    """Bytes that pass for an archived PDF: the header, then filler up to ``size``."""
    head = b"%PDF-1.4\n% reportgen test edition\n"
    path.write_bytes(head + bytes(range(256)) * (size // 256 + 1))
    with open(path, "r+b") as handle:
        handle.truncate(size)
    return path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class RecordingHandler:
    """Records envelopes; refuses ``refuse`` at RCPT; answers DATA from ``data_replies``.

    Each DATA pops the next scripted reply ("421 ...", "554 ...", or ``DROP``); once the
    script is used up every DATA is accepted.
    """

    refuse: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)  # accepted messages
    data_attempts: list[Received] = field(default_factory=list)  # every DATA, accepted or not

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        self.data_attempts.append(message)
        reply = self.data_replies.pop(0) if self.data_replies else None
        if reply == DROP:
            server.transport.close()
            return "421 gone"  # never reaches the client: the transport is closed
        if reply is not None:
            return reply
        self.received.append(message)
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def running_smtp(handler: RecordingHandler, **smtp_options: Any) -> Iterator[int]:
    """Run aiosmtpd for ``handler`` on 127.0.0.1; yield its port; stop it afterwards."""
    port = free_port()
    controller = Controller(
        handler,
        hostname=HOST,
        port=port,
        server_hostname="mx.test",
        ready_timeout=5.0,
        **smtp_options,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass(frozen=True)
class TlsMaterial:
    server: ssl.SSLContext  # presents a certificate for 127.0.0.1 issued by the test CA
    trusting_client: ssl.SSLContext  # verifying, and trusts only the test CA


def make_tls(*, certificate_for: str = HOST) -> TlsMaterial:
    """A throw-away CA and a server certificate for ``certificate_for``."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(certificate_for).configure_cert(server)
    # cadata given: the system's CAs are not loaded, so only the test CA is trusted
    client = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode("ascii"))
    return TlsMaterial(server=server, trusting_client=client)


def password_authenticator(user: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting exactly this user and password."""

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return authenticate
