"""A range of editions in one command: build (or pack, or archive) each, reporting every
edition's outcome; one that fails does not stop the others.

In: a report folder, the editions, a number of jobs and what to do with each edition.
Out: an ``EditionOutcome`` per edition, in edition order, and progress events
(edition, stage) as the work goes.

The imports and the report folder are paid for once per job, not once per edition:
with one job everything runs in this process; with more, each job is a fresh
``python`` process building its share of the editions in turn, drawing its charts
itself (a job is already one process per core, so there is no separate chart worker).
Like the chart worker, a job holds none of the caller's file descriptors, and its
stdin is its lifeline: when this process ends, however it ends, its jobs end too. A job
ended that way (or killed) ends at once, leaving what it was writing; once its jobs are
reaped, this process removes that (``_sweep_after_jobs``).
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal

import msgspec

from reportgen import collect_after_edition, notices, stops
from reportgen.assemble.worker import CLOSE_WAIT_SECONDS, end_child, start_child
from reportgen.errors import ReportgenError, error_lines
from reportgen.months import Month

Task = Literal["build", "pack", "archive"]
Progress = Callable[[Month, str], None]  # an edition and the stage it has reached
MAX_EDITIONS = 120  # ten years of monthly editions in one command
STOP_CHECK_SECONDS = 0.25  # how often the caller of jobs looks for a stop it missed


class EditionOutcome(msgspec.Struct, frozen=True):
    edition: Month
    path: Path | None  # what was written
    errors: tuple[str, ...]  # the problems, as the CLI prints them; empty when it worked
    seconds: float
    notices: tuple[tuple[str, str], ...] = ()  # (kind, text) raised while it was made
    peak_mib: float | None = None  # the making process's peak memory so far

    @property
    def ok(self) -> bool:
        return not self.errors


class Request(msgspec.Struct, frozen=True):
    """What a job does: everything it needs is plain data, so it crosses a pipe."""

    root: Path
    editions: tuple[Month, ...]
    task: Task = "build"
    draft: bool = False
    use_cache: bool = True
    archive_root: Path | None = None


def edition_range(text: str) -> list[Month]:
    """``2014-03`` or ``2013-04..2014-03`` -> the editions, oldest first."""
    first, dots, last = text.partition("..")
    start = Month.parse(first)
    end = Month.parse(last) if dots else start
    if end < start:
        raise ValueError(f"{text!r} runs backwards; write the earlier month first")
    count = start.months_until(end) + 1
    if count > MAX_EDITIONS:
        raise ValueError(f"{text!r} is {count} editions; at most {MAX_EDITIONS} at once")
    return [start.shift(i) for i in range(count)]


def run(
    request: Request, *, jobs: int = 1, progress: Progress | None = None
) -> list[EditionOutcome]:
    """Every edition of ``request``, by ``jobs`` processes (1: this one), in edition order."""
    report = progress or (lambda _edition, _stage: None)
    jobs = max(1, min(jobs, len(request.editions)))
    if jobs == 1:
        return list(_in_this_process(request, report))
    shares = [request.editions[index::jobs] for index in range(jobs)]
    outcomes = _in_jobs(
        [msgspec.structs.replace(request, editions=share) for share in shares], report
    )
    return sorted(outcomes, key=lambda outcome: outcome.edition)


def _in_this_process(
    request: Request, progress: Progress, *, job: bool = False
) -> Iterator[EditionOutcome]:
    """Each edition in turn, the report folder loaded once (a problem there fails all)."""
    # what loading the folder warns of (a theme's low contrast, a cache that cannot be
    # used) goes with every edition's outcome, as if heard there: the caller tells each
    # warning once, and a job has no other way to tell it
    folder_heard: list[tuple[str, str]] = []
    try:
        with notices.listening(partial(_hear, folder_heard)):
            made = _maker(request)
    except (ReportgenError, OSError) as error:
        if not job:  # the caller reports the folder's problem, and hears these first
            for kind, text in folder_heard:
                (notices.warn if kind == "warning" else notices.note)(text)
            raise
        for edition in request.editions:  # a job tells each edition, with what it heard
            yield EditionOutcome(edition, None, error_lines(error), 0.0, tuple(folder_heard))
        return
    for edition in request.editions:
        # a stop asked for while a finalizer ran (the collection after an edition, say)
        # was swallowed there: it stops the range here
        stops.check()
        started = time.perf_counter()
        heard = list(folder_heard)
        errors: tuple[str, ...] = ()
        path: Path | None = None
        progress(edition, "start")
        with notices.listening(partial(_hear, heard)):
            try:
                path = made(edition, partial(progress, edition))
            except (ReportgenError, OSError) as error:  # named, and the rest go on
                errors = error_lines(error)
        seconds = time.perf_counter() - started
        if edition != request.editions[-1]:  # before the next edition, if there is one
            # a job freezes what outlives its first edition (modules, fonts, the folder);
            # in the caller's own process (one job) its heap is not ours to freeze
            collect_after_edition(freeze=job and edition == request.editions[0])
        progress(edition, "failed" if errors else "done")
        yield EditionOutcome(edition, path, errors, seconds, tuple(heard), _peak_mib())


def _hear(heard: list[tuple[str, str]], notice: notices.Notice) -> None:
    heard.append((notice.kind, notice.text))


def _peak_mib() -> float | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS


def _maker(request: Request) -> Callable[[Month, Callable[[str], None]], Path]:
    """What the task does to one edition, with what is shared across editions loaded once."""
    if request.task == "build":
        from reportgen.assemble.build import Clock, EditionBuilder

        builder = EditionBuilder(request.root, use_cache=request.use_cache)

        def build(edition: Month, stage: Callable[[str], None]) -> Path:
            result = builder.build(edition, draft=request.draft, clock=Clock(stage))
            return result.path

        return build
    from reportgen import workflow

    if request.task == "pack":
        return lambda edition, stage: workflow.make_pack(
            request.root, edition, cover=None, appendices=[]
        )
    archive_root = request.archive_root or workflow.archive_root_for(request.root, None)
    return lambda edition, stage: workflow.archive(request.root, edition, archive_root).folder


# --- jobs in other processes --------------------------------------------------------------


def _in_jobs(requests: list[Request], progress: Progress) -> list[EditionOutcome]:
    events: queue.Queue[tuple[int, dict[str, Any] | None]] = queue.Queue()
    processes = []
    try:
        for number, request in enumerate(requests):
            process = start_child("reportgen.batch")
            processes.append(process)
            assert process.stdin is not None and process.stdout is not None
            pickle.dump(request, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.flush()  # stays open: it is the job's lifeline
            threading.Thread(
                target=_relay, args=(number, process.stdout, events), daemon=True
            ).start()
        return _collect(requests, events, progress, processes)
    finally:
        for process in processes:
            end_child(process)
        if processes:
            _sweep_after_jobs(requests[0].root, [process.pid for process in processes])


def _sweep_after_jobs(root: Path, pids: list[int]) -> None:
    """A job ended by its lifeline (or killed) leaves what it was writing: a scratch
    folder, a temporary file beside a PDF or a chart. Once every job has ended and been
    reaped, those are removed, so an interrupted range leaves nothing behind. (The
    archive's incoming folders are not touched: ``editions`` reports them by design.)"""
    from reportgen.atomic import sweep_left_by
    from reportgen.cachefolder import CACHE

    # out/ is workflow.OUT, which the caller does not import (it would import pandas)
    for folder in (root / "out", root / CACHE, Path(tempfile.gettempdir())):
        sweep_left_by(folder, pids)


def _relay(number: int, lines: IO[bytes], events: queue.Queue[Any]) -> None:
    """Pass on each event a job writes; then say it has ended. Its pipe may be closed
    under this thread (``end_child``, as the caller stops): that is its end too."""
    try:
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            events.put((number, event))
    except (OSError, ValueError):
        pass  # closed while being read: the job is being ended
    events.put((number, None))  # this job has ended


def _collect(
    requests: list[Request],
    events: queue.Queue[Any],
    progress: Progress,
    processes: list[subprocess.Popen[bytes]],
) -> list[EditionOutcome]:
    outcomes: list[EditionOutcome] = []
    running = len(requests)
    working: dict[int, Month] = {}  # the edition each job was last heard working on
    while running:
        try:
            number, event = events.get(timeout=STOP_CHECK_SECONDS)
        except queue.Empty:
            stops.check()  # Ctrl-C or SIGTERM whose raise a finalizer swallowed
            continue
        if event is None:
            running -= 1
            done = {o.edition for o in outcomes}
            how = _how_it_ended(processes[number])
            doing = _DOING[requests[number].task]
            for edition in requests[number].editions:  # a job that died: say which
                if edition in done:
                    continue
                if edition == working.get(number):
                    message = f"the job {doing} it ended unexpectedly ({how}) while on it"
                else:
                    message = f"not started: the job that was to do it ended unexpectedly ({how})"
                outcomes.append(EditionOutcome(edition, None, (message,), 0.0))
                progress(edition, "failed")
            continue
        edition = Month.parse(event["edition"])
        if "stage" in event:
            working[number] = edition
            progress(edition, event["stage"])
            continue
        outcome = EditionOutcome(
            edition,
            Path(event["path"]) if event["path"] else None,
            tuple(event["errors"]),
            event["seconds"],
            tuple((kind, text) for kind, text in event["notices"]),
            event.get("peak_mib"),
        )
        outcomes.append(outcome)
        progress(edition, "done" if outcome.ok else "failed")
    return outcomes


_DOING: dict[Task, str] = {"build": "building", "pack": "packing", "archive": "archiving"}


def _how_it_ended(process: subprocess.Popen[bytes]) -> str:
    """ "killed by SIGKILL", "exit status 134": all there is to say of a job's end (its
    stderr is not ours)."""
    try:
        code = process.wait(timeout=CLOSE_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        return "it closed its output and is still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _lifeline(stdin: int) -> None:
    # the bare file descriptor, not sys.stdin's buffer: a daemon thread waiting in the
    # buffer holds its lock, and when the job had made its last edition and ended,
    # Python's shutdown waited a second for that lock and then aborted (SIGABRT)
    while os.read(stdin, 65536):
        pass  # end of file: the caller has ended
    os._exit(0)


def serve() -> None:
    """Run as a job: read the request, then report each edition as a JSON line."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller's to handle; we end with it
    request: Request = pickle.load(sys.stdin.buffer)
    threading.Thread(target=_lifeline, args=(sys.stdin.fileno(),), daemon=True).start()
    out = sys.stdout

    def emit(event: dict[str, Any]) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()

    def progress(edition: Month, stage: str) -> None:
        if stage not in ("done", "failed"):  # the outcome says so
            emit({"edition": str(edition), "stage": stage})

    def outcome_event(outcome: EditionOutcome) -> dict[str, Any]:
        return {
            "edition": str(outcome.edition),
            "path": str(outcome.path) if outcome.path else None,
            "errors": list(outcome.errors),
            "seconds": outcome.seconds,
            "notices": [list(pair) for pair in outcome.notices],
            "peak_mib": outcome.peak_mib,
        }

    try:
        for outcome in _in_this_process(request, progress, job=True):
            emit(outcome_event(outcome))
    except ReportgenError as error:  # the report folder itself: every edition fails
        for edition in request.editions:
            emit(outcome_event(EditionOutcome(edition, None, error_lines(error), 0.0)))
