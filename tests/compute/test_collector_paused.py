"""``check`` runs with the cyclic collector paused (``reportgen.CollectorPaused``): its
passes found next to nothing in one pass over a report folder, and cost a check just
after a save of the data some 20 ms. The setting before is restored."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

from reportgen import CollectorPaused


@contextlib.contextmanager
def counted_passes() -> Iterator[list[int]]:
    """The generation of every collector pass made within."""
    passes: list[int] = []

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(counted)
    try:
        yield passes
    finally:
        gc.callbacks.remove(counted)


def test_no_pass_runs_within_and_the_setting_is_restored() -> None:
    with counted_passes() as passes:
        assert gc.isenabled()
        with CollectorPaused():
            assert not gc.isenabled()
            kept = [[n] for n in range(200_000)]  # many times the young generation's limit
        assert gc.isenabled() and passes == []
    gc.disable()
    try:
        with CollectorPaused():
            pass
        assert not gc.isenabled()  # off before: off after
    finally:
        gc.enable()
    assert len(kept) == 200_000


def test_a_check_runs_no_collector_pass(report_copy: Path, run_cli) -> None:
    data = report_copy / "data" / "monthly.csv"
    data.write_text(data.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # loaded afresh
    with counted_passes() as passes:
        result = run_cli("check", root=report_copy)
    assert result.code == 0, result.err
    assert passes == [] and gc.isenabled()
