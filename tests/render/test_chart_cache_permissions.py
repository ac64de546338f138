"""A chart cache that cannot be used is one warning and a build without it: a folder
that cannot be searched (no x permission, for a user other than its owner), where
Path.exists() raises rather than saying False and the build once ended on that
PermissionError; an entry that is a FIFO, which once hung the build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reportgen import notices
from reportgen.cachefolder import CACHE
from reportgen.render.chartcache import ChartCache
from tests.faults import within_seconds

DIGEST = "0" * 64


def test_a_cache_folder_that_cannot_be_searched_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / CACHE).mkdir()
    for ext in ("pdf", "json"):
        (tmp_path / CACHE / f"charts-{DIGEST}.{ext}").write_text("{}", encoding="utf-8")
    real_stat = Path.stat

    def stat(path: Path, **kwargs: object):  # as stat() goes for another user after chmod 000
        if CACHE.name in path.parts:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        cache = ChartCache(tmp_path)
        assert cache.knows_digest(DIGEST) is False
        assert cache.load(DIGEST, 1) is None
    assert [n.kind for n in heard] == ["warning"]
    assert "cannot read the chart cache" in heard[0].text and "Permission denied" in heard[0].text


def test_an_entry_that_is_a_fifo_is_a_warning_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / CACHE).mkdir()
    (tmp_path / CACHE / f"charts-{DIGEST}.pdf").write_bytes(b"%PDF-")
    os.mkfifo(tmp_path / CACHE / f"charts-{DIGEST}.json")
    os.mkfifo(tmp_path / CACHE / "inputs-key")
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        cache = ChartCache(tmp_path)
        assert within_seconds(10, lambda: cache.knows("key")) is False
        assert within_seconds(10, lambda: cache.load(DIGEST, 1)) is None
    assert [n.kind for n in heard] == ["warning"] and "not a plain file" in heard[0].text


def test_an_entry_that_is_a_folder_is_damaged_and_removed(tmp_path: Path) -> None:
    # not a reason to give the cache folder up: the charts drawn now are kept in its place
    (tmp_path / CACHE).mkdir()
    (tmp_path / CACHE / f"charts-{DIGEST}.pdf").mkdir()
    (tmp_path / CACHE / f"charts-{DIGEST}.json").write_text("{}", encoding="utf-8")
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        cache = ChartCache(tmp_path)
        assert cache.load(DIGEST, 1) is None
    assert [n.kind for n in heard] == ["warning"]
    assert "is damaged" in heard[0].text and "not a plain file" in heard[0].text
    assert cache.usable and not list((tmp_path / CACHE).iterdir())
