"""SMTP settings: ``REPORTGEN_SMTP_*`` environment variables -> ``SmtpSettings``.

In: the environment (never a file). Out: where and how to send: host, port, security
(``starttls``, ``ssl`` or ``none``), the From address, the time-out, and how to log in:
a user with a password (AUTH PLAIN/LOGIN, UTF-8 allowed), or a user with an OAuth 2.0
access token for ``AUTH XOAUTH2`` (Microsoft 365, Google), given directly or printed by
a command (``access_token``, whose output is read only up to ``TOKEN_OUTPUT_LIMIT``).
Every missing or bad variable is named in one error, before anything connects: a value
that is not UTF-8, a host that is neither a host name nor an IP address (or carries a
port), a user with spaces or control characters, a time-out under a second; secrets
never appear in ``repr()``, messages or logs (``redact``).
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import math
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Literal, get_args

from reportgen.deliver.distribution import address_problem, check_address
from reportgen.errors import DeliveryError, shown

Security = Literal["starttls", "ssl", "none"]

ENV_HOST = "REPORTGEN_SMTP_HOST"
ENV_PORT = "REPORTGEN_SMTP_PORT"
ENV_USER = "REPORTGEN_SMTP_USER"
ENV_PASSWORD = "REPORTGEN_SMTP_PASSWORD"
ENV_SECURITY = "REPORTGEN_SMTP_SECURITY"
ENV_FROM = "REPORTGEN_SMTP_FROM"
ENV_TIMEOUT = "REPORTGEN_SMTP_TIMEOUT"
ENV_OAUTH_TOKEN = "REPORTGEN_SMTP_OAUTH_TOKEN"
ENV_OAUTH_TOKEN_COMMAND = "REPORTGEN_SMTP_OAUTH_TOKEN_COMMAND"
_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
ENV_NAMES = (
    ENV_HOST,
    ENV_PORT,
    ENV_USER,
    ENV_PASSWORD,
    ENV_SECURITY,
    ENV_FROM,
    ENV_TIMEOUT,
    ENV_OAUTH_TOKEN,
    ENV_OAUTH_TOKEN_COMMAND,
)
DEFAULT_TIMEOUT = 30.0
# below a second a healthy server's reply to DATA comes too late, and a send that gets no
# reply after DATA is 'unknown' and blocks later sends until --resend
MIN_TIMEOUT = 1.0
MAX_TIMEOUT = 600.0
# RFC 1035 / RFC 1123: a host name is labels of letters, digits and inner hyphens
# RFC 1123 labels, with the underscore some internal (Active Directory) DNS names carry,
# which the resolver and TLS take as they are
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
MAX_HOST = 253
MAX_LABEL = 63
# an access token is a few KB (a JWT with its claims); anything much longer is not one
TOKEN_OUTPUT_LIMIT = 64 * 1024
# a redacted secret shorter than this would garble ordinary text (see ``redact``)
MIN_REDACTED = 8


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. Password and token are left out of repr() and str()."""

    host: str
    port: int
    security: Security
    from_address: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT  # seconds to wait for any one reply
    oauth_token: str | None = field(default=None, repr=False)
    oauth_token_command: tuple[str, ...] | None = None

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def uses_oauth(self) -> bool:
        return self.oauth_token is not None or self.oauth_token_command is not None


