"""The data cache (reportgen/load/datacache.py): data unchanged since a load that passed
is read back exactly as loaded, and never from bytes other than those it was loaded
from."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec
import pytest

from reportgen import notices
from reportgen.cachefolder import CACHE, new_command
from reportgen.errors import ReportgenError
from reportgen.load import data as data_module
from reportgen.load.data import PerformanceData
from reportgen.load.datacache import KEEP, MAGIC, DataCache
from reportgen.load.folder import keep_loaded_data, load_report
from tests.conftest import copy_sample
from tests.load.conftest import imported_by_two_checks, moved_behind_a_link, rewritten

MONTHLY = Path("data/monthly.csv")


def loaded(root: Path) -> PerformanceData:
    """The folder's data, through the cache, and kept there (as a command keeps it once
    its own output is written)."""
    folder = load_report(root, cache_root=root)
    keep_loaded_data(folder, root)
    return folder.data


def entries(root: Path) -> list[Path]:
    return sorted((root / CACHE).glob("data-*.msgpack"))


def _no_load(*args: object, **kwargs: object) -> None:
    raise AssertionError("the data files were loaded, not read from the cache")


def cached_load(root: Path, monkeypatch: pytest.MonkeyPatch) -> PerformanceData:
    """The folder's data as the cache gives it: loading the files is made to fail."""
    with monkeypatch.context() as patched:
        patched.setattr("reportgen.load.folder.load_data", _no_load)
        return load_report(root, cache_root=root).data


def test_the_cache_gives_the_data_as_loaded(report_copy: Path, monkeypatch) -> None:
    fresh = load_report(report_copy).data
    assert entries(report_copy) == []  # no cache asked for: none written
    load_report(report_copy, cache_root=report_copy)
    assert entries(report_copy) == []  # nor before the command keeps it
    assert loaded(report_copy) == fresh
    assert len(entries(report_copy)) == 1
    assert cached_load(report_copy, monkeypatch) == fresh


def test_the_cache_gives_a_workbook_s_data_as_loaded(report_copy: Path, monkeypatch) -> None:
    from reportgen.export import write_workbook

    write_workbook(report_copy)
    for name in ("monthly.csv", "msg.csv", "survey_estimates.csv", "revisions.csv"):
        (report_copy / "data" / name).unlink()
    fresh = load_report(report_copy).data
    assert fresh.monthly_file.endswith("performance.xlsx")
    loaded(report_copy)
    assert cached_load(report_copy, monkeypatch) == fresh


def test_a_figure_beyond_64_bits_is_kept_exactly(report_copy: Path, monkeypatch) -> None:
    # msgpack holds 64-bit integers: a figure typed to 19 decimal places is a fraction
    # over 10**19, kept as its digits
    path = report_copy / MONTHLY
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("da_solved_rate,"))
    measure, month, numerator, denominator = lines[row].split(",")[:4]
    lines[row] = f"{measure},{month},{numerator}.1234567890123456789,{denominator}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fresh = loaded(report_copy)
    cached = cached_load(report_copy, monkeypatch)
    assert cached == fresh
    exact = Fraction(int(numerator)) + Fraction(1234567890123456789, 10**19)
    assert exact in cached.monthly.numerator and exact.denominator >= 2**63


@pytest.mark.parametrize("changed", ["data/monthly.csv", "data/catalogue.yaml"])
def test_changed_inputs_are_loaded_again(report_copy: Path, changed: str) -> None:
    loaded(report_copy)
    if changed == "data/monthly.csv":
        path = report_copy / MONTHLY
        text = path.read_text(encoding="utf-8")
        row = next(line for line in text.splitlines() if line.startswith("ksi_fatalities,"))
        measure, month, numerator, denominator = row.split(",")[:4]
        edited = f"{measure},{month},{int(numerator) + 1},{denominator}"
        path.write_text(text.replace(row, edited, 1), encoding="utf-8")
    else:
        path = report_copy / changed
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    data = loaded(report_copy)
    assert data == load_report(report_copy).data
    assert len(entries(report_copy)) == 2  # a new key; the old entry is still there


