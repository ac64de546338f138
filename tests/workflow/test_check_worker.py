"""``check``'s dry-run worker (``reportgen.assemble.dryrun``): the font and page-fit checks
run in a second process, started before pandas is imported, and say exactly what they
say in this process; a worker that is gone or fails leaves its requests to this process;
the worker ends with its parent.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reportgen.assemble.dryrun import DryRun, DryRunWorker, Outcome
from reportgen.compute.edition import Edition, compute_edition
from reportgen.errors import InputError, Problems
from reportgen.load.folder import THEME, ReportFolder, inside, load_content
from reportgen.load.theme import Theme, load_theme
from reportgen.months import Month
from reportgen.render.pagetexts import PageText, layout_texts, narrative_texts
from tests.conftest import REPO_ROOT, copy_sample
from tests.faults import Run, needs_proc, signal_with_its_worker

from .conftest import EDITION_PAGES

pytestmark = pytest.mark.slow

MARCH = Month(2014, 3)
NOT_IN_THE_FONT = "\u6f22"  # 漢: the sample theme's DejaVu Sans has no CJK glyphs


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
        outcomes: list[Outcome[Any]] = [
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


# a request the worker fails on (an object that is not an edition: a bug) and one that
# cannot be sent to it (a lambda does not pickle): each runs here, failing as it would
BAD_REQUESTS: dict[str, Callable[[DryRun], Outcome[Any]]] = {
    "fails-in-the-worker": lambda dry_run: dry_run.fit(object()),  # type: ignore[arg-type]
    "cannot-be-sent": lambda dry_run: dry_run.check_texts([lambda: None]),  # type: ignore[list-item]
}


@pytest.mark.parametrize("bad", BAD_REQUESTS)
def test_a_request_the_worker_cannot_answer_runs_here_and_fails_as_it_would(
    march: tuple[Theme, Edition, list[PageText]], bad: str
) -> None:
    theme, edition, _ = march
    with DryRunWorker(start=True) as worker:
        there = DryRun(theme, worker)
        broken = BAD_REQUESTS[bad](there)
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


def _glyph_in_an_earlier_edition(root: Path, edition: str = "2013-06") -> None:
    narrative = next((root / "content" / edition).glob("01-*.md"))
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


# each check in one fresh process (so reportlab is not loaded and a worker starts), its
# output and what it started; ONE_CORE=1 first limits the process to one core
CHECKS = """
import io, json, os, subprocess, sys
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
if os.environ.get("ONE_CORE"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from reportgen.cli import main
results = []
for root in json.loads(sys.argv[1]):
    started.clear()
    made.clear()
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", root, "check"], stdout=out, stderr=err)
    results.append({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                    "workers": len(started), "ran_here": [d.ran_here for d in made]})
print(json.dumps({"results": results,
                  "reportlab": sorted(m for m in sys.modules if m.startswith("reportlab")),
                  "pandas": "pandas" in sys.modules}))
"""


def _checks(roots: list[Path], **env: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHECKS, json.dumps([str(root) for root in roots])],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _said(result: dict[str, Any]) -> tuple[int, str, str]:
    return result["code"], result["out"], result["err"]


def test_check_says_the_same_with_its_worker_and_without(tmp_path: Path) -> None:
    roots = []
    for name, spoil in CASES.items():
        root = copy_sample(tmp_path / name)
        spoil(root)
        roots.append(root)
    with_worker = _checks(roots)
    alone = _checks(roots, REPORTGEN_SERIAL="1")
    for name, there, here in zip(CASES, with_worker["results"], alone["results"], strict=True):
        assert _said(there) == _said(here), name
        assert "Traceback" not in there["err"], name
        assert there["code"] == (0 if name == "sample" else 1), there["err"]
        # each check started its worker and used every answer it gave
        assert (there["workers"], there["ran_here"]) == (1, [0]), name
        assert here["workers"] == 0, name
    assert "22 pages fit" in with_worker["results"][0]["out"]
    # the command itself never imported reportlab: the worker did the checks needing it
    assert with_worker["reportlab"] == [] and with_worker["pandas"]


def test_mutated_folders_check_the_same_with_the_worker_and_without(tmp_path: Path) -> None:
    from tests.load.test_fuzz import EDITIONS, _files, _mutate

    base = tmp_path / "base"
    for part in ("layouts", "data"):
        shutil.copytree(REPO_ROOT / part, base / part)
    shutil.copy(REPO_ROOT / "distribution.yaml", base / "distribution.yaml")
    for edition in EDITIONS:
        shutil.copytree(REPO_ROOT / "content" / edition, base / "content" / edition)
    rng = random.Random(20140227)
    roots = []
    for case in range(24):
        root = tmp_path / f"case{case}"
        shutil.copytree(base, root)
        target = rng.choice(_files(root))
        target.write_bytes(_mutate(target.read_bytes(), rng))
        roots.append(root)
    with_worker = _checks(roots)
    alone = _checks(roots, REPORTGEN_SERIAL="1")
    codes = set()
    for root, there, here in zip(roots, with_worker["results"], alone["results"], strict=True):
        assert _said(there) == _said(here), root.name
        assert all(count == 0 for count in there["ran_here"]), root.name
        codes.add(there["code"])
    assert codes == {0, 1}  # some mutations pass and some are refused


def test_one_worker_serves_one_check(tmp_path: Path) -> None:
    from reportgen.check import check_folder

    first, second = copy_sample(tmp_path / "first"), copy_sample(tmp_path / "second")
    for edition in (first / "content").iterdir():
        if edition.is_dir() and edition.name != "2014-03":
            shutil.rmtree(edition)
    # the only edition's narrative fails its font check, so its page fit is never read
    _glyph_in_an_earlier_edition(first, "2014-03")
    _glyph_in_the_layout(second)
    with DryRunWorker(start=True) as worker:
        with pytest.raises(InputError, match="content/2014-03"):
            check_folder(first, worker=worker)
        # answers are matched by order: the first check's unread ones must not answer
        # the second, which runs in this process
        with pytest.raises(InputError, match="layouts/report.yaml") as found:
            check_folder(second, worker=worker)
    with pytest.raises(InputError) as alone:
        check_folder(second)
    assert str(found.value) == str(alone.value)


def test_on_one_core_check_starts_no_worker(tmp_path: Path) -> None:
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity on this platform")
    root = copy_sample(tmp_path / "report")
    [one_core] = _checks([root], ONE_CORE="1")["results"]
    [usual] = _checks([root])["results"]
    assert one_core["workers"] == 0 and usual["workers"] == 1
    assert _said(one_core) == _said(usual)


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
    signal_with_its_worker(run, signum)
    if signum != signal.SIGKILL:
        assert "Traceback" not in run.stderr


def test_a_process_that_has_the_layout_modules_starts_no_worker() -> None:
    # this test session has imported reportlab: a worker would only cost a start
    assert "reportlab.platypus" in sys.modules
    with DryRunWorker() as worker:
        assert worker.pid is None


def _state(pid: int) -> str:
    """The process's state letter from /proc ("Z": it has ended, not yet reaped)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "gone"
    return text.rsplit(")", 1)[1].split()[0]


def test_the_worker_ends_as_soon_as_check_has_every_answer(tmp_path: Path) -> None:
    # it is released, not left waiting for a request until the command closes it
    from reportgen.check import check_folder

    needs_proc()
    root = copy_sample(tmp_path / "report")
    with DryRunWorker(start=True) as worker:
        assert worker.pid is not None
        check_folder(root, worker=worker)
        ended = False
        for _ in range(250):  # up to 5 s
            if _state(worker.pid) in ("Z", "gone"):
                ended = True
                break
            time.sleep(0.02)
        assert ended, _state(worker.pid)
