"""An edition whose MSG rankings and survey estimates are not all entered yet: every
missing row is reported in one run, not one per run (an analyst entering next month's
rows met them one at a time, three rounds for one edition)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

EDITION = "2014-03"


def _drop_rows(path: Path, edition: str, measures: list[str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [line for line in lines if any(line.startswith(f"{edition},{m},") for m in measures)]
    assert len(dropped) == len(measures)
    path.write_text("".join(line for line in lines if line not in dropped), encoding="utf-8")


def _measures(path: Path, edition: str, count: int) -> list[str]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return [row["measure"] for row in rows if row["edition"] == edition][:count]


@pytest.fixture
def half_entered(report_copy: Path) -> tuple[Path, list[str], list[str]]:
    """The edition with four MSG rows and its survey rows not entered yet."""
    msg, survey = report_copy / "data" / "msg.csv", report_copy / "data" / "survey_estimates.csv"
    ranked, surveyed = _measures(msg, EDITION, 4), _measures(survey, EDITION, 9)
    assert len(ranked) == 4 and surveyed
    _drop_rows(msg, EDITION, ranked)
    _drop_rows(survey, EDITION, surveyed)
    expected = [f"no MSG ranking for {m} in edition {EDITION}" for m in ranked]
    expected += [f"no survey estimate for {m} in edition {EDITION}" for m in surveyed]
    return report_copy, expected, ranked + surveyed


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["figures", "--edition", EDITION], id="figures"),
        pytest.param(["check", "--edition", EDITION], id="check", marks=pytest.mark.slow),
    ],
)
def test_every_missing_row_of_an_edition_is_reported_in_one_run(
    half_entered: tuple[Path, list[str], list[str]], run_cli, command: list[str]
) -> None:
    root, expected, dropped = half_entered
    result = run_cli(*command, root=root)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("reportgen: error:")]
    for message in expected:
        assert sum(message in line for line in errors) == 1, (message, result.err)
    # and nothing else (check also names the cover template that prints a survey period)
    assert all(any(measure in line for measure in dropped) for line in errors), result.err
    assert f"reportgen: {len(errors)} errors" in result.err
