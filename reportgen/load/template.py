"""Layout text templates: ``"Data to {data_month}"`` -> a ``Template`` of literal text and
``Placeholder``s, checked when the layout is loaded.

Month names in a layout come from the edition, never from typed text, so layout text
names them by placeholder. Which placeholders a text may use depends on where it is
(a table caption may name its data month; a cover line may not); every ``{…}`` must be
one of them, written ``{name}`` or ``{name:MEASURE}``. Braces around anything that is
not a name (``$\frac{$``, ``{ }``) are printed as written, and ``{{``/``}}`` print one
brace (to print ``{edition}`` itself). An unknown placeholder is refused by file and
line when the layout is loaded, not when an edition happens to use it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Unpack

import msgspec

from reportgen.errors import InputError, Problems, Where
from reportgen.load.schema import did_you_mean

# What each placeholder prints is decided in ``compute.wording``; these are the names.
EDITION_PLACEHOLDERS = (
    "edition",  # March 2014
    "edition_abbr",  # Mar 2014
    "previous_edition",
    "previous_edition_abbr",
    "edition_last_year",  # March 2013
    "financial_year",  # 2013/14
    "financial_year_dashed",  # 2013-14
    "last_financial_year_dashed",  # 2012-13
    "last_financial_year_start",  # 2012
)
TABLE_PLACEHOLDERS = ("number", "title", "data_month", "previous_data_month")
STATEMENT_PLACEHOLDERS = ("number", "title")
MEASURE_PLACEHOLDERS = (
    "this_period",  # September 2013, or "April to March 2014"
    "last_period",
    "comparable_from",
    "msg_period_end",
    "survey_period_end",
)

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*(?::[^{}\s]*)?)\}")
_NAME = re.compile(r"([a-z_]+)(?::([A-Za-z][A-Za-z0-9_]*))?")


class TemplateError(InputError):
    """A bad placeholder; ``token`` is its text as written, to find its own line."""

    def __init__(
        self, message: str, *, token: str, hint: str | None = None, **where: Unpack[Where]
    ) -> None:
        super().__init__(message, hint=hint, **where)
        self.token = token


class TemplateProblems(Problems):
    """Several bad placeholders of one text, each a ``TemplateError``."""

    def __init__(self, errors: list[TemplateError]) -> None:
        super().__init__(list(errors))
        self.errors = tuple(errors)  # as written, left to right


class Placeholder(msgspec.Struct, frozen=True):
    name: str
    measure: str | None = None  # {this_period:ID}


class Template(msgspec.Struct, frozen=True):
    """Text with placeholders, remembering where it was written."""

    text: str
    file: str
    line: int
    parts: tuple[str | Placeholder, ...] = ()

    def placeholders(self) -> list[Placeholder]:
        return [part for part in self.parts if isinstance(part, Placeholder)]


def parse_template(
    text: str,
    *,
    file: str,
    line: int,
    names: Collection[str],
    measures: Mapping[str, object],
    comparable: Collection[str] = (),
    reported: Collection[str] | None = None,
) -> Template:
    """``text`` as a ``Template``; raises InputError for any brace that is not a known
    placeholder. ``names`` are the plain placeholders allowed here; measure placeholders
    are allowed everywhere, naming a measure of ``measures`` (``comparable``: those with
    a comparable_from month; ``reported``: those whose figures are reported, not derived,
    where a survey estimate's period is asked for)."""
    text = " ".join(text.split())
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    bad: list[TemplateError] = []  # every bad placeholder of the text, not the first
    position = 0
    for match in _FIELD.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        inside = match.group(1)
        try:
            placeholder = _placeholder(inside, file=file, line=line, names=names, measures=measures)
        except TemplateError as error:
            bad.append(error)
            continue
        if placeholder.name == "comparable_from" and placeholder.measure not in comparable:
            bad.append(
                TemplateError(
                    f"{{comparable_from:{placeholder.measure}}}: measure "
                    f"{placeholder.measure!r} has no comparable_from month",
                    token=token,
                    file=file,
                    line=line,
                    hint="add 'comparable_from: YYYY-MM' to it in the catalogue, or remove "
                    "the placeholder",
                )
            )
            continue
        if (
            placeholder.name == "survey_period_end"
            and reported is not None
            and placeholder.measure not in reported
        ):
            bad.append(
                TemplateError(
                    f"{{survey_period_end:{placeholder.measure}}}: measure "
                    f"{placeholder.measure!r} is derived from monthly data, and has no survey "
                    "estimate to give a period",
                    token=token,
                    file=file,
                    line=line,
                    hint="name a measure with 'aggregation: reported', or use "
                    f"{{this_period:{placeholder.measure}}}",
                )
            )
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(placeholder)
    if bad:
        raise bad[0] if len(bad) == 1 else TemplateProblems(bad)
    literal.append(text[position:])
    if "".join(literal):
        parts.append("".join(literal))
    return Template(text, file, line, tuple(parts))


def _placeholder(
    inside: str, *, file: str, line: int, names: Collection[str], measures: Mapping[str, object]
) -> Placeholder:
    token = f"{{{inside}}}"
    where = Where(file=file, line=line)
    known = sorted(names) + [f"{name}:MEASURE" for name in MEASURE_PLACEHOLDERS]
    hint = "placeholders here: " + ", ".join(f"{{{name}}}" for name in known)
    hint += "; write {{ or }} to print a brace"
    all_names = [*names, *MEASURE_PLACEHOLDERS]
    match = _NAME.fullmatch(inside)
    if not match:
        name = inside.split(":")[0]
        suggestion = did_you_mean(name.lower(), all_names)
        raise TemplateError(
            f"unknown placeholder {token}{suggestion}", token=token, hint=hint, **where
        )
    name, measure = match.group(1), match.group(2)
    if measure is None:
        if name not in names:
            suggestion = did_you_mean(name, all_names)
            if name in MEASURE_PLACEHOLDERS:
                suggestion = f" (it names a measure: {{{name}:MEASURE}})"
            raise TemplateError(
                f"unknown placeholder {token}{suggestion}", token=token, hint=hint, **where
            )
        return Placeholder(name)
    if name not in MEASURE_PLACEHOLDERS:
        suggestion = did_you_mean(name, MEASURE_PLACEHOLDERS)
        raise TemplateError(
            f"unknown placeholder {token}{suggestion}", token=token, hint=hint, **where
        )
    if measure not in measures:
        raise TemplateError(
            f"placeholder {token} names an unknown measure" + did_you_mean(measure, measures),
            token=token,
            hint="measures are defined in the catalogue",
            **where,
        )
    return Placeholder(name, measure)
