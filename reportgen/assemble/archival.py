"""PDF/A and the document's identity: the open PDF + the edition's metadata -> PDF/A-2b.

In: the open PDF (pikepdf) and a ``DocumentInfo`` (title, author, subject, language,
the edition's date). Out, in the PDF: the document information dictionary and XMP
metadata saying the same (title, author, subject, creator, producer, dates from the
edition, ``pdfaid`` part 2 conformance B, ``pdfuaid`` part 1), an sRGB output intent
(``resources/sRGB.icc``; its README gives origin and licence), /Lang, the viewer shows
the title (DisplayDocTitle), printable annotations, and no empty /Trans on the pages.
``save`` writes it with the PDF 1.7 header and a /ID derived from the content. The XMP
packet is ``resources/metadata.xmp``; it declares the ``pdfuaid`` schema with a PDF/A
extension schema, as ISO 19005-2 6.6.2.3 asks of any schema it does not predefine.
"""

from __future__ import annotations

import io
from html import escape
from importlib.resources import files
from typing import BinaryIO

import msgspec
import pikepdf
from pikepdf import Array, Dictionary, Name, String

PDF_VERSION = (1, 7)  # PDF/A-2 and PDF/A-3 are based on PDF 1.7
OUTPUT_CONDITION = "sRGB"
PRINT = 4  # annotation flag: print the annotation when the page is printed

_PART_PROPERTY = "<pdfaid:part>{part}</pdfaid:part>"


class DocumentInfo(msgspec.Struct, frozen=True):
    title: str
    author: str
    subject: str
    language: str  # BCP 47, e.g. "en-GB"
    date: str  # PDF date of the edition, "D:20140331000000Z"
    creator: str
    producer: str


def _resource(name: str) -> bytes:
    return files("reportgen.assemble").joinpath("resources", name).read_bytes()


def srgb_profile() -> bytes:
    return _resource("sRGB.icc")


def xmp_date(pdf_date: str) -> str:
    """ "D:20140331000000Z" -> "2014-03-31T00:00:00Z" (XMP's form of the same instant)."""
    d = pdf_date.removeprefix("D:")
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"


def xmp_packet(info: DocumentInfo, part: int = 2) -> bytes:
    """The XMP metadata: the document information dictionary's entries in XMP, the
    PDF/A identification and the PDF/UA identification."""
    fields = {
        "title": info.title,
        "author": info.author,
        "subject": info.subject,
        "language": info.language,
        "creator": info.creator,
        "producer": info.producer,
    }
    text = (
        _resource("metadata.xmp")
        .decode("utf-8")
        .format(
            date=xmp_date(info.date),
            part=part,
            **{k: escape(v, quote=False) for k, v in fields.items()},
        )
    )
    return text.encode("utf-8")


def make_archival(pdf: pikepdf.Pdf, info: DocumentInfo) -> None:
    """Make the open PDF PDF/A-2b (and say what PDF/UA asks of the document)."""
    pdf.trailer.Info = pdf.make_indirect(
        Dictionary(
            Title=String(info.title),
            Author=String(info.author),
            Subject=String(info.subject),
            Creator=String(info.creator),
            Producer=String(info.producer),
            CreationDate=String(info.date),
            ModDate=String(info.date),
        )
    )
    pdf.Root.Metadata = pdf.make_stream(xmp_packet(info), Type=Name.Metadata, Subtype=Name.XML)
    profile = pdf.make_stream(srgb_profile(), N=3)
    pdf.Root.OutputIntents = Array(
        [
            Dictionary(
                Type=Name.OutputIntent,
                S=Name.GTS_PDFA1,
                OutputConditionIdentifier=String(OUTPUT_CONDITION),
                Info=String(OUTPUT_CONDITION),
                DestOutputProfile=profile,
            )
        ]
    )
    pdf.Root.Lang = String(info.language)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    for page in pdf.pages:
        if "/Trans" in page.obj and not page.obj.Trans.keys():
            del page.obj.Trans  # reportlab writes an empty one; PDF/A allows no transition
        for annotation in page.obj.get("/Annots", []):
            annotation.F = PRINT


def as_pdfa3(pdf: pikepdf.Pdf) -> None:
    """Claim PDF/A-3 (files attached) instead of PDF/A-2 in the XMP identification."""
    if "/Metadata" not in pdf.Root:
        return
    packet = pdf.Root.Metadata.read_bytes()
    packet = packet.replace(
        _PART_PROPERTY.format(part=2).encode(), _PART_PROPERTY.format(part=3).encode()
    )
    pdf.Root.Metadata.write(packet)


def save(pdf: pikepdf.Pdf, target: BinaryIO) -> None:
    """Write with the PDF 1.7 header and a /ID derived from the content (qpdf keeps a
    first, permanent, identifier that the PDF already has). ``target`` is a stream,
    never a path: qpdf writing a file itself aborts the process on a full disk."""
    pdf.save(
        target,
        deterministic_id=True,
        force_version=".".join(str(n) for n in PDF_VERSION),
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        compress_streams=True,
    )


def saved(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    save(pdf, buffer)
    return buffer.getvalue()
