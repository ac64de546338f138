"""Join a covering paper, the edition and its appendices into one board-pack PDF.

In: the edition PDF (with its own outline and printed page labels), an optional covering
paper, appendix PDFs and document metadata. Out: one PDF, written atomically, with a
top-level bookmark per paper (the edition's own bookmarks nested under its entry), page
labels in which the edition keeps its printed numbers, the given metadata and a /ID
derived from the inputs, so the same inputs always give the same bytes.

``read_pdf`` is the one place a PDF handed to the deliver stage is opened and checked;
the archive uses it too.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, cast

import msgspec
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from reportgen import notices
from reportgen.atomic import write_bytes
from reportgen.errors import DeliveryError
from reportgen.pdfid import write_with_content_id
from reportgen.reading import TooLarge, read_limited

if TYPE_CHECKING:
    from pypdf.constants import PageLabelStyle

COVER_TITLE = "Covering paper"
# a board paper is a few MB; the pack is mailed with a 10 MB limit by default
MAX_PAPER_BYTES = 100 << 20


class PdfSource(msgspec.Struct, frozen=True):
    """A PDF read whole into memory and checked to be readable and unencrypted."""

    path: Path
    data: bytes
    reader: PdfReader

    @property
    def page_count(self) -> int:
        return len(self.reader.pages)


class LabelRange(msgspec.Struct, frozen=True):
    """Pages ``first``..``last`` (0-based, inclusive) numbered in one style."""

    first: int
    last: int
    style: str | None  # "/D", "/r", "/R", "/a", "/A" or None for prefix-only labels
    prefix: str | None
    start: int | None  # None: the PDF default, 1


def read_pdf(path: Path, *, what: str = "PDF") -> PdfSource:
    """Read ``path`` whole and check it is a readable, unencrypted PDF with pages.

    Checks the page tree, outline and page labels (what the pack and the archive use),
    and every object and page drawing as ``qpdf --check`` does. Raises
    DeliveryError naming the file; ``what`` names its role in messages ("appendix 2").
    """
    path = Path(path)
    if not path.exists():
        raise DeliveryError(
            f"{what} not found", file=path, hint="check the path, or build that file first"
        )
    if not path.is_file():
        raise DeliveryError(f"{what} is not a file", file=path, hint="give the path of a PDF")
    try:
        data = read_limited(path, MAX_PAPER_BYTES)
    except TooLarge as error:
        raise DeliveryError(
            f"{what} is {error.size / 1_048_576:.0f} MB; a paper in a board pack is limited "
            f"to {MAX_PAPER_BYTES >> 20} MB",
            file=path,
            hint="compress it (print it to PDF again at a lower image resolution)",
        ) from None
    except OSError as error:
        raise DeliveryError(
            f"{what} cannot be read: {error.strerror or error}",
            file=path,
            hint="check the file's permissions",
        ) from error
    return check_pdf(path, data, what=what)


def check_pdf(path: Path, data: bytes, *, what: str = "PDF") -> PdfSource:
    """``data`` (read from ``path`` already, e.g. and checked against a manifest) as
    ``read_pdf`` checks it."""
    # the header may legally follow up to 1 KiB of junk
    if b"%PDF-" not in data[:1024]:
        raise DeliveryError(
            f"{what} is not a PDF (it has no %PDF- header)",
            file=path,
            hint="export or print it to PDF and give that file instead",
        )
    with _repairs_told(f"{path}: {what}"):
        return _checked_pdf(path, data, what)


def _checked_pdf(path: Path, data: bytes, what: str) -> PdfSource:
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as error:  # pypdf raises many types for damaged files
        raise _damaged(what, path, error) from error
    if encrypted:
        raise DeliveryError(
            f"{what} is encrypted (password-protected)",
            file=path,
            hint="save an unprotected copy and give that file instead",
        )
    try:
        # pypdf parses lazily; touch everything the pack uses so damage shows up here,
        # before anything is written, rather than half-way through the join
        pages = [page.mediabox for page in reader.pages]
        page_tree = reader.root_object["/Pages"].get_object()
        if not isinstance(page_tree, DictionaryObject):
            raise TypeError("its page tree (/Pages) is not a dictionary")
        declared = page_tree.get("/Count")
        if isinstance(declared, IndirectObject):  # "/Count 5 0 R" is allowed, if rare
            declared = declared.get_object()
        _ = reader.outline
        _ = reader.page_labels
    except Exception as error:  # pypdf raises many types for damaged files
        raise _damaged(what, path, error) from error
    if not pages:
        raise DeliveryError(f"{what} has no pages", file=path, hint="rebuild or re-export it")
    # a page count that is not a whole number (/Count /F, /Count 2.5) is damage too;
    # pypdf's integers are int, its reals and names are not
    if declared is not None and (isinstance(declared, bool) or not isinstance(declared, int)):
        raise DeliveryError(
            f"{what} is damaged: its page count (/Count) is not a whole number",
            file=path,
            hint="rebuild or re-export it; if it was copied, copy it again",
        )
    # pypdf skips page-tree entries it cannot read; a short count is the only sign
    if declared is not None and declared != len(pages):
        raise DeliveryError(
            f"{what} is damaged: it declares {declared} pages but only {len(pages)} can be read",
            file=path,
            hint="rebuild or re-export it; if it was copied, copy it again",
        )
    _check_drawing(path, data, what)
    return PdfSource(path=path, data=data, reader=reader)


# qpdf names the file it reads from memory by the stream's repr, which holds an address
_UNNAMED_STREAM = re.compile(r"stream <[^<>]*> \(([^()]*)\)")


def _check_drawing(path: Path, data: bytes, what: str) -> None:
    """Every stream decoded and every page's drawing parsed by qpdf (pikepdf), as
    ``qpdf --check`` does: pypdf copies a page's drawing unread, so a damaged one was
    packed and archived for good. What qpdf repairs as it opens the file (a
    cross-reference table out of place) is told by ``read_pdf`` as a warning already."""
    import pikepdf

    found: list[str] = []
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            pdf.get_warnings()  # the repairs of opening it
            for item in pdf.objects:
                if isinstance(item, pikepdf.Stream):
                    try:
                        item.read_bytes()
                    except pikepdf.PdfError as error:
                        found.append(str(error))
            found += pdf.get_warnings()
            for number, page in enumerate(pdf.pages, start=1):
                try:
                    pikepdf.parse_content_stream(page)
                except pikepdf.PdfError as error:
                    found.append(f"page {number}: {error}")
                found += [f"page {number}: {warning}" for warning in pdf.get_warnings()]
    except Exception as error:  # pikepdf raises several types for a damaged file
        found.append(str(error) or type(error).__name__)
    if not found:
        return
    first = _UNNAMED_STREAM.sub(r"\1", found[0])
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    raise DeliveryError(
        f"{what} is damaged: {first}{more}, as qpdf reads it",
        file=path,
        hint="rebuild it, or open it in a PDF viewer and print it to PDF again; if it was "
        "copied, copy it again",
    )


def _damaged(what: str, path: Path, error: Exception) -> DeliveryError:
    return DeliveryError(
        f"{what} is damaged or truncated and cannot be read ({type(error).__name__}: {error})",
        file=path,
        hint="rebuild or re-export it; if it was copied, copy it again",
    )


def build_pack(
    edition_pdf: Path,
    out: Path,
    *,
    edition_title: str,
    cover: Path | None = None,
    appendices: Sequence[Path] = (),
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Join ``cover`` (optional), ``edition_pdf`` and ``appendices`` into ``out``.

    Outline: "Covering paper", ``edition_title`` (with the edition's outline under it),
    "Appendix 1: <file stem>", ...; page labels: "Paper-1".., the edition's own labels,
    "A1-1"..; metadata keys such as "title", "author", "subject" (title defaults to
    ``edition_title``). Every input is checked before anything is written; on any
    error ``out`` is left as it was.
    """
    parts: list[tuple[str, PdfSource, str | None]] = []  # (outline title, pdf, label prefix)
    if cover is not None:
        parts.append((COVER_TITLE, read_pdf(cover, what="covering paper"), "Paper-"))
    edition = read_pdf(edition_pdf, what="edition PDF")
    parts.append((edition_title, edition, None))
    for number, appendix in enumerate(appendices, start=1):
        source = read_pdf(appendix, what=f"appendix {number}")
        parts.append((f"Appendix {number}: {Path(appendix).stem}", source, f"A{number}-"))

    info = _info_dictionary(metadata or {}, default_title=edition_title)
    writer = PdfWriter()
    labels: list[LabelRange] = []
    try:
        with _repairs_told(f"{out}: joining the papers"):
            _join(writer, parts, labels, edition)
        for label in labels:
            writer.set_page_label(
                label.first,
                label.last,
                # a label style is a PDF name ("/D"), which pypdf writes as given
                style=cast("PageLabelStyle | None", label.style),
                prefix=label.prefix,
                start=label.start,
            )
        writer.add_metadata(info)
        writer.page_mode = "/UseOutlines"
    except Exception as error:  # a pypdf failure on input that passed read_pdf
        raise DeliveryError(
            f"could not join the papers into a board pack ({type(error).__name__}: {error})",
            file=out,
            hint="open each input in a PDF viewer and re-export any that look wrong",
        ) from error
    # into memory first: qpdf writing a file itself aborts the process on a full disk
    buffer = BytesIO()
    write_with_content_id(writer, buffer)
    write_bytes(out, buffer.getvalue())
    return Path(out)


