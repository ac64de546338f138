"""Shared fixtures: the sample report folder, a scratch copy of it, and the CLI in-process."""

from __future__ import annotations

import csv
import functools
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN = REPO_ROOT / "tests" / "golden" / "march-2014-tables.csv"
# What a report folder is made of; the rest of the repository is the tool itself.
REPORT_PARTS = ("layouts", "data", "content")


def copy_sample(root: Path) -> Path:
    """The repository's sample report folder (layouts, data, content) copied to ``root``."""
    for part in REPORT_PARTS:
        shutil.copytree(REPO_ROOT / part, root / part)
    return root


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


RunCli = Callable[..., CliResult]


def linked_from_outside(root: Path, relative: str, elsewhere: Path) -> Path:
    """Move the report folder's file ``relative`` into ``elsewhere`` (a folder outside
    it) and leave a symbolic link to it in its place: the file's new path."""
    outside = elsewhere / Path(relative).name
    outside.parent.mkdir(exist_ok=True)
    shutil.move(root / relative, outside)
    (root / relative).symlink_to(outside)
    return outside


def _parse_csv(text: str) -> list[list[str]]:
    """Rows of a CSV text; CRLF and LF line endings read the same."""
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root, which is also the sample report folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def golden_rows() -> list[list[str]]:
    """The printed March 2014 table rows, header first."""
    return _parse_csv(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_report():
    """The sample report folder, loaded once (treat it as read-only)."""
    from reportgen.load.folder import load_report

    return load_report(REPO_ROOT)


@dataclass(frozen=True)
class SampleBuild:
    """The sample edition built in a copy of the sample report folder."""

    root: Path  # the copy, whose .reportgen-cache/ holds the charts drawn for it
    pdf: Path


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """The sample edition (March 2014), built once per session: tests/pdf reads its PDF,
    tests/workflow starts every report folder with its charts (``shared_cache``)."""
    from reportgen.assemble.build import build_edition
    from reportgen.months import Month

    base = tmp_path_factory.mktemp("sample")
    root = copy_sample(base / "report")
    out = base / "edition" / "performance-update-2014-03.pdf"
    out.parent.mkdir()
    return SampleBuild(root, build_edition(root, Month(2014, 3), out).path)


@pytest.fixture
def report_copy(tmp_path: Path) -> Path:
    """A private copy of the sample report folder, free to break."""
    return copy_sample(tmp_path / "report")


@pytest.fixture(scope="session")
def run_cli() -> RunCli:
    """Run ``reportgen.cli.main`` in-process: ``run_cli("figures", root=path)``."""
    from reportgen.cli import main

    def run(*args: str, root: Path = REPO_ROOT) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(root), *args], stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


# --- the fast lane ---------------------------------------------------------------------
# `pytest -m "not slow"` is the loop a developer runs after each change: it must stay
# under a minute. A test that builds an edition's PDF, starts a process or a server is
# marked @pytest.mark.slow (and so is a fuzz test, by hand); one that is not fails here,
# naming what it did, rather than quietly slowing the loop down.

_running: list[pytest.Item] = []
# fixtures that build an edition once per session: a test using one (or a fixture that
# does) is slow too, though only the first such test pays for the build
BUILDS_AN_EDITION = {"sample_build", "draft_pdf"}


class UnmarkedSlowTest(Exception):
    """A test outside the slow lane did what only slow tests may do."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if item.get_closest_marker("slow") is None
        and BUILDS_AN_EDITION & set(getattr(item, "fixturenames", ()))
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use an edition built for the session; mark them @pytest.mark.slow: "
            + ", ".join(unmarked)
        )


def _only_in_the_slow_lane(what: str) -> None:
    if _running and _running[-1].get_closest_marker("slow") is None:
        raise UnmarkedSlowTest(f"{_running[-1].nodeid} {what}: mark it @pytest.mark.slow")


def pytest_configure(config: pytest.Config) -> None:
    import socket
    import subprocess

    import reportgen.assemble.postprocess as postprocess

    def guard(function: Callable[..., Any], what: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _only_in_the_slow_lane(what)
            return function(*args, **kwargs)

        return guarded

    subprocess.Popen.__init__ = guard(subprocess.Popen.__init__, "starts a process")
    socket.socket.listen = guard(socket.socket.listen, "starts a server")
    postprocess.finish = guard(postprocess.finish, "builds an edition's PDF")
