"""A PDF's trailer /ID, derived from content so the same inputs give the same bytes."""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject


def set_document_id(writer: PdfWriter, digest: bytes, *, permanent: bytes | None = None) -> None:
    """Set the trailer /ID to [``permanent``, digest] (16 bytes of ``digest`` each).

    ``permanent`` is the identifier a file keeps across changes (PDF 32000-1 14.4); a
    new file uses the digest for both. pypdf has no public setter, and its
    generate_file_identifiers() draws random bytes, which would make every build differ.
    """
    first = permanent or digest[:16]
    writer._ID = ArrayObject([ByteStringObject(first), ByteStringObject(digest[:16])])