def _join(
    writer: PdfWriter,
    parts: list[tuple[str, PdfSource, str | None]],
    labels: list[LabelRange],
    edition: PdfSource,
) -> None:
    for title, source, prefix in parts:
        offset = len(writer.pages)
        # only the edition's sections matter in the pack; other papers' own bookmarks
        # would clutter it
        writer.append(source.reader, outline_item=title, import_outline=source is edition)
        if prefix is None:
            labels.extend(_shifted(_edition_labels(source), offset))
        else:
            last = offset + source.page_count - 1
            labels.append(LabelRange(offset, last, "/D", prefix, None))


@contextlib.contextmanager
def _repairs_told(what: str) -> Iterator[None]:
    """pypdf logs what it mended in a damaged file it could still read (no %%EOF, a
    wrong xref offset) as warnings, which reached stderr as bare lines: here they become
    one ``reportgen: warning:`` for ``what``, once the work has succeeded."""
    mended: list[str] = []
    handler = _Keep(mended)
    logger = logging.getLogger("pypdf")
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    if mended:
        more = f" and {len(mended) - 1} more" if len(mended) > 1 else ""
        notices.warn(
            f"{what}: damaged, but it could be read ({mended[0]}{more}); check the board "
            "pack shows it whole"
        )


class _Keep(logging.Handler):
    def __init__(self, kept: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append(record.getMessage())


def _info_dictionary(metadata: Mapping[str, str], *, default_title: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for key, value in metadata.items():
        name = key.lstrip("/")
        if not name:
            raise DeliveryError(
                "board-pack metadata has an empty key",
                hint="use keys such as title, author, subject",
            )
        info["/" + name[0].upper() + name[1:]] = str(value)
    info.setdefault("/Title", default_title)
    return dict(sorted(info.items()))


def _edition_labels(source: PdfSource) -> list[LabelRange]:
    """The edition's page-label ranges, read from its /PageLabels number tree."""
    count = source.page_count
    entries: list[tuple[int, DictionaryObject]] = []
    root = source.reader.root_object.get("/PageLabels")
    if root is not None:
        _collect_nums(root.get_object(), entries, depth=0)
    entries = sorted(
        ((start, spec) for start, spec in entries if 0 <= start < count), key=lambda e: e[0]
    )
    if not entries or entries[0][0] != 0:
        # pages before the first range (or all pages, with no labels) print as 1, 2, ...
        entries.insert(0, (0, DictionaryObject()))
        default_first = True
    else:
        default_first = False
    ranges: list[LabelRange] = []
    for index, (start, spec) in enumerate(entries):
        last = entries[index + 1][0] - 1 if index + 1 < len(entries) else count - 1
        if index == 0 and default_first:
            ranges.append(LabelRange(start, last, "/D", None, None))
            continue
        style = spec.get("/S")
        prefix = spec.get("/P")
        start_number = spec.get("/St")
        ranges.append(
            LabelRange(
                start,
                last,
                str(style) if style is not None else None,
                # a range with neither style nor prefix labels its pages "" (spec 12.4.2)
                str(prefix) if prefix is not None else ("" if style is None else None),
                int(start_number) if start_number is not None else None,
            )
        )
    return ranges


def _collect_nums(
    node: DictionaryObject, out: list[tuple[int, DictionaryObject]], depth: int
) -> None:
    if depth > 32:  # a looping number tree in a damaged file
        return
    nums = node.get("/Nums")
    if nums is not None:
        nums = nums.get_object()
        for i in range(0, len(nums) - 1, 2):
            out.append((int(nums[i]), nums[i + 1].get_object()))
    for kid in node.get("/Kids", ArrayObject()):
        _collect_nums(kid.get_object(), out, depth + 1)


def _shifted(ranges: list[LabelRange], offset: int) -> list[LabelRange]:
    return [
        LabelRange(r.first + offset, r.last + offset, r.style, r.prefix, r.start) for r in ranges
    ]
