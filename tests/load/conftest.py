"""Small data folders for the data-file tests: the sample catalogue and a few rows.

``data_folder`` holds ``catalogue.yaml`` (copied from the sample) and short
``monthly.csv``, ``msg.csv`` and ``survey_estimates.csv`` files that load cleanly (and
``REVISIONS``, a ``revisions.csv`` to add); each test breaks one thing and reads the
problems ``load_data`` raises.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.errors import Problems, ReportgenError
from reportgen.load.catalogue import Catalogue, load_catalogue
from reportgen.load.data import PerformanceData, load_data

REPO_ROOT = Path(__file__).resolve().parents[2]

MONTHLY = """\
measure,month,numerator,denominator
ksi_fatalities,2013-04,3,
ksi_fatalities,2013-05,4,
da_solved_rate,2013-04,300,1000
da_solved_rate,2013-05,310,1010
"""
MSG = """\
edition,measure,rank,msg_average,period_end
2013-05,all_crime,6,95020,2013-04
2013-05,emergency_calls,n/a,,
"""
SURVEY = """\
edition,measure,last_year,this_year,period_end
2013-05,csew_good_job,60.3,58.3,2013-03
"""
REVISIONS = """\
measure,month,numerator,denominator,until_edition
ksi_fatalities,2013-04,2,,2013-04
"""


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    """A report folder with the sample catalogue and a few good rows of each data file."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO_ROOT / "data" / "catalogue.yaml", data / "catalogue.yaml")
    for name, text in (
        ("monthly.csv", MONTHLY),
        ("msg.csv", MSG),
        ("survey_estimates.csv", SURVEY),
    ):
        (data / name).write_text(text, encoding="utf-8")
    return tmp_path


Load = Callable[[Path], PerformanceData]


@pytest.fixture
def load() -> Load:
    def run(root: Path) -> PerformanceData:
        catalogue: Catalogue = load_catalogue(
            root / "data" / "catalogue.yaml", "data/catalogue.yaml"
        )
        return load_data(root / "data", catalogue, root)

    return run


def problems_of(load: Load, root: Path) -> list[str]:
    """Every problem ``load_data`` reports for the folder, one string each, in order."""
    try:
        load(root)
    except Problems as exc:
        return [str(problem) for problem in exc.problems]
    except ReportgenError as exc:
        return [str(exc)]
    raise AssertionError("the folder loaded without a problem")
