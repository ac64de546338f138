"""Damaged workbooks: a seeded set of byte flips and broken XML parts in the small
workbook always ends in a reportgen error (or loads), never a traceback or a hang."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from reportgen.errors import ReportgenError

MUTATIONS = 160
INSERTS = (b'<c r="XFD1048576"><v>1</v></c>', b"&", b"<", b'"', b' t="e"', b"<f>1</f>")


def mutants(original: bytes, seed: int = 11):
    rng = random.Random(seed)
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    xml_parts = sorted(name for name in parts if name.endswith(".xml"))
    for number in range(MUTATIONS):
        if number % 2:  # bytes of the zip itself
            data = bytearray(original)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
            continue
        name = rng.choice(xml_parts)  # a sound zip around damaged XML
        body = bytearray(parts[name])
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(body))
            choice = rng.random()
            if choice < 0.4:
                body[at] = rng.randrange(32, 127)
            elif choice < 0.7:
                del body[at : at + rng.randint(1, 20)]
            else:
                body[at:at] = rng.choice(INSERTS)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for part, content in parts.items():
                target.writestr(part, bytes(body) if part == name else content)
        yield buffer.getvalue()


@pytest.mark.slow  # fuzzes
def test_damaged_workbooks_are_refused_cleanly(book_folder, load) -> None:
    path = book_folder / "data" / "performance.xlsx"
    original = path.read_bytes()
    outcomes = {"loaded": 0, "refused": 0}
    for data in mutants(original):
        path.write_bytes(data)
        try:
            load(book_folder)
        except ReportgenError as error:
            assert str(error), "an error with no message"
            outcomes["refused"] += 1
        else:
            outcomes["loaded"] += 1
    assert outcomes["refused"] > MUTATIONS // 2, outcomes  # the mutations did break things
