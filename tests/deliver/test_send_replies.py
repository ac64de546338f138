"""Servers whose replies are odd in ways aiosmtpd cannot play: a reply trickled line by
line for ever, a 2xx other than 250 or no code at all once the message is in, a QUIT
answered slowly. Each is a small scripted server on a raw socket, bounded in time.

Found by a sweep: a trickled reply held ``send`` for good (the time-out bounded each
read, not the reply); a ``251`` or a garbled reply after the message was logged
``failed``, so the next send delivered it again; Ctrl-C while waiting for QUIT's reply
logged a delivered message as ``unknown``, and every send waited the whole time-out
for that reply."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from reportgen import notices
from reportgen.errors import DeliveryError
from tests.faults import within_seconds

from .mail_fixtures import RECIPIENTS, Edition, outcomes, plain
from .smtp_fixtures import HOST

pytestmark = pytest.mark.slow


class Scripted:
    """One SMTP server on 127.0.0.1 that plays a script: ``greeting`` (sent line by line,
    ``trickle`` seconds apart, for ever if ``forever``), then plain 250s and 354 up to the
    message (``data_reply`` to the DATA command), then ``after_data`` lines, then
    ``quit_delay`` before answering QUIT."""

    def __init__(
        self,
        *,
        greeting: list[bytes] | None = None,
        after_data: list[bytes] | None = None,
        forever: bytes | None = None,
        forever_at: str = "",
        trickle: float = 0.2,
        quit_delay: float = 0.0,
        data_reply: list[bytes] | None = None,
    ) -> None:
        self.greeting = greeting or [b"220 mx.test ready\r\n"]
        self.after_data = after_data or [b"250 2.0.0 queued\r\n"]
        self.forever, self.forever_at, self.trickle = forever, forever_at, trickle
        self.quit_delay = quit_delay
        # the reply to the DATA command; [] closes the connection instead
        self.data_reply = [b"354 go ahead\r\n"] if data_reply is None else data_reply
        self.messages = 0  # messages it was handed whole
        self.stop = threading.Event()
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]

    def _lines(self, connection: socket.socket, lines: list[bytes]) -> None:
        for line in lines:
            connection.sendall(line)

    def _for_ever(self, connection: socket.socket) -> None:
        assert self.forever is not None
        while not self.stop.wait(self.trickle):
            connection.sendall(self.forever)

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        if self.forever_at == "greeting":
            self._for_ever(connection)
            return
        self._lines(connection, self.greeting)
        while not self.stop.is_set():
            command = reader.readline()
            if not command:
                return
            verb = command[:4].upper()
            if verb == b"DATA":
                if not self.data_reply or not self.data_reply[-1].startswith(b"354"):
                    self._lines(connection, self.data_reply)
                    return  # the message is never asked for
                self._lines(connection, self.data_reply)
                while reader.readline() not in (b".\r\n", b""):
                    pass
                self.messages += 1
                if self.forever_at == "data":
                    self._for_ever(connection)
                    return
                self._lines(connection, self.after_data)
            elif verb == b"QUIT":
                self.stop.wait(self.quit_delay)
                connection.sendall(b"221 bye\r\n")
                return
            elif verb in (b"EHLO", b"HELO"):
                connection.sendall(b"250 mx.test\r\n")
            else:
                connection.sendall(b"250 OK\r\n")

    def _serve_closing(self, connection: socket.socket) -> None:
        with connection:
            try:
                self._serve(connection)
            except OSError:
                pass

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve_closing, args=(connection,), daemon=True).start()


@contextmanager
def scripted(**script: object) -> Iterator[Scripted]:
    server = Scripted(**script)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(5)
        server.listener.close()


@pytest.mark.parametrize("where", ["greeting", "data"])
def test_a_reply_trickled_for_ever_ends_at_the_time_out(edition: Edition, where: str) -> None:
    line = b"220-still here\r\n" if where == "greeting" else b"250-still working\r\n"
    with scripted(forever=line, forever_at=where) as server:
        # one time-out (and a QUIT not waited for), not for ever
        error = within_seconds(
            10, lambda: edition.send(plain(server.port), timeout=1.0, attempts=1)
        )
    assert isinstance(error, DeliveryError), error
    assert "no answer within 1 s" in str(error)
    # before the message: nothing can have arrived; after it: nobody can tell
    assert outcomes(edition) == (["failed"] if where == "greeting" else ["sending", "unknown"])


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (b"251 2.0.0 queued, forwarded\r\n", "sent"),
        (b"OK queued as 12345\r\n", "unknown"),  # no code: it may have it
        (b"354 go on?\r\n", "unknown"),  # neither yes nor no
    ],
)
def test_any_2xx_after_the_message_is_delivered_and_an_unreadable_reply_is_unknown(
    edition: Edition, reply: bytes, outcome: str
) -> None:
    with scripted(after_data=[reply]) as server:
        if outcome == "sent":
            result = edition.send(plain(server.port))
            assert result.outcome == "sent" and set(result.delivered) == set(RECIPIENTS)
        else:
            with pytest.raises(DeliveryError, match="may or may not have been delivered") as e:
                edition.send(plain(server.port))
            if reply.startswith(b"OK"):  # smtplib keeps only part of a reply without a code
                assert "the server's reply had no reply code" in e.value.message
        # and so a plain send again is refused: never a second delivery unasked
        with pytest.raises(DeliveryError, match="already"):
            edition.send(plain(server.port))
    assert server.messages == 1
    assert outcomes(edition) == ["sending", outcome]


def test_quit_is_not_waited_for_and_an_interrupt_there_keeps_it_delivered(
    edition: Edition,
) -> None:
    with scripted(quit_delay=10.0) as server:
        started = time.monotonic()
        result = edition.send(plain(server.port), timeout=8.0)
        assert result.outcome == "sent"
        assert time.monotonic() - started < 5  # not QUIT's whole time-out
        # Ctrl-C while waiting for QUIT's reply: the message is in, and is logged so
        edition.send_log.unlink()
        previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            heard: list[notices.Notice] = []
            with notices.listening(heard.append), pytest.raises(KeyboardInterrupt):
                edition.send(plain(server.port), timeout=8.0, attempts=1)
            # and the analyst is told it arrived, not only that the command was stopped
            assert any("was delivered to list 'board'" in n.text for n in heard), heard
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    assert outcomes(edition) == ["sending", "sent"]


@pytest.mark.parametrize("where", ["greeting", "data"])
def test_one_line_trickled_a_byte_at_a_time_ends_at_the_time_out(
    edition: Edition, where: str
) -> None:
    # a byte every 0.2 s and never the line's end: each read is quick, the reply never
    # ends; the time-out bounds the whole reply, not each read
    with scripted(forever=b"2" if where == "greeting" else b"x", forever_at=where) as server:
        error = within_seconds(
            10, lambda: edition.send(plain(server.port), timeout=1.0, attempts=1)
        )
    assert isinstance(error, DeliveryError), error
    assert "no answer within 1 s" in str(error) or "no complete reply within 1 s" in str(error)
    assert outcomes(edition) == (["failed"] if where == "greeting" else ["sending", "unknown"])


def test_reply_lines_that_disagree_after_the_message_are_unknown(edition: Edition) -> None:
    # "250-ok" then "550 no": neither yes nor no, so never delivered twice unasked
    with scripted(after_data=[b"250-ok\r\n", b"550 no\r\n"]) as server:
        with pytest.raises(DeliveryError, match="may or may not have been delivered") as e:
            edition.send(plain(server.port))
        assert "different reply codes" in e.value.message
        with pytest.raises(DeliveryError, match="already"):
            edition.send(plain(server.port))
    assert server.messages == 1
    assert outcomes(edition) == ["sending", "unknown"]


@pytest.mark.parametrize(
    "data_reply",
    [[], [b"what?\r\n"]],
    ids=["connection closed", "no reply code"],
)
def test_no_go_ahead_to_the_data_command_sent_nothing_and_may_be_sent_again(
    edition: Edition, data_reply: list[bytes]
) -> None:
    with scripted(data_reply=data_reply) as server:
        with pytest.raises(DeliveryError, match="could not send") as e:
            edition.send(plain(server.port), attempts=2, backoff_seconds=0.01)
        assert "refused the message permanently" not in (e.value.hint or "")
        assert server.messages == 0
        assert outcomes(edition)[-1] == "failed"  # not unknown: no byte of it was sent
        server.data_reply = [b"354 go ahead\r\n"]
        assert edition.send(plain(server.port)).outcome == "sent"  # not refused as "already"
    assert server.messages == 1
