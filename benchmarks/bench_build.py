"""Benchmark reportgen as whole processes, paired with the import floors it is held to.

Every figure is a median over rounds of whole-process wall times, each command run in
turn within a round (paired), printed with its range. A measurement, not a test:
nothing here passes or fails. What it reports (issue 12's targets in brackets):

  build    floor `python -c "import reportlab.platypus, matplotlib.pyplot, pandas, yaml,
           pypdf"`; cold `reportgen build --no-cache` [<= 1.3x]; warm `reportgen build`,
           every chart cached [<= 0.9x]
  check    floor `python -c "import pandas, yaml"`; `reportgen check` and
           `reportgen figures` [<= 1.2x], each with the data unchanged since the last
           load (read from the data cache) and just after a save of data/monthly.csv
           (loaded afresh, pandas imported)
  year     twelve separate `reportgen build --no-cache --edition M` against one
           `reportgen build --no-cache --edition 2013-04..2014-03 --jobs 2` [<= 0.4x], with
           each job's peak memory after its second and last edition [<= 200 MiB, flat]
  preview  seconds from saving a narrative file to the new draft on disk [median <= 0.5s]
  scale    a cold build of the sample with every table's measures ten times over
           [<= 1.5x the sample's]; with every chart five times over, the cost of each
           extra chart [<= 60 ms]

    python benchmarks/bench_build.py [--rounds 7] [--only build,check,year,preview,scale]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILD_FLOOR = "import reportlab.platypus, matplotlib.pyplot, pandas, yaml, pypdf"
CHECK_FLOOR = "import pandas, yaml"
YEAR = [f"2013-{m:02d}" for m in range(4, 13)] + [f"2014-{m:02d}" for m in range(1, 4)]


def reportgen() -> list[str]:
    script = Path(sys.executable).with_name("reportgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reportgen"]


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def paired(commands: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, timed in commands.items():
            times[name].append(timed())
    return times


def line(name: str, values: list[float], base: list[float] | None = None, target: str = "") -> str:
    median = statistics.median(values)
    text = f"  {name:26s} median {median:6.2f}s (range {min(values):.2f}-{max(values):.2f})"
    if base is not None:
        ratio = median / statistics.median(base)
        text += f"  {ratio:.2f}x floor"
        if target:
            text += f" [target {target}]"
    return text


def copy_report(target: Path) -> Path:
    """The sample report folder at ``target``, as ``reportgen init`` writes it."""
    from reportgen.starter import start_report_folder

    start_report_folder(target)
    return target


def bench_build(rounds: int, scratch: Path) -> None:
    root = copy_report(scratch / "build")
    out = str(scratch / "build.pdf")
    cli = reportgen()
    run([*cli, "build", "--out", out], root)  # fill the chart cache and the OS file cache
    times = paired(
        {
            "floor": lambda: run([sys.executable, "-c", BUILD_FLOOR], root),
            "cold": lambda: run([*cli, "build", "--no-cache", "--out", out], root),
            "warm": lambda: run([*cli, "build", "--out", out], root),
        },
        rounds,
    )
    print(f"build (PDF {os.path.getsize(out) / 1024:.0f} KB):")
    print(line("import floor", times["floor"]))
    print(line("cold build", times["cold"], times["floor"], "<= 1.3x"))
    print(line("warm build", times["warm"], times["floor"], "<= 0.9x"))


def bench_check(rounds: int, scratch: Path) -> None:
    root = copy_report(scratch / "check")
    cli = reportgen()
    monthly = root / "data" / "monthly.csv"

    def after_a_save(command: str) -> float:
        # the figures as they were plus one more empty line: data the cache has not seen
        with monthly.open("a", encoding="utf-8") as handle:
            handle.write("\n")
        return run([*cli, command], root)

    run([*cli, "check"], root)  # fill the data cache and the OS file cache
    times = paired(
        {
            "floor": lambda: run([sys.executable, "-c", CHECK_FLOOR], root),
            "check": lambda: run([*cli, "check"], root),
            "check saved": lambda: after_a_save("check"),
            "figures": lambda: run([*cli, "figures"], root),
            "figures saved": lambda: after_a_save("figures"),
        },
        rounds,
    )
    print("check and figures:")
    print(line("import pandas, yaml", times["floor"]))
    print(line("check, data unchanged", times["check"], times["floor"], "<= 1.2x"))
    print(line("check, data just saved", times["check saved"], times["floor"], "<= 1.2x"))
    print(line("figures, data unchanged", times["figures"], times["floor"], "<= 1.2x"))
    print(line("figures, data just saved", times["figures saved"], times["floor"], "<= 1.2x"))


def bench_year(rounds: int, scratch: Path) -> None:
    root = copy_report(scratch / "year")
    cli = reportgen()

    def separately() -> float:
        return sum(run([*cli, "build", "--no-cache", "--edition", m], root) for m in YEAR)

    peaks: list[str] = []

    def together() -> float:
        start = time.perf_counter()
        done = subprocess.run(
            [*cli, "build", "--no-cache", "--edition", f"{YEAR[0]}..{YEAR[-1]}", "--jobs", "2",
             "--verbose"],
            cwd=root, check=True, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        peaks[:] = [ln for ln in done.stderr.splitlines() if "peak memory" in ln]
        return seconds

    times = paired({"separately": separately, "together": together}, rounds)
    ratio = statistics.median(times["together"]) / statistics.median(times["separately"])
    print("a year of editions (2013-04..2014-03, charts drawn each time):")
    print(line("12 separate builds", times["separately"]))
    print(line("one --jobs 2 build", times["together"]))
    print(f"  ratio {ratio:.2f} [target <= 0.40]")
    # each job builds every other edition: its 2nd edition and its 6th (last)
    by_edition = {ln.split(":")[1].strip(): ln.rsplit("memory ", 1)[1] for ln in peaks}
    for job, (second, last) in enumerate(((YEAR[2], YEAR[10]), (YEAR[3], YEAR[11]))):
        print(
            f"  job {job + 1} peak memory after its 2nd edition {by_edition.get(second)}, "
            f"after its last {by_edition.get(last)} [<= 200 MiB, flat]"
        )


def bench_preview(rounds: int, scratch: Path) -> None:
    root = copy_report(scratch / "preview")
    draft = root / "out" / "performance-update-2014-03-DRAFT.pdf"
    narrative = root / "content" / "2014-03" / "05-road-safety.md"
    original = narrative.read_text(encoding="utf-8")
    process = subprocess.Popen(
        [*reportgen(), "preview"], cwd=root, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    latencies: list[float] = []
    try:
        deadline = time.monotonic() + 60
        while not draft.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for round_ in range(max(rounds, 7)):
            before = draft.stat().st_mtime_ns
            time.sleep(0.3)
            start = time.perf_counter()
            narrative.write_text(original + f"\nPreview edit {round_}.\n", encoding="utf-8")
            while draft.stat().st_mtime_ns == before and time.perf_counter() - start < 10:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait(timeout=10)
    print("preview (save a narrative file -> new draft on disk):")
    print(line("latency", latencies) + " [median <= 0.5s]")


def _scaled(root: Path, *, measures: int = 1, charts: int = 1) -> Path:
    """The sample with each table's measures (and their rows) or each chart repeated."""
    layout_path, catalogue_path = root / "layouts/report.yaml", root / "data/catalogue.yaml"
    layout = yaml.safe_load(layout_path.read_text(encoding="utf-8"))
    catalogue = yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))
    tables = {  # a measure's rows are the lines with its id in this column
        name: (column, (root / "data" / name).read_text(encoding="utf-8").splitlines())
        for name, column in (("monthly.csv", 0), ("revisions.csv", 0), ("msg.csv", 1),
                             ("survey_estimates.csv", 1))
    }  # fmt: skip
    extra: dict[str, list[str]] = {name: [] for name in tables}
    for section in layout["sections"]:
        blocks = []
        for block in section["blocks"]:
            blocks.append(block)
            if isinstance(block, dict) and "chart" in block:
                for copy in range(1, charts):
                    blocks.append(
                        {
                            "chart": {
                                **block["chart"],
                                "title": f"{block['chart']['title']} ({copy})",
                            }
                        }
                    )
            if isinstance(block, dict) and "table" in block and measures > 1:
                originals = list(block["table"]["measures"])
                for copy in range(1, measures):
                    renamed = {m: f"{m}_x{copy}" for m in originals}
                    for old, new in renamed.items():
                        entry = dict(catalogue["measures"][old])
                        for key in ("of", "numerator", "denominator"):
                            if isinstance(entry.get(key), list):
                                entry[key] = [renamed.get(p, p) for p in entry[key]]
                            elif key in entry and entry["aggregation"] == "ratio_of":
                                entry[key] = renamed.get(entry[key], entry[key])
                        catalogue["measures"][new] = entry
                        for name, (column, rows) in tables.items():
                            for row in rows:
                                cells = row.split(",")
                                if cells[column] == old:
                                    cells[column] = new
                                    extra[name].append(",".join(cells))
                    block["table"]["measures"] += list(renamed.values())
        section["blocks"] = blocks
    layout_path.write_text(yaml.safe_dump(layout, sort_keys=False), encoding="utf-8")
    catalogue_path.write_text(yaml.safe_dump(catalogue, sort_keys=False), encoding="utf-8")
    for name, (_, rows) in tables.items():
        (root / "data" / name).write_text("\n".join(rows + extra[name]) + "\n", "utf-8")
    return root


