"""SMTP settings: ``REPORTGEN_SMTP_*`` environment variables -> ``SmtpSettings``.

In: the environment (never a file). Out: where and how to send: host, port, security
(``starttls``, ``ssl`` or ``none``), the From address, the time-out, and how to log in:
a user with a password (AUTH PLAIN/LOGIN, UTF-8 allowed), or a user with an OAuth 2.0
access token for ``AUTH XOAUTH2`` (Microsoft 365, Google), given directly or printed by
a command (``access_token``). Every missing or bad variable is named in one error;
secrets never appear in ``repr()``, messages or logs (``redact``).
"""

from __future__ import annotations

import base64
import math
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from reportgen.deliver.distribution import check_address
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
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 600.0


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

    def get(name: str) -> str | None:
        value = env.get(name, "")
        # Keep a password exactly as given; trim everything else.
        value = value if name == ENV_PASSWORD else value.strip()
        return value or None

    host, from_raw = get(ENV_HOST), get(ENV_FROM)
    user, password = get(ENV_USER), get(ENV_PASSWORD)
    token, command_raw = get(ENV_OAUTH_TOKEN), get(ENV_OAUTH_TOKEN_COMMAND)
    security_raw, port_raw, timeout_raw = get(ENV_SECURITY), get(ENV_PORT), get(ENV_TIMEOUT)

    missing = [name for name, value in ((ENV_HOST, host), (ENV_FROM, from_raw)) if not value]
    oauth = token is not None or command_raw is not None
    if (password or oauth) and not user:
        missing.append(ENV_USER)
    problems = [f"{name} is not set" for name in missing]
    if user and not password and not oauth:
        problems.append(f"{ENV_PASSWORD} is not set (nor {ENV_OAUTH_TOKEN})")
    if password and oauth:
        problems.append(f"set {ENV_PASSWORD} or an OAuth token, not both")
    if token and command_raw:
        problems.append(f"set {ENV_OAUTH_TOKEN} or {ENV_OAUTH_TOKEN_COMMAND}, not both")
    if token is not None and not _looks_like_token(token):
        problems.append(f"{ENV_OAUTH_TOKEN} is not an access token (printable ASCII, no spaces)")
    command: tuple[str, ...] | None = None
    if command_raw is not None:
        try:
            command = tuple(shlex.split(command_raw))
        except ValueError as error:
            problems.append(f"{ENV_OAUTH_TOKEN_COMMAND} cannot be read as a command: {error}")
        if command == ():
            problems.append(f"{ENV_OAUTH_TOKEN_COMMAND} names no command")
            command = None

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
    timeout = DEFAULT_TIMEOUT
    if timeout_raw is not None:
        # ASCII digits only: float() would take 'inf', '1_0' and any script's digits
        written = re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", timeout_raw)
        timeout = float(timeout_raw) if written else math.nan
        if not 0 < timeout <= MAX_TIMEOUT:
            problems.append(
                f"{ENV_TIMEOUT} is {shown(timeout_raw)}; use seconds, more than 0 and at most "
                f"{MAX_TIMEOUT:g} (default {DEFAULT_TIMEOUT:g})"
            )
    if host and any(ch.isspace() for ch in host):
        problems.append(f"{ENV_HOST} is {shown(host)}; use a host name without spaces")
    from_address = check_address(from_raw) if from_raw else None
    if from_raw and from_address is None:
        problems.append(f"{ENV_FROM} is {from_raw!r}; use one address such as mpr@force.example")
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
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_session(process)
        raise fail(f"did not finish within {timeout:g} s") from None
    except BaseException:
        _end_session(process)
        raise
    if process.returncode != 0:
        said = stderr.decode("utf-8", "replace").strip().splitlines()
        last = f": {said[-1][:200]}" if said else ""
        raise fail(f"failed with exit status {process.returncode}{last}")
    token = stdout.decode("utf-8", "replace").strip()
    if not token:
        raise fail("printed no token")
    if not _looks_like_token(token):
        raise fail("printed something that is not one access token (printable ASCII, no spaces)")
    return token


def _end_session(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # already gone; or no process groups (Windows)
        process.kill()
    process.communicate()


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def redact(text: str, settings: SmtpSettings, *secrets: str | None) -> str:
    """Remove the password and token, plainly or as AUTH encodes them, from ``text``."""
    plain = {s for s in (settings.password, settings.oauth_token, *secrets) if s}
    forms = set(plain)
    for secret in plain:
        forms.add(base64.b64encode(secret.encode("utf-8")).decode())
        if settings.user:
            forms.add(base64.b64encode(f"\0{settings.user}\0{secret}".encode()).decode())
            forms.add(base64.b64encode(xoauth2_string(settings.user, secret).encode()).decode())
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text