def test_a_damaged_entry_is_told_and_replaced(report_copy: Path) -> None:
    fresh = loaded(report_copy)
    (entry,) = entries(report_copy)
    kept = entry.read_bytes()
    damaged = bytearray(kept)
    damaged[-10] ^= 0x01
    entry.write_bytes(bytes(damaged))
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert loaded(report_copy) == fresh
    assert [n.kind for n in heard] == ["warning"]
    assert "data cache entry" in heard[0].text and "does not match its sha256" in heard[0].text
    # loaded again and kept in its place: the next command reads it, and says nothing
    assert entry.read_bytes() == kept
    new_command()
    with notices.listening(heard.append):
        cached = load_report(report_copy, cache_root=report_copy)
    assert len(heard) == 1 and cached.data == fresh and cached.data_key is not None


def test_an_entry_that_is_a_link_is_not_followed(report_copy: Path, tmp_path: Path) -> None:
    fresh = loaded(report_copy)
    (entry,) = entries(report_copy)
    elsewhere = moved_behind_a_link(entry, tmp_path)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert load_report(report_copy, cache_root=report_copy).data == fresh
    assert [n.kind for n in heard] == ["warning"] and "is a link" in heard[0].text
    assert not entry.is_symlink() and elsewhere.is_file()  # the link removed, not followed


def test_a_copy_of_the_folder_is_loaded_from_its_files(report_copy: Path, tmp_path: Path) -> None:
    # pack and archive build from a copy of the inputs, with the folder's chart cache:
    # the data is never the folder's cache's, so what is archived is made from its files
    from reportgen.assemble.build import EditionBuilder

    loaded(report_copy)
    copy = copy_sample(tmp_path / "copy")
    assert EditionBuilder(copy, cache_root=report_copy).folder.data_key is None
    assert EditionBuilder(report_copy).folder.data_key is not None


def test_a_file_saved_during_the_load_makes_no_entry(report_copy: Path, monkeypatch) -> None:
    loading = data_module.load_data

    def saved_meanwhile(*args, **kwargs):
        # saved after the cache looked at it, before the load read it: what is loaded
        # is not what the key was made from
        path = report_copy / MONTHLY
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        return loading(*args, **kwargs)

    monkeypatch.setattr("reportgen.load.folder.load_data", saved_meanwhile)
    loaded(report_copy)
    assert entries(report_copy) == []
    monkeypatch.setattr("reportgen.load.folder.load_data", loading)
    loaded(report_copy)  # nothing saved meanwhile: kept
    assert len(entries(report_copy)) == 1


def test_data_with_a_problem_is_never_kept(report_copy: Path) -> None:
    path = report_copy / MONTHLY
    path.write_text(path.read_text(encoding="utf-8") + "ksi_fatalities,2014-13,3,\n")
    for _ in range(2):  # and found again the second time
        with pytest.raises(ReportgenError, match="2014-13"):
            loaded(report_copy)
    assert entries(report_copy) == []


def test_a_cache_in_the_way_is_told_once_and_the_data_still_loaded(report_copy: Path) -> None:
    (report_copy / CACHE).write_text("a file, not a folder", encoding="utf-8")
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        data = loaded(report_copy)
    assert data == load_report(report_copy).data
    assert [n.kind for n in heard] == ["warning"]
    assert heard[0].text.startswith(".reportgen-cache is not a folder; going on without")


def test_a_full_disk_is_told_once_and_the_data_still_loaded(report_copy: Path, monkeypatch) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

    monkeypatch.setattr("reportgen.cachefolder.write_bytes", full)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        data = loaded(report_copy)
    assert data == load_report(report_copy).data
    assert [n.kind for n in heard] == ["warning"]
    assert "cannot write the data cache" in heard[0].text and "No space left" in heard[0].text
    assert entries(report_copy) == []


def test_the_newest_entries_are_kept(report_copy: Path) -> None:
    path = report_copy / MONTHLY
    for number in range(KEEP + 2):
        path.write_text(path.read_text(encoding="utf-8") + "\n" * (number + 1))
        loaded(report_copy)
    assert len(entries(report_copy)) == KEEP
    newest = entries(report_copy)
    loaded(report_copy)  # the data as it is: a hit
    assert entries(report_copy) == newest


