"""What the chart tests share: the sample edition's charts and their style."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def sample_charts() -> tuple[list[Any], Any]:
    """The March 2014 edition's charts (``ChartData``) and the theme's ``ChartStyle``."""
    from reportgen.compute.edition import compute_edition
    from reportgen.load.folder import load_content, load_report, load_report_theme
    from reportgen.months import Month
    from reportgen.render.charts import ChartStyle
    from tests.conftest import REPO_ROOT

    folder = load_report(REPO_ROOT)
    month = Month(2014, 3)
    edition = compute_edition(folder, month, load_content(folder, month))
    return edition.charts(), ChartStyle.from_theme(load_report_theme(folder))
