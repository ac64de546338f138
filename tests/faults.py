"""Helpers for the fault tests: real ``reportgen`` processes stopped at exact moments,
their processes found in /proc, and small disks (tmpfs) that fill up.

In: a report folder and a command line; a moment name from ``reportgen.steps.MOMENTS``.
Out: a ``Run`` (the process, its stdout and stderr read to the end by threads, so a test
can tell whether anything still holds the pipes open) and helpers to find and wait for
the run's processes. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reportgen.steps import PAUSE_ENV

PAUSED = "reportgen: paused at "
WAIT_SECONDS = 90.0  # for a paused moment: a cold build on a busy 2-core machine


def interruptible() -> None:
    """Ctrl-C reaches the child as it would from a terminal. A shell starts background
    jobs (``.ci/run &``) with SIGINT ignored, Python then installs no KeyboardInterrupt
    handler, and a test that sends SIGINT would see it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """A ``python -m reportgen`` process whose output is read to its end by threads."""

    def __init__(
        self,
        root: Path,
        *args: str,
        pause_at: str | None = None,
        env: dict[str, str] | None = None,
        tmpdir: Path | None = None,
    ) -> None:
        environment = dict(os.environ)
        environment.pop(PAUSE_ENV, None)
        environment.update(env or {})
        if pause_at is not None:
            environment[PAUSE_ENV] = pause_at
        if tmpdir is not None:  # the system temporary folder this run sees
            environment["TMPDIR"] = str(tmpdir)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "--root", str(root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=environment,
            text=True,
            preexec_fn=interruptible,
        )
        self.pid = self.process.pid
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out, False)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err, True)),
        ]
        for reader in self._readers:
            reader.daemon = True
            reader.start()

    def _read(self, pipe: object, into: list[str], announce: bool) -> None:
        for line in pipe:  # type: ignore[attr-defined]
            into.append(line)
            if announce:
                self._lines.put(line)

    def wait_paused(self, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith(PAUSED):
                return
        self.kill()
        raise AssertionError(f"never paused; stderr: {''.join(self.err)}")

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def finish(self, timeout: float = WAIT_SECONDS) -> int:
        """Wait for the process; returns its exit code (negative: killed by a signal)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait(timeout=10)
            raise

    def pipes_closed_within(self, seconds: float) -> bool:
        """Whether stdout and stderr reached their end (nobody holds them open)."""
        deadline = time.monotonic() + seconds
        for reader in self._readers:
            reader.join(max(0.0, deadline - time.monotonic()))
        return not any(reader.is_alive() for reader in self._readers)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    @property
    def stdout(self) -> str:
        return "".join(self.out)


def run_to_end(root: Path, *args: str, **options: object) -> Run:
    run = Run(root, *args, **options)  # type: ignore[arg-type]
    run.finish()
    assert run.pipes_closed_within(10)
    return run


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after it
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def still_running_after(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if running(pid)]
        if not alive:
            return []
        time.sleep(0.02)
    return [pid for pid in pids if running(pid)]


def end_all(pids: list[int]) -> None:
    """Clean up after a failed assertion: never leave a process of a test behind."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def signal_with_its_worker(run: Run, signum: int) -> None:
    """Send ``signum`` to a run paused with its one worker started: the worker ends with
    it, nothing holds the run's pipes, and the exit status is the signal's."""
    workers = children(run.pid)
    try:
        assert len(workers) == 1, f"expected one worker, found {workers}"
        run.signal(signum)
        code = run.finish()
        assert still_running_after(workers, 2.0) == []
        # whatever captured reportgen's output sees its end: no process holds the pipes
        assert run.pipes_closed_within(2.0)
    finally:
        end_all(workers)
    expected: dict[int, int] = {
        signal.SIGKILL: -signal.SIGKILL,
        signal.SIGTERM: 128 + signal.SIGTERM,
    }
    assert code == expected.get(signum, 130), run.stderr


def needs_proc() -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("these tests read processes from /proc (Linux)")


@contextlib.contextmanager
def small_disk(path: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` KiB mounted at ``path``; skips where it cannot be mounted."""
    path.mkdir(parents=True, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small disk needs root and mount(8) to mount a tmpfs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=20)


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, timeout=20)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` until at most ``leave`` bytes are free (page-sized steps)."""
    filler = disk / "filler"
    with open(filler, "ab") as handle:
        while shutil.disk_usage(disk).free > leave:
            step = min(4096, shutil.disk_usage(disk).free - leave)
            try:
                handle.write(b"\0" * max(step, 1))
                handle.flush()
            except OSError:
                break
    return filler


def within_seconds(seconds: float, work: Callable[[], object]) -> object:
    """``work()``'s result or exception, failing the test (not hanging it) if it blocks:
    a read of a FIFO, say, that must be refused at once."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s"
    return outcome[0]