def smtp_settings_from_env(env: Mapping[str, str]) -> SmtpSettings:
    """Read ``REPORTGEN_SMTP_*``; every missing or bad variable is named in one error."""
    # bytes that are not UTF-8 (os.environ holds them as lone surrogates) cannot be sent,
    # logged or printed: such a variable is named, and read as if it were unset
    unreadable = {name for name in ENV_NAMES if not _is_text(env.get(name, ""))}

    def get(name: str) -> str | None:
        value = "" if name in unreadable else env.get(name, "")
        # Keep a password exactly as given; trim everything else.
        value = value if name == ENV_PASSWORD else value.strip()
        return value or None

    host, from_raw = get(ENV_HOST), get(ENV_FROM)
    user, password = get(ENV_USER), get(ENV_PASSWORD)
    token, command_raw = get(ENV_OAUTH_TOKEN), get(ENV_OAUTH_TOKEN_COMMAND)
    security_raw, port_raw, timeout_raw = get(ENV_SECURITY), get(ENV_PORT), get(ENV_TIMEOUT)

    # never the value itself: it may be a password, and it cannot be printed as it is
    problems = [
        f"{name} is not valid text (it holds bytes that are not UTF-8: another encoding "
        "or a stray byte); set it again in UTF-8"
        for name in ENV_NAMES
        if name in unreadable
    ]
    required = ((ENV_HOST, host), (ENV_FROM, from_raw))
    missing = [name for name, value in required if not value and name not in unreadable]
    oauth = token is not None or command_raw is not None
    if (password or oauth) and not user and ENV_USER not in unreadable:
        missing.append(ENV_USER)
    problems += [f"{name} is not set" for name in missing]
    login_unreadable = unreadable & {ENV_PASSWORD, ENV_OAUTH_TOKEN, ENV_OAUTH_TOKEN_COMMAND}
    if user and not password and not oauth and not login_unreadable:
        problems.append(f"{ENV_PASSWORD} is not set (nor {ENV_OAUTH_TOKEN})")
    if password and oauth:
        problems.append(f"set {ENV_PASSWORD} or an OAuth token, not both")
    if password is not None and not password.strip():
        problems.append(f"{ENV_PASSWORD} is only spaces; set the password itself")
    if token and command_raw:
        problems.append(f"set {ENV_OAUTH_TOKEN} or {ENV_OAUTH_TOKEN_COMMAND}, not both")
    if token is not None and not _looks_like_token(token):
        problems.append(f"{ENV_OAUTH_TOKEN} is not an access token (printable ASCII, no spaces)")
    command = _token_command(command_raw, problems)

    security = (security_raw or "starttls").lower()
    if security not in get_args(Security):
        problems.append(f"{ENV_SECURITY} is {shown(security_raw or '')}; use starttls, ssl or none")
        security = "starttls"
    port = _DEFAULT_PORTS[security]
    if port_raw is not None:
        if re.fullmatch("[0-9]{1,5}", port_raw) and 0 < int(port_raw) < 65536:
            port = int(port_raw)
        else:
            problems.append(f"{ENV_PORT} is {shown(port_raw)}; use a port number such as 587")
    timeout = _timeout(timeout_raw, problems)
    if host is not None and (host_problem := _host_problem(host)):
        problems.append(f"{ENV_HOST} is {shown(host)}: {host_problem}")
    if user is not None and any(ch.isspace() or not ch.isprintable() for ch in user):
        problems.append(
            f"{ENV_USER} is {shown(user)}, which holds a space, a line break or another "
            "control character; set the login name (often the mailbox's address) alone"
        )
    from_address = check_address(from_raw) if from_raw else None
    if from_raw and from_address is None:
        problems.append(
            f"{ENV_FROM} is {shown(from_raw)}: {address_problem(from_raw)}; use one address "
            "such as mpr@force.example or 'Performance Team <mpr@force.example>'"
        )
    if user and security == "none":
        problems.append(
            f"{ENV_USER} is set with {ENV_SECURITY}=none, which would send the password "
            "or token in clear text; use starttls or ssl"
        )
    if problems:
        raise DeliveryError(
            "SMTP settings are missing or invalid: " + "; ".join(problems),
            hint=(
                f"set {ENV_HOST} and {ENV_FROM} (required), {ENV_SECURITY} (starttls, "
                f"the default, ssl or none), {ENV_PORT} and {ENV_TIMEOUT} (optional), and "
                f"{ENV_USER} with either {ENV_PASSWORD} or {ENV_OAUTH_TOKEN} / "
                f"{ENV_OAUTH_TOKEN_COMMAND} (for Microsoft 365), or none of them"
            ),
        )
    assert host is not None and from_address is not None  # checked above
    return SmtpSettings(
        host,
        port,
        security,  # type: ignore[arg-type]
        from_address,
        user,
        password,
        timeout,
        token,
        command,
    )


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _token_command(command_raw: str | None, problems: list[str]) -> tuple[str, ...] | None:
    if command_raw is None:
        return None
    try:
        command = tuple(shlex.split(command_raw))
    except ValueError as error:
        problems.append(f"{ENV_OAUTH_TOKEN_COMMAND} cannot be read as a command: {error}")
        return None
    if command == ():
        problems.append(f"{ENV_OAUTH_TOKEN_COMMAND} names no command")
        return None
    return command


