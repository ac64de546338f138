"""Shared fixtures: the sample report folder, a scratch copy of it, and the CLI in-process."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN = REPO_ROOT / "tests" / "golden" / "march-2014-tables.csv"
# What a report folder is made of; the rest of the repository is the tool itself.
REPORT_PARTS = ("layouts", "data", "content")


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


RunCli = Callable[..., CliResult]


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


@pytest.fixture
def report_copy(tmp_path: Path) -> Path:
    """A private copy of the sample report folder, free to break."""
    root = tmp_path / "report"
    for part in REPORT_PARTS:
        shutil.copytree(REPO_ROOT / part, root / part)
    return root


@pytest.fixture(scope="session")
def run_cli() -> RunCli:
    """Run ``reportgen.cli.main`` in-process: ``run_cli("figures", root=path)``."""
    from reportgen.cli import main

    def run(*args: str, root: Path = REPO_ROOT) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(root), *args], stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
