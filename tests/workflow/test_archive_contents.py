"""What an archive holds is untrusted: anyone may have edited or damaged it.

On any bytes, ``verify`` lists a damaged version as damage (one line, with a reason) and
goes on checking the rest; ``editions`` lists it as DAMAGED; ``diff`` and ``send``
refuse with one ``reportgen: error:`` line naming the file. Never a traceback, never
unbounded memory, never damage passed as good.

The manifest, attachment and figures checks run on small files made here; the end-to-end
ones damage copies of the shared archived edition (one module-wide archive holding an
intact v1 and a damaged copy of it per later version, checked by one ``verify``).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from reportgen.deliver.archive import Manifest, read_attachments
from reportgen.deliver.pack import check_pdf
from reportgen.errors import DeliveryError
from reportgen.figurediff import compare_figures, keyed_rows
from tests.workflow.conftest import EDITION, EDITION_PDF, Archived, resealed, write_pdf

HEADER = "section,kind,label,last_year,this_year,diff,msg_rank,movement\n"
ROW = "1,measure,Burglary,10,12,20.0,,Worsened\n"
NARRATIVE = "content__2014-03__08-organisational-health.md"


# --- the manifest ------------------------------------------------------------------------


def _manifest_text() -> str:
    file = {"role": "edition", "name": "report.pdf", "sha256": "a" * 64, "size": 214333}
    document = {
        "format": 1,
        "edition": EDITION,
        "version": 1,
        "archived_at": "2014-04-02T09:30:00Z",
        "archived_by": "analyst",
        "reportgen_version": "0.1.0",
        "reissue_reason": None,
        "files": [file],
        "inputs": [{"name": "data/monthly.csv", "sha256": "b" * 64, "size": 10}],
    }
    return json.dumps(document, indent=2)


def test_a_manifest_as_written_is_read() -> None:
    manifest = Manifest.from_json(_manifest_text())
    assert manifest.version == 1 and manifest.files[0].size == 214333
    assert Manifest.from_json(manifest.to_json()) == manifest


@pytest.mark.parametrize(
    "reason",
    ["Burglary figure corrected.\tSee note from\nthe analyst", "zero\u200bwidth", "x" * 10_000],
)
def test_a_reason_an_earlier_version_took_as_typed_is_read_as_it_is(reason: str) -> None:
    # before --reason was checked, a tab, a line break or any length was archived: such a
    # version is not damaged (verify and editions print the reason escaped on one line)
    text = _manifest_text().replace("null", json.dumps(reason))
    assert Manifest.from_json(text).reissue_reason == reason


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "[" * 200_000 + "]" * 200_000,
        lambda text: text.replace('"files": [', '"files": [' + "[" * 200_000 + "]" * 200_000 + ","),
        lambda text: text.replace('"size": 214333', '"size": Infinity'),
        lambda text: text.replace('"size": 214333', '"size": 1e400'),
        lambda text: text.replace('"size": 10', '"size": 1e400'),
        lambda text: text.replace('"version": 1', '"version": Infinity'),
        lambda text: text.replace('"size": 214333', '"size": NaN'),
        lambda text: text.replace('"size": 214333', '"size": 214333.7'),
        lambda text: text.replace('"size": 214333', '"size": "214333"'),
        lambda text: text.replace('"version": 1', '"version": "1"'),
        lambda text: text.replace('"version": 1', '"version": 1.9'),
        lambda text: text.replace('"version": 1', '"version": true'),
        lambda text: text.replace('"format": 1', '"format": true'),
        lambda text: text.replace('"report.pdf"', '"\\ud800"'),
        lambda text: text.replace('"reissue_reason": null', '"reissue_reason": "a\\ud800"'),
        lambda text: text.replace('"report.pdf"', '"' + "x" * 5000 + '"'),
        lambda text: text.replace('"data/monthly.csv"', '"../../etc/passwd"'),
        lambda text: text.replace('"data/monthly.csv"', '"' + "/".join(["d"] * 2000) + '"'),
    ],
    ids=[
        "nested",
        "nested-in-a-field",
        "size-infinity",
        "size-1e400",
        "input-size-1e400",
        "version-infinity",
        "size-nan",
        "size-fraction",
        "size-text",
        "version-text",
        "version-fraction",
        "version-true",
        "format-true",
        "name-surrogate",
        "reason-surrogate",
        "name-too-long",
        "input-outside",
        "input-too-deep",
    ],
)
def test_a_damaged_manifest_is_refused_as_invalid(damage: Callable[[str], str]) -> None:
    text = damage(_manifest_text())
    assert text != _manifest_text()
    with pytest.raises(ValueError):
        Manifest.from_json(text)


# --- the attachments of an archived PDF ----------------------------------------------------


def _pdf_with(tmp_path: Path, files: list[tuple[object, bytes]], *, deflated: bool = False) -> Path:
    """A one-page PDF whose name tree embeds ``files`` as given (any name, any bytes; with
    ``deflated`` the bytes are stored as already-deflated data)."""
    base = write_pdf(tmp_path / "base.pdf", ["page"])
    pdf = pikepdf.open(base)
    names = pikepdf.Array()
    for name, data in files:
        stream = pikepdf.Stream(pdf, data)
        if deflated:
            stream.Filter = pikepdf.Name.FlateDecode
        label = pikepdf.String(name) if isinstance(name, (str, bytes)) else name
        spec = pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec,
            F=label,
            UF=label,
            EF=pikepdf.Dictionary(F=stream, UF=stream),
        )
        names.append(label)
        names.append(pdf.make_indirect(spec))
    pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=names))
    out = tmp_path / "attached.pdf"
    pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out


@pytest.mark.parametrize(
    "name",
    [b"figures\x00.csv", "", ".", "..", "a/b", "x" * 5000],
    ids=["nul", "empty", "dot", "dotdot", "slash", "long"],
)
def test_an_attachment_with_an_impossible_name_is_refused(tmp_path: Path, name: object) -> None:
    pdf = _pdf_with(tmp_path, [(name, b"1")])
    with pytest.raises(DeliveryError) as refused:
        read_attachments(pdf)
    assert refused.value.file == str(pdf)


def test_attachments_that_unpack_to_too_much_are_refused(tmp_path: Path) -> None:
    zeros = zlib.compress(bytes(40 << 20), 9)  # 40 MB each, some 40 KB stored
    pdf = _pdf_with(tmp_path, [("a.csv", zeros), ("b.csv", zeros)], deflated=True)
    assert pdf.stat().st_size < 1 << 20
    with pytest.raises(DeliveryError, match="more than 64 MB") as refused:
        read_attachments(pdf)
    assert refused.value.file == str(pdf)


def test_too_many_attachments_are_refused(tmp_path: Path) -> None:
    pdf = _pdf_with(tmp_path, [(f"f{n}.csv", b"1") for n in range(201)])
    with pytest.raises(DeliveryError, match="more than 200 attachments"):
        read_attachments(pdf)


def test_only_the_attachments_asked_for_are_unpacked(tmp_path: Path) -> None:
    zeros = zlib.compress(bytes(1 << 20))
    pdf = _pdf_with(
        tmp_path, [("figures.csv", zlib.compress(b"x")), ("big.csv", zeros)], deflated=True
    )
    assert read_attachments(pdf, only={"figures.csv"}) == {"figures.csv": b"x"}


# --- the figures embedded ----------------------------------------------------------------


@pytest.mark.parametrize(
    "figures",
    [
        HEADER + "1,measure,Burglary\n",  # a short row
        HEADER + ROW.replace("Burglary", "B" * 200_000),  # over the csv module's cell limit
        "a,b,c\n1,2,3\n",  # other columns
        "",
    ],
    ids=["short-row", "huge-cell", "other-header", "empty"],
)
def test_malformed_figures_are_refused_by_diff(figures: str) -> None:
    with pytest.raises(DeliveryError):
        compare_figures(HEADER + ROW, figures)


def test_many_identical_rows_are_keyed_in_linear_time() -> None:
    started = time.perf_counter()
    rows = keyed_rows(HEADER + ROW * 10_000)
    assert len(rows) == 10_000
    assert time.perf_counter() - started < 2  # the quadratic loop took some 10 s for this


def test_far_more_rows_than_any_edition_has_are_refused() -> None:
    with pytest.raises(DeliveryError, match="rows"):
        keyed_rows(HEADER + "".join(ROW.replace("Burglary", f"B{n}") for n in range(100_001)))


# --- the page tree -----------------------------------------------------------------------


def test_a_page_count_that_is_not_a_number_is_damage(tmp_path: Path) -> None:
    data = write_pdf(tmp_path / "base.pdf", ["page"]).read_bytes()
    assert data.count(b"/Count 1") == 1
    # as long as what it replaces, so the cross-reference table still holds
    odd = data.replace(b"/Count 1", b"/Count/F")
    with pytest.raises(DeliveryError, match="page count"):
        check_pdf(tmp_path / "odd.pdf", odd)


# --- end to end: verify, editions, diff, send ----------------------------------------------


def _rewrite_pdf(pdf_path: Path, change: Callable[[pikepdf.Pdf], None]) -> None:
    pdf = pikepdf.open(BytesIO(pdf_path.read_bytes()))
    change(pdf)
    pdf_path.chmod(0o644)
    # no object streams: the page tree stays in plain text, for _count_f to change
    pdf.save(pdf_path, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    if change is _count_f:  # qpdf writes the true count whatever /Count says: patch it
        data = pdf_path.read_bytes()
        assert data.count(b"/Count 22") == 1
        pdf_path.write_bytes(data.replace(b"/Count 22", b"/Count /F"))


def _embedded_names(pdf: pikepdf.Pdf) -> pikepdf.Array:
    tree = pdf.Root.Names.EmbeddedFiles
    return tree.Names if "/Names" in tree else tree.Kids[0].Names


def _replace(name: str, data: bytes) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.attachments[name].get_file().obj.write(data)

    return change


def _add(name: object, data: bytes = b"extra") -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        label = pikepdf.String(name)  # type: ignore[arg-type]
        stream = pikepdf.Stream(pdf, data)
        spec = pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=label, UF=label, EF=pikepdf.Dictionary(F=stream)
        )
        names = _embedded_names(pdf)
        names.append(label)
        names.append(pdf.make_indirect(spec))

    return change


def _count_f(pdf: pikepdf.Pdf) -> None:
    """Done on the saved bytes (see _rewrite_pdf)."""


def _bomb(pdf: pikepdf.Pdf) -> None:
    for n in range(2):
        stream = pikepdf.Stream(pdf, zlib.compress(bytes(40 << 20), 9))
        stream.Filter = pikepdf.Name.FlateDecode
        label = pikepdf.String(f"zeros{n}.bin")
        spec = pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=label, UF=label, EF=pikepdf.Dictionary(F=stream)
        )
        names = _embedded_names(pdf)
        names.append(label)
        names.append(pdf.make_indirect(spec))


def _edition_entry(document: dict) -> dict:
    return next(f for f in document["files"] if f["name"] == EDITION_PDF)


# version number -> (what is damaged, how: a change to the PDF, or to the manifest)
PDF_DAMAGE: dict[int, tuple[str, Callable[[pikepdf.Pdf], None]]] = {
    2: ("narrative replaced", _replace(NARRATIVE, b"# A different story\n")),
    3: ("file nobody recorded", _add("notes.txt")),
    4: ("attachment named data", _add("data")),
    5: ("attachment named ''", _add("")),
    6: ("attachment named '.'", _add(".")),
    7: ("attachment name with a NUL", _add(b"a\x00b.csv")),
    8: ("attachment name of 2000 '__'", _add("__".join(["d"] * 2000))),
    9: ("figures not UTF-8", _replace("figures.csv", HEADER.encode() + b"\xff\xfe\n")),
    10: ("page count /F", _count_f),
    11: ("attachments unpack to 80 MB", _bomb),
}


def _lone_surrogate(document: dict) -> None:
    _edition_entry(document)["name"] = "\ud800"


def _long_name(document: dict) -> None:
    _edition_entry(document)["name"] = "x" * 5000


def _no_edition(document: dict) -> None:
    _edition_entry(document)["role"] = "print"


def _fractional_size(document: dict) -> None:
    _edition_entry(document)["size"] += 0.5


MANIFEST_DAMAGE: dict[int, tuple[str, Callable[[dict], None]]] = {
    12: ("lone surrogate in a stored name", _lone_surrogate),
    13: ("5000-character stored name", _long_name),
    14: ("no edition entry", _no_edition),
    15: ("fractional size", _fractional_size),
}
LAST = max(MANIFEST_DAMAGE)


def _write_manifest(folder: Path, document: dict) -> None:
    manifest = folder / "manifest.json"
    manifest.chmod(0o644)
    # ensure_ascii: a lone surrogate is written as the escape \ud800, as an editor might
    manifest.write_text(json.dumps(resealed(document), indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def damaged_archive(archived: Archived, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archived report with v1 intact and v2.. each a damaged copy of it."""
    root = tmp_path_factory.mktemp("damaged") / "report"
    shutil.copytree(archived.root, root, symlinks=True)
    edition_dir = root / "archive" / EDITION
    v1 = edition_dir / "v1"
    original = json.loads((v1 / "manifest.json").read_text(encoding="utf-8"))
    for number in range(2, LAST + 1):
        folder = edition_dir / f"v{number}"
        shutil.copytree(v1, folder)
        folder.chmod(0o755)
        document = json.loads(json.dumps(original))
        document["version"] = number
        if number in PDF_DAMAGE:
            pdf = folder / EDITION_PDF
            _rewrite_pdf(pdf, PDF_DAMAGE[number][1])
            data = pdf.read_bytes()
            entry = _edition_entry(document)
            entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
        else:
            MANIFEST_DAMAGE[number][1](document)
        _write_manifest(folder, document)
    return root


