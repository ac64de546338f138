"""``reportgen build`` on bad input: one clear error naming the file, and no PDF written.

Each case breaks a private copy of the report folder, runs the command in-process and
checks the exit code, the single error line (file, and line where there is one) and
that the output folder is left exactly as it was. Narrative still marked for review
fails the same way unless the build is a draft, whose every page says DRAFT.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import CliRun, text_runs

NARRATIVE_DIR = Path("content") / "2014-03"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _missing_narrative(root: Path) -> None:
    (root / NARRATIVE_DIR / "05-road-safety.md").unlink()


def _unknown_chart_kind(root: Path) -> None:
    _replace(root / "layouts" / "report.yaml", "kind: year_on_year", "kind: pie_chart")


def _chart_without_data(root: Path) -> None:
    # a measure the catalogue defines but data/monthly.csv has no rows for
    catalogue = root / "data" / "catalogue.yaml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8") + "  sickness_specials:\n"
        "    label: Special constables\n"
        "    unit: days\n"
        "    decimals: 1\n"
        "    polarity: lower_is_better\n"
        "    aggregation: ratio\n"
        "    scale: 12\n"
        "    window: financial_year_to_date\n",
        encoding="utf-8",
    )
    _replace(
        root / "layouts" / "report.yaml",
        "measures: [sickness_officers, sickness_staff, sickness_pcsos]",
        "measures: [sickness_officers, sickness_staff, sickness_specials]",
    )


def _unknown_font(root: Path) -> None:
    _replace(root / "layouts" / "theme.yaml", "family: DejaVu Sans", "family: No Such Sans 9")


def _statement_taller_than_a_page(root: Path) -> None:
    narrative = root / NARRATIVE_DIR / "07-efficiency.md"
    _replace(
        narrative,
        'status: "Currently being scoped under the Evolve Programme"',
        'status: "' + "Currently being scoped. " * 400 + '"',
    )


def _margins_leave_no_room(root: Path) -> None:
    # each margin is allowed on its own (at most 10cm); together they leave 3cm of A4
    theme = root / "layouts" / "theme.yaml"
    _replace(theme, "margin_left: 2.0cm", "margin_left: 9cm")
    _replace(theme, "margin_right: 2.0cm", "margin_right: 9cm")


def _unreadable_type_size(root: Path) -> None:
    _replace(root / "layouts" / "theme.yaml", "table_cell: {size: 8.2", "table_cell: {size: -3")


@dataclass(frozen=True)
class BadInput:
    name: str
    spoil: Callable[[Path], None]
    file: str  # the file the error must name
    line_mark: str | None  # text on the line the error must point at (None: no line)
    words: tuple[str, ...]  # what the message must say
    block_ok: bool = False  # or the line may open the block that holds the bad text


CASES = [
    BadInput(
        "missing-narrative",
        _missing_narrative,
        "content/2014-03/05-road-safety.md",
        None,
        ("missing",),
    ),
    BadInput(
        "unknown-chart-kind",
        _unknown_chart_kind,
        "layouts/report.yaml",
        "kind: pie_chart",
        ("pie_chart",),
    ),
    BadInput(
        "chart-without-data",
        _chart_without_data,
        "layouts/report.yaml",
        "sickness_specials",
        ("sickness_specials", "no data"),
        block_ok=True,
    ),
    BadInput(
        "unknown-font",
        _unknown_font,
        "layouts/theme.yaml",
        "family: No Such Sans 9",
        ("No Such Sans 9",),
    ),
    BadInput(
        "statement-taller-than-a-page",
        _statement_taller_than_a_page,
        "content/2014-03/07-efficiency.md",
        'status: "Currently being scoped.',
        ("'status'", "at most 1000"),
    ),
    BadInput(
        "margins-leave-no-room",
        _margins_leave_no_room,
        "layouts/theme.yaml",
        "margin_left: 9cm",
        ("margins", "8cm"),
    ),
    BadInput(
        "unreadable-type-size",
        _unreadable_type_size,
        "layouts/theme.yaml",
        "table_cell: {size: -3",
        ("table_cell", "readable"),
    ),
]


@pytest.mark.slow
def test_out_naming_a_folder_is_refused(
    scratch_report: Path, tmp_path: Path, reportgen_cli: Callable[..., CliRun]
) -> None:
    result = _build(reportgen_cli, scratch_report, tmp_path)
    assert result.code == 1
    assert "--out is a folder" in result.err and str(tmp_path) in result.err
    assert sorted(tmp_path.iterdir()) == [scratch_report]


def _build(cli: Callable[..., CliRun], root: Path, out: Path, *extra: str) -> CliRun:
    return cli(root, "build", "--out", str(out), *extra)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_is_one_clear_error_and_no_pdf(
    case: BadInput, scratch_report: Path, tmp_path: Path, reportgen_cli: Callable[..., CliRun]
) -> None:
    case.spoil(scratch_report)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = _build(reportgen_cli, scratch_report, out_dir / "edition.pdf")

    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, f"expected one error line, got: {result.err!r}"
    message = lines[0]
    assert "Traceback" not in result.err
    assert case.file in message, message
    for word in case.words:
        assert word in message, message
    if case.line_mark is not None:
        match = re.search(re.escape(case.file) + r":(\d+)", message)
        assert match, f"no line number for {case.file} in {message!r}"
        named = int(match.group(1))
        file_lines = (scratch_report / case.file).read_text(encoding="utf-8").splitlines()
        assert 1 <= named <= len(file_lines)
        ok = case.line_mark in file_lines[named - 1]
        if case.block_ok and not ok:
            # the chart's own block: the line after "- chart:", up to the bad text
            opened = file_lines[named - 2].strip() == "- chart:"
            rest = file_lines[named - 1 :]
            inside = next(i for i, text in enumerate(rest) if case.line_mark in text)
            ok = opened and all(text.startswith(" " * 10) for text in rest[: inside + 1])
        assert ok, f"{case.file}:{named} is {file_lines[named - 1]!r}, not the bad line"
    assert result.out == ""
    assert sorted(out_dir.iterdir()) == [], "something was written to the output folder"


@pytest.mark.slow
def test_failed_build_leaves_an_earlier_pdf_untouched(
    scratch_report: Path, tmp_path: Path, reportgen_cli: Callable[..., CliRun]
) -> None:
    out = tmp_path / "out" / "edition.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-1.4 last month's pack\n")
    _missing_narrative(scratch_report)
    result = _build(reportgen_cli, scratch_report, out)
    assert result.code == 1
    assert out.read_bytes() == b"%PDF-1.4 last month's pack\n"
    assert [p.name for p in out.parent.iterdir()] == ["edition.pdf"]


@pytest.mark.slow
def test_a_write_that_fails_leaves_no_file(
    scratch_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen import atomic
    from reportgen.assemble.build import build_edition
    from reportgen.months import Month

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(OSError, match="No space left"):
        build_edition(scratch_report, Month(2014, 3), out_dir / "edition.pdf", use_cache=False)
    assert sorted(out_dir.iterdir()) == [], "a partial or temporary file was left behind"


def _mark_for_review(root: Path) -> str:
    name = "03-youth-offending.md"
    _replace(root / NARRATIVE_DIR / name, "review: false", "review: true")
    return f"content/2014-03/{name}"


@pytest.mark.slow
def test_narrative_marked_for_review_stops_the_build(
    scratch_report: Path, tmp_path: Path, reportgen_cli: Callable[..., CliRun]
) -> None:
    marked = _mark_for_review(scratch_report)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = _build(reportgen_cli, scratch_report, out_dir / "edition.pdf")
    assert result.code == 1
    assert marked in result.err
    assert "--draft" in result.err  # says how to build anyway
    assert sorted(out_dir.iterdir()) == []


@pytest.mark.slow
def test_draft_build_marks_every_page(
    scratch_report: Path, tmp_path: Path, reportgen_cli: Callable[..., CliRun]
) -> None:
    _mark_for_review(scratch_report)
    out = tmp_path / "out" / "draft.pdf"
    out.parent.mkdir()
    result = _build(reportgen_cli, scratch_report, out, "--draft")
    assert result.code == 0, result.err
    assert result.out.strip() == str(out)
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 22
    for index, page in enumerate(reader.pages):
        assert "DRAFT" in page.extract_text(), f"page {index + 1} is not marked DRAFT"
        # drawn last, so no table, fill or chart background covers it
        assert text_runs(page)[-1].text.strip() == "DRAFT", f"DRAFT is hidden on page {index + 1}"


def _bigger(root: Path, style: str, new: str) -> None:
    theme = root / "layouts" / "theme.yaml"
    text = theme.read_text(encoding="utf-8")
    start = text.index(f"  {style}:")
    end = text.index("\n", start)
    theme.write_text(text[:start] + f"  {style}: {new}" + text[end:], encoding="utf-8")


@pytest.mark.slow
def test_a_statement_taller_than_a_page_names_its_narrative_line(
    scratch_report: Path, tmp_path: Path, run_cli
) -> None:
    narrative = scratch_report / NARRATIVE_DIR / "07-efficiency.md"
    long = "Currently being scoped. " * 40  # within the 1,000 characters a status may have
    _replace(
        narrative,
        'status: "Currently being scoped under the Evolve Programme"',
        f'status: "{long.strip()}"',
    )
    _bigger(scratch_report, "table_cell", "{size: 12, leading: 60}")
    line = next(
        n for n, text in enumerate(narrative.read_text().splitlines(), 1) if long[:30] in text
    )
    out = tmp_path / "out" / "edition.pdf"
    out.parent.mkdir()
    for command in (("check",), ("build", "--out", str(out))):
        result = run_cli(*command, root=scratch_report)
        [message] = result.err.splitlines()
        # the statement's own line (the entry starts on the line before its status)
        assert re.match(
            rf"reportgen: error: {NARRATIVE_DIR}/07-efficiency.md:({line - 1}|{line}): ", message
        ), message
        assert "does not fit on a page" in message and "layouts/theme.yaml" in message
    assert not out.exists()


@pytest.mark.slow
def test_a_measure_label_taller_than_a_page_names_the_catalogue(
    scratch_report: Path, run_cli
) -> None:
    catalogue = scratch_report / "data" / "catalogue.yaml"
    text = catalogue.read_text(encoding="utf-8")
    long = "Number of domestic abuse incidents " + "recorded in the county " * 7
    catalogue.write_text(
        text.replace("label: Number of domestic abuse incidents\n", f"label: {long}\n"), "utf-8"
    )
    _bigger(scratch_report, "table_cell", "{size: 20, leading: 96}")
    [message] = run_cli("check", root=scratch_report).err.splitlines()
    line = catalogue.read_text(encoding="utf-8").splitlines().index("  da_incidents:") + 1
    assert message.startswith(f"reportgen: error: data/catalogue.yaml:{line}: section 1. "), message


@pytest.mark.slow
def test_table_columns_wider_than_the_page_name_the_theme(scratch_report: Path, run_cli) -> None:
    _bigger(scratch_report, "table_cell", "{size: 72, leading: 80}")
    theme = (scratch_report / "layouts" / "theme.yaml").read_text(encoding="utf-8")
    style = theme.splitlines().index("  table_cell: {size: 72, leading: 80}") + 1
    layout = (scratch_report / "layouts" / "report.yaml").read_text(encoding="utf-8")
    tables = [n for n, text in enumerate(layout.splitlines(), 1) if text == "      - table:"]
    for command in ("check", "build"):
        *messages, count = run_cli(command, root=scratch_report).err.splitlines()
        # every table at once, each at its own place in the layout, each once
        assert count == f"reportgen: {len(tables)} errors", count
        named = [re.search(r"' \(layouts/report\.yaml:(\d+)\) needs ", m) for m in messages]
        assert sorted(int(found[1]) for found in named if found) == tables, messages
        for message in messages:
            # the cell style that asks for most of the width, at its line in the theme
            assert message.startswith(f"reportgen: error: layouts/theme.yaml:{style}: the table '")
            assert "for the measures' names (at least 3cm)" in message
            assert "(make the table_cell style's size smaller, which takes " in message
        # the caption whole, or cut after a word
        caption = "'1. Reducing Domestic Abuse Data to Mar 2014 (unless stated otherwise)'"
        assert f"the table {caption}" in messages[0], messages[0]
