"""``pack`` and ``archive`` say so where ``out/`` holds the edition built from other
inputs than the ones they pack or archive (``workflow.warn_if_printed_otherwise``): the
PDF an analyst prints or sends from ``out/`` must be the record, or be told it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflow.conftest import EDITION

PRINTED = f"out/performance-update-{EDITION}.pdf"
NARRATIVE = f"content/{EDITION}/01-reducing-domestic-abuse.md"


@pytest.mark.slow
def test_an_edition_built_before_a_late_edit_is_told_by_pack_and_archive(
    report: Path, run_cli
) -> None:
    assert (report / NARRATIVE).is_file()
    assert run_cli("build", "--edition", EDITION, root=report).code == 0
    packed = run_cli("pack", "--edition", EDITION, root=report)
    assert packed.code == 0, packed.err
    assert PRINTED not in packed.err  # built from these very inputs: nothing to tell
    with (report / NARRATIVE).open("a", encoding="utf-8") as file:
        file.write("\nA late correction, added after the build.\n")
    packed = run_cli("pack", "--edition", EDITION, root=report)
    assert packed.code == 0, packed.err
    warning = f"reportgen: warning: {PRINTED} is not the edition packed"
    assert warning in packed.err
    assert "run 'reportgen build' again" in packed.err
    archived = run_cli("archive", "--edition", EDITION, root=report)
    assert archived.code == 0, archived.err
    assert f"reportgen: warning: {PRINTED} is not the edition archived" in archived.err
    # built again: the PDF in out/ is the record, and nothing is said
    assert run_cli("build", "--edition", EDITION, root=report).code == 0
    packed = run_cli("pack", "--edition", EDITION, root=report)
    assert packed.code == 0 and PRINTED not in packed.err


@pytest.mark.slow
def test_nothing_is_told_where_out_holds_no_edition(report: Path, run_cli) -> None:
    packed = run_cli("pack", "--edition", EDITION, root=report)
    assert packed.code == 0, packed.err
    assert "warning" not in packed.err
