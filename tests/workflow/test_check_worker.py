"""``check``'s dry-run worker (``reportgen.assemble.dryrun``): the font and page-fit checks
run in a second process, started before pandas is imported, and say exactly what they
say in this process; a worker that is gone or fails leaves its requests to this process;
the worker ends with its parent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.assemble.dryrun import DryRun, DryRunWorker
from reportgen.compute.edition import Edition, compute_edition
from reportgen.errors import InputError, Problems
from reportgen.load.folder import THEME, ReportFolder, inside, load_content
from reportgen.load.theme import Theme, load_theme
from reportgen.months import Month
from reportgen.render.pagetexts import PageText, layout_texts, narrative_texts
from tests.faults import Run, children, end_all, needs_proc, run_to_end, still_running_after

from .conftest import EDITION_PAGES

pytestmark = pytest.mark.slow

MARCH = Month(2014, 3)
NOT_IN_THE_FONT = "\u6f22"  # 漢: the sample theme's DejaVu Sans has no CJK glyphs
TERMINATED = 128 + signal.SIGTERM


@pytest.fixture(scope="module")
def march(sample_report: ReportFolder) -> tuple[Theme, Edition, list[PageText]]:
    theme = load_theme(inside(sample_report.root, THEME), str(THEME))
    texts = load_content(sample_report, MARCH)
    edition = compute_edition(sample_report, MARCH, texts, draft=False)
    return theme, edition, list(narrative_texts(texts))


def _unprintable(file: str, line: int) -> PageText:
    return PageText(f"Caf{NOT_IN_THE_FONT} opening hours", file, line, "body")


# --- in this process, with a real worker --------------------------------------------------


def test_the_worker_answers_every_request_and_nothing_runs_here(
    sample_report: ReportFolder, march: tuple[Theme, Edition, list[PageText]]
) -> None:
    theme, edition, narrative = march
    with DryRunWorker(start=True) as worker:
        assert worker.pid is not None
        there = DryRun(theme, worker)
        outcomes = [
            there.check_texts(list(layout_texts(sample_report))),
            there.check_texts(narrative),
            there.fit(edition),
        ]
        results = [outcome.result() for outcome in outcomes]
        assert there.ran_here == 0
    assert results == [None, None, EDITION_PAGES]
    here = DryRun(theme)
    assert here.fit(edition).result() == EDITION_PAGES
    assert here.ran_here == 1


def test_problems_come_back_from_the_worker_whole(
    march: tuple[Theme, Edition, list[PageText]],
) -> None:
    theme, _, _ = march
    texts = [
        _unprintable("content/2014-03/04-crime.md", 12),
        PageText("A plain heading", "layouts/report.yaml", 40, "heading"),
        _unprintable("layouts/report.yaml", 7),
    ]
    with DryRunWorker(start=True) as worker:
        there = DryRun(theme, worker)
        with pytest.raises(Problems) as from_worker:
            there.check_texts(texts).result()
        assert there.ran_here == 0
    with pytest.raises(Problems) as from_here:
        DryRun(theme).check_texts(texts).result()
    assert str(from_worker.value) == str(from_here.value)
    assert [(type(p), p.file, p.line, p.hint) for p in from_worker.value.problems] == [
        (type(p), p.file, p.line, p.hint) for p in from_here.value.problems
    ]
    assert [p.file for p in from_worker.value.problems] == [
        "content/2014-03/04-crime.md",
        "layouts/report.yaml",
    ]


def test_a_worker_gone_midway_leaves_the_rest_to_this_process(
    sample_report: ReportFolder, march: tuple[Theme, Edition, list[PageText]]
) -> None:
    theme, edition, _ = march
    with DryRunWorker(start=True) as worker:
        there = DryRun(theme, worker)
        assert there.check_texts(list(layout_texts(sample_report))).result() is None
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        fit = there.fit(edition)
        unprintable = there.check_texts([_unprintable("content/2014-03/01-summary.md", 9)])
        assert fit.result() == EDITION_PAGES
        with pytest.raises(InputError, match="U\\+6F22"):
            unprintable.result()
        assert there.ran_here == 2
        assert worker.pid is None  # ended and reaped at the first answer it did not give


def test_a_request_the_worker_fails_on_runs_here_and_fails_as_it_would(
    march: tuple[Theme, Edition, list[PageText]],
) -> None:
    theme, edition, _ = march
    with DryRunWorker(start=True) as worker:
        there = DryRun(theme, worker)
        broken = there.fit(object())  # type: ignore[arg-type]  # not an edition: a bug
        after = there.fit(edition)
        with pytest.raises(AttributeError):
            broken.result()
        assert after.result() == EDITION_PAGES
        assert there.ran_here == 2 and worker.pid is None


# --- the command ------------------------------------------------------------------------


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _glyph_in_an_earlier_edition(root: Path) -> None:
    narrative = next((root / "content" / "2013-06").glob("01-*.md"))
    text = narrative.read_text(encoding="utf-8")
    narrative.write_text(text.rstrip("\n") + f"\n\nCaf{NOT_IN_THE_FONT}.\n", encoding="utf-8")


def _glyph_in_the_layout(root: Path) -> None:
    _replace(
        root / "layouts" / "report.yaml",
        "title: Reducing Domestic Abuse",
        f"title: Reducing Domestic Abuse {NOT_IN_THE_FONT}",
    )


def _statement_taller_than_a_page(root: Path) -> None:
    _replace(
        root / "content" / "2014-03" / "07-efficiency.md",
        'status: "Currently being scoped under the Evolve Programme"',
        f'status: "{("Currently being scoped. " * 40).strip()}"',
    )
    _replace(
        root / "layouts" / "theme.yaml",
        "  table_cell: {size: 8.2, leading: 10}",
        "  table_cell: {size: 12, leading: 60}",
    )


def _marked_for_review(root: Path) -> None:
    _replace(
        root / "content" / "2014-03" / "03-youth-offending.md", "review: false", "review: true"
    )


def _several_at_once(root: Path) -> None:
    _glyph_in_an_earlier_edition(root)
    _glyph_in_the_layout(root)
    _statement_taller_than_a_page(root)
    _replace(root / "content" / "2013-09" / "05-road-safety.md", "section: 5", "section: 6")


CASES: dict[str, Callable[[Path], None]] = {
    "sample": lambda root: None,
    "glyph-earlier-edition": _glyph_in_an_earlier_edition,
    "glyph-layout": _glyph_in_the_layout,
    "too-tall": _statement_taller_than_a_page,
    "review": _marked_for_review,
    "several": _several_at_once,
}


@pytest.mark.parametrize("case", CASES)
def test_check_says_the_same_with_its_worker_and_without(report_copy: Path, case: str) -> None:
    CASES[case](report_copy)
    with_worker = run_to_end(report_copy, "check")
    alone = run_to_end(report_copy, "check", env={"REPORTGEN_SERIAL": "1"})
    assert (with_worker.process.returncode, with_worker.stdout, with_worker.stderr) == (
        alone.process.returncode,
        alone.stdout,
        alone.stderr,
    )
    assert "Traceback" not in with_worker.stderr
    assert with_worker.process.returncode == (0 if case == "sample" else 1), with_worker.stderr
    if case == "sample":
        assert "22 pages fit" in with_worker.stdout


def test_check_starts_one_worker_and_leaves_reportlab_to_it(report_copy: Path) -> None:
    script = f"""
