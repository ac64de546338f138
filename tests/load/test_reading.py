"""``read_limited``: a plain file only, never more than the limit. A FIFO blocks a
plain open until someone writes and /dev/zero never ends, while ``stat()`` gives both
a size of 0: a size check before ``read_bytes()`` let both through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.load.yamlfile import read_text
from reportgen.reading import NotAPlainFile, TooLarge, read_limited
from tests.faults import within_seconds


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "distribution.yaml"
    os.mkfifo(fifo)
    assert isinstance(within_seconds(5, lambda: read_limited(fifo, 1000)), NotAPlainFile)
    refused = within_seconds(5, lambda: read_text(fifo, "distribution.yaml"))
    assert isinstance(refused, InputError) and "is not a plain file" in refused.message


def test_a_device_is_refused_not_read_for_ever(tmp_path: Path) -> None:
    link = tmp_path / "manifest.json"
    link.symlink_to("/dev/zero")
    assert isinstance(within_seconds(5, lambda: read_limited(link, 1000)), NotAPlainFile)


def test_a_folder_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        read_limited(tmp_path, 1000)


def test_no_more_than_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"x" * 100)
    assert read_limited(path, 100) == b"x" * 100
    with pytest.raises(TooLarge) as over:
        read_limited(path, 99)
    assert (over.value.size, over.value.limit) == (100, 99)
    sparse = tmp_path / "sparse"
    with sparse.open("wb") as handle:
        handle.truncate(1 << 40)  # a terabyte, on no disk: refused before a byte is read
    assert isinstance(within_seconds(5, lambda: read_limited(sparse, 1 << 20)), TooLarge)
