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
import time
from pathlib import Path
from typing import Any

import pytest

from reportgen import atomic
from reportgen.batch import _relay
from tests.faults import interruptible

from .conftest import MakeReport
from .test_batch import _jobs_of


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


def _range(root: Path, task: str) -> subprocess.Popen[str]:
    """``task`` over three editions by two jobs, each of which stops where its first
    file is written (a temporary file; pack's scratch folder beside it)."""
    extra = ["--no-cache"] if task == "build" else []
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", "--root", str(root), task,
         "--edition", "2014-01..2014-03", "--jobs", "2", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "REPORTGEN_PAUSE_AT": "write: temporary file"},
        text=True,
        preexec_fn=interruptible,
    )  # fmt: skip


def _left(root: Path) -> list[str]:
    """What a run names as temporary, anywhere in the report folder."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob(".*")
        if p.name.startswith(".reportgen-scratch-")
        or (".reportgen-" in p.name and p.name.endswith(".tmp"))
    )


def _both_at_work(parent: subprocess.Popen[str], root: Path) -> list[int]:
    """Wait until both jobs have a temporary file in the report folder; their pids."""
    assert parent.stderr is not None
    heard: list[str] = []
    while not all(any(e in line for line in heard) for e in ("2014-01", "2014-02")):
        heard.append(parent.stderr.readline())
        assert heard[-1], heard  # the parent ended before both jobs were at work
    jobs = _jobs_of(parent.pid)
    assert len(jobs) == 2
    deadline = time.monotonic() + 90  # each pauses at its first temporary file
    while time.monotonic() < deadline and parent.poll() is None:
        left = _left(root)
        if all(any(f"-{pid}-" in name for name in left) for pid in jobs):
            return jobs
        time.sleep(0.05)
    pytest.fail(f"the jobs never paused: {_left(root)}")


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
    parent = _range(root, task)
    try:
        jobs = _both_at_work(parent, root)
        parent.send_signal(signum)
        assert parent.stderr is not None
        rest = parent.stderr.read()
        assert parent.wait(timeout=30) == code
    finally:
        parent.kill()
        parent.wait()
    assert rest.splitlines()[-1] == says and "Traceback" not in rest
    assert not any(Path(f"/proc/{pid}").exists() for pid in jobs)
    assert _left(root) == []


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_what_a_killed_job_was_writing_is_removed_by_its_caller(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    parent = _range(root, "pack")
    try:
        for pid in _both_at_work(parent, root):
            os.kill(pid, signal.SIGKILL)
        assert parent.stderr is not None
        rest = parent.stderr.read()
        assert parent.wait(timeout=30) == 1
    finally:
        parent.kill()
        parent.wait()
    assert "killed by SIGKILL" in rest and "removed" not in rest
    assert _left(root) == []


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
