"""No printed figure is typed into reportgen/: the code derives, the data and tests hold numbers.

Every numeric figure of the golden table's measure and confidence-interval rows (last
year, this year, Better/Worse, MSG rank, the x of "Improved (x% pt.)") is searched for
in the code of every ``.py`` file under ``reportgen/``. Comments and docstrings are
documentation, not code, and are not searched (rules.py explains the rules with the
printed examples).

Which figures, where:

- in string literals (f-strings included), where a printed cell would be typed
  (``return "28181"``): every figure with two or more significant digits (28181, 94.5,
  6.9, 13.6, 27.00 ...), except the few in ``TRIVIAL``;
- in numeric literals: figures with three or more significant digits (28181, 94.5,
  13.6, 715). Two-digit numbers such as 1.2, 1.5, 3.2, 15, 42 or 72 are the stuff of
  layout and typography (leading, padding, points per inch) and would make the test
  fail for the wrong reason.

Single significant digits (0.0, 0.5, 1, 8, ranks 5-8, 0.02) are too common to mean
anything and are never searched.
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
# a whole number token: not part of a longer number, a name or a unit
# ("2013-07" -> 2013 and 07; "15mm" and "h1" -> nothing; "94.5%" -> 94.5)
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w|\.\d)")
NUMERIC_LITERAL_DIGITS = 3


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
            wanted = {f for f in figures if significant_digits(f) >= NUMERIC_LITERAL_DIGITS}
        elif isinstance(node.value, str):
            text, wanted = node.value, figures
        else:
            continue
        found.extend((node.lineno, token) for token in NUMBER.findall(text) if token in wanted)
    return sorted(found)


@pytest.fixture(scope="module")
def figures(golden_rows) -> set[str]:
    return printed_figures(golden_rows)


def test_the_search_covers_the_printed_figures(figures):
    """The search is not empty: the table's telling figures are all in it."""
    for figure in (
        "28181",
        "100144",
        "94.5",
        "6.9",
        "13.6",
        "27.00",
        "29.17",
        "2.17",
        "21.7",
        "1.2",
        "46",
        "715",
        "669",
    ):
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
        'LABEL = f"{name}: Worsened (4.0% pt.)"\n',
        "CI = ['1.2%', '1.4%']\n",
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
        "    leading, points = 1.2 * end, 72 / 2.54  # layout, not figures\n"
        "    return [end.shift(i) for i in range(-11, 1)], 1.96, '2013-07', 28181.5, '15mm'\n",
        encoding="utf-8",
    )
    assert scan(module, figures) == []
