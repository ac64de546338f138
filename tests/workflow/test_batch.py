"""A range of editions in one command (issue 12): the same bytes as single builds, one
edition's failure reported while the rest are built, progress on stderr, and jobs that
end with their caller."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, MakeReport, sha256
from .ranges import both_at_work, jobs_of, paused_range

pytestmark = pytest.mark.slow
RANGE = "2014-02..2014-03"


def _cli(*args: str, root: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=root,
    )


@pytest.fixture(scope="module")
def singles(make_report: MakeReport, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The two editions built one at a time (each by its own ``reportgen build``)."""
    root = make_report(tmp_path_factory.mktemp("singles") / "report")
    (root / "elsewhere").mkdir()
    digests = {}
    for edition in ("2014-02", "2014-03"):
        out = root / "elsewhere" / f"{edition}.pdf"
        result = _cli("build", "--edition", edition, "--out", str(out), root=root)
        assert result.returncode == 0, result.stderr
        digests[edition] = sha256(out)
    return digests


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_range_gives_the_same_bytes_as_single_builds(
    jobs: str, singles: dict[str, str], make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    result = _cli("build", "--edition", RANGE, "--jobs", jobs, "--no-cache", root=root)
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    assert [p.name for p in written] == [
        "performance-update-2014-02.pdf",
        "performance-update-2014-03.pdf",
    ]
    assert {p.name[19:26]: sha256(p) for p in written} == singles
    # progress as plain lines (stderr is not a terminal), then the summary
    lines = result.stderr.splitlines()
    assert "reportgen: [0/2] 2014-02 build started" in "\n".join(lines)
    assert any(line.startswith("reportgen: [2/2] ") and " done (" in line for line in lines)
    assert lines[-1] == "reportgen: 2 of 2 editions built"


def test_a_failing_edition_does_not_stop_the_others(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    (root / "content" / "2014-02" / "05-road-safety.md").unlink()
    result = _cli("build", "--edition", RANGE, "--jobs", "2", root=root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [str(root / "out" / "performance-update-2014-03.pdf")]
    # every error line of a range names its edition first, whatever the message holds
    assert (
        "reportgen: error: 2014-02: content/2014-02: narrative missing for edition 2014-02"
        in result.stderr
    )
    assert result.stderr.splitlines()[-1] == "reportgen: 1 of 2 editions built; failed: 2014-02"
    assert not (root / "out" / "performance-update-2014-02.pdf").exists()


def test_a_range_of_archives(make_report: MakeReport, tmp_path: Path) -> None:
    root = make_report(tmp_path / "report")
    result = _cli("archive", "--edition", RANGE, root=root)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "archive").iterdir() if not p.name.startswith(".")) == [
        "2014-02",
        "2014-03",
    ]
    verified = _cli("verify", root=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (("build", "--edition", "2014-03..2014-01"), "runs backwards"),
        (("build", "--edition", "2000-01..2014-03"), "at most 120"),
        (("build", "--edition", RANGE, "--out", "x.pdf"), "--out names one file"),
        (("build", "--edition", RANGE, "--jobs", "0"), "not a number of jobs"),
        (("pack", "--edition", RANGE, "--cover", "c.pdf"), "belong to one edition's pack"),
    ],
)
def test_range_arguments_that_make_no_sense_are_refused(
    arguments: tuple[str, ...], says: str, run_cli
) -> None:
    result = run_cli(*arguments, root=REPO_ROOT)
    assert result.code == 2 and says in result.err, result.err


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_jobs_end_when_their_caller_is_killed(make_report: MakeReport, tmp_path: Path) -> None:
    root = make_report(tmp_path / "report")
    parent = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "--root", str(root), "build", "--no-cache",
         "--edition", "2013-04..2014-03", "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=root,
    )  # fmt: skip
    assert parent.stderr is not None
    assert b"build started" in parent.stderr.readline()  # the jobs are at work
    jobs = jobs_of(parent.pid)
    assert len(jobs) == 2
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=10)
    # a bound, not a timing: a job that does not see its lifeline end lives on for ever;
    # on a loaded 2-core machine one can take a moment to be scheduled
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in jobs) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in jobs if Path(f"/proc/{pid}").exists()]
    for pid in left:  # reap in the test, whatever happens
        os.kill(pid, signal.SIGKILL)
    assert not left, "a job outlived its caller by more than 5 s"


