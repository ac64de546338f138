"""Issue 9, careful writes: never through a link out of the report folder, never into a
folder reportgen would have to make, never over a read-only file; every OSError names
its file (a full disk too); the chart cache is only an optimisation (a link out, a
damaged entry, a cache that cannot be read or written, a read-only disk: one warning,
and the build goes on)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from reportgen.render.chartcache import texts_sha256
from tests.faults import fill, remount_read_only, small_disk

from .conftest import CACHE, EDITION, MakeReport

pytestmark = pytest.mark.slow

BUILT = f"performance-update-{EDITION}.pdf"


def warnings_in(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("reportgen: warning:")]


def test_a_symlinked_out_folder_that_leaves_the_report_is_refused(
    report: Path, tmp_path: Path, run_cli
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (report / "out").symlink_to(elsewhere, target_is_directory=True)
    result = run_cli("build", root=report)
    assert result.code == 1
    [line] = result.err.strip().splitlines()
    assert f"{report / 'out'}: this is a link to {elsewhere}, outside the report" in line
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_out_folder_inside_the_report_is_fine(report: Path, run_cli) -> None:
    (report / "pdfs").mkdir()
    (report / "out").symlink_to(report / "pdfs", target_is_directory=True)
    result = run_cli("build", root=report)
    assert result.code == 0, result.err
    assert (report / "pdfs" / BUILT).is_file()


def test_a_named_out_elsewhere_is_the_user_s_choice(report: Path, tmp_path: Path, run_cli) -> None:
    result = run_cli("build", "--out", str(tmp_path / "x.pdf"), root=report)
    assert result.code == 0, result.err and (tmp_path / "x.pdf").is_file()


def test_a_symlinked_cache_that_leaves_the_report_is_not_used(
    report: Path, tmp_path: Path, run_cli
) -> None:
    elsewhere = tmp_path / "elsewhere-cache"
    (report / CACHE).rename(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    (report / CACHE).symlink_to(elsewhere, target_is_directory=True)
    result = run_cli("build", root=report)
    assert result.code == 0, result.err
    [warning] = warnings_in(result.err)
    assert warning.startswith(f"reportgen: warning: {CACHE}/: ")
    assert "outside the report folder" in warning and "going on without the cache" in warning
    assert sorted(p.name for p in elsewhere.iterdir()) == before  # nothing written there


def test_out_into_a_missing_folder_is_refused_and_nothing_made(
    report: Path, tmp_path: Path, run_cli
) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.pdf"
    for command in ("build", "pack"):
        result = run_cli(command, "--out", str(target), root=report)
        assert result.code == 1
        assert f"{target.parent}: the folder for --out does not exist" in result.err
        assert not (tmp_path / "nonexistent").exists()


def test_a_read_only_output_is_refused_not_replaced(report: Path, run_cli) -> None:
    (report / "out").mkdir()
    old = report / "out" / BUILT
    old.write_bytes(b"%PDF-1.4 the edition the board was sent\n")
    old.chmod(0o444)
    result = run_cli("build", root=report)
    assert result.code == 1
    assert f"{old}: the file is read-only" in result.err
    assert old.read_bytes() == b"%PDF-1.4 the edition the board was sent\n"
    assert sorted(p.name for p in (report / "out").iterdir()) == [BUILT]


def test_a_damaged_cache_entry_is_drawn_again_with_one_warning(
    report: Path, tmp_path: Path, run_cli
) -> None:
    fresh = run_cli("build", "--no-cache", "--out", str(tmp_path / "fresh.pdf"), root=report)
    assert fresh.code == 0, fresh.err
    [pdf] = (report / CACHE).glob("charts-*.pdf")
    whole = pdf.read_bytes()
    pdf.unlink()  # not written in place: the file is hard-linked to the session's cache
    pdf.write_bytes(whole[: len(whole) // 2])  # truncated
    damaged = run_cli("build", root=report)
    assert damaged.code == 0, damaged.err
    [warning] = warnings_in(damaged.err)
    assert "is damaged" in warning and pdf.name in warning
    assert (report / "out" / BUILT).read_bytes() == (tmp_path / "fresh.pdf").read_bytes()
    again = run_cli("build", root=report)  # the entry was drawn and stored again
    assert again.code == 0 and warnings_in(again.err) == []


@pytest.mark.parametrize("spoil", ["json-not-json", "json-is-a-folder", "cache-is-a-file"])
def test_a_cache_that_cannot_be_read_or_written_is_one_warning(
    report: Path, tmp_path: Path, run_cli, spoil: str
) -> None:
    cache = report / CACHE
    if spoil == "cache-is-a-file":
        for entry in cache.iterdir():
            entry.unlink()
        cache.rmdir()
        cache.write_text("not a folder")
    else:
        [entry] = cache.glob("charts-*.json")
        entry.unlink()
        if spoil == "json-is-a-folder":
            entry.mkdir()
        else:
            entry.write_text('{"pdf_sha256": "', encoding="utf-8")
    result = run_cli("build", "--out", str(tmp_path / "x.pdf"), root=report)
    assert result.code == 0, result.err
    assert len(warnings_in(result.err)) == 1, result.err
    assert "Traceback" not in result.err


def test_a_full_disk_names_the_file(report: Path, tmp_path: Path, run_cli) -> None:
    with small_disk(tmp_path / "full", 64) as disk:
        fill(disk)
        target = disk / "x.pdf"
        result = run_cli("build", "--out", str(target), root=report)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    [line] = lines
    assert line.startswith(f"reportgen: error: {target}: No space left on device"), line


def test_a_report_folder_on_a_read_only_disk_builds_elsewhere(
    make_report: MakeReport, tmp_path: Path, run_cli
) -> None:
    with small_disk(tmp_path / "disk", 8192) as disk:
        root = make_report(disk / "report")
        for entry in (root / CACHE).iterdir():
            entry.unlink()  # nothing cached: the build must draw and cannot store
        remount_read_only(disk)
        out = tmp_path / "edition.pdf"
        result = run_cli("build", "--out", str(out), root=root)
        assert result.code == 0, result.err
        [warning] = warnings_in(result.err)
        assert "cannot write the chart cache" in warning and "Read-only file system" in warning
        assert out.read_bytes().startswith(b"%PDF-")


def test_a_report_folder_on_a_full_disk_builds_elsewhere(
    make_report: MakeReport, tmp_path: Path, run_cli
) -> None:
    with small_disk(tmp_path / "disk", 8192) as disk:
        root = make_report(disk / "report")
        for entry in (root / CACHE).iterdir():
            entry.unlink()
        fill(disk)
        out = tmp_path / "edition.pdf"
        result = run_cli("build", "--out", str(out), root=root)
        assert result.code == 0, result.err
        [warning] = warnings_in(result.err)
        assert "No space left on device" in warning
        assert [p for p in (root / CACHE).iterdir()] == []  # no half-written entry


def test_stale_temporary_files_of_earlier_versions_are_swept(report: Path, run_cli) -> None:
    (report / "out").mkdir()
    old = report / "out" / f".{BUILT}.k2j4h5g6.tmp"  # as reportgen 0.1 named them
    old.write_bytes(b"half a PDF")
    os.utime(old, (0, 0))
    recent = report / "out" / f".{BUILT}.a1b2c3d4.tmp"  # could be a live old run's
    recent.write_bytes(b"half a PDF")
    result = run_cli("build", root=report)
    assert result.code == 0, result.err
    assert not old.exists() and recent.exists()
    assert "reportgen: note: removed 1 temporary file(s)" in result.err


def _respoil(entry: Path, change) -> None:
    """Rewrite a cache entry (not in place: it is hard-linked to the session's cache)."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    pdf = entry.with_suffix(".pdf")
    pdf_bytes = pdf.read_bytes()
    new_pdf = change(data, pdf_bytes)
    if new_pdf is not None:  # a new PDF, with the sha256 that matches it: self-consistent
        pdf.unlink()
        pdf.write_bytes(new_pdf)
        data["pdf_sha256"] = hashlib.sha256(new_pdf).hexdigest()
    data["texts_sha256"] = texts_sha256(data["texts"])
    entry.unlink()
    entry.write_text(json.dumps(data), encoding="utf-8")


def _nan_x(data: dict, _pdf: bytes) -> None:
    data["texts"][0][0]["x"] = float("nan")


def _one_chart_short(data: dict, _pdf: bytes) -> None:
    data["texts"].pop()


def _huge_size(data: dict, _pdf: bytes) -> None:
    data["texts"][0][0]["size"] = 1e308


def _not_a_pdf(_data: dict, _pdf: bytes) -> bytes:
    return b"these bytes are no PDF, but their sha256 is the one recorded"


@pytest.mark.parametrize(
    "change", [_nan_x, _one_chart_short, _huge_size, _not_a_pdf], ids=lambda f: f.__name__
)
def test_a_self_consistent_but_wrong_cache_entry_is_drawn_again(
    report: Path, tmp_path: Path, run_cli, change
) -> None:
    # its sha256 matches its PDF, so only what it holds can tell: a NaN written into the
    # page made the PDF invalid, a short list or no PDF at all ended the build
    fresh = run_cli("build", "--no-cache", "--out", str(tmp_path / "fresh.pdf"), root=report)
    assert fresh.code == 0, fresh.err
    [entry] = (report / CACHE).glob("charts-*.json")
    _respoil(entry, change)
    result = run_cli("build", "--out", str(tmp_path / "cached.pdf"), root=report)
    assert result.code == 0, result.err
    assert len(warnings_in(result.err)) == 1, result.err
    assert (tmp_path / "cached.pdf").read_bytes() == (tmp_path / "fresh.pdf").read_bytes()


def _a_bar_value_changed(data: dict, _pdf: bytes) -> None:
    # a printed figure, changed by hand or by a flipped bit: its values are each
    # plausible, so only the texts' own sha256 can tell
    for chart in data["texts"]:
        for run in chart:
            if any(ch.isdigit() for ch in run["text"]):
                run["text"] = run["text"].replace(run["text"][0], "9", 1)
                return
    raise AssertionError("the sample's charts print figures")


def _rgb_dropped(data: dict, _pdf: bytes) -> None:
    del data["texts"][0][0]["rgb"]
    data["texts_sha256"] = texts_sha256(data["texts"])  # self-consistent, but short


@pytest.mark.parametrize(
    ("spoil", "said"),
    [(_a_bar_value_changed, "do not match their sha256"), (_rgb_dropped, "no 'rgb' field")],
    ids=lambda f: getattr(f, "__name__", ""),
)
def test_a_cache_entry_whose_texts_were_changed_is_drawn_again_naming_its_json(
    report: Path, tmp_path: Path, run_cli, spoil, said: str
) -> None:
    fresh = run_cli("build", "--no-cache", "--out", str(tmp_path / "fresh.pdf"), root=report)
    assert fresh.code == 0, fresh.err
    [entry] = (report / CACHE).glob("charts-*.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    spoil(data, b"")
    entry.unlink()  # not in place: the file is hard-linked to the session's cache
    entry.write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("build", "--out", str(tmp_path / "cached.pdf"), root=report)
    assert result.code == 0, result.err
    [warning] = warnings_in(result.err)
    assert entry.name in warning and said in warning, warning
    assert (tmp_path / "cached.pdf").read_bytes() == (tmp_path / "fresh.pdf").read_bytes()


def test_a_cache_entry_nested_too_deep_is_a_warning(report: Path, tmp_path: Path, run_cli) -> None:
    [entry] = (report / CACHE).glob("charts-*.json")
    entry.unlink()
    entry.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    result = run_cli("build", "--out", str(tmp_path / "x.pdf"), root=report)
    assert result.code == 0 and len(warnings_in(result.err)) == 1, result.err
