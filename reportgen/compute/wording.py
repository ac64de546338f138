"""Fill layout templates: month names from the edition and the measures' windows.

Placeholders: ``{edition}`` (March 2014), ``{edition_abbr}`` (Mar 2014),
``{previous_edition}``, ``{edition_last_year}`` (March 2013), ``{financial_year}``
(2013/14), ``{financial_year_dashed}`` (2013-14), ``{last_financial_year_dashed}``
(2012-13), ``{last_financial_year_start}`` (2012), and per table ``{number}``,
``{title}``, ``{data_month}`` (Sept 2013),
``{previous_data_month}`` (Aug 2013); per measure ``{this_period:ID}`` (September 2013,
or "April to March 2014" for a run of months), ``{last_period:ID}``,
``{comparable_from:ID}``, ``{msg_period_end:ID}`` and ``{survey_period_end:ID}``.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from reportgen.errors import InputError
from reportgen.load.catalogue import Catalogue
from reportgen.load.data import PerformanceData
from reportgen.load.template import Template
from reportgen.months import Month


def describe_months(months: list[Month]) -> str:
    """ "September 2013" for one month; "April to March 2014" for a run of months."""
    if len(months) == 1:
        return months[0].name
    # The printed edition names a run of months by its end: "April to March 2014".
    return f"{months[0].month_name} to {months[-1].name}"


class Wording(msgspec.Struct, frozen=True):
    edition: Month
    catalogue: Catalogue
    data: PerformanceData

    def fill(self, template: Template, extra: Mapping[str, str] | None = None) -> str:
        """The template's text with each placeholder filled for the edition.

        The layout loader has checked every placeholder's name against where it is used;
        ``extra`` holds the table's own values (number, title, data month).
        """
        values = dict(self._edition_values())
        values.update(extra or {})
        text: list[str] = []
        for part in template.parts or (template.text,):
            if isinstance(part, str):
                text.append(part)
            elif part.measure is not None:
                text.append(self._measure_value(part.name, part.measure, template))
            elif part.name in values:
                text.append(values[part.name])
            else:  # a loader that let this through has a bug: say where, not KeyError
                raise InputError(
                    f"placeholder {{{part.name}}} cannot be used here",
                    file=template.file,
                    line=template.line,
                )
        return "".join(text)

    def _edition_values(self) -> dict[str, str]:
        edition = self.edition
        fy_start = edition.financial_year_start.year
        return {
            "edition": edition.name,
            "edition_abbr": edition.abbr,
            "previous_edition": edition.shift(-1).name,
            "previous_edition_abbr": edition.shift(-1).abbr,
            "edition_last_year": edition.shift(-12).name,
            "financial_year": edition.financial_year,
            "financial_year_dashed": f"{fy_start}-{(fy_start + 1) % 100:02d}",
            "last_financial_year_dashed": f"{fy_start - 1}-{fy_start % 100:02d}",
            "last_financial_year_start": str(fy_start - 1),
        }

    def _measure_value(self, name: str, measure_id: str, template: Template) -> str:
        measure = self.catalogue.get(measure_id)
        if measure is None:
            raise InputError(
                f"placeholder {{{name}:{measure_id}}} names an unknown measure",
                file=template.file,
                line=template.line,
                hint=f"measures are defined in {self.catalogue.file}",
            )
        this_year = measure.window.months(self.edition)
        if name == "this_period":
            return describe_months(this_year)
        if name == "last_period":
            return describe_months([m.shift(-12) for m in this_year])
        if name == "comparable_from":
            if measure.comparable_from is None:
                raise InputError(
                    f"{measure_id} has no comparable_from",
                    file=template.file,
                    line=template.line,
                )
            return measure.comparable_from.name
        if name in ("msg_period_end", "survey_period_end"):
            source = self.data.msg_file if name == "msg_period_end" else self.data.survey_file
            # a missing row is told as the table that needs it tells it: one problem
            entry = (
                self.data.msg_ranking(self.edition, measure_id)
                if name == "msg_period_end"
                else self.data.survey_estimate(self.edition, measure_id)
            )
            if entry.period_end is None:
                raise InputError(
                    f"{{{name}:{measure_id}}} needs a period_end for {measure_id} in edition "
                    f"{self.edition}",
                    file=source,
                    hint=f"add it to {source}; the template is at {template.file}:{template.line}",
                )
            return entry.period_end.name
        raise InputError(
            f"unknown placeholder {{{name}:{measure_id}}}", file=template.file, line=template.line
        )
