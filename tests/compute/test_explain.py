"""``reportgen explain``: each kind of measure explained, against figures worked by hand.

The folder is made here (a small catalogue and hand-chosen figures), so every expected
value below is worked out in the comments from the CSV rows written in this file, never
by calling the code under test. The edition is May 2013: a financial year to date is
April-May, its previous edition April.
"""

from __future__ import annotations

import json

import pytest

from reportgen.compute.aggregate import Figures
from reportgen.compute.explain import (
    difference_arithmetic,
    explain_json,
    explain_text,
    interval_arithmetic,
    movement_arithmetic,
    msg_arithmetic,
    year_arithmetic,
)
from reportgen.compute.tables import Derivation, derive
from reportgen.load.catalogue import load_catalogue
from reportgen.load.data import load_data
from reportgen.months import Month

MAY, APRIL = Month(2013, 5), Month(2013, 4)

CATALOGUE = """\
measures:
  crimes: {label: Crimes, unit: count, polarity: lower_is_better, aggregation: sum,
           window: financial_year_to_date}
  solved_rate: {label: Solved rate, unit: percent, decimals: 1, polarity: higher_is_better,
                aggregation: ratio, window: financial_year_to_date}
  wait: {label: Average wait, unit: seconds, polarity: lower_is_better, aggregation: ratio,
         window: financial_year_to_date}
  fatal: {label: Fatal, unit: count, polarity: lower_is_better, aggregation: sum,
          window: financial_year_to_date}
  serious: {label: Serious, unit: count, polarity: lower_is_better, aggregation: sum,
            window: financial_year_to_date}
  ksi: {label: KSI, unit: count, polarity: lower_is_better, aggregation: sum_of,
        of: [fatal, serious], window: financial_year_to_date}
  offenders: {label: Offenders, unit: count, polarity: lower_is_better, aggregation: sum,
              window: month, lag: 6}
  satisfied: {label: Satisfied, unit: percent, decimals: 1, polarity: higher_is_better,
              aggregation: ratio, window: rolling_12_months, confidence_interval: true}
  survey: {label: Survey, unit: percent, decimals: 1, polarity: higher_is_better,
           aggregation: reported, window: rolling_12_months}
  new_thing: {label: New thing, unit: count, polarity: higher_is_better, aggregation: sum,
              window: month, comparable_from: 2013-04}
  rare: {label: Rare, unit: count, polarity: lower_is_better, aggregation: sum, window: month}
"""
ROWS = [
    # crimes: last year April 100 + May 110 = 210; this year April 95 + May 120 = 215
    "crimes,2012-04,100,",
    "crimes,2012-05,110,",
    "crimes,2013-04,95,",
    "crimes,2013-05,120,",
    # solved rate: last year (30 + 35) / (100 + 110) = 65/210; this year (33 + 40) / (95 + 120)
    "solved_rate,2012-04,30,100",
    "solved_rate,2012-05,35,110",
    "solved_rate,2013-04,33,95",
    "solved_rate,2013-05,40,120",
    # wait (seconds): last year (1200 + 1320) / (100 + 110) = 2520/210 = 12
    # this year (950 + 1260) / (95 + 120) = 2210/215
    "wait,2012-04,1200,100",
    "wait,2012-05,1320,110",
    "wait,2013-04,950,95",
    "wait,2013-05,1260,120",
    # KSI = fatal + serious
    "fatal,2012-04,2,",
    "fatal,2012-05,3,",
    "fatal,2013-04,1,",
    "fatal,2013-05,4,",
    "serious,2012-04,40,",
    "serious,2012-05,45,",
    "serious,2013-04,50,",
    "serious,2013-05,38,",
    # offenders, six months in arrears: May 2013 shows November 2012 against November 2011
    "offenders,2011-10,300,",
    "offenders,2011-11,320,",
    "offenders,2012-10,280,",
    "offenders,2012-11,336,",
    "new_thing,2013-04,5,",
    "new_thing,2013-05,7,",
    "rare,2012-05,0,",
    "rare,2013-05,3,",
    "rare,2012-04,0,",
    "rare,2013-04,2,",
]
# satisfied: 80 of 100 each month from May 2011 to May 2012, 90 of 100 from June 2012
SATISFIED = [f"satisfied,{m},80,100" for m in (f"2011-{n:02d}" for n in range(5, 13))]
SATISFIED += [f"satisfied,2012-{n:02d},80,100" for n in range(1, 6)]
SATISFIED += [f"satisfied,2012-{n:02d},90,100" for n in range(6, 13)]
SATISFIED += [f"satisfied,2013-{n:02d},90,100" for n in range(1, 6)]
MSG = """\
edition,measure,rank,msg_average,period_end
2013-05,solved_rate,3,33.0,2013-04
2013-05,crimes,n/a,,
"""
SURVEY = """\
edition,measure,last_year,this_year,period_end
2013-04,survey,60.3,57.9,2012-12
2013-05,survey,60.3,58.3,2013-03
"""
# the April 2013 edition printed 97 crimes for April 2013; the figure was corrected to 95
REVISIONS = """\
measure,month,numerator,denominator,until_edition
crimes,2013-04,97,,2013-04
"""


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    folder = tmp_path_factory.mktemp("explain") / "data"
    folder.mkdir()
    (folder / "catalogue.yaml").write_text(CATALOGUE, encoding="utf-8")
    monthly = ["measure,month,numerator,denominator", *ROWS, *SATISFIED]
    (folder / "monthly.csv").write_text("\n".join(monthly) + "\n", encoding="utf-8")
    (folder / "msg.csv").write_text(MSG, encoding="utf-8")
    (folder / "survey_estimates.csv").write_text(SURVEY, encoding="utf-8")
    (folder / "revisions.csv").write_text(REVISIONS, encoding="utf-8")
    catalogue = load_catalogue(folder / "catalogue.yaml", "data/catalogue.yaml")
    return Figures(catalogue, load_data(folder, catalogue, folder.parent))


