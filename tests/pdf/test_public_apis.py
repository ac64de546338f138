"""reportgen uses pypdf, reportlab and matplotlib through their public APIs only.

The source of every module under ``reportgen/`` (and ``tools/``, ``benchmarks/``) is
read with ``ast`` and refused where it:

- imports a private module or name of those libraries (``pypdf._writer``, ``_Foo``);
- reads or writes a private attribute of theirs on any object (``writer._add_object``,
  ``reader._ID``), or on ``self`` in a class derived from one of their classes
  (``self._doSave``), or defines such a name there (overriding a private method);
- names one in ``getattr``/``setattr``/``hasattr``/``delattr``;
- assigns to an attribute of something imported from them (a patched
  ``RendererPdf.draw_text``), private or not.

A private attribute "of theirs" is a single-underscore name that occurs in the
libraries' own source; a private name reportgen defines for itself (outside classes
derived from theirs) is its own business. Where no public API can do the job, one
module may hold the work-around: ``reportgen/compat.py`` (one today: the stored bytes
of a pypdf stream, read without inflating them).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import textwrap
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = ("pypdf", "reportlab", "matplotlib")
WORK_AROUNDS = REPO_ROOT / "reportgen" / "compat.py"
SCANNED = ("reportgen", "tools", "benchmarks")
_IDENTIFIER = re.compile(r"\b_[A-Za-z0-9]\w*")
_ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


@cache
def library_private_names() -> frozenset[str]:
    """Every single-underscore identifier in the libraries' source."""
    names: set[str] = set()
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        assert spec and spec.submodule_search_locations, f"{library} is not installed"
        for location in spec.submodule_search_locations:
            for path in Path(location).rglob("*.py"):
                text = path.read_text(encoding="utf-8", errors="replace")
                names.update(n for n in _IDENTIFIER.findall(text) if not n.endswith("__"))
    return frozenset(names)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def _from_library(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in LIBRARIES  # type: ignore[union-attr]


class _Scanner(ast.NodeVisitor):
    def __init__(self, private: frozenset[str]) -> None:
        self.private = private
        self.library_names: set[str] = set()  # names bound to library modules and objects
        self.own: set[str] = set()  # private names reportgen defines for itself
        self.derived: list[bool] = []  # per enclosing class: derived from a library class?
        self.problems: list[tuple[int, str]] = []

    # -- what is whose ---------------------------------------------------------------
    def collect(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _from_library(alias.name):
                        self.library_names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom) and _from_library(node.module):
                self.library_names.update(a.asname or a.name for a in node.names)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and not self._library_derived(node):
                for item in ast.walk(node):
                    if isinstance(item, ast.FunctionDef) and _is_private(item.name):
                        self.own.add(item.name)
                    if isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store):
                        self.own.add(item.attr)
            elif isinstance(node, ast.Module):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.ClassDef):
                        self.own.add(item.name)
                    elif isinstance(item, ast.Assign):
                        self.own.update(t.id for t in item.targets if isinstance(t, ast.Name))

    def _library_derived(self, node: ast.ClassDef) -> bool:
        return any(
            (isinstance(b, ast.Name) and b.id in self.library_names)
            or (isinstance(b, ast.Attribute) and _root_name(b) in self.library_names)
            for b in node.bases
        )

    def theirs(self, name: str) -> bool:
        return _is_private(name) and name in self.private

    # -- the checks ------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if _from_library(node.module):
            if any(_is_private(part) for part in (node.module or "").split(".")):
                self.problems.append((node.lineno, f"imports private module {node.module}"))
            for alias in node.names:
                if _is_private(alias.name):
                    self.problems.append((node.lineno, f"imports private {alias.name}"))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _from_library(alias.name) and any(_is_private(p) for p in alias.name.split(".")):
                self.problems.append((node.lineno, f"imports private module {alias.name}"))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        derived = self._library_derived(node)
        if derived:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and self.theirs(item.name):
                    self.problems.append((item.lineno, f"overrides private {item.name}"))
        self.derived.append(derived)
        self.generic_visit(node)
        self.derived.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self.theirs(node.attr):
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            in_derived = bool(self.derived) and self.derived[-1]
            if (on_self and in_derived) or (not on_self and node.attr not in self.own):
                self.problems.append((node.lineno, f"uses private attribute {node.attr}"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in _ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and self.theirs(node.args[1].value)
        ):
            self.problems.append((node.lineno, f"{node.func.id} of private {node.args[1].value}"))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and _root_name(target) in self.library_names:
                self.problems.append((node.lineno, f"patches {ast.unparse(target)}"))
        self.generic_visit(node)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def problems_in(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    scanner = _Scanner(library_private_names())
    scanner.collect(tree)
    scanner.visit(tree)
    return sorted(scanner.problems)


def scanned_files() -> list[Path]:
    files = [p for folder in SCANNED for p in sorted((REPO_ROOT / folder).rglob("*.py"))]
    return [p for p in files if p != WORK_AROUNDS]


def test_no_private_api_of_pypdf_reportlab_or_matplotlib_outside_compat() -> None:
    files = scanned_files()
    assert len(files) > 20
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {what}"
        for path in files
        for line, what in problems_in(path.read_text(encoding="utf-8"))
    ]
    assert not found, "private APIs used outside reportgen/compat.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        # the work-arounds this project used to carry, each refused
        (
            """
            from pypdf import PdfWriter
            def f(writer: PdfWriter, form):
                return writer._add_object(form)
            """,
            "uses private attribute _add_object",
        ),
        (
            """
            def set_id(writer, ids):
                writer._ID = ids
            """,
            "uses private attribute _ID",
        ),
        (
            """
            from reportlab.platypus import BaseDocTemplate
            class Doc(BaseDocTemplate):
                def __init__(self):
                    self._doSave = 0
            """,
            "uses private attribute _doSave",
        ),
        (
            """
            from matplotlib.backends.backend_pdf import RendererPdf
            RendererPdf.draw_text = lambda *args: None
            """,
            "patches RendererPdf.draw_text",
        ),
        (
            """
            import matplotlib.backends.backend_pdf as pdf
            pdf.RendererPdf.draw_text = print
            """,
            "patches pdf.RendererPdf.draw_text",
        ),
        (
            "from pypdf._writer import PdfWriter\n",
            "imports private module pypdf._writer",
        ),
        (
            """
            from reportlab.platypus import Table
            class T(Table):
                def _drawLines(self):
                    pass
            """,
            "overrides private _drawLines",
        ),
        (
            """
            def f(canvas):
                return getattr(canvas, "_code")
            """,
            "getattr of private _code",
        ),
    ],
)
def test_the_scan_finds_private_api_use(source: str, problem: str) -> None:
    assert problem in [what for _, what in problems_in(textwrap.dedent(source))]


def test_own_private_names_and_public_overrides_pass() -> None:
    source = """
        from reportlab.platypus import Paragraph
        _CACHE = {}
        class Worker:
            def __init__(self):
                self._executor = None
            def _start(self):
                return self._executor
        class Tagged(Paragraph):
            def draw(self):
                super().draw()
            def beginText(self, x, y):
                return super().beginText(x, y)
        def use(worker: Worker):
            return worker._start(), _CACHE
        """
    assert problems_in(textwrap.dedent(source)) == []