@pytest.mark.parametrize(
    "command", [["check"], ["figures"], ["explain", "ksi_fatalities", "--edition", "2014-03"]]
)
def test_no_cache_reads_and_writes_no_entry(
    report_copy: Path, run_cli, monkeypatch, command: list[str]
) -> None:
    result = run_cli(*command, "--no-cache", root=report_copy)
    assert result.code == 0, result.err
    assert entries(report_copy) == []
    assert run_cli(*command, root=report_copy).code == 0
    assert len(entries(report_copy)) == 1
    cached = run_cli(*command, root=report_copy)  # read back, the files not loaded
    with monkeypatch.context() as patched:
        patched.setattr("reportgen.load.folder.load_data", _no_load)
        assert run_cli(*command, root=report_copy).out == cached.out == result.out
        with pytest.raises(AssertionError, match="not read from the cache"):
            run_cli(*command, "--no-cache", root=report_copy)


@pytest.mark.slow  # starts Python twice
def test_a_check_of_unchanged_data_imports_no_pandas(report_copy: Path) -> None:
    assert imported_by_two_checks(report_copy, "pandas") == ["True", "False"]


def _short_column(fields: dict[str, Any]) -> None:
    fields["monthly"]["numerator"].pop()


def _bad_month(fields: dict[str, Any]) -> None:
    fields["monthly"]["month"][0] = "2014-13"


def _zero_denominator(fields: dict[str, Any]) -> None:
    fields["monthly"]["numerator"][0] = [1, 0]


def _huge_digits(fields: dict[str, Any]) -> None:
    fields["monthly"]["numerator"][0] = ["9" * 5000, "1"]


def _wrong_type(fields: dict[str, Any]) -> None:
    fields["first_month"] = "March"


def _not_a_pair(fields: dict[str, Any]) -> None:
    fields["monthly"]["numerator"][0] = 5


def _unknown_measure(fields: dict[str, Any]) -> None:
    fields["monthly"]["measure"][-1] = "zz_no_such_measure"


def _out_of_order(fields: dict[str, Any]) -> None:
    months = fields["monthly"]["month"]
    months[0], months[1] = months[1], months[0]


def _count_with_a_denominator(fields: dict[str, Any]) -> None:
    fields["monthly"]["denominator"][fields["monthly"]["measure"].index("ksi_fatalities")] = [1, 1]


def _first_month_moved(fields: dict[str, Any]) -> None:
    fields["first_month"] = {"year": 1990, "month": 1}


def _a_kind_of_data_missing(fields: dict[str, Any]) -> None:
    del fields["files"]["monthly"]


def _over_a_hundred_percent(fields: dict[str, Any]) -> None:
    monthly = fields["monthly"]
    row = monthly["measure"].index("da_solved_rate")
    numerator, denominator = monthly["numerator"][row], monthly["denominator"][row]
    monthly["numerator"][row] = [denominator[0] * 3, denominator[1]]
    assert numerator != monthly["numerator"][row]


def _a_revision_of_nothing(fields: dict[str, Any]) -> None:
    fields["revisions"]["month"][0] = "2001-01"


def _a_revision_padded(fields: dict[str, Any]) -> None:
    fields["revisions"]["until_edition"][0] = " " + fields["revisions"]["until_edition"][0]


def _a_month_padded(fields: dict[str, Any]) -> None:
    fields["monthly"]["month"][-1] += " "


def _a_fraction_in_a_count(fields: dict[str, Any]) -> None:
    fields["monthly"]["numerator"][fields["monthly"]["measure"].index("ksi_fatalities")] = [1, 3]


def _too_many_decimals(fields: dict[str, Any]) -> None:
    row = fields["monthly"]["measure"].index("da_solved_rate")
    fields["monthly"]["denominator"][row] = [1, str(10**40)]


def _a_huge_msg_average(fields: dict[str, Any]) -> None:
    for entry in fields["msg"].values():
        if entry["rank"] != "n/a":
            entry["msg_average"] = ["1" + "0" * 40, 1]


def _a_huge_survey_estimate(fields: dict[str, Any]) -> None:
    for estimate in fields["survey"].values():
        estimate["this_year"] = [10**18, 1]