def made(figures: Figures, measure: str, edition: Month = MAY, **options) -> Derivation:
    return derive(figures, figures.catalogue[measure], edition, **options)


def test_a_count(figures) -> None:
    row = made(figures, "crimes")
    assert year_arithmetic(row.measure, row.this_year) == "Σ over 2 month(s) = 215 → 215"
    assert year_arithmetic(row.measure, row.last_year) == "Σ over 2 month(s) = 210 → 210"
    # (215 - 210) / 210 x 100 = 2.380952... -> 2.4
    assert difference_arithmetic(row) == "(215 − 210) / 210 × 100 = 2.381… → 2.4, half-up"
    # April's edition, with April 2013 as it stood then (97, revised since):
    # (97 - 100) / 100 x 100 = -3.0; movement 2.4 - (-3.0) = 5.4, a rise in a lower-is-better
    assert difference_arithmetic(row.previous) == "(97 − 100) / 100 × 100 = -3 → -3.0, half-up"
    assert movement_arithmetic(row) == (
        "2.4 − (-3.0) = 5.4; lower is better, it rose, which is bad → Worsened (5.4% pt.)"
    )
    text = explain_text(row, 1)
    assert "figures as they stood for 2013-05 (no revision applies)" in text
    assert (
        "figures as they stood for 2013-04: 1 revised figure(s) from the vintage until "
        "edition 2013-04" in text
    )
    # each month's figure is in the window table, with its source line
    assert "    2013-04         95\n    2013-05        120\n    total          215" in text
    assert "crimes: data/monthly.csv:4 … data/monthly.csv:5 (2 rows)" in text


def test_a_rate_and_its_msg_colour(figures) -> None:
    row = made(figures, "solved_rate", msg_ranking=True)
    # this year 73 / 215 x 100 = 33.953488... -> 34.0; last year 65 / 210 x 100 = 30.952380...
    assert year_arithmetic(row.measure, row.this_year) == (
        "Σ numerator / Σ denominator × 100 = 73 / 215 × 100 = 33.953… → 34.0%, half-up"
    )
    assert year_arithmetic(row.measure, row.last_year) == (
        "Σ numerator / Σ denominator × 100 = 65 / 210 × 100 = 30.952… → 31.0%, half-up"
    )
    # rates differ by their displayed values: 34.0 - 31.0 = 3.0
    assert difference_arithmetic(row).startswith("34.0 − 31.0 = 3.0 (the displayed values")
    # April: 33 / 95 = 34.736842... -> 34.7 against 30 / 100 = 30.0: 4.7; 3.0 - 4.7 = -1.7
    assert movement_arithmetic(row).endswith(
        "higher is better, it fell, which is bad → Worsened (-1.7% pt.)"
    )
    # ours 34.0 against the MSG average 33.0, higher is better: green
    assert msg_arithmetic(row).startswith(
        "rank 3 of 8 (1 = best), period to 2013-04 (data/msg.csv:2); MSG average 33 → 33.0, "
        "ours 34.0: higher is better, ours is better → green"
    )


