"""Named moments of the long commands, so faults can be tested at exact points.

``reached("send: before DATA")`` marks a moment. Normally it does nothing. With
``REPORTGEN_PAUSE_AT`` set to that name, the process says so on stderr
(``reportgen: paused at <name> (pid N)``) and waits there, up to
``PAUSE_LIMIT_SECONDS``, for a signal: the fault tests start a real ``reportgen``,
wait for that line and then kill it at exactly that moment instead of guessing with
sleeps, or let it go on with SIGUSR1. The names are listed in ``MOMENTS``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PAUSE_ENV = "REPORTGEN_PAUSE_AT"
PAUSE_LIMIT_SECONDS = 60.0

MOMENTS = (
    # the CLI has decided on a chart worker (and started one if needed); heavy imports next
    "build: worker started",
    "build: charts sent",  # the worker is drawing; this process lays out the text
    # check has started its dry-run worker (where it wants one); heavy imports next
    "check: worker started",
    "write: temporary file",  # a temporary file beside its target is written, not renamed
    "archive: locked",
    "archive: copy",  # a file is being copied into the new version's staging folder
    "archive: manifest",
    "archive: rename",
    "send: before DATA",  # the 'sending' record is on disk; DATA is next
)


def reached(moment: str) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if wanted != moment or threading.current_thread() is not threading.main_thread():
        return
    resumed: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, _frame: resumed.append(signum))
    try:
        print(f"reportgen: paused at {moment} (pid {os.getpid()})", file=sys.stderr, flush=True)
        deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
        while not resumed and time.monotonic() < deadline:
            time.sleep(0.02)  # signals interrupt the sleep; their handlers run here
    finally:
        signal.signal(signal.SIGUSR1, previous)
