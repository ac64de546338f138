"""reportgen: the Monthly Performance Report, from monthly data to the board pack.

Stages, one package each, each handing a small typed value to the next:
``load`` (YAML/CSV -> validated models, the monthly figures ordered by pandas) ->
``compute`` (exact figures -> table rows of display strings) -> ``render`` (rows,
charts, narrative -> reportlab flowables) -> ``assemble`` (the PDF) -> ``deliver``
(archive, board pack, email).
"""

from __future__ import annotations

# typing only for the type checker: ``python -m reportgen`` imports this package before
# it can cover Ctrl-C (reportgen.__main__), so it imports nothing
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn, TextIO

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


class CollectorPaused:
    """``with CollectorPaused():`` no automatic collection within, for one pass over a
    report folder (``check``, and its dry-run worker while it serves that check): what
    it makes lives to the end or is freed as its last reference goes, and the collector's
    passes found next to nothing (a check just after a save of the data: 28 passes,
    about 20 ms, a few hundred objects freed; its peak memory the same either way).

    At the end what survived is set aside (``gc.freeze``), not looked at by one long
    collection as the command ends (as long as all the passes saved), and automatic
    collection is on again where it was: a caller running many commands (a test
    session) keeps its setting, and at most the few hundred objects of each pass that
    only a collection would have freed."""

    def __enter__(self) -> None:
        import gc

        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *_exc: object) -> None:
        import gc

        gc.freeze()
        if self.was_enabled:
            gc.enable()


# numpy's OpenBLAS starts a thread per core as it is imported, and each spins a while
# waiting for work that reportgen never gives it (no figure needs linear algebra): on
# two cores that spinning took the core the other process (a worker) was using
BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"


def one_blas_thread() -> None:
    """Before numpy is first imported (the command line, and through the environment
    every process it starts): OpenBLAS runs in the calling thread only. A value the user
    set is kept."""
    import os

    os.environ.setdefault(BLAS_THREADS_ENV, "1")


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
    and more with pandas and reportlab loaded). Only for a reportgen process whose work
    is done: the command line (``cli.run``) and the batch jobs it starts.

    Output that cannot be written is an error, as Python's own last flush makes it: one
    ``reportgen: error:`` line and a non-zero status (1, as ``main`` gives for a reader
    that went away). Where matplotlib is loaded the process ends the ordinary way: it
    may have made a temporary config folder, which only its exit handler removes.
    """
    import os
    import sys

    if sys.stdout is not None and not flush_output(sys.stdout):
        code = code or 1
    if sys.stderr is not None:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # nowhere left to say anything
    if "matplotlib" in sys.modules:
        sys.exit(code)
    os._exit(code)


def flush_output(stream: TextIO) -> bool:
    """Flush a command's output; False where it could not all be written: a reader that
    went away (``| head``) quietly, anything else (a full disk) with one ``reportgen:
    error:`` line on stderr. Either way nothing more is written to it (a failed flush
    drops what it held, so a later one would pass as if all were written)."""
    import sys

    try:
        stream.flush()
    except BrokenPipeError:
        discard_output(stream)
        return False
    except OSError as error:
        print(f"reportgen: error: cannot write the output: {error.strerror or error}",
              file=sys.stderr)  # fmt: skip
        discard_output(stream)
        return False
    except ValueError:
        pass  # closed: nothing was left to write
    return True


def discard_output(stream: TextIO) -> None:
    """Point the stream's file descriptor at /dev/null, once what it was written to has
    gone (a reader that went away, a full disk): a later flush, such as Python's own at
    exit, then finds nowhere to fail."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError):
        pass  # no descriptor to point anywhere
