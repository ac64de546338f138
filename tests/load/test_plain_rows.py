"""The quick path for ordinary monthly rows accepts only what the full check accepts,
and gives the very same figure.

``monthly_figure`` first tries ``_plain_monthly_figure`` (a known measure with rows of
its own, YYYY-MM months, whole counts), which nearly every row is, and only otherwise
runs every rule with its messages. Over every combination of awkward cells, each row
the quick path accepts must be accepted by the full check with an equal figure.
"""

from __future__ import annotations

import itertools

import pytest

from reportgen.errors import ReportgenError
from reportgen.load.catalogue import Catalogue, load_catalogue
from reportgen.load.data import (
    _plain_monthly_figure,
    checked_monthly_figure,
    monthly_figure,
)
from reportgen.load.rows import Cell, SourceRow, Where
from tests.load.conftest import REPO_ROOT

MEASURES = [
    "da_incidents",  # a count
    "da_solved_rate",  # a percentage of two counts
    "switchboard_wait",  # a ratio in seconds, not a percentage
    "ksi",  # sum_of: no rows of its own
    "youth_reoffending_rate",  # ratio_of
    "no_such_measure",
    "",
]
NUMBERS = ["12", "0", "007", "999999999999999", "1000000000000000", "-3", "3.5", "1,234",
           "", "n/a", "\u0661\u0662", "\u00b2", "12 ", "1e3", "#DIV/0!", "=A1"]  # fmt: skip
DENOMINATORS = ["", "10", "0", "3", "-1", "2.5", "n/a", "999999999999999"]
MONTHS = ["2014-03", "2014-3", "2014-13", "1899-12", "2200-01", "#N/A", "", "2014-03x",
          " 2014-03", "2014-03" + " " * 20]  # fmt: skip


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(REPO_ROOT / "data" / "catalogue.yaml")


def _row(measure: str, month: str, numerator: str, denominator: str, until: str) -> SourceRow:
    where = Where("data/monthly.csv", 7)
    texts = {
        "measure": measure,
        "month": month,
        "numerator": numerator,
        "denominator": denominator,
        "until_edition": until,
    }
    return SourceRow({k: Cell(v, where) for k, v in texts.items()}, where)


def _cases(revision: bool) -> list[SourceRow]:
    months = MONTHS[:4] if revision else MONTHS
    untils = MONTHS[:4] if revision else [""]
    return [
        _row(*cells) for cells in itertools.product(MEASURES, months, NUMBERS, DENOMINATORS, untils)
    ]


@pytest.mark.parametrize("revision", [False, True])
def test_a_row_the_quick_path_takes_is_one_the_full_check_accepts_alike(
    catalogue: Catalogue, revision: bool
) -> None:
    taken = checked_only = refused = 0
    for row in _cases(revision):
        quick = _plain_monthly_figure(row, catalogue, revision)
        try:
            checked = checked_monthly_figure(row, catalogue, revision=revision)
        except ReportgenError:
            assert quick is None, row
            refused += 1
            continue
        if quick is not None:
            assert quick == checked, row
            taken += 1
        else:
            checked_only += 1
        assert monthly_figure(row, catalogue, revision=revision) == checked
    # the grid holds rows of each kind: quick, full check only, and refused
    assert taken >= 20 and checked_only >= 10 and refused > 1000
    ordinary = _row("da_solved_rate", "2014-03", "300", "1000", "2014-05")
    assert _plain_monthly_figure(ordinary, catalogue, revision) is not None
