"""``reportgen diff``: two sets of an edition's figures -> only the cells that changed.

In:  an archived edition (its two latest versions, each read from the ``figures.csv``
     it embeds), or two editions (each the archived current version, or computed from
     the report folder where it is not archived).
Out: a ``FigureDiff``: what was compared, and one ``Change`` per changed cell (or per
     row that appears on one side only), as text or as CSV for a spreadsheet.

Rows are matched by section and label (a confidence-interval row by the measure it
follows), so two editions compare row for row even where a row moved.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import msgspec

from reportgen.compute.tables import CSV_COLUMNS, FIGURES_COLUMNS
from reportgen.errors import DeliveryError
from reportgen.months import Month

# the figures, past a row's section, kind and label; an archive made before the MSG
# colour was kept (``CSV_COLUMNS``) has no msg_colour: it is compared where both sides have it
FIGURE_COLUMNS = FIGURES_COLUMNS[FIGURES_COLUMNS.index("last_year") :]
DIFF_COLUMNS = ("section", "kind", "label", "column", "before", "after")
ABSENT = "(no row)"
# an edition's figures are a hundred rows or so; a file far longer was not made by reportgen
MAX_FIGURE_ROWS = 100_000


class Change(msgspec.Struct, frozen=True):
    section: str
    kind: str
    label: str
    column: str  # a figure column, or "row" for a row on one side only
    before: str
    after: str

    def as_csv(self) -> tuple[str, ...]:
        return (self.section, self.kind, self.label, self.column, self.before, self.after)


class FigureDiff(msgspec.Struct, frozen=True):
    before: str  # what was compared: "2014-03 v1 (archived)"
    after: str
    changes: tuple[Change, ...]


RowKey = tuple[str, str, str, int]


def figure_rows(figures_csv: str, *, file: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of a figures CSV, each with every column; DeliveryError (naming ``file``,
    the PDF it came from) unless it is the shape reportgen writes (``FIGURES_COLUMNS``, or
    an older archive's ``CSV_COLUMNS``): the figures embedded in an archived PDF may have
    been edited by anyone."""
    hint = "restore the archived PDF from backup; reportgen wrote it with every column filled"
    reader = csv.reader(io.StringIO(figures_csv, newline=""))
    rows: list[dict[str, str]] = []
    try:
        header = tuple(next(reader, ()))
        if header not in (FIGURES_COLUMNS, CSV_COLUMNS):
            raise DeliveryError(
                f"the figures do not have the columns {','.join(FIGURES_COLUMNS)}",
                file=file,
                hint="the archived figures.csv was made by another version of reportgen",
            )
        for cells in reader:
            if not cells:
                continue  # a blank line, as csv.DictReader skips it
            if len(cells) != len(header):
                raise DeliveryError(
                    f"line {reader.line_num} of the figures has {len(cells)} cells, not "
                    f"{len(header)}",
                    file=file,
                    hint=hint,
                )
            if len(rows) == MAX_FIGURE_ROWS:
                raise DeliveryError(
                    f"the figures have more than {MAX_FIGURE_ROWS} rows", file=file, hint=hint
                )
            rows.append(dict(zip(header, cells, strict=True)))
    except csv.Error as error:  # a cell over the csv module's size limit, say
        raise DeliveryError(
            f"line {reader.line_num} of the figures cannot be read: {error}", file=file, hint=hint
        ) from None
    return rows


def keyed_rows(figures_csv: str) -> dict[RowKey, dict[str, str]]:
    """Rows by (section, kind, label — a confidence interval's by its measure — repeat)."""
    rows: dict[RowKey, dict[str, str]] = {}
    repeats: dict[tuple[str, str, str], int] = {}  # rows so far with each key: linear time
    measure = ""
    for row in figure_rows(figures_csv):
        label = row["label"]
        if row["kind"] == "measure":
            measure = label
        elif row["kind"] == "confidence_interval":
            label = f"{measure}: {label}"
        key = (row["section"], row["kind"], label)
        repeat = repeats.get(key, 0)
        repeats[key] = repeat + 1
        rows[(*key, repeat)] = row
    return rows


def compare_figures(before: str, after: str) -> list[Change]:
    """Every cell that differs between two figures CSVs, in the order of ``after``."""
    old, new = keyed_rows(before), keyed_rows(after)
    changes = []
    for key, row in new.items():
        section, kind, label, _ = key
        if key not in old:
            changes.append(Change(section, kind, label, "row", ABSENT, _cells(row)))
            continue
        for column in FIGURE_COLUMNS:
            if column in old[key] and column in row and old[key][column] != row[column]:
                changes.append(Change(section, kind, label, column, old[key][column], row[column]))
    for key, row in old.items():
        if key not in new:
            section, kind, label, _ = key
            changes.append(Change(section, kind, label, "row", _cells(row), ABSENT))
    return changes


