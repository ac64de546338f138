"""The files beside the inputs are read as carefully as the inputs: distribution.yaml
stays in the report folder, and a FIFO or a device in the place of it, of a version's
manifest or of a covering paper is refused at once (they once hung ``check``, ``verify``
and ``send`` for ever, or filled the memory); a stored file replaced by a link is
damage, even a link to an identical copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reportgen.deliver import pack
from reportgen.deliver.pack import read_pdf
from reportgen.errors import DeliveryError

from .conftest import EDITION, EDITION_PDF

pytestmark = pytest.mark.slow


def _replace(path: Path, kind: str, tmp_path: Path) -> None:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:  # a link out of the report folder, to an identical copy
        outside = tmp_path / "elsewhere" / path.name
        outside.parent.mkdir(exist_ok=True)
        path.parent.chmod(0o755)
        shutil.copyfile(path.with_name(path.name + ".keep"), outside)
        path.symlink_to(outside)


@pytest.mark.parametrize("kind", ["fifo", "device", "link-out"])
def test_distribution_yaml_that_is_no_file_of_the_folder_is_refused(
    kind: str, archived_copy: Path, tmp_path: Path, run_cli
) -> None:
    distribution = archived_copy / "distribution.yaml"
    shutil.copyfile(distribution, distribution.with_name("distribution.yaml.keep"))
    _replace(distribution, kind, tmp_path)
    # a link to /dev/zero is a link out of the folder before it is a device
    says = "is not a plain file" if kind == "fifo" else "leads outside the report folder"
    for command in (["check"], ["send", "--to", "pcc-office", "--dry-run"]):
        result = run_cli(*command, root=archived_copy)
        assert result.code == 1, result
        assert result.err.startswith("reportgen: error: distribution.yaml: "), result.err
        assert says in result.err and len(result.err.splitlines()) == 1, result.err


def test_a_distribution_file_named_outside_may_not_be_a_device(
    archived_copy: Path, run_cli
) -> None:
    result = run_cli(
        "send", "--to", "pcc-office", "--dry-run", "--distribution", "/dev/zero",
        root=archived_copy,
    )  # fmt: skip
    assert result.code == 1 and "/dev/zero: is not a plain file" in result.err, result.err


@pytest.mark.parametrize(
    ("kind", "told"),
    [
        ("fifo", "manifest is not a plain file"),
        ("device", "manifest is a link, and no archive writes one"),  # to /dev/zero
        ("link-out", "manifest is a link, and no archive writes one"),  # to the same bytes
    ],
)
def test_a_manifest_that_is_no_file_is_damage_not_a_hang(
    kind: str, told: str, archived_copy: Path, tmp_path: Path, run_cli
) -> None:
    version = archived_copy / "archive" / EDITION / "v1"
    version.chmod(0o755)
    if kind == "link-out":
        shutil.copyfile(version / "manifest.json", version / "manifest.json.keep")
    _replace(version / "manifest.json", kind, tmp_path)
    if kind == "link-out":
        (version / "manifest.json.keep").unlink()
    result = run_cli("verify", root=archived_copy)
    assert result.code == 1 and told in result.out, result
    result = run_cli("editions", root=archived_copy)
    assert "DAMAGED" in result.out and told in result.out, result
    sent = run_cli("send", "--to", "pcc-office", "--dry-run", root=archived_copy)
    assert sent.code == 1 and told in sent.err, sent


def test_a_stored_file_replaced_by_a_link_to_a_copy_is_damage(
    archived_copy: Path, tmp_path: Path, run_cli
) -> None:
    stored = archived_copy / "archive" / EDITION / "v1" / EDITION_PDF
    shutil.copyfile(stored, tmp_path / (EDITION_PDF + ".keep"))
    stored.parent.chmod(0o755)
    stored.unlink()
    stored.symlink_to(tmp_path / (EDITION_PDF + ".keep"))  # the very same bytes
    result = run_cli("verify", root=archived_copy)
    assert result.code == 1 and f"{EDITION_PDF} is a link, not the stored file" in result.out


def test_a_covering_paper_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "cover.pdf"
    with huge.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(pack.MAX_PAPER_BYTES + 1)  # sparse: no disk is used
    with pytest.raises(DeliveryError) as refused:
        read_pdf(huge, what="covering paper")
    assert "a paper in a board pack is limited to 100 MB" in refused.value.message


def test_a_stored_file_that_grew_is_refused_without_reading_it_all(
    archived_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.deliver import archive
    from reportgen.deliver.archive import find_version

    version = find_version(archived_copy / "archive", EDITION)
    stored = version.path("edition")
    size = stored.stat().st_size
    stored.chmod(0o644)
    with stored.open("ab") as handle:
        handle.write(b"%% appended after it was archived\n" * 1000)
    asked: list[int] = []
    real = archive.read_limited

    def read(path: Path | str, limit: int) -> bytes:
        asked.append(limit)
        return real(path, limit)

    monkeypatch.setattr(archive, "read_limited", read)
    with pytest.raises(DeliveryError) as refused:
        version.read_verified("edition")
    assert f"the manifest says {size}): it was changed after it was archived" in str(refused.value)
    assert asked == [size]  # never more than the manifest's size is read


def test_a_note_about_a_folder_named_with_a_line_break_stays_one_line(
    report_copy: Path, run_cli
) -> None:
    (report_copy / "content" / "March\n2014").mkdir()
    result = run_cli("check", root=report_copy)
    assert result.code == 0, result.err
    assert "reportgen: note: content/March\\n2014/ is not read by any build" in result.err
    assert all(line.startswith("reportgen: ") for line in result.err.splitlines())


def test_a_fifo_among_the_data_files_does_not_stop_the_look_ahead(report_copy: Path) -> None:
    from reportgen.render.chartcache import chart_inputs_key
    from tests.faults import within_seconds

    os.mkfifo(report_copy / "data" / "extra.csv")  # no build reads it; check says so
    key = within_seconds(10, lambda: chart_inputs_key(report_copy, None))
    assert isinstance(key, str) and len(key) == 64
