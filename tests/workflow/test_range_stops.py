"""Stopping a range of editions: a job's pipe closed under its relay thread is its end,
not a traceback; an interrupted range leaves nothing its jobs were writing; and a
Ctrl-C or SIGTERM whose raise a finalizer swallowed (during the collection after an
edition) still stops the command."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reportgen import atomic
from reportgen.batch import _relay
from tests.faults import interruptible

from .conftest import MakeReport
from .ranges import both_at_work, left_behind, paused_range


def test_a_relay_whose_pipe_is_closed_under_it_says_the_job_ended() -> None:
    # end_child closes a job's stdout while its relay thread reads it: the next read
    # then raised ValueError ("PyMemoryView_FromBuffer(): info->buf must not be NULL")
    # and Python printed "Exception in thread Thread-1 (_relay)" with its traceback
    read_end, write_end = os.pipe()
    lines = open(read_end, "rb")  # closed under the relay below, as end_child does
    os.write(write_end, b'{"edition": "2014-03", "stage": "start"}\n{"edition": "2014-03"}\n')

    class ClosedAfterTheFirst(queue.Queue[Any]):
        def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
            super().put(item, block, timeout)
            lines.close()  # the caller ends the job: its pipe is closed mid-read

    events = ClosedAfterTheFirst()
    try:
        _relay(3, lines, events)
    finally:
        os.close(write_end)
    assert [events.get_nowait() for _ in range(events.qsize())] == [
        (3, {"edition": "2014-03", "stage": "start"}),
        (3, None),
    ]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize(
    ("task", "signum", "says", "code"),
    [
        ("build", signal.SIGINT, "reportgen: interrupted; nothing was left half-written", 130),
        (
            "pack",
            signal.SIGTERM,
            "reportgen: stopped (SIGTERM); nothing was left half-written",
            143,
        ),
    ],
)
def test_an_interrupted_range_leaves_nothing_its_jobs_were_writing(
    task: str, signum: int, says: str, code: int, make_report: MakeReport, tmp_path: Path
) -> None:
    # the jobs are ended by closing their lifeline, and end at once (os._exit): what
    # they were writing was left for the next command to sweep, with a note
    root = make_report(tmp_path / "report")
    parent = paused_range(root, task)
    try:
        jobs = both_at_work(parent, root)
        parent.send_signal(signum)
        assert parent.stderr is not None
        rest = parent.stderr.read()
        assert parent.wait(timeout=30) == code
    finally:
        parent.kill()
        parent.wait()
    assert rest.splitlines()[-1] == says and "Traceback" not in rest
    assert not any(Path(f"/proc/{pid}").exists() for pid in jobs)
    assert left_behind(root) == []


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_what_a_killed_job_was_writing_is_removed_by_its_caller(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    parent = paused_range(root, "pack")
    try:
        for pid in both_at_work(parent, root):
            os.kill(pid, signal.SIGKILL)
        assert parent.stderr is not None
        rest = parent.stderr.read()
        assert parent.wait(timeout=30) == 1
    finally:
        parent.kill()
        parent.wait()
    assert "killed by SIGKILL" in rest and "removed" not in rest
    assert left_behind(root) == []


def test_the_sweep_after_jobs_takes_only_theirs(tmp_path: Path) -> None:
    mine, other = 999_999_991, 999_999_992
    names = [
        f".edition.pdf.reportgen-{atomic._HOST}-{mine}-abcd1234.tmp",
        f".reportgen-scratch-{atomic._HOST}-{mine}-abcd1234",
        f".edition.pdf.reportgen-{atomic._HOST}-{other}-abcd1234.tmp",
        f".incoming-v1-{mine}",
        "edition.pdf",
    ]
    for name in names:
        if name.startswith((".reportgen-scratch-", ".incoming-")):
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text("x")
    removed = atomic.sweep_left_by(tmp_path, [mine])
    assert sorted(p.name for p in removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


# --- a stop swallowed by a finalizer ----------------------------------------------------

SWALLOWED = """
import gc, os, signal, sys, weakref
import reportgen.batch

def collect_after_edition(*, freeze=False):
    # the signal arrives while a finalizer runs, as it may during gc.collect: Python
    # prints "Exception ignored in: <finalize object ...>" and goes on
    class Held:
        pass
    held = Held()
    weakref.finalize(held, signal.raise_signal, {signum})
    del held
    gc.collect()

reportgen.batch.collect_after_edition = collect_after_edition
from reportgen.cli import main
sys.exit(main(["--root", {root!r}, "build", "--edition", "2014-02..2014-03", "--jobs", "1"]))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "says", "code"),
    [
        (signal.SIGINT, "reportgen: interrupted; nothing was left half-written", 130),
        (signal.SIGTERM, "reportgen: stopped (SIGTERM); nothing was left half-written", 143),
    ],
    ids=["INT", "TERM"],
)
def test_a_stop_a_finalizer_swallowed_still_stops_the_range(
    signum: int, says: str, code: int, make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    done = subprocess.run(
        [sys.executable, "-c", SWALLOWED.format(signum=int(signum), root=str(root))],
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=interruptible,
    )
    assert done.returncode == code, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == says
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
    # stopped after the first edition: the second was never started
    assert not any("2014-03 build started" in line for line in lines), lines
    assert not (root / "out" / "performance-update-2014-03.pdf").exists()
