"""The narrative cache (reportgen/load/narrativecache.py): an edition's narrative,
unchanged since it was parsed without a problem, is read back exactly as parsed, and
never for texts other than those it was parsed from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reportgen import notices
from reportgen.cachefolder import CACHE, new_command
from reportgen.errors import ReportgenError
from reportgen.load.content import NarrativeFile
from reportgen.load.folder import ReportFolder, keep_loaded_data, load_content, load_report
from reportgen.load.narrativecache import KEEP, MAGIC
from reportgen.months import Month
from tests.load.conftest import imported_by_two_checks, moved_behind_a_link, rewritten

EDITION = Month(2014, 3)
FILE = Path("content/2014-03/02-supporting-victims.md")


def entries(root: Path) -> list[Path]:
    return sorted((root / CACHE).glob("narrative-*.msgpack"))


def parsed(root: Path, *, bodies: bool = True) -> dict[int, NarrativeFile]:
    """The edition's narrative through the cache, and kept there (as a command keeps it
    once its own output is written)."""
    folder = load_report(root, cache_root=root)
    texts = load_content(folder, EDITION, bodies=bodies)
    keep_loaded_data(folder, root)
    return texts


def fresh(root: Path, *, bodies: bool = True) -> dict[int, NarrativeFile]:
    return load_content(load_report(root), EDITION, bodies=bodies)


def _no_parse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the narrative was parsed, not read from the cache")


def cached(root: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: bool) -> dict[int, NarrativeFile]:
    """The edition's narrative as the cache gives it: parsing is made to fail."""
    with monkeypatch.context() as patched:
        patched.setattr("reportgen.load.folder.parse_narrative_file", _no_parse)
        return load_content(load_report(root, cache_root=root), EDITION, **kwargs)


def test_the_cache_gives_the_narrative_as_parsed(report_copy: Path, monkeypatch) -> None:
    expected = fresh(report_copy)
    assert entries(report_copy) == []  # no cache asked for: none written
    folder = load_report(report_copy, cache_root=report_copy)
    load_content(folder, EDITION)
    assert entries(report_copy) == []  # nor before the command keeps it
    keep_loaded_data(folder, report_copy)
    assert len(entries(report_copy)) == 1
    assert cached(report_copy, monkeypatch) == expected
    # the front matter alone is another entry: never Markdown the figures did not ask for
    with pytest.raises(AssertionError, match="not read from the cache"):
        cached(report_copy, monkeypatch, bodies=False)
    assert parsed(report_copy, bodies=False) == fresh(report_copy, bodies=False)
    assert cached(report_copy, monkeypatch, bodies=False) == fresh(report_copy, bodies=False)
    assert len(entries(report_copy)) == 2


def test_a_changed_file_is_parsed_again(report_copy: Path, monkeypatch) -> None:
    parsed(report_copy)
    path = report_copy / FILE
    path.write_text(path.read_text(encoding="utf-8") + "\nA paragraph added.\n", "utf-8")
    with pytest.raises(AssertionError, match="not read from the cache"):
        cached(report_copy, monkeypatch)
    texts = parsed(report_copy)
    assert texts == fresh(report_copy)
    assert texts[2].blocks[-1].text == "A paragraph added."  # type: ignore[union-attr]
    assert cached(report_copy, monkeypatch) == texts
    assert len(entries(report_copy)) == 2  # a new key; the old entry is still there


def test_narrative_with_a_problem_is_never_kept(report_copy: Path) -> None:
    path = report_copy / FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n# A top-level heading\n", "utf-8")
    for _ in range(2):  # and found again the second time
        with pytest.raises(ReportgenError, match="heading"):
            parsed(report_copy)
    assert entries(report_copy) == []


def test_every_problem_is_still_told_at_once(report_copy: Path) -> None:
    # a file missing and another refused: both told, as without the cache
    parsed(report_copy)
    (report_copy / "content/2014-03/01-reducing-domestic-abuse.md").unlink()
    path = report_copy / FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n# A top-level heading\n", "utf-8")
    with pytest.raises(ReportgenError) as raised:
        parsed(report_copy)
    told = str(raised.value)
    assert "narrative missing" in told and "01-reducing-domestic-abuse.md" in told
    assert f"{FILE}:" in told and "heading" in told


def test_a_copy_of_the_folder_is_parsed_from_its_files(report_copy: Path) -> None:
    # pack and archive build from a copy: its narrative is never the folder's cache's
    folder = load_report(report_copy)
    assert folder.cache_root is None
    load_content(folder, EDITION)
    keep_loaded_data(folder, report_copy)
    assert entries(report_copy) == []


