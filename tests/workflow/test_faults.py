"""Issue 9 with real processes: ``python -m reportgen`` stopped by real signals at exact
moments (``REPORTGEN_PAUSE_AT``, see ``reportgen.steps``), then what is left is checked:
no process of the run after 2 s, nobody holding the caller's pipes, no temporary file
after the next run (which says what it swept), an archive that verifies, and a server
that received each message at most once unless ``--resend``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from reportgen import one_blas_thread
from tests.deliver.smtp_fixtures import HOST, RecordingHandler, running_smtp
from tests.faults import (
    Run,
    children,
    end_all,
    needs_proc,
    run_to_end,
    signal_with_its_worker,
    still_running_after,
)

from .conftest import EDITION, MakeReport

pytestmark = pytest.mark.slow

BUILT = f"out/performance-update-{EDITION}.pdf"
TERMINATED = 128 + signal.SIGTERM


def temporary_files(root: Path) -> list[str]:
    """Everything reportgen names as temporary, anywhere under ``root``."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob(".*")
        if p.name.startswith((".reportgen-scratch-", ".incoming-"))
        or (".reportgen-" in p.name and p.name.endswith(".tmp"))
    )


@pytest.fixture
def cold_report(make_report: MakeReport, tmp_path: Path) -> Path:
    """A report folder whose charts have never been drawn: the build starts a worker."""
    root = make_report(tmp_path / "report")
    for entry in (root / ".reportgen-cache").iterdir():
        entry.unlink()
    return root


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    """The system temporary folder the run sees: nothing may be left in it."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    return folder


# --- no orphans ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["KILL", "TERM", "INT"]
)
def test_the_chart_worker_ends_with_its_parent_and_holds_no_pipe(
    cold_report: Path, private_tmp: Path, signum: int
) -> None:
    needs_proc()
    run = Run(cold_report, "build", pause_at="build: charts sent", tmpdir=private_tmp)
    run.wait_paused()
    signal_with_its_worker(run, signum)
    if signum != signal.SIGKILL:
        assert "Traceback" not in run.stderr
        assert temporary_files(cold_report) == []
    assert list(private_tmp.iterdir()) == []


def test_the_worker_ends_when_the_build_fails(cold_report: Path) -> None:
    needs_proc()
    narrative = cold_report / "content" / EDITION / "03-youth-offending.md"
    narrative.write_text(
        narrative.read_text(encoding="utf-8").replace("review: false", "review: true"),
        encoding="utf-8",
    )
    run = Run(cold_report, "build", pause_at="build: worker started")
    run.wait_paused()
    workers = children(run.pid)
    try:
        assert len(workers) == 1
        run.signal(signal.SIGUSR1)  # go on: the load finds the review marker and fails
        assert run.finish() == 1
        assert "marked for review" in run.stderr and "Traceback" not in run.stderr
        assert still_running_after(workers, 2.0) == []
        assert run.pipes_closed_within(2.0)
    finally:
        end_all(workers)


def test_a_warm_build_starts_no_worker_and_imports_no_matplotlib(
    report: Path, tmp_path: Path
) -> None:
    # every chart of the sample is in the report's cache (tests/workflow/conftest.py)
    probe = tmp_path / "probe.json"
    script = f"""
