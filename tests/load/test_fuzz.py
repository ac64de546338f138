"""A seeded mutation fuzz of the sample report folder (issue 8).

Each case spoils one input file the way careless editing or a damaged copy would: a
byte flipped, a line deleted or duplicated, a stray token, an extreme number. For every
case, ``check`` and (when check passes) ``build`` run in-process and must:

- never end in a traceback: every failure is ``reportgen: error:`` lines naming a file,
  with a count line when there are several;
- keep the contract that when ``check`` passes, ``build`` succeeds.

The seed is fixed, so a failure reproduces; ``REPORTGEN_FUZZ_SEED`` and
``REPORTGEN_FUZZ_CASES`` explore further by hand.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from reportgen.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("REPORTGEN_FUZZ_SEED", "20140331"))
CASES = int(os.environ.get("REPORTGEN_FUZZ_CASES", "240"))
EDITIONS = ("2014-02", "2014-03")  # the fuzzed folder keeps two editions: quick to check
TOKENS = (
    ":", "- ", "{", "}", "{edition", "[[", "&a ", "*a", '"', "'", "\t", "!!python/object:os.system",
    "%", "#", "|", ">", "---", "0x1F", "1e309", "-1", "nan", ".inf", "99999999999999999999",
    "\x00", "\x0b", "\u2028", "é", "漢", "\U0001f693", r"$\frac{$", "<b>", "&amp;", "**", "_",
    "\\", "[x](y)", "~~", "```", ",,,,", "\ufeff", "yes", "no", "null", "~", "2014-13",
)  # fmt: skip
ERROR_LINE = re.compile(r"reportgen: (error: \S.*|note: .*|\d+ errors|… and \d+ more)")


def _files(root: Path) -> list[Path]:
    found = [root / "data" / "catalogue.yaml", root / "layouts" / "report.yaml"]
    found += [root / "layouts" / "theme.yaml", root / "distribution.yaml"]
    found += sorted((root / "data").glob("*.csv"))
    found += sorted((root / "content" / EDITIONS[-1]).glob("*.md"))
    return found


def _mutate(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    operation = rng.choice(("flip", "delete", "duplicate", "token", "number", "number"))
    if operation == "flip" and data:
        at = rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if operation == "delete" and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
        return b"\n".join(lines)
    if operation == "duplicate":
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
        return b"\n".join(lines)
    if operation == "number":
        numbers = list(re.finditer(rb"\d+(\.\d+)?", data))
        if numbers:
            match = rng.choice(numbers)
            extreme = rng.choice((b"0", b"-3", b"1e15", b"1000000000000000000000", b"0.0001",
                                  b"3.5", b"99", b"2147483648", b"12.345678901234567"))  # fmt: skip
            return data[: match.start()] + extreme + data[match.end() :]
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(TOKENS).encode("utf-8") + data[at:]


def _run(*args: str, root: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(root), *args], stdout=out, stderr=err)
    return code, err.getvalue()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample folder with two editions' narrative and a warm chart cache."""
    root = tmp_path_factory.mktemp("fuzz") / "base"
    for part in ("layouts", "data"):
        shutil.copytree(REPO_ROOT / part, root / part)
    shutil.copy(REPO_ROOT / "distribution.yaml", root / "distribution.yaml")
    for edition in EDITIONS:
        shutil.copytree(REPO_ROOT / "content" / edition, root / "content" / edition)
    code, err = _run("build", "--out", str(root / "warm.pdf"), root=root)
    assert code == 0, err
    (root / "warm.pdf").unlink()
    return root


def _cases(base: Path) -> list[tuple[str, bytes]]:
    """Every case as (file, its spoiled bytes), drawn in order from the one seeded rng."""
    rng = random.Random(SEED)
    cases = []
    for _ in range(CASES):
        target = rng.choice(_files(base))
        cases.append((str(target.relative_to(base)), _mutate(target.read_bytes(), rng)))
    return cases


def _run_cases(base: Path, work: Path, cases: list[tuple[int, str, bytes]]) -> dict[str, int]:
    """Run ``cases`` (number, file, bytes) on copies of ``base``; AssertionError on the
    first that breaks the contract."""
    outcomes = {"refused": 0, "built": 0}
    for case, name, spoiled in cases:
        root = work / f"case{case}"
        shutil.copytree(base, root, symlinks=False)
        (root / name).write_bytes(spoiled)
        where = f"case {case} (seed {SEED}): {name}"
        code, err = _run("check", root=root)
        assert "Traceback" not in err, f"{where}: {err}"
        lines = err.splitlines()
        assert all(ERROR_LINE.fullmatch(line) for line in lines), f"{where}: {err}"
        if code != 0:
            assert code == 1 and any(line.startswith("reportgen: error: ") for line in lines)
            # each error names a file (a path with a '/' or a known top-level file)
            for line in lines:
                if line.startswith("reportgen: error: "):
                    named = line.removeprefix("reportgen: error: ").split(":", 1)[0]
                    assert "/" in named or named.endswith((".yaml", ".csv", ".md")), (
                        f"{where}: {line}"
                    )
            outcomes["refused"] += 1
        else:
            out = root / "out" / "edition.pdf"
            out.parent.mkdir(exist_ok=True)
            build_code, build_err = _run("build", "--out", str(out), root=root)
            assert build_code == 0, f"{where}: check passed but build failed: {build_err}"
            # the data check kept is read back: what a load gives passes the entry's checks
            assert "data cache entry" not in build_err, f"{where}: {build_err}"
            assert out.read_bytes().startswith(b"%PDF-")
            outcomes["built"] += 1
        shutil.rmtree(root)
    return outcomes


@pytest.mark.slow
def test_mutations_never_trace_back_and_check_implies_build(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")  # charts in this process: no worker per case
    cases = [(number, *case) for number, case in enumerate(_cases(base))]
    started = time.monotonic()
    # the cases are independent: two forked copies of this process share them out, one
    # per core (every case still runs, and a failure names its case and seed)
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("fork")) as pool:
        halves = [pool.submit(_run_cases, base, tmp_path, cases[half::2]) for half in (0, 1)]
        outcomes = Counter[str]()
        for half in halves:
            outcomes.update(half.result())  # re-raises a case's AssertionError here
    assert sum(outcomes.values()) == CASES
    # the fuzz exercised both sides of the contract
    assert outcomes["refused"] > CASES // 10 and outcomes["built"] > CASES // 10, outcomes
    assert time.monotonic() - started < 1.5 * CASES  # bounded work: no case hangs
