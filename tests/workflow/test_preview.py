"""``reportgen preview`` (issue 12): the draft is rebuilt when a file is saved, a bad edit
is reported and the watch goes on, and Ctrl-C ends it with nothing half-written."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.faults import interruptible

from .conftest import MakeReport

pytestmark = pytest.mark.slow
NARRATIVE = Path("content/2014-03/05-road-safety.md")
DRAFT = Path("out/performance-update-2014-03-DRAFT.pdf")


class Watching:
    """A ``reportgen preview`` process and its output, line by line."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "--root", str(root), "preview"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=root,
            preexec_fn=interruptible,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, containing: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if containing in line:
                return line

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def test_preview_rebuilds_on_save_survives_a_bad_edit_and_stops_cleanly(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    watching = Watching(root)
    try:
        first = watching.next_line("DRAFT.pdf (")
        assert first.startswith(str(root / DRAFT))
        built = (root / DRAFT).read_bytes()
        narrative = root / NARRATIVE
        good = narrative.read_text(encoding="utf-8")

        narrative.write_text(good + "\nA sentence added in preview.\n", encoding="utf-8")
        watching.next_line("DRAFT.pdf (", timeout=30)
        assert (root / DRAFT).read_bytes() != built

        narrative.write_text(good + "\n| a table |\n", encoding="utf-8")
        error = watching.next_line("reportgen: error:", timeout=30)
        assert error.startswith(f"reportgen: error: {NARRATIVE}:")
        watching.next_line("not rebuilt", timeout=10)
        assert watching.process.poll() is None  # still watching

        narrative.write_text(good, encoding="utf-8")
        watching.next_line("DRAFT.pdf (", timeout=30)
        assert (root / DRAFT).read_bytes() == built  # the same text, the same bytes
    finally:
        code = watching.stop()
    assert code == 0
    assert "reportgen: preview stopped" in watching.next_line("stopped", timeout=5)
    assert sorted(p.name for p in (root / "out").iterdir()) == [DRAFT.name]  # no temp files
