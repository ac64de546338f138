"""What ``verify`` says where the figures rebuilt from an archive's embedded inputs differ
from the figures it stored: the first cell that differs, by line, row and column (a
whole line cut short to be printed read the same on both sides)."""

from __future__ import annotations

import pytest

from reportgen.workflow import _first_difference

HEADER = "section,kind,label,last_year,this_year,diff,msg_rank,movement\n"
LABEL = "Number of domestic abuse incidents where a long label runs on and on"


def test_the_first_differing_cell_is_named_by_row_and_column() -> None:
    stored = HEADER + f"1,measure,{LABEL},n/a,28181,n/a,,n/a\n"
    rebuilt = HEADER + f"1,measure,{LABEL},n/a,28281,n/a,,n/a\n"
    assert _first_difference(stored, rebuilt) == (
        "line 2 of figures.csv ('Number of domestic abuse incidents wher…' (68 characters)), "
        "this_year: was '28181', rebuilt '28281'"
    )


def test_rows_added_or_cut_are_counted() -> None:
    stored = HEADER + "1,measure,a,1,2,3,,x\n"
    assert _first_difference(stored, HEADER) == "2 lines in figures.csv, rebuilt 1"
    assert _first_difference(HEADER + "1,measure,a\n", HEADER + "1,measure,a,1\n") == (
        "line 2 of figures.csv has 3 cells, rebuilt 4"
    )


@pytest.mark.slow
def test_a_manifest_whose_record_of_an_input_is_damaged_is_not_blamed_on_the_figures(
    archived_copy, run_cli
) -> None:
    import json

    from tests.workflow.conftest import resealed

    manifest = archived_copy / "archive" / "2014-03" / "v1" / "manifest.json"
    manifest.parent.chmod(0o755)
    manifest.chmod(0o644)
    record = json.loads(manifest.read_text(encoding="utf-8"))
    digest = record["inputs"][0]["sha256"]
    record["inputs"][0]["sha256"] = ("0" if digest[0] != "0" else "1") + digest[1:]
    manifest.write_text(json.dumps(resealed(record), indent=2) + "\n", encoding="utf-8")
    result = run_cli("verify", root=archived_copy)
    assert result.code == 1
    told = "the files embedded in the PDF and the inputs its manifest records disagree"
    assert told in result.out and told in result.err, result
    assert "DO NOT MATCH" not in result.out and "ones it printed" not in result.err