def _cells(row: dict[str, str]) -> str:
    # a row's colour where it has one (most rows have no coloured rank)
    return " | ".join(row[c] for c in FIGURE_COLUMNS if row.get(c) or c != "msg_colour")


def diff_text(diff: FigureDiff) -> str:
    lines = [f"{diff.before} -> {diff.after}: {len(diff.changes)} cell(s) changed"]
    for change in diff.changes:
        where = f"section {change.section}, {change.label}"
        if change.column == "row":
            lines.append(f"  {where}: row {change.before} -> {change.after}")
        else:
            lines.append(f"  {where}, {change.column}: {change.before} -> {change.after}")
    return "\n".join(lines) + "\n"


def diff_csv(changes: Iterable[Change]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DIFF_COLUMNS)
    writer.writerows(change.as_csv() for change in changes)
    return buffer.getvalue()


# --- where the figures come from -------------------------------------------------------


def archived_figures(
    archive_root: Path, edition: Month, version: int | None = None
) -> tuple[str, str]:
    """(figures CSV embedded in an archived version, "2014-03 v2 (archived)")."""
    from reportgen.deliver.archive import find_version, read_attachments
    from reportgen.workflow import FIGURES_ATTACHMENT

    stored = find_version(archive_root, str(edition), version)
    pdf = stored.path("edition")
    # the bytes the manifest vouches for, and of them only the figures are unpacked
    data = stored.read_verified("edition")
    figures = read_attachments(pdf, data, only={FIGURES_ATTACHMENT}).get(FIGURES_ATTACHMENT)
    if figures is None:
        raise DeliveryError(f"{pdf.name} carries no {FIGURES_ATTACHMENT}", file=str(pdf))
    text = checked_figures(figures, pdf)
    return text, f"{edition} v{stored.version} (archived)"


def checked_figures(figures: bytes, pdf: Path) -> str:
    """The ``figures.csv`` embedded in ``pdf`` as text, refused (naming the PDF) unless it
    is a figures CSV as reportgen writes it."""
    from reportgen.workflow import FIGURES_ATTACHMENT

    try:
        text = figures.decode("utf-8")
    except UnicodeDecodeError:
        raise DeliveryError(
            f"the embedded {FIGURES_ATTACHMENT} is not UTF-8 text",
            file=str(pdf),
            hint="restore the archived PDF from backup",
        ) from None
    figure_rows(text, file=pdf)
    return text


def diff_versions(archive_root: Path, edition: Month) -> FigureDiff:
    """The edition's latest archived version against the one it replaced."""
    from reportgen.deliver.archive import DamagedVersion, list_archive

    root = Path(archive_root)
    found = [v for v in list_archive(root) if v.edition == str(edition)] if root.is_dir() else []
    # the last two, damaged or not: passing over a damaged one would compare others
    for damaged in (v for v in found[-2:] if isinstance(v, DamagedVersion)):
        raise DeliveryError(
            f"{edition} v{damaged.version} is damaged ({damaged.problem.message})",
            file=str(damaged.folder),
            hint="run 'reportgen verify' and restore it from backup",
        )
    versions = [v.version for v in found]
    if len(versions) < 2:
        raise DeliveryError(
            f"{edition} has {'only v' + str(versions[0]) if versions else 'no version'} archived: "
            "there is nothing to compare",
            file=str(root / str(edition)) if versions else str(root),
            hint="compare two editions instead: reportgen diff EARLIER LATER",
        )
    before, before_name = archived_figures(root, edition, versions[-2])
    after, after_name = archived_figures(root, edition, versions[-1])
    return FigureDiff(before_name, after_name, tuple(compare_figures(before, after)))


def edition_figures_csv(root: Path, archive_root: Path, edition: Month) -> tuple[str, str]:
    """An edition's figures: the archived current version, else computed from the folder."""
    from reportgen.deliver.archive import list_archive

    archive = Path(archive_root)
    # an archived edition whose current version is damaged is told, not passed over
    if archive.is_dir() and any(v.edition == str(edition) for v in list_archive(archive)):
        return archived_figures(archive, edition)
    from reportgen.compute.edition import edition_figures
    from reportgen.load.folder import load_report

    text, _notes = edition_figures(load_report(root), edition)
    return text, f"{edition} (computed from the report folder)"


def diff_editions(root: Path, archive_root: Path, first: Month, second: Month) -> FigureDiff:
    before, before_name = edition_figures_csv(root, archive_root, first)
    after, after_name = edition_figures_csv(root, archive_root, second)
    return FigureDiff(before_name, after_name, tuple(compare_figures(before, after)))
