"""Ctrl-C in a command's first moments, while Python imports the command line: the one
``interrupted`` line and exit status 130, never a KeyboardInterrupt traceback from
inside an import. Importing reportgen sets no signal handler."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults import interruptible

INTERRUPTED = "reportgen: interrupted; nothing was left half-written"
REPO_ROOT = Path(__file__).resolve().parents[2]

# Ctrl-C arrives exactly while reportgen.cli (the heavy import) is being imported: a
# finder on sys.meta_path sends it, then lets the import go on
AT_THE_IMPORT = """
import os, signal, sys, time
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "reportgen.cli":
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs at the next instruction
        return None
sys.meta_path.insert(0, CtrlC())
sys.argv = ["reportgen", "--version"]
{start}
"""
STARTS = {
    "the script": "from reportgen.__main__ import main; main()",
    "python -m reportgen": "import runpy; runpy.run_module('reportgen', run_name='__main__')",
}


@pytest.mark.slow  # starts processes
@pytest.mark.parametrize("start", list(STARTS))
def test_ctrl_c_while_the_command_line_is_imported_is_one_line(start: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", AT_THE_IMPORT.format(start=STARTS[start])],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        preexec_fn=interruptible,
    )
    assert done.stderr.splitlines() == [INTERRUPTED], done.stderr
    assert done.returncode == 130
    assert done.stdout == ""  # it stopped there: --version was never answered


@pytest.mark.slow  # starts a process
def test_importing_reportgen_sets_no_signal_handler() -> None:
    script = """
import signal
before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
import reportgen, reportgen.__main__, reportgen.stops, reportgen.cli, reportgen.batch
after = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
print(before == after)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "True", done.stderr


def test_the_script_starts_where_ctrl_c_is_covered() -> None:
    # the installed script (pip writes it from pyproject.toml) imports only the small
    # reportgen.__main__ before it sets the handler, not the command line itself
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '\nreportgen = "reportgen.__main__:main"\n' in pyproject
    script = Path(sys.executable).parent / "reportgen"
    if script.is_file():  # the venv the tests run in: installed from this pyproject
        assert "from reportgen.__main__ import main" in script.read_text(encoding="utf-8")


def test_a_command_run_in_process_leaves_the_handlers_as_they_were(run_cli) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    hook = sys.unraisablehook
    assert run_cli("--version").code == 0
    assert run_cli("figures", "--edition", "1999-01").code == 1
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert sys.unraisablehook is hook
