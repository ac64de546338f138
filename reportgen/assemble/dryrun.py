"""The font and page-fit checks of ``check``, in a second process while this one computes.

In: the theme, then texts bound for the page (``PageText``) and the edition ``build``
would make (``Edition``). Out: for each request an ``Outcome``: the page count of the
dry run, or the problems found (a character the font lacks, a text taller than a page).

These are the only parts of ``check`` that need reportlab and the theme's fonts, and
they need no pandas. The command line starts a ``DryRunWorker`` (a fresh Python, as the
chart worker is started) before ``check`` imports pandas: the worker imports reportlab
and parses the fonts on the other core meanwhile, then lays the edition out while this
process computes the other editions.

Answers come back in the order asked. Where there is no worker, where it is gone, or
where it failed on something other than a problem of the input, the request is run in
this process instead, so ``check`` says the same with or without it.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from reportgen import CollectorPaused
from reportgen.assemble.worker import (
    WorkerProcess,
    end_worker,
    relay_requests,
    serial_requested,
)
from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.compute.edition import Edition, SourcedText
    from reportgen.load.theme import Theme
    from reportgen.render.pagetexts import PageText
    from reportgen.render.styles import Styles

T = TypeVar("T")
# ("texts", list[PageText]) -> None, ("headers", list[(SourcedText, month)]) -> None, or
# ("fit", Edition) -> the page count
Request = tuple[Literal["texts", "headers", "fit"], Any]
# ("ok", value) or ("problem", ReportgenError); from the worker also ("failed", what went
# wrong), and run here ("raised", the exception), which the outcome raises as it is
Answer = tuple[Literal["ok", "problem", "failed", "raised"], Any]
ANSWERED = ("ok", "problem")  # what the worker's answer may be, to be used as it is


class Checker:
    """Runs requests against the theme's styles, in the process it lives in."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self._styles: Styles | None = None

    def styles(self) -> Styles:
        if self._styles is None:
            from reportgen.render.styles import build_styles

            self._styles = build_styles(self.theme)
        return self._styles

    def run(self, request: Request) -> Any:
        kind, value = request
        if kind == "texts":
            from reportgen.render.glyphs import check_page_texts

            check_page_texts(value, self.styles())
            return None
        if kind == "headers":
            from reportgen.assemble.document import (
                running_header_problems,
                widest_running_header,
            )
            from reportgen.errors import ProblemCollector

            headers = cast("list[tuple[SourcedText, str]]", value)
            self.styles()  # the fonts registered
            if headers:
                text, month = headers[widest_running_header(self.theme, headers)]
                found = ProblemCollector()
                for problem in running_header_problems(self.theme, text, month):
                    found.add(problem)
                found.raise_if_any()
            return None
        if kind == "fit":
            from reportgen.assemble.document import lay_out
            from reportgen.errors import ProblemCollector
            from reportgen.render.chartplan import plan_charts
            from reportgen.render.charts import ChartStyle
            from reportgen.render.styles import chart_measure

            edition = cast("Edition", value)
            problems = ProblemCollector()
            with problems.attempt():  # where each chart's words go, as build plans them
                style = ChartStyle.from_theme(self.theme)
                plan_charts(edition.charts(), style, chart_measure(style))
            no_chart_texts = tuple(() for _ in edition.charts())
            with problems.attempt():
                # its running header is measured with every edition's ("headers")
                _, layout = lay_out(
                    edition,
                    self.styles(),
                    lambda: no_chart_texts,
                    measure_header=False,
                    write=False,
                )
            problems.raise_if_any()
            return layout.page_count
        raise ValueError(f"unknown dry-run request {kind!r}")

    def answer(self, request: Request) -> Answer:
        """The request's answer; an exception that is not a problem of the input is
        raised."""
        try:
            return ("ok", self.run(request))
        except ReportgenError as problem:
            return ("problem", problem)


