"""No printed figure is typed into reportgen/: the code derives, the data and tests hold numbers.

Every numeric figure of the golden table's measure and confidence-interval rows (last
year, this year, Better/Worse, MSG rank, the x of "Improved (x% pt.)") is searched for
in the code of every ``.py`` file under ``reportgen/``: numeric literals and the numbers
inside string literals (f-strings included). Comments and docstrings are documentation,
not code, and are not searched (rules.py explains the rules with the printed examples).

Which figures are searched: those with two or more significant digits (28181, 94.5,
6.9, 13.6, 27.00 ...), except the few in ``TRIVIAL`` that code legitimately holds. Single
significant digits (0.0, 0.5, 1, 8, ranks 5-8, 0.02) are too common to mean anything.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

# Numbers with two significant digits that code may hold for its own reasons:
# 10 and 100 (powers of ten, percentages), 11 and 12 (months of a year: a window of
# 12 months spans the edition and the 11 before it).
TRIVIAL = frozenset({"10", "11", "12", "100"})
FIGURE_COLUMNS = slice(3, 8)  # last_year, this_year, diff, msg_rank, movement
# a whole number token: not part of a longer number or a name (2013-07 -> 2013, 07)
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\.?\d)")


def significant_digits(token: str) -> int:
    return len(token.replace(".", "").lstrip("0"))


def printed_figures(golden_rows: list[list[str]]) -> set[str]:
    """The figure tokens of the table worth searching for, without sign or '%'."""
    figures = set()
    for row in golden_rows[1:]:
        if row[1] in ("measure", "confidence_interval"):
            for cell in row[FIGURE_COLUMNS]:
                figures.update(NUMBER.findall(cell))
    return {f for f in figures if significant_digits(f) >= 2 and f not in TRIVIAL}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def scan(path: Path, figures: set[str]) -> list[tuple[int, str]]:
    """(line, figure) for every printed figure written in the code of ``path``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        if isinstance(node.value, bool):
            continue
        if isinstance(node.value, int | float):
            text = ast.get_source_segment(source, node) or repr(node.value)
        elif isinstance(node.value, str):
            text = node.value
        else:
            continue
        found.extend((node.lineno, token) for token in NUMBER.findall(text) if token in figures)
    return sorted(found)


@pytest.fixture(scope="module")
def figures(golden_rows) -> set[str]:
    return printed_figures(golden_rows)


def test_the_search_covers_the_printed_figures(figures):
    """The search is not empty: the table's telling figures are all in it."""
    for figure in ("28181", "100144", "94.5", "6.9", "13.6", "27.00", "29.17", "2.17", "21.7",
                   "1.2", "46", "715", "669"):
        assert figure in figures
    for trivial in ("0", "1", "8", "0.0", "0.02", "11", "100"):
        assert trivial not in figures
    assert len(figures) > 80


def test_no_printed_figure_in_reportgen(repo_root, figures):
    sources = sorted((repo_root / "reportgen").rglob("*.py"))
    assert len(sources) > 10
    found = [
        f"{path.relative_to(repo_root)}:{line}: {figure}"
        for path in sources
        for line, figure in scan(path, figures)
    ]
    assert not found, "printed figures typed into the code:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code",
    [
        'def this_year():\n    return "28181"\n',
        "RATE = 94.5\n",
        'LABEL = f"Worsened ({6.9}% pt.)"\n',
        'def diff():\n    """Derived."""\n    return "KSI up 6.9"\n',
        "ROWS = {'ksi': (669, 715)}\n",
    ],
)
def test_the_scan_finds_a_typed_figure(tmp_path, figures, code):
    module = tmp_path / "typed.py"
    module.write_text(code, encoding="utf-8")
    assert scan(module, figures), f"the scan missed a figure in {code!r}"


def test_the_scan_leaves_documentation_and_other_numbers_alone(tmp_path, figures):
    module = tmp_path / "documented.py"
    module.write_text(
        '"""KSI: (715 - 669) / 669 = 6.9."""\n'
        "# 28181 incidents\n"
        "def months(end):\n"
        '    """12 months: 94.5% of them."""\n'
        "    return [end.shift(i) for i in range(-11, 1)], 1.96, '2013-07', 28181.5, 16.95\n",
        encoding="utf-8",
    )
    assert scan(module, figures) == []