import json, subprocess, sys
started = []
class Counting(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        started.append(str(args[0] if args else kwargs.get("args")))
        super().__init__(*args, **kwargs)
subprocess.Popen = Counting
import reportgen.assemble.dryrun as dryrun
made = []
made_by = dryrun.DryRun.__init__
def keep(self, *args, **kwargs):
    made_by(self, *args, **kwargs)
    made.append(self)
dryrun.DryRun.__init__ = keep
from reportgen.cli import main
code = main(["--root", {str(report_copy)!r}, "check"])
print(json.dumps({{"code": code, "started": started, "ran_here": [d.ran_here for d in made],
    "reportlab": sorted(m for m in sys.modules if m.startswith("reportlab")),
    "pandas": "pandas" in sys.modules}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["code"] == 0
    assert len(result["started"]) == 1 and "reportgen.assemble.dryrun" in result["started"][0]
    assert result["ran_here"] == [0], "the worker's answers were not used"
    assert result["reportlab"] == [], "check imported reportlab itself"
    assert result["pandas"]


def test_the_layout_modules_load_no_pandas() -> None:
    # the worker imports them; it must not pay for pandas, which only the data needs
    script = (
        "import sys, reportgen.assemble.dryrun, reportgen.assemble.document, "
        "reportgen.render.glyphs; print(sorted(m for m in sys.modules if m == 'pandas'))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["KILL", "TERM", "INT"]
)
def test_the_dry_run_worker_ends_with_its_parent(report_copy: Path, signum: int) -> None:
    needs_proc()
    run = Run(report_copy, "check", pause_at="check: worker started")
    run.wait_paused()
    workers = children(run.pid)
    try:
        assert len(workers) == 1, f"expected one dry-run worker, found {workers}"
        run.signal(signum)
        code = run.finish()
        assert still_running_after(workers, 2.0) == []
        assert run.pipes_closed_within(2.0)
    finally:
        end_all(workers)
    assert code == {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: TERMINATED}.get(signum, 130), (
        run.stderr
    )
    if signum != signal.SIGKILL:
        assert "Traceback" not in run.stderr


def test_a_process_that_has_the_layout_modules_starts_no_worker() -> None:
    # this test session has imported reportlab: a worker would only cost a start
    assert "reportlab.platypus" in sys.modules
    with DryRunWorker() as worker:
        assert worker.pid is None
