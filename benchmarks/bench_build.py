"""Benchmark: the default build as a whole process against the import floor.

Runs, in turn on the same machine, N rounds of:
  floor  python -c "import reportlab.platypus, matplotlib.pyplot, pandas, yaml, pikepdf"
  cold   reportgen build --no-cache      (every chart drawn)
  warm   reportgen build                 (charts from .reportgen-cache/)
and prints each one's median wall time, the ratios to the floor, the PDF size, and
each stage's median share of an in-process build (load, compute, charts, assemble,
finish). A measurement, not a test: nothing here passes or fails.

    python benchmarks/bench_build.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import reportlab.platypus, matplotlib.pyplot, pandas, yaml, pikepdf"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def stage_shares(rounds: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from reportgen.assemble.build import build_edition
    from reportgen.load.folder import default_edition

    edition = default_edition(ROOT)
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(rounds):
            result = build_edition(ROOT, edition, Path(scratch) / "out.pdf", use_cache=False)
            for name, seconds in result.timings.items():
                samples.setdefault(name, []).append(seconds)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    reportgen = str(Path(sys.executable).with_name("reportgen"))
    if not Path(reportgen).exists():
        reportgen_cmd = [sys.executable, "-m", "reportgen.cli"]
    else:
        reportgen_cmd = [reportgen]
    with tempfile.TemporaryDirectory() as scratch:
        out = str(Path(scratch) / "bench.pdf")
        commands = {
            "floor": [sys.executable, "-c", FLOOR],
            "cold": [*reportgen_cmd, "build", "--no-cache", "--out", out],
            "warm": [*reportgen_cmd, "build", "--out", out],
        }
        timed(commands["warm"])  # fill the chart cache and the OS file cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(timed(command))
        size = os.path.getsize(out)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"rounds: {args.rounds} (each command in turn), {os.cpu_count()} cores")
    for name, value in medians.items():
        spread = f"{min(times[name]):.2f}-{max(times[name]):.2f}"
        ratio = "" if name == "floor" else f"  {value / medians['floor']:.2f}x floor"
        print(f"{name:6s} median {value:.2f}s (range {spread}){ratio}")
    print(f"PDF size: {size / 1024:.0f} KB")
    shares = stage_shares(max(3, args.rounds // 2))
    total = sum(shares.values())
    print("in-process build, cold charts, median per stage:")
    for name, seconds in shares.items():
        print(f"  {name:9s} {seconds:.3f}s  {seconds / total:5.1%}")
    print("  ('charts' is the wait for the chart process after the text is laid out)")


if __name__ == "__main__":
    main()