@pytest.fixture(scope="module")
def verified(damaged_archive: Path, run_cli) -> tuple[int, dict[int, str], str]:
    """verify of the damaged archive: (exit code, its lines by version, stderr)."""
    result = run_cli("verify", root=damaged_archive)
    lines: dict[int, str] = {}
    for line in result.out.splitlines():
        version = int(line.split(":")[0].split(" v")[1])
        lines[version] = lines.get(version, "") + line + "\n"
    return result.code, lines, result.err


@pytest.mark.slow
def test_verify_checks_every_version_and_passes_only_the_intact_one(
    verified: tuple[int, dict[int, str], str],
) -> None:
    code, lines, err = verified
    assert code == 1
    assert "Traceback" not in err
    # one error line for each damaged version, naming it; none for the intact one
    errors = [line for line in err.splitlines() if line.startswith("reportgen: error:")]
    named = {int(m) for line in errors for m in re.findall(rf"{EDITION} v(\d+)\b", line)}
    assert named == set(range(2, LAST + 1)), errors
    assert sorted(lines) == list(range(1, LAST + 1))
    assert (
        lines[1]
        == f"{EDITION} v1: ok\n{EDITION} v1: figures rebuilt from the embedded inputs match\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("number", sorted({**PDF_DAMAGE, **MANIFEST_DAMAGE}))
def test_verify_lists_each_damaged_version_as_damage(
    verified: tuple[int, dict[int, str], str], number: int
) -> None:
    _code, lines, _err = verified
    line = lines[number]
    what = {**PDF_DAMAGE, **MANIFEST_DAMAGE}[number][0]
    assert line.startswith(f"{EDITION} v{number}: "), what
    assert "match\n" not in line, what  # never "figures rebuilt ... match"
    assert line.rstrip("\n") != f"{EDITION} v{number}: ok", what
    assert all(text.isprintable() for text in line.splitlines()), what


@pytest.mark.slow
def test_verify_names_what_differs_from_the_manifest(
    verified: tuple[int, dict[int, str], str],
) -> None:
    _code, lines, _err = verified
    assert NARRATIVE in lines[2] and "not as the manifest records them" in lines[2]
    assert "one of them is damaged" in lines[2]  # the figures may be right: it cannot tell
    assert "'notes.txt'" in lines[3] and "not recorded in the manifest" in lines[3]
    assert "'data'" in lines[4]
    assert "64 MB" in lines[11]


@pytest.mark.slow
def test_editions_lists_the_damaged_manifests(damaged_archive: Path, run_cli) -> None:
    result = run_cli("editions", root=damaged_archive)
    assert result.code == 1 and "Traceback" not in result.err
    damaged = [line for line in result.out.splitlines() if "DAMAGED" in line]
    assert sorted(int(line.split()[1][1:]) for line in damaged) == [12, 13, 15]
    assert all(line.isprintable() for line in result.out.splitlines())


@pytest.mark.slow
@pytest.mark.parametrize(
    "figures",
    [
        HEADER.encode() + b"1,measure,Burglary\n",
        HEADER.encode() + b"\xff\xfe\n",
        HEADER.encode() + ROW.replace("Burglary", "B" * 200_000).encode(),
        b"kind_of,other\n1,2\n",
    ],
    ids=["short-row", "not-utf8", "huge-cell", "other-header"],
)
def test_diff_and_send_refuse_malformed_embedded_figures(
    archived_copy: Path, run_cli, figures: bytes
) -> None:
    edition_dir = archived_copy / "archive" / EDITION
    v1 = edition_dir / "v1"
    pdf = v1 / EDITION_PDF
    _rewrite_pdf(pdf, _replace("figures.csv", figures))
    document = json.loads((v1 / "manifest.json").read_text(encoding="utf-8"))
    data = pdf.read_bytes()
    entry = _edition_entry(document)
    entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    _write_manifest(v1, document)
    shutil.copytree(v1, edition_dir / "v2")
    document["version"] = 2
    _write_manifest(edition_dir / "v2", document)

    for command in (
        ("diff", EDITION),
        ("send", "--edition", EDITION, "--to", "pcc-office", "--dry-run"),
    ):
        result = run_cli(*command, root=archived_copy)
        assert result.code == 1, command
        [line] = result.err.strip().splitlines()
        assert line.startswith("reportgen: error:") and EDITION_PDF in line, line