import json, os, subprocess, sys
started = []
class Counting(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        started.append(args[0] if args else kwargs.get("args"))
        super().__init__(*args, **kwargs)
subprocess.Popen = Counting
os.register_at_fork(before=lambda: started.append("fork"))
from reportgen.cli import main
code = main(["--root", {str(report)!r}, "build", "--verbose"])
with open({str(probe)!r}, "w") as out:
    json.dump({{"code": code, "started": [str(s) for s in started],
               "matplotlib": sorted(m for m in sys.modules if m.startswith("matplotlib"))}}, out)
"""
    done = _python(script)
    assert done.returncode == 0, done.stderr
    result = json.loads(probe.read_text())
    assert result["code"] == 0
    assert result["started"] == [], "a warm build started a process"
    assert result["matplotlib"] == []
    assert "no chart worker" in done.stderr


def test_numpys_blas_starts_no_thread_in_a_build_or_its_chart_worker(
    cold_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenBLAS starts a thread per further core as numpy is imported, which spins a while
    # on the core the chart worker draws on; reportgen asks for none (a user's setting
    # is kept)
    needs_proc()
    if (os.cpu_count() or 1) < 2:
        pytest.skip("OpenBLAS starts no thread of its own on one core")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    run = Run(cold_report, "build", "--no-cache", pause_at="build: charts sent")
    run.wait_paused()
    workers = children(run.pid)
    try:
        maps = Path(f"/proc/{run.pid}/maps").read_text()
        assert "openblas" in maps.lower(), "numpy is loaded by now (pandas, the data)"
        assert len(list(Path(f"/proc/{run.pid}/task").iterdir())) == 1
        assert len(workers) == 1
        environ = Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
        assert b"OPENBLAS_NUM_THREADS=1" in environ
        run.signal(signal.SIGUSR1)
        assert run.finish() == 0, run.stderr
    finally:
        run.kill()
        end_all(workers)


def test_a_blas_thread_count_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_a_build_of_unchanged_data_imports_no_pandas(report: Path, tmp_path: Path) -> None:
    # the first build loads the data (pandas) and keeps it; the second reads it back
    for entry in (report / ".reportgen-cache").glob("data-*.msgpack"):
        entry.unlink()  # the charts stay cached: the first build imports no matplotlib
    script = f"""
import sys
from reportgen.cli import main
code = main(["--root", {str(report)!r}, "build", "--out", {str(tmp_path / "x.pdf")!r}])
print(code, "pandas" in sys.modules)
"""
    runs = [_python(script) for _ in range(2)]
    assert [run.stdout.splitlines()[-1] for run in runs] == ["0 True", "0 False"], runs[1].stderr


@pytest.mark.parametrize("command", ["figures", "build"])
def test_no_command_reads_the_installed_metadata(
    report: Path, tmp_path: Path, command: str
) -> None:
    # importlib.metadata (and the email package it imports) and a scan of site-packages
    # cost every command ~10 ms; so do urllib and ssl, which xml.sax.saxutils imports.
    # The build is warm: every chart of the sample is in the report's cache.
    args = ["--root", str(report), command]
    if command == "build":
        args += ["--out", str(tmp_path / "edition.pdf")]
    script = f"""
import sys
from reportgen.cli import main
code = main({args!r})
slow = ("importlib.metadata", "urllib.request", "xml.sax")
print(code, sorted(m for m in slow if m in sys.modules))
"""
    done = _python(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"


def test_the_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    import reportgen

    # pyproject.toml reads the version from reportgen/__init__.py: they cannot differ
    assert reportgen.__version__ == version("reportgen")
    done = _python("from reportgen.cli import main; main(['--version'])")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"reportgen {reportgen.__version__}"


def test_reportgen_processes_collect_garbage_less_often() -> None:
    # the command line and every child it starts (chart worker, batch job)
    from reportgen import COLLECTOR_THRESHOLDS
    from reportgen.assemble.worker import end_child, start_child

    done = _python("import gc; from reportgen.cli import main; main(['--version']); "
                   "print(gc.get_threshold())")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == repr(COLLECTOR_THRESHOLDS)
    child = start_child("tests.workflow.collector_probe")
    assert child.stdout is not None
    answer = child.stdout.read().decode()
    end_child(child)
    assert answer == repr(COLLECTOR_THRESHOLDS)


def test_a_cold_build_and_a_warm_one_give_the_same_bytes(cold_report: Path) -> None:
    cold = run_to_end(cold_report, "build", "--verbose")
    assert cold.process.returncode == 0 and "chart worker started" in cold.stderr
    first = (cold_report / BUILT).read_bytes()
    warm = run_to_end(cold_report, "build", "--verbose")
    assert warm.process.returncode == 0 and "no chart worker" in warm.stderr
    assert (cold_report / BUILT).read_bytes() == first


def _python(script: str) -> object:
    import subprocess

    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180
    )


# --- no leftovers -------------------------------------------------------------------


def test_a_build_killed_while_writing_leaves_a_temp_file_the_next_run_sweeps(
    report: Path,
) -> None:
    run = Run(report, "build", pause_at="write: temporary file")
    run.wait_paused()
    run.signal(signal.SIGKILL)
    run.finish()
    left = temporary_files(report)
    assert len(left) == 1 and left[0].startswith("out/.performance-update-2014-03.pdf.reportgen-")
    assert not (report / BUILT).exists()

    again = run_to_end(report, "build")
    assert again.process.returncode == 0, again.stderr
    notes = [line for line in again.err if line.startswith("reportgen: note: removed")]
    assert len(notes) == 1 and Path(left[0]).name in notes[0]
    assert temporary_files(report) == []
    assert (report / BUILT).read_bytes().startswith(b"%PDF-")


def test_sigterm_while_writing_unwinds_and_leaves_nothing(report: Path) -> None:
    (report / "out").mkdir()
    (report / BUILT).write_bytes(b"%PDF-1.4 last month's edition\n")
    run = Run(report, "build", pause_at="write: temporary file")
    run.wait_paused()
    assert temporary_files(report) != []
    run.signal(signal.SIGTERM)
    assert run.finish() == TERMINATED
    assert "stopped (SIGTERM)" in run.stderr and "Traceback" not in run.stderr
    assert temporary_files(report) == []
    assert (report / BUILT).read_bytes() == b"%PDF-1.4 last month's edition\n"


@pytest.mark.parametrize("moment", ["archive: copy", "archive: manifest", "archive: rename"])
def test_an_archive_killed_midway_is_reported_swept_and_the_archive_verifies(
    report: Path, private_tmp: Path, moment: str
) -> None:
    run = Run(report, "archive", "--edition", EDITION, pause_at=moment, tmpdir=private_tmp)
    run.wait_paused()
    run.signal(signal.SIGKILL)
    run.finish()
    assert list(private_tmp.iterdir()) == [], "a copy was left in the system temp folder"
    [incoming] = list((report / "archive" / EDITION).glob(".incoming-v1-*"))
    assert any(p.name.startswith(".reportgen-scratch-") for p in (report / "out").iterdir())

    for command in ("editions", "verify"):
        said = run_to_end(report, command)
        assert f"{incoming.name}/ was left by an archive that was stopped" in said.stdout
    again = run_to_end(report, "archive", "--edition", EDITION, tmpdir=private_tmp)
    assert again.process.returncode == 0, again.stderr
    notes = [line for line in again.err if line.startswith("reportgen: note: removed")]
    assert any(incoming.name in note for note in notes)
    assert any(".reportgen-scratch-" in note for note in notes)
    assert temporary_files(report) == []
    verified = run_to_end(report, "verify")
    assert verified.process.returncode == 0, verified.stdout + verified.stderr
    assert f"{EDITION} v1: ok" in verified.stdout


def test_sigterm_during_an_archive_leaves_no_trace(report: Path, private_tmp: Path) -> None:
    run = Run(
        report, "archive", "--edition", EDITION, pause_at="archive: manifest", tmpdir=private_tmp
    )
    run.wait_paused()
    run.signal(signal.SIGTERM)
    assert run.finish() == TERMINATED
    assert temporary_files(report) == [] and list(private_tmp.iterdir()) == []
    assert not (report / "archive" / EDITION).exists()
    assert run_to_end(report, "archive", "--edition", EDITION).process.returncode == 0


# --- at most once, knowingly ---------------------------------------------------------


def smtp_env(port: int) -> dict[str, str]:
    return {
        "REPORTGEN_SMTP_HOST": HOST,
        "REPORTGEN_SMTP_PORT": str(port),
        "REPORTGEN_SMTP_SECURITY": "none",
        "REPORTGEN_SMTP_FROM": "mpr@force.example.org",
        "REPORTGEN_SMTP_TIMEOUT": "20",
    }


def send_log(root: Path) -> list[dict[str, object]]:
    path = root / "archive" / EDITION / "send-log.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


SEND = ("send", "--edition", EDITION, "--to", "pcc-office")


def test_killed_before_data_nothing_was_sent_and_the_rerun_asks(archived_copy: Path) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port:
        run = Run(archived_copy, *SEND, pause_at="send: before DATA", env=smtp_env(port))
        run.wait_paused()
        run.signal(signal.SIGKILL)
        run.finish()
        [record] = send_log(archived_copy)
        assert record["outcome"] == "sending" and handler.data_attempts == []
        message_id = str(record["message_id"])

        refused = run_to_end(archived_copy, *SEND, env=smtp_env(port))
        assert refused.process.returncode == 1
        assert "may already have been delivered" in refused.stderr
        assert message_id in refused.stderr and "--resend" in refused.stderr
        assert handler.data_attempts == []

        resent = run_to_end(archived_copy, *SEND, "--resend", env=smtp_env(port))
        assert resent.process.returncode == 0, resent.stderr
    [received] = handler.received
    assert f"Message-ID: {message_id}".encode() in received.content


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_killed_while_the_server_has_the_message_it_arrives_once(
    archived_copy: Path, signum: int
) -> None:
    handler = RecordingHandler(hold_data=threading.Event())
    with running_smtp(handler) as port:
        run = Run(archived_copy, *SEND, env=smtp_env(port))
        try:
            assert handler.data_arrived.wait(90), run.stderr
            run.signal(signum)
            run.finish(timeout=10)  # no waiting on the server's reply to QUIT
        finally:
            handler.hold_data.set()  # the server then accepts the message it was given
        outcomes = [r["outcome"] for r in send_log(archived_copy)]
        # SIGKILL: the record written before DATA; SIGTERM: the run said what it knew
        assert outcomes == (["sending"] if signum == signal.SIGKILL else ["sending", "unknown"])
        for _ in range(2):
            again = run_to_end(archived_copy, *SEND, env=smtp_env(port))
            assert again.process.returncode == 1
            assert "may already have been delivered" in again.stderr
    assert len(handler.data_attempts) == 1


def test_a_send_in_progress_is_not_doubled_by_a_second_run(archived_copy: Path) -> None:
    handler = RecordingHandler()
    with running_smtp(handler) as port:
        first = Run(archived_copy, *SEND, pause_at="send: before DATA", env=smtp_env(port))
        first.wait_paused()
        second = run_to_end(archived_copy, *SEND, env=smtp_env(port))
        assert second.process.returncode == 1
        assert "another reportgen run is sending" in second.stderr
        first.signal(signal.SIGUSR1)
        assert first.finish() == 0, first.stderr
    assert len(handler.received) == 1


def test_the_deliver_commands_work_without_fcntl(archived_copy: Path, tmp_path: Path) -> None:
    script = f"""
import sys
sys.modules["fcntl"] = None  # as on Windows: importing it fails
from reportgen.cli import main
sys.exit(main(["--root", {str(archived_copy)!r}, "send", "--edition", "{EDITION}",
               "--to", "pcc-office", "--dry-run"]))
"""
    done = _python(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(".eml")
    assert os.path.exists(done.stdout.strip())


# --- the end of the process ------------------------------------------------------------


def _ending(root: Path, *args: str, before: str = "") -> str:
    """A script that runs the reportgen command as its entry point does, with an atexit
    handler that prints 'torn down' if the interpreter's teardown runs."""
    return (
        f"{before}import atexit, sys; atexit.register(print, 'torn down', file=sys.stderr); "
        f"sys.argv = ['reportgen', '--root', {str(root)!r}, *{list(args)!r}]; "
        "from reportgen.cli import run; run()"
    )


def _block_buffered(script: str, **streams: Any) -> Any:
    # stdout block-buffered, as a pipe or file is unless PYTHONUNBUFFERED is set (as it
    # may be here): what figures prints is written only at the last flush
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    streams.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-c", script],
        stderr=subprocess.PIPE,
        text=True,
        timeout=180,
        env=env,
        **streams,
    )


