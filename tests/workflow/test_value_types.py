"""reportgen's value types are msgspec Structs, not dataclasses.

Every process imports some eighty of them before it does any work. Python 3.11 makes a
dataclass by generating and compiling its methods, about 0.3 ms a class; msgspec makes
a Struct in C, in a tenth of that, and constructs a frozen one several times faster.
Together that was about 25 ms of every command. A dataclass stays only where a Struct
cannot do the same job, each listed here with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "reportgen"
DATACLASSES = {
    # a field left out of equality (compare=False): two rows that print the same are equal
    ("compute/tables.py", "Row"),
    ("compute/tables.py", "TableRows"),
    # the password and token left out of repr (repr=False), so no message shows them
    ("deliver/smtpsettings.py", "SmtpSettings"),
    # a Mapping (collections.abc): a Struct has no base but another Struct
    ("load/catalogue.py", "Catalogue"),
}


def _decorated_dataclasses() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = getattr(target, "attr", None) or getattr(target, "id", None)
                if name == "dataclass":
                    found.add((path.relative_to(PACKAGE).as_posix(), node.name))
    return found


def test_only_the_listed_classes_are_dataclasses() -> None:
    assert _decorated_dataclasses() == DATACLASSES
