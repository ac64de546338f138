"""Confined inputs (issue 9): a build reads only the files the catalogue, layout and the
edition's narrative folder name, resolved inside the report folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reportgen.load.folder import editions_with_content, input_files, load_report
from reportgen.months import Month
from tests.conftest import linked_from_outside

MARCH = Month(2014, 3)


def one_error(result) -> str:
    assert result.code == 1, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reportgen: error: "), lines
    return lines[0]


def test_a_stray_file_in_data_is_neither_read_nor_embedded(report_copy: Path, run_cli) -> None:
    (report_copy / "data" / "zz-extra.csv").symlink_to("/etc/passwd")
    (report_copy / "data" / "notes.txt").write_text("scratch", encoding="utf-8")
    result = run_cli("check", root=report_copy)
    assert result.code == 0, result.err
    assert "reportgen: note: data/notes.txt is not read by any build" in result.err
    assert "reportgen: note: data/zz-extra.csv is not read by any build" in result.err
    names = set(input_files(load_report(report_copy), MARCH))
    assert "data/zz-extra.csv" not in names and "data/notes.txt" not in names


def test_a_folder_in_content_that_is_no_edition_s_is_mentioned_not_read(
    report_copy: Path, run_cli
) -> None:
    content = report_copy / "content"
    # 2014-03 in fullwidth digits: Month.parse once read it as March 2014
    for name in ("March 2014", "2014-3", "\uff12\uff10\uff11\uff14-\uff10\uff13"):
        shutil.copytree(content / "2014-03", content / name)
    (content / "notes.txt").write_text("scratch", encoding="utf-8")
    result = run_cli("check", root=report_copy)
    assert result.code == 0, result.err
    for name in ("March 2014/", "2014-3/", "\uff12\uff10\uff11\uff14-\uff10\uff13/", "notes.txt"):
        assert f"reportgen: note: content/{name} is not read by any build" in result.err
    assert "content/README.md" not in result.err and "content/2014-03" not in result.err
    assert editions_with_content(report_copy) == sorted(
        Month.parse(path.name) for path in content.glob("20[0-9][0-9]-[0-9][0-9]")
    )


def test_input_files_are_exactly_what_a_build_reads(report_copy: Path) -> None:
    folder = load_report(report_copy)
    names = set(input_files(folder, MARCH))
    narrative = {f"content/2014-03/{s.narrative_file}" for s in folder.layout.sections}
    assert names == {
        "data/catalogue.yaml",
        "layouts/report.yaml",
        "layouts/theme.yaml",
        "data/monthly.csv",
        "data/msg.csv",
        "data/survey_estimates.csv",
        "data/revisions.csv",
        *narrative,
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "relative",
    ["data/monthly.csv", "content/2014-03/05-road-safety.md", "layouts/theme.yaml"],
)
def test_a_symlink_out_of_the_folder_is_refused(
    relative: str, report_copy: Path, tmp_path: Path, run_cli
) -> None:
    linked_from_outside(report_copy, relative, tmp_path / "elsewhere")
    for command in ("check", "build"):
        message = one_error(run_cli(command, root=report_copy))
        assert f"error: {relative}: it leads outside the report folder" in message
        assert "copy the file into the report folder" in message
    assert not (report_copy / "out").exists()


def test_a_symlink_inside_the_folder_is_followed(report_copy: Path, run_cli) -> None:
    theme = report_copy / "layouts" / "theme.yaml"
    shutil.move(theme, report_copy / "layouts" / "house-style.yaml")
    theme.symlink_to("house-style.yaml")
    assert run_cli("check", root=report_copy).code == 0


@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "sub/05.md", ".hidden.md"])
def test_the_layout_names_narrative_files_inside_the_edition_folder(
    name: str, report_copy: Path, run_cli
) -> None:
    layout = report_copy / "layouts" / "report.yaml"
    text = layout.read_text(encoding="utf-8")
    layout.write_text(
        text.replace("narrative: 05-road-safety.md", f"narrative: {name}"), encoding="utf-8"
    )
    line = next(
        n for n, t in enumerate(layout.read_text().splitlines(), 1) if f"narrative: {name}" in t
    )
    message = one_error(run_cli("check", root=report_copy))
    assert message.startswith(f"reportgen: error: layouts/report.yaml:{line}: section: ")
    assert "'narrative'" in message


def test_a_fifo_is_refused_not_waited_on(report_copy: Path, run_cli) -> None:
    monthly = report_copy / "data" / "monthly.csv"
    monthly.unlink()
    os.mkfifo(monthly)
    message = one_error(run_cli("check", root=report_copy))
    assert "data/monthly.csv: it is not a plain file" in message


def test_new_does_not_copy_a_link_out_of_the_folder(report_copy: Path, run_cli) -> None:
    (report_copy / "content" / "2014-03" / "secret.txt").symlink_to("/etc/passwd")
    result = run_cli("new", "2014-04", root=report_copy)
    assert result.code == 1 and "leads outside the report folder" in result.err
    assert not (report_copy / "content" / "2014-04").exists()


@pytest.mark.parametrize(
    "name",
    ["data/revisions.csv", "data/performance.xlsx", "data/catalogue.yaml", "distribution.yaml"],
)
def test_a_link_that_leads_nowhere_is_told_not_taken_for_a_file_left_out(
    report_copy: Path, run_cli, name: str
) -> None:
    # an optional file (the revisions, the workbook, the lists) given as a link whose
    # target was renamed: read as absent, the revised figures were silently dropped
    link = report_copy / name
    link.unlink(missing_ok=True)
    link.symlink_to("renamed-since.csv")
    result = run_cli("check", "--no-cache", root=report_copy)
    assert result.code == 1, result.err
    assert (
        f"reportgen: error: {name}: is a symbolic link to renamed-since.csv, which does "
        "not exist" in result.err
    ), result.err
    assert "Traceback" not in result.err