def test_a_job_ends_cleanly_once_its_editions_are_made(
    make_report: MakeReport, tmp_path: Path
) -> None:
    # a job whose lifeline thread waited in sys.stdin's buffer held its lock, so Python's
    # shutdown waited a second for it and then aborted the job (SIGABRT) after every range
    import pickle

    from reportgen.assemble.worker import end_child, start_child
    from reportgen.batch import Request
    from reportgen.months import Month

    root = make_report(tmp_path / "report")
    job = start_child("reportgen.batch")
    assert job.stdin is not None and job.stdout is not None
    pickle.dump(Request(root.resolve(), (Month(2014, 3),), "build"), job.stdin)
    job.stdin.flush()  # and left open, as the caller leaves it
    try:
        lines = job.stdout.read().decode().splitlines()  # to the job's end of output
        assert '"path"' in lines[-1], lines
        assert job.wait(timeout=0.9) == 0  # not killed, not aborted, without waiting on us
    finally:
        end_child(job)


def test_a_job_leaves_nothing_behind_from_one_edition_to_the_next(
    make_report: MakeReport, tmp_path: Path
) -> None:
    # the collector runs seldom in reportgen (tune_collector): each edition's cycles are
    # collected before the next, or a year's job carried ~20,000 unreachable objects from
    # one edition to the next (what a collection right after each edition finds)
    root = make_report(tmp_path / "report")
    script = f"""
import gc
from pathlib import Path
from reportgen import tune_collector
tune_collector()
from reportgen.batch import Request, _in_this_process
from reportgen.months import Month
editions = tuple(Month(2013, month) for month in range(4, 10))
request = Request(Path({str(root)!r}), editions, "build", True, False)
for outcome in _in_this_process(request, lambda edition, stage: None):
    assert outcome.ok, outcome.errors
    print(gc.collect())
print("frozen", gc.get_freeze_count())  # in the caller's process: nothing of its frozen
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr
    *counts, frozen = done.stdout.splitlines()
    assert frozen == "frozen 0"
    unreachable = [int(line) for line in counts]
    assert len(unreachable) == 6
    assert max(unreachable[:-1]) < 200, unreachable  # (after the last there is no next)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_job_that_dies_is_told_by_edition_with_how_it_ended(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    # each job stops before writing its first PDF, so both are at work when killed
    parent = paused_range(root, "build")
    for pid in both_at_work(parent, root):
        os.kill(pid, signal.SIGKILL)
    assert parent.stderr is not None
    rest = parent.stderr.read()
    assert parent.wait(timeout=30) == 1
    errors = [line for line in rest.splitlines() if "error" in line]
    # job 1 had 2014-01 then 2014-03, job 2 had 2014-02
    for edition in ("2014-01", "2014-02"):
        [line] = [line for line in errors if edition in line]
        assert line == (
            f"reportgen: error: {edition}: the job building it ended unexpectedly "
            "(killed by SIGKILL) while on it"
        )
    [line] = [line for line in errors if "2014-03" in line]
    assert line == (
        "reportgen: error: 2014-03: not started: the job that was to do it ended "
        "unexpectedly (killed by SIGKILL)"
    )
    assert not (root / "out").exists() or not list((root / "out").glob("*.pdf"))


def test_a_warning_every_job_hears_is_told_once(make_report: MakeReport, tmp_path: Path) -> None:
    root = make_report(tmp_path / "report")
    cache = root / ".reportgen-cache"
    for entry in cache.iterdir():
        entry.unlink()
    cache.rmdir()
    cache.write_text("not a folder")  # each job finds it cannot keep its charts
    result = _cli("build", "--edition", RANGE, "--jobs", "2", root=root)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and ".reportgen-cache is not a folder" in warnings[0], result.stderr


def test_what_a_job_heard_before_the_folder_failed_is_told(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    cache = root / ".reportgen-cache"
    for entry in cache.iterdir():
        entry.unlink()
    cache.rmdir()
    cache.write_text("not a folder")  # heard while the folder loads, before it fails
    monthly = root / "data" / "monthly.csv"
    monthly.write_text(monthly.read_text(encoding="utf-8") + "ksi_fatalities,2014-13,3,\n")
    result = _cli("build", "--edition", RANGE, "--jobs", "2", root=root)
    assert result.returncode == 1, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and ".reportgen-cache is not a folder" in warnings[0]
    for edition in ("2014-02", "2014-03"):
        assert any(
            line.startswith(f"reportgen: error: {edition}: ") and "2014-13" in line
            for line in result.stderr.splitlines()
        ), result.stderr
