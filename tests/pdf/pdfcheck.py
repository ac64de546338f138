"""Reading a built PDF back the way assistive technology and validators read it.

``pdfinfo -struct-text`` (poppler) as a tree of ``Node``s; the text each page draws with
the marked content it is drawn in (pypdf); pikepdf's PDF/A validator, which approves only
what it knows and does not know PDF/A extension schemas, so it denies the one that
declares ``pdfuaid`` (the PDF/UA identification, which ISO 19005-2 6.6.2.3 requires to be
declared so): ``assert_pdfa`` asks for exactly those denials and for a clean pass of the
same file with only the PDF/UA identification taken out.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pikepdf.pdfa
from pypdf import PdfReader


@dataclass
class Node:
    """An element as ``pdfinfo -struct-text`` prints it."""

    role: str
    attributes: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    objects: int = 0  # object references (link annotations) among its kids
    kids: list[Node] = field(default_factory=list)

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def text(self) -> str:
        """All the text under the element, whitespace removed (poppler joins lines)."""
        return "".join("".join(t.split()) for n in self.walk() for t in n.texts)

    def find(self, role: str) -> list[Node]:
        return [n for n in self.walk() if n.role == role]


def parse_struct_text(output: str) -> Node:
    root = Node("(root)")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for line in output.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        content = line.strip()
        if content.startswith('"'):
            stack[-1][1].texts.append(content[1:-1])
        elif content.startswith("/"):
            key, _, value = content.partition(" ")
            stack[-1][1].attributes[key] = value
        elif content.startswith("Object "):
            stack[-1][1].objects += 1
        else:
            while stack[-1][0] >= indent:
                stack.pop()
            node = Node(content.split()[0].rstrip(":"))
            stack[-1][1].kids.append(node)
            stack.append((indent, node))
    [document] = root.kids
    return document


# poppler takes seconds to print an edition's structure: a fixture that builds a PDF
# starts it at once, and the tests in between run meanwhile (on the other core)
_started: dict[Path, subprocess.Popen[str]] = {}


def start_struct_text(path: Path) -> None:
    """Start ``pdfinfo -struct-text`` on ``path`` now; ``struct_text`` reads its output."""
    _started[Path(path).resolve()] = subprocess.Popen(
        ["pdfinfo", "-struct-text", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def struct_text(path: Path) -> str:
    """``pdfinfo -struct-text`` of ``path`` (started before, or now)."""
    process = _started.pop(Path(path).resolve(), None)
    if process is None:
        return subprocess.run(
            ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
        ).stdout
    out, err = process.communicate()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args, out, err)
    return out


def stop_struct_texts() -> None:
    """End what was started and never read (a test run that did not need it)."""
    while _started:
        _, process = _started.popitem()
        process.kill()
        process.communicate()


def squeeze(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class DrawnText:
    page: int  # 0-based
    tags: tuple[str, ...]  # the marked-content tags it is drawn inside, outermost first
    text: str


def drawn_texts(data: bytes) -> list[DrawnText]:
    """Every piece of text the pages draw (forms included), with its marked content."""
    found: list[DrawnText] = []
    for index, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        found += _PageText(index).read(page)
    return found


class _PageText:
    def __init__(self, index: int) -> None:
        self.index = index
        self.stack: list[str] = []
        self.found: list[DrawnText] = []

    def read(self, page) -> list[DrawnText]:  # pypdf's page
        page.extract_text(visitor_operand_before=self.operator, visitor_text=self.text)
        return self.found

    def operator(self, operator, operands, cm, tm) -> None:  # pypdf's visitor
        if operator in (b"BDC", b"BMC"):
            self.stack.append(str(operands[0]))
        elif operator == b"EMC":
            self.stack.pop()

    def text(self, content, cm, tm, font, size) -> None:
        if content.strip():
            self.found.append(DrawnText(self.index, tuple(self.stack), content))


PDFUA_DECLARATION = [
    "XMP namespace pdfaExtension=http://www.aiim.org/pdfa/ns/extension/ is not permitted",
    "XMP namespace pdfaSchema=http://www.aiim.org/pdfa/ns/schema# is not permitted",
    "XMP namespace pdfaProperty=http://www.aiim.org/pdfa/ns/property# is not permitted",
    "XMP property pdfuaid:part is not permitted",
    "XMP property pdfaExtension:schemas is not permitted",
]


def pdfa_findings(data: bytes, flavour: str) -> list[str]:
    report = pikepdf.pdfa.validate_written(io.BytesIO(data), flavour)
    return [f"{f.kind} {f.rule}: {f.message}" for f in report.findings]


def without_pdfua_identification(data: bytes) -> bytes:
    """The same file with the pdfuaid property and its extension schema removed."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        packet = pdf.Root.Metadata.read_bytes().decode("utf-8")
        packet = re.sub(r"\s*<pdfuaid:part>1</pdfuaid:part>", "", packet)
        packet = re.sub(r"\s*xmlns:pdfuaid=\"[^\"]*\"", "", packet)
        packet = re.sub(
            r"\s*<rdf:Description[^>]*pdfaExtension.*?</rdf:Description>", "", packet, flags=re.S
        )
        pdf.Root.Metadata.write(packet.encode("utf-8"))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def assert_pdfa(data: bytes, flavour: str) -> None:
    expected = [f"violation ISO_19005_{flavour[0]}:6.6.2.3.1-1: {m}" for m in PDFUA_DECLARATION]
    assert sorted(pdfa_findings(data, flavour)) == sorted(expected)
    control = pikepdf.pdfa.validate_written(io.BytesIO(without_pdfua_identification(data)), flavour)
    assert control.passed, [str(f) for f in control.findings]
