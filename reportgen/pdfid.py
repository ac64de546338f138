"""A PDF's trailer /ID, derived from content so the same inputs give the same bytes.

In: a pypdf ``PdfWriter``. Out: its PDF written with both identifiers a hash of the
written content, as a new file's are (PDF 32000-1 14.4). pypdf has no public way to set
the /ID (its generate_file_identifiers() draws random bytes), so the writer's PDF is
written again through pikepdf (qpdf), whose deterministic /ID is derived from the
content.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import pikepdf
from pypdf import PdfWriter


def write_with_content_id(writer: PdfWriter, target: BinaryIO) -> None:
    """Write ``writer``'s PDF to ``target`` as a new file with a content-derived /ID.

    ``target`` is a stream, never a path: qpdf writing a file itself ends the whole
    process (an uncaught C++ exception) when the disk fills, leaving its temporary file;
    the caller writes the bytes with ``reportgen.atomic``."""
    buffer = io.BytesIO()
    writer.write(buffer)
    with pikepdf.open(buffer) as pdf:
        if "/ID" in pdf.trailer:
            del pdf.trailer.ID  # an identifier copied from an input: this is a new file
        pdf.save(target, deterministic_id=True)