def test_the_command_ends_at_once_with_its_output_and_exit_status(report: Path) -> None:
    # run() skips the interpreter's teardown (an atexit handler is part of it), but not
    # the output: every line of figures reaches the pipe, and the exit status is main's
    from reportgen.compute.edition import edition_figures
    from reportgen.load.folder import load_report
    from reportgen.months import Month

    done = _block_buffered(_ending(report, "figures", "--edition", "2014-03"))
    assert done.returncode == 0, done.stderr
    assert "torn down" not in done.stderr
    expected, _ = edition_figures(load_report(report), Month.parse("2014-03"))
    assert done.stdout == expected
    refused = _python(_ending(report, "figures", "--edition", "1999-01"))
    assert refused.returncode == 1
    assert refused.stderr.startswith("reportgen: error:") and "torn down" not in refused.stderr
    # a library caller of main() keeps its process, teardown and all
    kept = _python(
        "import atexit, sys; atexit.register(print, 'torn down', file=sys.stderr); "
        "from reportgen.cli import main; sys.exit(main(['--version']))"
    )
    assert kept.returncode == 0 and "torn down" in kept.stderr


def test_output_that_cannot_be_written_at_the_end_is_an_error(report: Path) -> None:
    # the last flush is where a small output is written: a full disk there is one
    # error line and status 1, never a silent 0
    with open("/dev/full", "w") as full:
        done = _block_buffered(_ending(report, "figures"), stdout=full)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "reportgen: error: cannot write the output: No space left on device"
    ]
    # a reader gone before the end (reportgen figures | true): status 1, quietly
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        gone = _block_buffered(_ending(report, "figures"), stdout=write_end)
    finally:
        os.close(write_end)
    assert gone.returncode == 1
    assert gone.stderr == ""


def test_with_matplotlib_loaded_the_process_ends_the_ordinary_way(report: Path) -> None:
    # matplotlib may make a temporary config folder that only its exit handler removes
    kept = _python(_ending(report, "--version", before="import matplotlib; "))
    assert kept.returncode == 0, kept.stderr
    assert "torn down" in kept.stderr
    with open("/dev/full", "w") as full:
        done = _block_buffered(
            _ending(report, "figures", before="import matplotlib; "), stdout=full
        )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "reportgen: error: cannot write the output: No space left on device",
        "torn down",
    ]


def test_python_m_reportgen_and_the_script_both_end_through_run() -> None:
    import inspect

    import reportgen.__main__ as as_module

    # both start at reportgen.__main__.main, which covers Ctrl-C before it imports the
    # command line (tests/workflow/test_early_ctrl_c.py), then calls run
    assert "from reportgen.cli import run" in inspect.getsource(as_module.main)
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert 'reportgen = "reportgen.__main__:main"' in pyproject.read_text(encoding="utf-8")