def bench_scale(rounds: int, scratch: Path) -> None:
    sample = copy_report(scratch / "sample")
    wide = _scaled(copy_report(scratch / "wide"), measures=10)
    charted = _scaled(copy_report(scratch / "charted"), charts=5)
    cli = reportgen()
    out = str(scratch / "scale.pdf")
    for root in (sample, wide, charted):
        subprocess.run([*cli, "check", "--draft"], cwd=root, check=True, capture_output=True)
    times = paired(
        {
            name: (lambda r=root: run([*cli, "build", "--no-cache", "--draft", "--out", out], r))
            for name, root in (("sample", sample), ("wide", wide), ("charted", charted))
        },
        rounds,
    )
    sample_median = statistics.median(times["sample"])
    ratio = statistics.median(times["wide"]) / sample_median
    per_chart = (statistics.median(times["charted"]) - sample_median) / (9 * 4)
    print("linear in the work (cold builds):")
    print(line("sample", times["sample"]))
    print(line("10x measures and rows", times["wide"]) + f"  {ratio:.2f}x sample [<= 1.5x]")
    print(line("5x charts (45)", times["charted"]) +
          f"  {per_chart * 1000:.0f} ms per extra chart [<= 60 ms]")  # fmt: skip


SECTIONS = {
    "build": bench_build,
    "check": bench_check,
    "year": bench_year,
    "preview": bench_preview,
    "scale": bench_scale,
}


def compile_bytecode() -> None:
    """Compile reportgen's modules first, as installing a package does (pip compiles the
    floors' libraries): otherwise, in a source checkout run with PYTHONDONTWRITEBYTECODE
    set, every timed process compiles reportgen again and only the floor is spared it."""
    import importlib.util

    spec = importlib.util.find_spec("reportgen")
    assert spec is not None and spec.submodule_search_locations
    for folder in spec.submodule_search_locations:
        subprocess.run(  # timestamp .pyc files, as pip writes (not hash-checked ones)
            [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "timestamp", folder],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default=",".join(SECTIONS))
    args = parser.parse_args()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {platform.machine()}; {args.rounds} paired rounds"
    )
    compile_bytecode()
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.only.split(","):
            SECTIONS[name](args.rounds, Path(scratch))


if __name__ == "__main__":
    main()