def _a_survey_estimate_over_a_hundred_percent(fields: dict[str, Any]) -> None:
    for estimate in fields["survey"].values():
        estimate["last_year"] = [1603, 10]


def _a_negative_msg_average(fields: dict[str, Any]) -> None:
    for entry in fields["msg"].values():
        if entry["rank"] != "n/a":
            entry["msg_average"] = [-5, 1]


def _a_period_after_its_edition(fields: dict[str, Any]) -> None:
    for entry in [*fields["msg"].values(), *fields["survey"].values()]:
        if entry.get("period_end"):
            entry["period_end"] = {"year": 2041, "month": 12}


def _a_rank_no_load_gives(fields: dict[str, Any]) -> None:
    for entry in fields["msg"].values():
        entry["rank"] = "9"


def _a_ranking_nowhere(fields: dict[str, Any]) -> None:
    for entry in fields["msg"].values():
        entry["where"] = None


def _a_warning_with_a_terminal_command(fields: dict[str, Any]) -> None:
    fields["warnings"] = ["\x1b]0;owned\x07"]


@pytest.mark.parametrize(
    "change",
    [
        _short_column,
        _bad_month,
        _zero_denominator,
        _huge_digits,
        _wrong_type,
        _not_a_pair,
        _unknown_measure,
        _out_of_order,
        _count_with_a_denominator,
        _first_month_moved,
        _a_kind_of_data_missing,
        _over_a_hundred_percent,
        _a_revision_of_nothing,
        _a_revision_padded,
        _a_month_padded,
        _a_fraction_in_a_count,
        _too_many_decimals,
        _a_huge_msg_average,
        _a_huge_survey_estimate,
        _a_survey_estimate_over_a_hundred_percent,
        _a_negative_msg_average,
        _a_period_after_its_edition,
        _a_rank_no_load_gives,
        _a_ranking_nowhere,
        _a_warning_with_a_terminal_command,
    ],
)
def test_an_entry_made_by_hand_is_damaged_not_a_crash(
    report_copy: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    fresh = loaded(report_copy)
    (entry,) = entries(report_copy)
    rewritten(entry, MAGIC, change)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert load_report(report_copy, cache_root=report_copy).data == fresh
    assert [n.kind for n in heard] == ["warning"]
    assert "data cache entry" in heard[0].text and "damaged" in heard[0].text


def test_an_entry_nested_past_any_depth_is_damaged_not_a_crash(report_copy: Path) -> None:
    fresh = loaded(report_copy)
    (entry,) = entries(report_copy)
    stored = entry.read_bytes()
    payload = stored[len(MAGIC) :].partition(b"\n")[2]
    fields = msgspec.msgpack.decode(payload)
    fields["monthly"]["numerator"][0] = "NESTED"
    payload = msgspec.msgpack.encode(fields).replace(
        msgspec.msgpack.encode("NESTED"), b"\x91" * 200_000 + b"\x00", 1
    )
    entry.write_bytes(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert load_report(report_copy, cache_root=report_copy).data == fresh
    assert [n.kind for n in heard] == ["warning"] and "damaged" in heard[0].text


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_an_entry_that_is_not_a_file_is_damaged_and_replaced(report_copy: Path, kind: str) -> None:
    fresh = loaded(report_copy)
    (entry,) = entries(report_copy)
    entry.unlink()
    if kind == "folder":
        entry.mkdir()
    else:
        os.mkfifo(entry)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        assert loaded(report_copy) == fresh
    assert [n.kind for n in heard] == ["warning"] and "not a plain file" in heard[0].text
    assert entry.is_file() and not entry.is_symlink()  # replaced by the data loaded now
    # the folder was not given up: the chart cache is still there to be written
    assert DataCache(report_copy).usable


def test_a_cache_given_up_is_looked_at_again_by_the_next_command(report_copy: Path) -> None:
    # a preview keeps its builder (and its caches) across rebuilds that change only the
    # narrative: each rebuild is a new command, and sees the folder as it is then
    (report_copy / CACHE).write_text("not a folder", encoding="utf-8")
    with notices.listening(lambda notice: None):
        cache = DataCache(report_copy)
        assert not cache.usable
        (report_copy / CACHE).unlink()
        assert not cache.usable  # the same command: given up
        new_command()
        assert cache.usable
