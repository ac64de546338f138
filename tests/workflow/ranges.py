"""Ranges of editions built by two jobs, held where each first writes a file, for the
tests that stop or kill them (``test_batch``, ``test_range_stops``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults import interruptible


def jobs_of(parent: int) -> list[int]:
    """The pids of ``parent``'s range jobs, read from /proc (the parent alive: a job left
    by an earlier test, now the child of init, is not one of them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                status = (entry / "status").read_text()
            except OSError:
                continue
            ppid = next(
                (int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")),
                0,
            )
            if b"reportgen.batch import serve" in cmdline and ppid == parent:
                found.append(int(entry.name))
    return found


def paused_range(root: Path, task: str) -> subprocess.Popen[str]:
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


def left_behind(root: Path) -> list[str]:
    """What a run names as temporary, anywhere in the report folder."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob(".*")
        if p.name.startswith(".reportgen-scratch-")
        or (".reportgen-" in p.name and p.name.endswith(".tmp"))
    )


def both_at_work(parent: subprocess.Popen[str], root: Path) -> list[int]:
    """Wait until both jobs have a temporary file in the report folder; their pids."""
    assert parent.stderr is not None
    heard: list[str] = []
    while not all(any(e in line for line in heard) for e in ("2014-01", "2014-02")):
        heard.append(parent.stderr.readline())
        assert heard[-1], heard  # the parent ended before both jobs were at work
    jobs = jobs_of(parent.pid)
    assert len(jobs) == 2
    deadline = time.monotonic() + 90  # each pauses at its first temporary file
    while time.monotonic() < deadline and parent.poll() is None:
        left = left_behind(root)
        if all(any(f"-{pid}-" in name for name in left) for pid in jobs):
            return jobs
        time.sleep(0.05)
    pytest.fail(f"the jobs never paused: {left_behind(root)}")
