"""Progress on stderr: a rewritten line on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from reportgen.months import Month
from reportgen.progress import ProgressReport


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(stream: io.StringIO, total: int | None = 2, action: str = "build") -> str:
    progress = ProgressReport(stream, total, action)
    for edition in (Month(2014, 2), Month(2014, 3)):
        for stage in ("start", "load", "compute", "done"):
            progress.update(edition, stage)
    progress.finish()
    return stream.getvalue()


def test_plain_lines_when_stderr_is_not_a_terminal() -> None:
    lines = _run(io.StringIO()).splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "reportgen: [0/2] 2014-02 build started",
        "reportgen: [1/2] 2014-02 done",
        "reportgen: [1/2] 2014-03 build started",
        "reportgen: [2/2] 2014-03 done",
    ]


def test_plain_lines_count_alone_when_the_total_is_not_known() -> None:
    lines = _run(io.StringIO(), None, "verify").splitlines()  # verify: editions as found
    assert [line.split(" (")[0] for line in lines] == [
        "reportgen: [0] 2014-02 verify started",
        "reportgen: [1] 2014-02 done",
        "reportgen: [1] 2014-03 verify started",
        "reportgen: [2] 2014-03 done",
    ]


def test_one_rewritten_line_on_a_terminal() -> None:
    text = _run(Terminal())
    assert "\n" not in text
    assert "\r\x1b[K[##########----------] 1/2 2014-03 compute " in text
    assert text.endswith("\r\x1b[K")  # cleared when the work ends
