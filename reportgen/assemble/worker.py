"""The chart worker: a second process that draws the charts while this one lays out text.

In: ``ChartData`` and a ``ChartStyle`` (``ChartWorker.draw``). Out: a ``PendingCharts``
whose ``result()`` is the ``DrawnCharts`` (or None where there is no worker: the caller
then draws in its own process).

This module imports nothing heavy, so the command line can start the worker before it
imports pandas and reportlab itself: the worker then imports matplotlib on the other
core at the same time, and only the drawing is left when the chart data is ready.

The worker is a fresh ``python`` (not a fork), so it holds none of the caller's file
descriptors: its stdin and stdout are pipes to this process and its stderr is
``/dev/null``, so whatever captured reportgen's output sees the end of it as soon as
reportgen ends. Its stdin is also its lifeline: when this process ends for any reason —
an exception, Ctrl-C, SIGTERM, even SIGKILL — the pipe closes and the worker exits at
once, whatever it is doing.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, NoReturn, Self

MPLCONFIGDIR = "MPLCONFIGDIR"  # matplotlib's config and font-cache folder
SERIAL_ENV = "REPORTGEN_SERIAL"  # no worker: charts and check's dry run here, e.g. to profile
CLOSE_WAIT_SECONDS = 1.0


def serial_requested() -> bool:
    """``REPORTGEN_SERIAL`` set to anything but nothing, 0, false, no or off: a
    ``REPORTGEN_SERIAL=0`` meant to turn it off must not turn it on."""
    return os.environ.get(SERIAL_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


class WorkerGone(Exception):
    """The worker ended before answering (killed, crashed): draw in this process."""


class PendingCharts:
    """The charts the worker is drawing; ``result()`` waits for them."""

    def __init__(self, results: IO[bytes]) -> None:
        self._results = results
        self._answer: tuple[str, Any] | None = None

    def result(self) -> Any:
        if self._answer is None:
            try:
                self._answer = pickle.load(self._results)
            except (EOFError, OSError, pickle.UnpicklingError) as error:
                raise WorkerGone(str(error) or type(error).__name__) from error
        status, value = self._answer
        if status != "ok":
            raise WorkerGone(value)
        return value


def start_child(module: str) -> subprocess.Popen[bytes]:
    """A fresh Python running ``module``'s ``serve()`` on this process's module path:
    stdin and stdout are pipes to this process, stderr is ``/dev/null``, so it holds none
    of the caller's file descriptors; its stdin is its lifeline."""
    main = (
        "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
        "from reportgen import end_process, tune_collector; tune_collector(); "
        f"from {module} import serve; serve(); end_process(0)"
    )
    return subprocess.Popen(
        # isolated (no current folder, no PYTHON* variables), then given this process's
        # own module path: it imports exactly the modules we would
        [sys.executable, "-I", "-c", main, json.dumps(sys.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


def end_child(process: subprocess.Popen[bytes]) -> None:
    """End a child now (closing its stdin ends it) and reap it."""
    for pipe in (process.stdin, process.stdout):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
    try:
        process.wait(timeout=CLOSE_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class WorkerProcess:
    """A worker running ``module``'s ``serve()`` (``start_child``), where ``start`` asks
    for one and there is a Python to start; ended by ``close`` or the ``with`` block."""

    def __init__(self, module: str, *, start: bool) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        if not start or not sys.executable:
            return
        try:
            self._process = start_child(module)
        except OSError:
            self._process = None  # no worker: its work is done in this process

    @property
    def pid(self) -> int | None:
        """The worker's process id; None where there is none (any more)."""
        return self._process.pid if self._process is not None else None

    def send(self, message: object) -> bool:
        """Send a request; False where there is no worker (any more), or where the
        request cannot be sent (the worker is then ended)."""
        process = self._process
        if process is None:
            return False
        assert process.stdin is not None
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.write(data)
            process.stdin.flush()
        except Exception:  # gone, or not picklable: nothing half-sent is read after
            self.close()
            return False
        return True

    def release(self) -> None:
        """Tell the worker no more requests are coming (its stdin closed: it ends), and
        go on without waiting for it to end: ``close`` reaps it later, by when it has
        ended meanwhile. Answers not yet read are lost."""
        process = self._process
        if process is not None and process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass

    def close(self) -> None:
        """End the worker now (closing its stdin ends it) and reap it."""
        process, self._process = self._process, None
        if process is not None:
            end_child(process)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class ChartWorker(WorkerProcess):
    def __init__(self) -> None:
        super().__init__("reportgen.assemble.worker", start=not serial_requested())

    def draw(self, charts: list[Any], style: Any, plans: list[Any]) -> PendingCharts | None:
        """Send ``charts`` (``ChartData``) and their ``ChartPlan``s to the worker; None
        where there is no worker."""
        if not charts or not self.send((charts, style, plans)):
            return None
        assert self._process is not None and self._process.stdout is not None
        return PendingCharts(self._process.stdout)


# --- the worker's side ------------------------------------------------------------------


def relay_requests(
    requests: IO[bytes], jobs: queue.Queue[Any], leftovers: list[Path] | None = None
) -> None:
    """Pass each request on; when the parent is gone (end of stdin), remove the folders
    in ``leftovers`` and end at once."""
    while True:
        try:
            jobs.put(pickle.load(requests))
        except BaseException:  # EOF, a broken pipe: the parent ended or closed us
            end_worker(leftovers)  # even mid-work: nobody is waiting for the answer any more


def end_worker(leftovers: list[Path] | None = None) -> NoReturn:
    """End the worker now, without the interpreter's exit handlers (which would wait for
    the main thread), removing the folders in ``leftovers`` first."""
    for folder in leftovers or ():
        shutil.rmtree(folder, ignore_errors=True)
    os._exit(0)


def serve() -> None:
    """Run as the worker: import matplotlib, then draw each request from stdin."""
    # Ctrl-C to the process group is the parent's to handle (a SIGTERM ends the worker
    # at once, which does no harm); the worker ends when the parent does, through its stdin
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    jobs: queue.Queue[Any] = queue.Queue()
    leftovers: list[Path] = []
    threading.Thread(target=relay_requests, args=(requests, jobs, leftovers), daemon=True).start()
    from reportgen.render.charts import draw_charts, matplotlib_temporary_folder, prepare

    config_folder = os.environ.get(MPLCONFIGDIR)
    prepare()
    # where the user's config folder cannot be written, matplotlib makes one in /tmp that
    # only its exit handler removes, which a worker never runs
    leftovers += filter(None, [matplotlib_temporary_folder(config_folder)])
    while True:
        charts, style, plans = jobs.get()
        try:
            answer: tuple[str, Any] = ("ok", draw_charts(charts, style, plans))
        except Exception as error:  # reported to the parent, which draws them itself
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
        except OSError:
            end_worker(leftovers)