def test_a_seconds_average(figures) -> None:
    row = made(figures, "wait")
    # 2210 / 215 = 10.279069... -> 10; 2520 / 210 = 12 exactly
    assert year_arithmetic(row.measure, row.this_year) == (
        "Σ numerator / Σ denominator = 2210 / 215 = 10.28… → 10, half-up"
    )
    assert year_arithmetic(row.measure, row.last_year) == (
        "Σ numerator / Σ denominator = 2520 / 210 = 12 → 12, half-up"
    )
    assert difference_arithmetic(row).startswith("10 − 12 = -2 (the displayed values")
    # April: 950 / 95 = 10 against 1200 / 100 = 12: -2 again, so no movement
    assert movement_arithmetic(row) == (
        "-2 − (-2) = 0; lower is better, no change at the printed precision → Same"
    )


def test_a_composite_sum(figures) -> None:
    row = made(figures, "ksi")
    # this year fatal 1 + 4 = 5, serious 50 + 38 = 88; last year 2 + 3 = 5, 40 + 45 = 85
    assert year_arithmetic(row.measure, row.this_year) == (
        "ksi = fatal + serious = 5 + 88 = 93 → 93"
    )
    assert year_arithmetic(row.measure, row.last_year) == (
        "ksi = fatal + serious = 5 + 85 = 90 → 90"
    )
    # (93 - 90) / 90 x 100 = 3.333... -> 3.3; April (51 - 42) / 42 x 100 = 21.428... -> 21.4
    assert difference_arithmetic(row) == "(93 − 90) / 90 × 100 = 3.333… → 3.3, half-up"
    assert movement_arithmetic(row).endswith("→ Improved (-18.1% pt.)")  # 3.3 - 21.4
    assert "    month        fatal    serious\n    2013-04          1         50" in explain_text(
        row, None
    )


def test_a_lagged_month(figures) -> None:
    row = made(figures, "offenders")
    assert row.this_year.months == (Month(2012, 11),)
    assert row.last_year.months == (Month(2011, 11),)
    # (336 - 320) / 320 x 100 = 5 exactly; April shows October: (280 - 300) / 300 = -6.666...
    assert difference_arithmetic(row) == "(336 − 320) / 320 × 100 = 5 → 5.0, half-up"
    assert difference_arithmetic(row.previous) == (
        "(280 − 300) / 300 × 100 = -6.667… → -6.7, half-up"
    )
    assert movement_arithmetic(row).endswith("→ Worsened (11.7% pt.)")  # 5.0 - (-6.7)
    assert "Last year: November 2011 (2011-11)" in explain_text(row, 3)


def test_a_rolling_survey_measure_with_its_confidence_intervals(figures) -> None:
    row = made(figures, "satisfied")
    # June 2012 - May 2013: 12 x 90 of 12 x 100; June 2011 - May 2012: 12 x 80 of 1200
    assert year_arithmetic(row.measure, row.this_year) == (
        "Σ numerator / Σ denominator × 100 = 1080 / 1200 × 100 = 90 → 90.0%, half-up"
    )
    assert year_arithmetic(row.measure, row.last_year) == (
        "Σ numerator / Σ denominator × 100 = 960 / 1200 × 100 = 80 → 80.0%, half-up"
    )
    # April: May 2012 - April 2013 = 80 + 11 x 90 = 1070 of 1200 = 89.1666... -> 89.2
    assert row.previous.this_year.text == "89.2%"
    assert movement_arithmetic(row).endswith("→ Improved (0.8% pt.)")  # 10.0 - 9.2
    last, this = row.intervals
    # 1.96 x sqrt(0.9 x 0.1 / 1200) x 100 = 1.96 x 0.0086603 x 100 = 1.6974 -> 1.7%
    assert interval_arithmetic(this, row.this_year) == (
        "1.96 × √(p(1 − p) / n) × 100 with p = 1080 / 1200 = 0.9, n = 1200 = 1.697… → 1.7%, half-up"
    )
    # 1.96 x sqrt(0.8 x 0.2 / 1200) x 100 = 1.96 x 0.0115470 x 100 = 2.2632 -> 2.3%
    assert last.text == "2.3%"


def test_a_reported_survey_estimate(figures) -> None:
    row = made(figures, "survey")
    assert year_arithmetic(row.measure, row.this_year) == (
        "reported estimate 58.3 (data/survey_estimates.csv:3) → 58.3%"
    )
    # 58.3 - 60.3 = -2.0; April 57.9 - 60.3 = -2.4; -2.0 - (-2.4) = 0.4
    assert movement_arithmetic(row).endswith("→ Improved (0.4% pt.)")


def test_a_survey_estimate_missing_for_the_previous_edition_is_an_error(figures) -> None:
    from reportgen.errors import InputError

    with pytest.raises(InputError, match="no survey estimate for survey in edition 2013-03"):
        made(figures, "survey", APRIL)


