"""reportgen: the Monthly Performance Report, from monthly data to the board pack.

Stages, one package each, each handing a small typed value to the next:
``load`` (YAML/CSV -> validated models) -> ``compute`` (pandas -> table rows of
display strings) -> ``render`` (rows, charts, narrative -> reportlab flowables) ->
``assemble`` (the PDF) -> ``deliver`` (archive, board pack, email).
"""

from __future__ import annotations

from typing import NoReturn

# the one place the version is written: pyproject.toml reads it from here (setuptools'
# dynamic attr, read without importing), so it needs no scan of the installed metadata
__version__ = "0.1.0"


# Python's default collects the young generation every 700 allocations; a build makes
# hundreds of thousands of short-lived objects (cells, rows, figures, flowables) and
# few cycles, and with 10x the measures the collector took a tenth of the build
COLLECTOR_THRESHOLDS = (10_000, 50, 100)


def tune_collector() -> None:
    """Set the cyclic garbage collector for a reportgen process (the command line, a
    chart worker, a batch job): it still collects, less often."""
    import gc

    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def collect_after_edition(*, freeze: bool = False) -> None:
    """In a process that makes one edition after another (a batch job, a preview): with
    the collector running seldom, collect what the edition left in cycles, so memory
    stays flat. ``freeze``: also set aside everything alive now, so that later
    collections need not look at it again; only for a process reportgen owns whose
    survivors stay alive (a batch job after its first edition), since what is frozen is
    never collected."""
    import gc

    gc.collect()
    if freeze:
        gc.freeze()


def end_process(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``code`` at once, skipping the
    interpreter's teardown, which takes every module and object apart one by one (0.1 s
    and more with pandas, reportlab or matplotlib loaded). Only for a reportgen process
    whose work is done: the command line (``cli.run``) and the children it starts."""
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass  # the reader went away (| head), or the stream is closed or None
    os._exit(code)