def _timeout(timeout_raw: str | None, problems: list[str]) -> float:
    if timeout_raw is None:
        return DEFAULT_TIMEOUT
    # ASCII digits only: float() would take 'inf', '1_0', '1e-300' and any script's digits
    written = re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", timeout_raw)
    timeout = float(timeout_raw) if written else math.nan
    if not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        problems.append(
            f"{ENV_TIMEOUT} is {shown(timeout_raw)}; use seconds, at least {MIN_TIMEOUT:g} "
            f"(a shorter wait cuts off a server still answering) and at most "
            f"{MAX_TIMEOUT:g} (default {DEFAULT_TIMEOUT:g})"
        )
    return timeout


def _host_problem(host: str) -> str | None:
    """What is wrong with ``host`` as the server's name or IP address; None if nothing."""
    if _is_ip_address(host):  # 192.0.2.25, ::1, fe80::1%eth0
        return None
    if host.startswith("[") and host.endswith("]") and _is_ip_address(host[1:-1]):
        return f"write an IP address without the brackets: {host[1:-1]}"
    name, colon, port = host.rpartition(":")
    bare = name.removeprefix("[").removesuffix("]")
    if colon and re.fullmatch("[0-9]{1,5}", port) and not _host_name_problem(bare):
        return f"it includes a port; set {ENV_HOST}={bare} and {ENV_PORT}={port}"
    return _host_name_problem(host)


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _host_name_problem(host: str) -> str | None:
    """What is wrong with ``host`` as an IP address or a host name (RFC 1123)."""
    if _is_ip_address(host):
        return None
    name = host.removesuffix(".")  # a fully qualified name may end in a dot
    if len(name) > MAX_HOST:
        return f"it is too long: a host name is at most {MAX_HOST} characters"
    labels = name.split(".")
    if all(re.fullmatch("[0-9]+", label) for label in labels):
        return "it is not an IPv4 address (four numbers from 0 to 255, such as 192.0.2.25)"
    long = next((label for label in labels if len(label) > MAX_LABEL), None)
    if long is not None:
        return (
            f"one of its parts is {len(long)} characters long; each part between dots is "
            f"at most {MAX_LABEL}"
        )
    if not host.isascii():
        return (
            "it is not ASCII; write an international name in its ASCII form (xn--…), "
            "as the mail administrator gives it"
        )
    if not all(_HOST_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return (
            "it is not a host name or IP address; use a name such as smtp.office365.com "
            "(letters, digits and hyphens, in parts between dots, no part starting or "
            "ending with a hyphen) or an address such as 192.0.2.25"
        )
    return None


def _looks_like_token(token: str) -> bool:
    return token.isascii() and token.isprintable() and not any(ch.isspace() for ch in token)


def access_token(settings: SmtpSettings) -> str | None:
    """The OAuth access token: as given, or printed by the token command; None without."""
    if settings.oauth_token is not None:
        return settings.oauth_token
    if settings.oauth_token_command is None:
        return None
    return _run_token_command(settings.oauth_token_command, settings.timeout)


def _run_token_command(command: tuple[str, ...], timeout: float) -> str:
    def fail(problem: str) -> DeliveryError:
        return DeliveryError(
            f"the OAuth token command ({ENV_OAUTH_TOKEN_COMMAND}: {command[0]}) {problem}",
            hint="run it by hand: it must print one access token on stdout and exit 0",
        )

    try:
        # no shell; its own session, so a time-out ends whatever it started too
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        raise fail(f"could not be started: {error.strerror or error}") from None
    try:
        stdout, stderr = _bounded_output(process, timeout)
    except subprocess.TimeoutExpired:
        _end_session(process)
        raise fail(f"did not finish within {timeout:g} s") from None
    except _TooMuchOutput:
        _end_session(process)
        raise fail(
            f"printed more than {TOKEN_OUTPUT_LIMIT // 1024} KB, far more than an access "
            "token; it was stopped"
        ) from None
    except BaseException:
        _end_session(process)
        raise
    if process.returncode != 0:
        # its last line says why, usually; shown printable, and cut short from its start
        said = stderr.decode("utf-8", "replace").strip().splitlines()
        line = "".join(ch for ch in said[-1] if ch.isprintable()).strip() if said else ""
        last = f": {line[-200:]}" if line else ""
        raise fail(f"failed with exit status {process.returncode}{last}")
    token = stdout.decode("utf-8", "replace").strip()
    if not token:
        raise fail("printed no token")
    if not _looks_like_token(token):
        raise fail("printed something that is not one access token (printable ASCII, no spaces)")
    return token


class _TooMuchOutput(Exception):
    """The token command printed more than ``TOKEN_OUTPUT_LIMIT`` on stdout."""


class _Drain(threading.Thread):
    """Reads one pipe to its end, keeping at most ``limit`` bytes: the first ones
    (``keep="head"``, and ``overflowed`` set once more came) or the last ones
    (``keep="tail"``, for the error message stderr ends with)."""

    def __init__(self, pipe: IO[bytes], limit: int, keep: Literal["head", "tail"]) -> None:
        super().__init__(daemon=True)  # never keeps reportgen alive on exit
        self.pipe, self.limit, self.keep = pipe, limit, keep
        self.data = b""
        self.overflowed = threading.Event()

    def run(self) -> None:
        with self.pipe, contextlib.suppress(OSError, ValueError):
            while chunk := os.read(self.pipe.fileno(), 65536):
                if self.keep == "tail":
                    self.data = (self.data + chunk)[-self.limit :]
                elif len(self.data) + len(chunk) > self.limit:
                    self.overflowed.set()
                    return  # the caller ends the command
                else:
                    self.data += chunk


def _bounded_output(process: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bytes]:
    """Like ``communicate(timeout=…)``, but never holding more than ``TOKEN_OUTPUT_LIMIT``
    of each stream: ``cat /dev/zero`` would otherwise fill the memory before the time-out.
    Raises ``subprocess.TimeoutExpired`` or ``_TooMuchOutput``."""
    assert process.stdout is not None and process.stderr is not None
    out = _Drain(process.stdout, TOKEN_OUTPUT_LIMIT, "head")
    err = _Drain(process.stderr, TOKEN_OUTPUT_LIMIT, "tail")
    out.start()
    err.start()
    deadline = time.monotonic() + timeout
    for drain in (out, err):
        while drain.is_alive():
            left = deadline - time.monotonic()
            if out.overflowed.is_set():
                raise _TooMuchOutput
            if left <= 0:
                raise subprocess.TimeoutExpired(process.args, timeout)
            drain.join(min(left, 0.05))
    if out.overflowed.is_set():
        raise _TooMuchOutput
    process.wait(max(deadline - time.monotonic(), 0.01))
    return out.data, err.data


def _end_session(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # already gone; or no process groups (Windows)
        process.kill()
    # not communicate(): the pipes are the reading threads', and a child that left the
    # session could hold them open for ever; the threads end with the pipes
    process.wait()


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def redact(text: str, settings: SmtpSettings, *secrets: str | None) -> str:
    """Remove the password and token, plainly or as AUTH encodes them, from ``text``.

    The forms AUTH sends (base64 of the secret, of AUTH PLAIN's user and secret, of
    XOAUTH2's string), which are what smtplib and servers quote, are always removed:
    they do not occur in ordinary text. The secret as written is removed only if it has
    at least ``MIN_REDACTED`` characters: a shorter one ('e', '2014') is also part of
    ordinary words and numbers, so replacing it everywhere garbled every message and the
    send log's errors, and the gaps it left spelled the password out to whoever read
    them (and a password that short is guessed in moments anyway).
    """
    plain = {s for s in (settings.password, settings.oauth_token, *secrets) if s}
    forms = {secret for secret in plain if len(secret) >= MIN_REDACTED}
    for secret in plain:
        forms.add(base64.b64encode(secret.encode("utf-8")).decode())
        if settings.user:
            forms.add(base64.b64encode(f"\0{settings.user}\0{secret}".encode()).decode())
            forms.add(base64.b64encode(xoauth2_string(settings.user, secret).encode()).decode())
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text
