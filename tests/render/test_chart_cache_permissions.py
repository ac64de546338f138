"""A chart cache folder that cannot be searched (no x permission, for a user other than
its owner) is one warning and a build without the cache: Path.exists() raises there
rather than saying False, and the build once ended on that PermissionError."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import notices
from reportgen.render.chartcache import CACHE, ChartCache

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
        assert cache.load(DIGEST) is None
    assert [n.kind for n in heard] == ["warning"]
    assert "cannot read the chart cache" in heard[0].text and "Permission denied" in heard[0].text