def test_not_available_and_why(figures) -> None:
    row = made(figures, "new_thing")
    assert (row.last_year.text, row.difference_text, row.movement.text) == ("n/a",) * 3
    assert year_arithmetic(row.measure, row.last_year) == "n/a: not comparable before 2013-04"
    # April's own last year (April 2012) was not comparable either
    assert movement_arithmetic(row) == "n/a: not comparable before 2013-04"
    # in April itself, March was before the measure was monitored at all
    assert made(figures, "new_thing", APRIL).movement_reason == "not yet monitored"
    # a count that was zero last year has no percentage change
    rare = made(figures, "rare")
    assert difference_arithmetic(rare) == "last year was 0: n/a: no base (last year was zero)"
    # no MSG ranking published
    assert msg_arithmetic(made(figures, "crimes", msg_ranking=True)) == (
        "n/a: no MSG ranking published (data/msg.csv:3)"
    )


def test_json_has_the_same_derivation(figures) -> None:
    row = made(figures, "ksi")
    data = json.loads(json.dumps(explain_json(row, 5)))
    assert data["measure"] == "ksi" and data["section"] == 5
    assert data["this_year"]["printed"] == "93"
    assert data["diff"]["arithmetic"] == "(93 − 90) / 90 × 100 = 3.333… → 3.3, half-up"
    assert data["diff"]["unrounded"] == "10/3"  # (93 - 90) / 90 x 100, exactly
    fatal = [f for f in data["this_year"]["figures"] if f["measure"] == "fatal"]
    assert [(f["month"], f["numerator"], f["source"]) for f in fatal] == [
        ("2013-04", "1", "data/monthly.csv:16"),
        ("2013-05", "4", "data/monthly.csv:17"),
    ]
    assert data["movement"]["previous_diff"] == "21.4"


# --- the sample edition, through the CLI ----------------------------------------------


def test_explain_the_printed_ksi_through_the_cli(run_cli) -> None:
    # published in the March 2014 edition: KSI 669 last year, 715 this year, 6.9
    result = run_cli("explain", "ksi", "--edition", "2014-03")
    assert result.code == 0, result.err
    assert (
        "Better/Worse (percentage change): (715 − 669) / 669 × 100 = 6.876… → 6.9, half-up"
        in result.out.splitlines()
    )
    as_json = json.loads(run_cli("explain", "ksi", "--edition", "2014-03", "--format", "json").out)
    assert as_json["diff"]["printed"] == "6.9"


def test_a_gap_in_another_measure_s_figures_does_not_stop_explaining_this_one(run_cli) -> None:
    # the sample's figures do not reach back far enough for every measure of March 2013
    assert run_cli("figures", "--edition", "2013-03").code == 1
    result = run_cli("explain", "ksi", "--edition", "2013-03")
    assert result.code == 0, result.err
    assert result.out.startswith("ksi: All people killed or seriously injured"), result.out
    assert "section 5" in result.out.splitlines()[1]
    # and a measure whose own figures are missing is told so
    gap = run_cli("explain", "satisfaction_contact", "--edition", "2013-03")
    assert gap.code == 1 and "no figure for satisfaction_contact in 2011-03" in gap.err


def test_explain_an_unknown_measure(run_cli) -> None:
    result = run_cli("explain", "ksi_cyclist", "--edition", "2014-03")
    assert result.code == 1
    assert result.err.startswith(
        "reportgen: error: data/catalogue.yaml: unknown measure 'ksi_cyclist' (did you mean "
        "'ksi_cyclists'?)"
    )


def test_figures_json_gives_ids_colours_and_reasons(run_cli, golden_rows) -> None:
    result = run_cli("figures", "--edition", "2014-03", "--format", "json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)["rows"]
    # the same cells as the CSV
    assert [[str(r[c]) for c in golden_rows[0]] for r in rows] == golden_rows[1:]
    by_label = {r["label"]: r for r in rows if r["kind"] == "measure"}
    ksi = by_label["All people killed or seriously injured (KSI) in road collisions"]
    assert (ksi["measure"], ksi["unit"], ksi["decimals"], ksi["polarity"]) == (
        "ksi",
        "count",
        0,
        "lower_is_better",
    )
    incidents = by_label["Number of domestic abuse incidents"]
    assert incidents["not_available"] == {
        "last_year": "not comparable before 2013-04",
        "diff": "not comparable before 2013-04",
        "movement": "not comparable before 2013-04",
    }
    for row in rows:
        cells = [
            c for c in ("last_year", "this_year", "diff", "msg_rank", "movement") if row[c] == "n/a"
        ]
        assert sorted(row["not_available"]) == sorted(cells), row
        if row["msg_rank"] not in ("", "n/a"):
            assert row["msg_colour"] in ("green", "red", "black")
