"""The chart worker: a second process that draws the charts while this one lays out text.

This module imports nothing heavy, so the command line can start the worker before it
imports pandas and reportlab itself: the worker then imports matplotlib on the other
core at the same time, and only the drawing is left when the chart data is ready.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any


def _ignore_interrupt() -> None:
    # Ctrl-C is the main process's to handle; the worker just stops with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _prepare() -> None:
    from reportgen.render.charts import prepare

    prepare()


class ChartWorker:
    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        if os.environ.get("REPORTGEN_SERIAL"):
            return
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # no fork on this platform: draw in this process
            return
        self._executor = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_ignore_interrupt
        )
        self._executor.submit(_prepare)

    def draw(self, charts: list[Any], style: Any) -> Future[Any] | None:
        """Draw ``charts`` (``ChartData``) in the worker; None where there is no worker."""
        if self._executor is None or not charts:
            return None
        from reportgen.render.charts import draw_charts

        return self._executor.submit(draw_charts, charts, style)

    def close(self) -> None:
        if self._executor is not None:
            # wait: the worker is idle by now, and an executor left running at exit can
            # trip over its own closed pipe
            self._executor.shutdown(wait=True, cancel_futures=True)
