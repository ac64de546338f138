"""A row's years and difference are derived once per data set and catalogue: an
edition's row is the next edition's previous row (``compute.tables._years``)."""

from __future__ import annotations

import msgspec

from reportgen.compute.aggregate import Figures
from reportgen.compute.tables import derive
from reportgen.load.catalogue import Catalogue
from reportgen.months import Month

MARCH, FEBRUARY = Month(2014, 3), Month(2014, 2)


def test_the_previous_row_is_the_row_the_previous_edition_made(sample_report) -> None:
    catalogue, data = sample_report.catalogue, sample_report.data
    measure = catalogue["da_incidents"]
    february = derive(Figures(catalogue, data, FEBRUARY), measure, FEBRUARY)
    march = derive(Figures(catalogue, data, MARCH), measure, MARCH)
    assert march.previous is not None
    assert march.previous is derive(
        Figures(catalogue, data, FEBRUARY), measure, FEBRUARY, with_previous=False
    )
    # made once, and the same figures as February's own row
    assert march.previous.this_year is february.this_year
    assert march.previous.difference_text == february.difference_text


def test_another_catalogue_is_not_served_the_rows_of_the_first(sample_report) -> None:
    catalogue, data = sample_report.catalogue, sample_report.data
    measure = catalogue["da_incidents"]
    first = derive(Figures(catalogue, data, MARCH), measure, MARCH, with_previous=False)
    # the same measure under another window: the same data, other figures
    window = msgspec.structs.replace(measure.window, lag=measure.window.lag + 1)
    other_measure = msgspec.structs.replace(measure, window=window)
    other = Catalogue({**catalogue.measures, measure.id: other_measure}, catalogue.file)
    second = derive(Figures(other, data, MARCH), other_measure, MARCH, with_previous=False)
    assert second is not first
    assert second.this_year.months != first.this_year.months
