"""Real SMTP servers for the mail tests: aiosmtpd on 127.0.0.1, scripted misbehaviour.

In: a ``RecordingHandler`` saying which recipients to refuse and how to answer DATA,
optionally TLS material from ``make_tls``. Out: a running server (``running_smtp``) whose
handler records every envelope it was given, and small PDFs to send.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
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
    script is used up every DATA is accepted. ``mail_replies`` and ``rcpt_replies``
    script the first MAIL FROM and RCPT TO replies the same way (a 4xx before DATA).
    ``data_delay`` makes the server take that long to answer DATA (it still accepts the
    message); ``hold_data`` makes it wait until the event is set, after setting
    ``data_arrived``; ``on_data`` is called as each message arrives.
    """

    refuse: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    mail_replies: list[str] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    data_delay: float = 0.0
    hold_data: threading.Event | None = None
    data_arrived: threading.Event = field(default_factory=threading.Event)
    on_data: Callable[[], None] | None = None
    received: list[Received] = field(default_factory=list)  # accepted messages
    data_attempts: list[Received] = field(default_factory=list)  # every DATA, accepted or not

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.mail_replies:
            return self.mail_replies.pop(0)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        self.data_attempts.append(message)
        self.data_arrived.set()
        if self.on_data is not None:
            self.on_data()
        if self.hold_data is not None:
            while not self.hold_data.is_set():
                await asyncio.sleep(0.02)
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        reply = self.data_replies.pop(0) if self.data_replies else None
        if reply == DROP:
            server.transport.close()
            return "421 gone"  # never reaches the client: the transport is closed
        if reply is not None:
            return reply
        self.received.append(message)
        return "250 Message accepted for delivery"


@dataclass
class OAuthHandler(RecordingHandler):
    """Also implements AUTH XOAUTH2 (RFC 7628, as Microsoft 365 and Google use it).

    Accepts exactly ``user`` with ``token``; a wrong one gets the base64 JSON error
    challenge, then 535 after the client's empty reply, as Google answers. Records every
    (user, token) it was offered.
    """

    user: str = ""
    token: str = ""
    offered: list[tuple[str, str]] = field(default_factory=list)

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        if len(args) < 2:
            return AuthResult(success=False, handled=False, message="501 5.5.2 No response")
        try:
            fields = base64.b64decode(args[1], validate=True).decode("ascii").split("\x01")
            user = fields[0].removeprefix("user=")
            token = fields[1].removeprefix("auth=Bearer ")
        except (ValueError, IndexError):
            return AuthResult(success=False, handled=False, message="501 5.5.2 Bad XOAUTH2")
        self.offered.append((user, token))
        if (user, token) == (self.user, self.token):
            return AuthResult(success=True, auth_data=user)
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "smtp"})
        await server.challenge_auth(error)  # the client answers with an empty line
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )


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