def _control_character(fields: dict[Any, Any]) -> None:
    fields[2]["blocks"][0]["text"] = "Victims\x1b[2J of crime"


def _another_file(fields: dict[Any, Any]) -> None:
    fields[2]["file"] = "../../elsewhere.md"


def _another_section(fields: dict[Any, Any]) -> None:
    fields[9] = fields.pop(2)


def _a_first_level_heading(fields: dict[Any, Any]) -> None:
    fields[2]["blocks"][0]["level"] = 1


def _line_zero(fields: dict[Any, Any]) -> None:
    fields[2]["notes"] = [{"text": "a note", "line": 0}]


def _too_much_text(fields: dict[Any, Any]) -> None:
    fields[2]["blocks"][1]["runs"][0]["text"] = "word " * 60_000


def _untagged_block(fields: dict[Any, Any]) -> None:
    del fields[2]["blocks"][0]["type"]


@pytest.mark.parametrize(
    "change",
    [
        _control_character,
        _another_file,
        _another_section,
        _a_first_level_heading,
        _line_zero,
        _too_much_text,
        _untagged_block,
    ],
)
def test_an_entry_made_by_hand_is_damaged_not_used(
    report_copy: Path, change: Callable[[dict[Any, Any]], None]
) -> None:
    expected = parsed(report_copy)
    assert expected[2].blocks and expected[2].blocks[0].text  # type: ignore[union-attr]
    (entry,) = entries(report_copy)
    kept = entry.read_bytes()
    rewritten(entry, MAGIC, change)
    new_command()
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert parsed(report_copy) == expected
    assert [n.kind for n in heard] == ["warning"]
    assert (
        "narrative cache entry" in heard[0].text and "parsing the narrative again" in heard[0].text
    )
    assert entry.read_bytes() == kept  # parsed again and kept in its place


def test_a_damaged_entry_is_told_and_replaced(report_copy: Path) -> None:
    expected = parsed(report_copy)
    (entry,) = entries(report_copy)
    kept = entry.read_bytes()
    entry.write_bytes(kept[:-20])  # cut short
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert parsed(report_copy) == expected
    assert [n.kind for n in heard] == ["warning"] and "does not match its sha256" in heard[0].text
    assert entry.read_bytes() == kept


def test_an_entry_that_is_a_link_is_not_followed(report_copy: Path, tmp_path: Path) -> None:
    expected = parsed(report_copy)
    (entry,) = entries(report_copy)
    elsewhere = moved_behind_a_link(entry, tmp_path)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert load_content(load_report(report_copy, cache_root=report_copy), EDITION) == expected
    assert [n.kind for n in heard] == ["warning"] and "is a link" in heard[0].text
    assert not entry.is_symlink() and elsewhere.is_file()


def test_the_newest_entries_are_kept(report_copy: Path) -> None:
    path = report_copy / FILE
    text = path.read_text(encoding="utf-8")
    folder = load_report(report_copy, cache_root=report_copy)  # the data loaded once
    for number in range(KEEP + 2):
        path.write_text(text + "\n" * (number + 1), encoding="utf-8")
        load_content(folder, EDITION)
        keep_loaded_data(folder, report_copy)
    assert len(entries(report_copy)) == KEEP
    newest = entries(report_copy)
    parsed(report_copy)  # the narrative as it is: a hit
    assert entries(report_copy) == newest


def test_a_rebuild_after_a_failed_one_keeps_only_its_own(report_copy: Path) -> None:
    # a preview's rebuild that failed before keeping leaves nothing for the next to write
    folder: ReportFolder = load_report(report_copy, cache_root=report_copy)
    load_content(folder, EDITION)  # parsed, never kept: the build failed after
    new_command()
    keep_loaded_data(folder, report_copy)
    assert entries(report_copy) == []


def test_no_cache_reads_and_writes_no_entry(report_copy: Path, run_cli, monkeypatch) -> None:
    assert run_cli("check", "--no-cache", root=report_copy).code == 0
    assert entries(report_copy) == []
    result = run_cli("check", root=report_copy)
    assert result.code == 0, result.err
    assert len(entries(report_copy)) == 12  # one per edition with narrative
    with monkeypatch.context() as patched:
        patched.setattr("reportgen.load.folder.parse_narrative_file", _no_parse)
        assert run_cli("check", root=report_copy).out == result.out
        with pytest.raises(AssertionError, match="not read from the cache"):
            run_cli("check", "--no-cache", root=report_copy)


@pytest.mark.slow  # starts Python twice
def test_a_check_of_unchanged_narrative_imports_no_markdown_parser(report_copy: Path) -> None:
    assert imported_by_two_checks(report_copy, "markdown_it") == ["True", "False"]
