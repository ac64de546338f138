"""The tagged PDF's structure tree: the ``Element``s of the layout -> the PDF's StructTreeRoot.

In: the open PDF (pikepdf) and the Document element the layout drew, whose kids refer to
marked content by (page, MCID) and to link annotations by (page, index). Out, in the PDF:
a /StructTreeRoot whose kids are the elements as /StructElem dictionaries (type, parent,
page, kids in reading order, /Alt, attributes); the ParentTree that maps each page's
MCIDs and each link back to its element; /StructParents on every page and /StructParent
on every link (with its /Contents); /MarkInfo and each page's /Tabs /S (tab order follows
the structure).
"""

from __future__ import annotations

import typing

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from reportgen.render.tagging import AttributeValue, Element, LinkAnnotation, MarkedContent


class _TreeWriter:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.pages = [page.obj for page in pdf.pages]
        self.marked: dict[int, dict[int, Dictionary]] = {}  # page -> MCID -> element
        self.annotations: list[Dictionary] = []  # the elements of links, by StructParent

    def element(self, element: Element, parent: Dictionary) -> Dictionary:
        node = self.pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + element.role), P=parent)
        )
        pages = {kid.page for kid in element.kids if isinstance(kid, MarkedContent)}
        if len(pages) == 1:  # the usual case: MCIDs as integers on the element's page
            node.Pg = self.pages[pages.pop() - 1]
        kids = Array()
        for kid in element.kids:
            match kid:
                case Element():
                    if _has_content(kid):
                        kids.append(self.element(kid, node))
                case MarkedContent():
                    self.marked.setdefault(kid.page, {})[kid.mcid] = node
                    page = self.pages[kid.page - 1]
                    if "/Pg" in node:
                        kids.append(kid.mcid)
                    else:
                        kids.append(Dictionary(Type=Name.MCR, Pg=page, MCID=kid.mcid))
                case LinkAnnotation():
                    kids.append(self.link(kid, node))
                case _:
                    typing.assert_never(kid)
        node.K = kids
        if element.alt is not None:
            node.Alt = String(element.alt)
        if element.attributes:
            node.A = Dictionary({f"/{key}": _value(v) for key, v in element.attributes.items()})
        return node

    def link(self, kid: LinkAnnotation, node: Dictionary) -> Dictionary:
        page = self.pages[kid.page - 1]
        links = [a for a in page.get("/Annots", []) if a.get("/Subtype") == Name.Link]
        annotation = links[kid.index]
        annotation.Contents = String(kid.description)
        annotation.StructParent = len(self.pages) + len(self.annotations)
        self.annotations.append(node)
        return Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page)

    def parent_tree(self) -> tuple[Dictionary, int]:
        """The number tree: page i's key is i (an array by MCID), links follow the pages."""
        numbers = Array()
        for index, page in enumerate(self.pages):
            page.Tabs = Name.S
            marked = self.marked.get(index + 1)
            if marked:
                page.StructParents = index
                kids = Array(marked.get(m) for m in range(max(marked) + 1))
                # pikepdf takes Python ints as PDF integers; its stubs allow Objects only
                numbers.extend([index, kids])  # type: ignore[list-item]
        for offset, node in enumerate(self.annotations):
            numbers.extend([len(self.pages) + offset, node])  # type: ignore[list-item]
        return Dictionary(Nums=numbers), len(self.pages) + len(self.annotations)


def _has_content(element: Element) -> bool:
    return any(not isinstance(kid, Element) or _has_content(kid) for kid in element.kids)


def _value(value: AttributeValue) -> object:
    if isinstance(value, str):
        return Name("/" + value)
    if isinstance(value, tuple):
        return Array(value)
    return value


def write_structure(pdf: pikepdf.Pdf, document: Element) -> None:
    """Write ``document`` and everything under it as the PDF's logical structure."""
    writer = _TreeWriter(pdf)
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    root.K = writer.element(document, root)
    root.ParentTree, root.ParentTreeNextKey = writer.parent_tree()
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
