"""Progress of a long command on stderr: which edition, which stage, how long so far.

On a terminal, one line that keeps being rewritten (a bar of editions done, the one at
work and its stage, the time so far); anywhere else (a log, a pipe, CI), plain lines:
one as each edition starts and one as it ends, so a log reads in order.
"""

from __future__ import annotations

import time
from typing import TextIO

from reportgen.months import Month

BAR_WIDTH = 20


class ProgressReport:
    """``update(edition, stage)`` as work goes (``total`` editions, None when not known
    beforehand); ``finish()`` clears the terminal line."""

    def __init__(self, stream: TextIO, total: int | None, action: str = "build") -> None:
        self.stream = stream
        self.total = total
        self.action = action
        self.done = 0
        self.started = time.monotonic()
        self.on_terminal = _is_terminal(stream)
        self.shown = False

    def update(self, edition: Month, stage: str) -> None:
        elapsed = time.monotonic() - self.started
        if stage in ("done", "failed"):
            self.done += 1
        count = f"{self.done}/{self.total}" if self.total else str(self.done)
        if self.on_terminal:
            filled = BAR_WIDTH * self.done // self.total if self.total else 0
            bar = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] " if self.total else ""
            self.stream.write(f"\r\x1b[K{bar}{count} {edition} {stage} {elapsed:.1f}s")
            self.stream.flush()
            self.shown = True
        elif stage in ("start", "done", "failed"):
            word = {"start": f"{self.action} started", "done": "done", "failed": "FAILED"}
            self.stream.write(f"reportgen: [{count}] {edition} {word[stage]} ({elapsed:.1f}s)\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.on_terminal and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