class DryRunWorker(WorkerProcess):
    """The worker process, started as early as possible; one ``DryRun`` talks to it.

    ``start`` None starts one unless ``REPORTGEN_SERIAL`` is set, this process may run
    on one core only, or it has imported the layout's modules already (a test session,
    a library caller): the worker is there to import them on another core, and its
    start and font parsing would cost more than the layout it takes over."""

    def __init__(self, *, start: bool | None = None) -> None:
        if start is None:
            start = (
                not serial_requested()
                and _usable_cores() > 1
                and "reportlab.platypus" not in sys.modules
            )
        super().__init__("reportgen.assemble.dryrun", start=start)
        self._claimed = False

    def claim(self) -> bool:
        """True the first time only: answers are matched to requests by their order, so
        a worker serves one ``DryRun`` (a second one runs in its own process)."""
        claimed, self._claimed = self._claimed, True
        return not claimed and self._process is not None

    def receive(self) -> Answer | None:
        """The next answer; None where the worker is gone or failed (it is then ended)."""
        process = self._process
        if process is None:
            return None
        assert process.stdout is not None
        try:
            answer = pickle.load(process.stdout)
        except Exception:  # EOF, a broken pipe, a torn answer: the worker is gone
            answer = None
        if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] in ANSWERED):
            self.close()  # "failed", or nothing readable: no later answer can be trusted
            return None
        return cast(Answer, answer)


def _usable_cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


class Outcome(Generic[T]):
    """A request's answer, when it is asked for: ``result()`` returns it or raises the
    problem found."""

    def __init__(self, dry_run: DryRun, index: int) -> None:
        self._dry_run = dry_run
        self._index = index

    def result(self) -> T:
        status, value = self._dry_run.answer(self._index)
        if status in ("problem", "raised"):
            raise value
        return cast(T, value)


class DryRun:
    """One ``check``'s font and page-fit checks against ``theme``: in the worker where
    there is one, else here when each answer is asked for."""

    def __init__(self, theme: Theme, worker: DryRunWorker | None = None) -> None:
        self._here = Checker(theme)
        claimed = worker is not None and worker.claim() and worker.send(theme)
        self._worker = worker if claimed else None
        self._requests: list[Request] = []
        self._answers: list[Answer] = []
        self.ran_here = 0  # requests this process ran itself, having no worker's answer

    def check_texts(self, texts: list[PageText]) -> Outcome[None]:
        """Every text against the font: problems name each text's file and line."""
        return self._ask(("texts", texts))

    def check_headers(self, headers: list[tuple[SourcedText, str]]) -> Outcome[None]:
        """Every edition's running header (with its month's name) fits the page: the
        widest is measured, as build lays out its edition's."""
        return self._ask(("headers", headers))

    def fit(self, edition: Edition) -> Outcome[int]:
        """Lay the edition out without its charts: the page count, or where a text does
        not fit on a page."""
        return self._ask(("fit", edition))

    def _ask(self, request: Request) -> Outcome[Any]:
        if self._worker is not None and not self._worker.send(request):
            self._worker = None
        self._requests.append(request)
        return Outcome(self, len(self._requests) - 1)

    def answer(self, index: int) -> Answer:
        while len(self._answers) <= index:
            answer = self._worker.receive() if self._worker is not None else None
            if answer is None:
                self._worker = None  # gone or failed: this and the rest run here
                answer = self._run_here(self._requests[len(self._answers)])
            self._answers.append(answer)
        return self._answers[index]

    def _run_here(self, request: Request) -> Answer:
        self.ran_here += 1
        try:
            return self._here.answer(request)
        except Exception as error:  # not a problem of the input: raised as it is
            return ("raised", error)


# --- the worker's side ------------------------------------------------------------------


def serve() -> None:
    """Run as the worker: import the layout's modules, build the theme's styles, then
    answer each request from stdin in order."""
    # Ctrl-C to the process group is the parent's to handle (a SIGTERM ends the worker
    # at once, which does no harm); the worker ends when the parent does, through its stdin
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    CollectorPaused().__enter__()  # it serves one check, and ends with it
    requests: queue.Queue[Any] = queue.Queue()
    threading.Thread(target=relay_requests, args=(sys.stdin.buffer, requests), daemon=True).start()
    # now, while the parent imports pandas and loads the folder
    import reportgen.assemble.document
    import reportgen.render.glyphs  # noqa: F401

    checker = Checker(requests.get())
    try:
        checker.styles()  # the fonts parsed before the first request
    except Exception:
        pass  # each request then fails the same way, and the parent runs it itself
    answers = sys.stdout.buffer
    while True:
        request = requests.get()
        try:
            answer = pickle.dumps(checker.answer(request), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # the parent runs it again itself, and sees it there
            answer = pickle.dumps(("failed", f"{type(error).__name__}: {error}"))
        try:
            answers.write(answer)
            answers.flush()
        except OSError:
            end_worker()
