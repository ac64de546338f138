"""Issue 12: all twelve 2013/14 editions of the sample folder compute, and they build.

``figures`` runs for every edition from April 2013 to March 2014; each edition's
movements must be its Better/Worse less the previous edition's as that edition printed
it, all the way back to April 2013 (whose previous edition, March 2013, is computed but
never built). Two editions are built as PDFs: April 2013 (the first, before
victimless prosecutions were monitored) and November 2013 (their first month).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from reportgen.compute.rules import MOVEMENT_UNITS
from reportgen.load.catalogue import load_catalogue
from reportgen.months import Month, month_range

from .conftest import REPO_ROOT, MakeReport, page_texts

YEAR = month_range(Month(2013, 4), Month(2014, 3))
VICTIMLESS = "Number of successful prosecutions for domestic abuse without the victim"
VICTIMLESS_FROM = Month(2013, 11)  # first monitored (data/catalogue.yaml)
# the national definition of domestic abuse: no 2012/13 figure is comparable
NEW_DEFINITION = (
    "Number of domestic abuse incidents",
    "Number of repeat incidents of domestic abuse",
    "Number of domestic abuse offences",
)

pytestmark = pytest.mark.slow

_FIGURES: dict[Month, list[dict[str, str]]] = {}
# each measure row's unit, by its label: an average in seconds moves in seconds
UNITS = {
    m.label: m.unit
    for m in load_catalogue(REPO_ROOT / "data" / "catalogue.yaml", "data/catalogue.yaml").values()
}


def figure_rows(run_cli, edition: Month) -> list[dict[str, str]]:
    """``reportgen figures --edition`` on the sample folder, once per edition."""
    if edition not in _FIGURES:
        result = run_cli("figures", "--edition", str(edition))
        assert (result.code, result.err) == (0, ""), result.err
        _FIGURES[edition] = list(csv.DictReader(io.StringIO(result.out)))
    return _FIGURES[edition]


def _number(cell: str) -> Decimal:
    return Decimal(cell.rstrip("%"))


@pytest.mark.parametrize("edition", YEAR, ids=str)
def test_figures_compute_for_every_edition_of_the_year(run_cli, golden_rows, edition) -> None:
    rows = figure_rows(run_cli, edition)
    # the same rows as the printed March edition, statements from the edition's narrative
    assert [[r["section"], r["kind"], r["label"]] for r in rows] == [
        row[:3] for row in golden_rows[1:]
    ]
    for row in rows:
        if row["kind"] != "measure":
            continue
        monitored = row["label"] != VICTIMLESS or edition >= VICTIMLESS_FROM
        if not monitored:
            assert [row[k] for k in ("last_year", "this_year", "diff", "movement")] == ["n/a"] * 4
            continue
        assert row["this_year"] not in ("", "n/a"), row
        if row["label"] in NEW_DEFINITION or row["label"] == VICTIMLESS:
            assert (row["last_year"], row["diff"], row["movement"]) == ("n/a",) * 3, row
        else:
            assert row["last_year"] not in ("", "n/a"), row
            assert row["diff"] not in ("", "n/a"), row


@pytest.mark.parametrize("edition", YEAR, ids=str)
def test_each_movement_is_since_the_previous_edition(run_cli, edition) -> None:
    rows = [r for r in figure_rows(run_cli, edition) if r["kind"] == "measure"]
    previous = edition.shift(-1)
    if previous in YEAR:
        before = {r["label"]: r for r in figure_rows(run_cli, previous) if r["kind"] == "measure"}
    else:  # April 2013's previous edition is not in the folder; its movements must still move
        before = None
    moved = 0
    for row in rows:
        movement = row["movement"]
        if row["diff"] == "n/a":
            assert movement == "n/a", row
            continue
        if movement == "n/a":
            # only a measure that was not monitored in the previous edition
            assert row["label"] == VICTIMLESS and previous < VICTIMLESS_FROM, row
            continue
        unit = MOVEMENT_UNITS[UNITS[row["label"]]]
        if before is None:
            change_in = rf"(Improved|Worsened) \(-?\d+(\.\d+)?{re.escape(unit)}\)"
            assert re.fullmatch(rf"Same|{change_in}", movement)
            continue
        then = before[row["label"]]["diff"]
        change = _number(row["diff"]) - _number(then)
        if change == 0:
            assert movement == "Same", (row, then)
        else:
            assert movement.endswith(f"({change}{unit})"), (row, then)
            moved += 1
    assert moved or before is None, "no measure moved since the previous edition"


@pytest.fixture(scope="module")
def built(make_report: MakeReport, run_cli, tmp_path_factory: pytest.TempPathFactory):
    root = make_report(tmp_path_factory.mktemp("year") / "report")
    results = {e: run_cli("build", "--edition", e, root=root) for e in ("2013-04", "2013-11")}
    return root, results


@pytest.mark.parametrize(
    ("edition", "data_to", "since", "name"),
    [
        ("2013-04", "Apr 2013", "Mar 2013", "April 2013"),
        ("2013-11", "Nov 2013", "Oct 2013", "November 2013"),
    ],
)
def test_an_edition_of_the_year_builds_with_its_own_figures_and_narrative(
    built, run_cli, edition: str, data_to: str, since: str, name: str
) -> None:
    root, results = built
    result = results[edition]
    assert (result.code, result.err) == (0, ""), result.err
    pdf = Path(result.out.strip())
    assert pdf == root.resolve() / "out" / f"performance-update-{edition}.pdf"
    text = " ".join(page_texts(pdf))
    assert f"Monthly Performance Report: {name}" in text
    assert f"Data to {data_to}" in text and f"since {since}" in text
    assert "Data to Mar 2014" not in text and "since Feb 2014" not in text
    # the narrative is the edition's own (its road-safety note names its month)
    assert f"{name} KSI data is at" in text
    assert "March 2014 KSI data" not in text
    # every movement the edition computes is what its PDF prints
    rows = figure_rows(run_cli, Month.parse(edition))
    movements = {r["movement"] for r in rows if r["kind"] == "measure"} - {"n/a", "Same"}
    assert movements
    assert sorted(m for m in movements if m not in text) == []
