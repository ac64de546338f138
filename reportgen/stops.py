"""Stopping a command: Ctrl-C (SIGINT) and SIGTERM, raised where the process is and
remembered until the command has stopped.

In: the signals, while a command runs (``Stoppable``, which only the command line
enters). Out: ``KeyboardInterrupt`` or ``Terminated`` raised in the main thread, so every
``finally`` runs on the way out; and a record that a stop was asked for, which long
loops (``check``, between editions, between polls) raise again: Python ignores an
exception raised while a finalizer or ``__del__`` runs (``gc.collect``, say), and the
command would otherwise go on to its end as if nothing had been asked.

Before the command line is ready (while Python imports it), Ctrl-C ends the process at
once with its one line (``exit_on_ctrl_c``): nothing has been written yet. Importing
this module (or ``reportgen``) sets no handler.
"""

from __future__ import annotations

import os
import signal
import sys

# the script imports this module before the command line, while Ctrl-C is still
# Python's to handle: the rest is imported only for the type checker (annotations are
# not evaluated) or where it is used
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

EXIT_INTERRUPTED = 128 + signal.SIGINT
INTERRUPTED = "reportgen: interrupted; nothing was left half-written"


class Terminated(BaseException):
    """SIGTERM, raised where the process is, so every ``finally`` runs on the way out.

    A BaseException, like KeyboardInterrupt, so no ``except Exception`` swallows it.
    """


_asked: int | None = None  # the signal that asked the running command to stop


def _exception(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


def _stop(signum: int, frame: FrameType | None) -> None:
    global _asked
    _asked = signum
    # a second one while cleaning up is ignored; SIGKILL still ends a stuck run
    signal.signal(signum, signal.SIG_IGN)
    raise _exception(signum)


def check() -> None:
    """Raise again the stop a signal asked for, where its first raise was lost (in a
    finalizer); nothing where none was asked, or outside a command."""
    if _asked is not None:
        raise _exception(_asked)


def forget() -> None:
    """The stop was honoured where it was caught (``preview`` ends as Ctrl-C asks)."""
    global _asked
    _asked = None


def _quiet_about_stops(previous: Any, unraisable: Any) -> None:
    # a stop raised in a finalizer is not lost: ``check`` raises it again, so Python's
    # "Exception ignored in: <finalize object>" and its traceback are not printed
    if _asked is not None and isinstance(unraisable.exc_value, KeyboardInterrupt | Terminated):
        return
    previous(unraisable)


class Stoppable:
    """While a command runs (``with Stoppable():``): SIGINT raises KeyboardInterrupt and
    SIGTERM ``Terminated``, each recorded for ``check``; the handlers before are restored
    after, the record cleared. Only in the main thread (only it may set handlers); a
    SIGINT ignored from the start (a shell's background job) stays ignored."""

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}
        self._hook: Any = None

    def __enter__(self) -> None:
        import threading

        global _asked
        if threading.current_thread() is not threading.main_thread():
            return
        _asked = None
        hook = self._hook = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: _quiet_about_stops(hook, unraisable)
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signum == signal.SIGINT and signal.getsignal(signum) is signal.SIG_IGN:
                continue
            self._previous[signum] = signal.signal(signum, _stop)

    def __exit__(self, *_exc: object) -> None:
        global _asked
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()
        if self._hook is not None:
            sys.unraisablehook, self._hook = self._hook, None
            _asked = None


def _interrupted_at_once(signum: int, frame: FrameType | None) -> None:
    try:
        os.write(2, f"{INTERRUPTED}\n".encode())
    finally:
        os._exit(EXIT_INTERRUPTED)


def exit_on_ctrl_c() -> None:
    """Until ``Stoppable`` takes over (and after it): Ctrl-C ends the process at once with
    its one line, before anything is written. For the ``reportgen`` script and
    ``python -m reportgen`` only; a SIGINT ignored from the start stays ignored."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _interrupted_at_once)
