"""Table rows -> a reportlab ``Table`` styled as a printed board report.

Shaded header row that repeats when a table splits, the MSG rank in its rag colour,
numbers right-aligned, alternate rows striped, readable at 100%.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from reportgen.compute.rules import MOVEMENT_UNITS
from reportgen.compute.tables import Row, TableRows
from reportgen.errors import InputError, ProblemCollector, shown_words
from reportgen.load.theme import RagMarks
from reportgen.render.flowables import mark_source, tallest_text
from reportgen.render.narrative import plain
from reportgen.render.styles import Styles
from reportgen.render.tagging import TableTagger, TagContext, TaggedTable

MIN_LABEL_WIDTH = 3 * cm  # room for a measure's name beside its figures


class CellLine(Flowable):
    """A cell's text that fits on one line, drawn where reportlab's Paragraph draws a
    one-line paragraph (baseline a font size below the top; left, right or centred in
    the width less the indents), without parsing markup or breaking lines.

    Most cells are a figure or a short label, and a Paragraph per cell (its markup
    parsed, its lines broken at every wrap) was most of a long table's layout time.
    ``table_cell`` makes one only where the text surely fits; anything else is a Paragraph.
    """

    def __init__(self, text: str, style: ParagraphStyle, text_width: float) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.text_width = text_width

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.style.leading
        return self.width, self.height

    def draw(self) -> None:
        style = self.style
        extra = _line_room(style, self.width) - self.text_width
        shift = 0.5 * extra if style.alignment == TA_CENTER else 0.0
        if style.alignment == TA_RIGHT:
            shift = extra
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        canvas.setFont(style.fontName, style.fontSize, style.leading)
        canvas.drawString(
            style.leftIndent + style.firstLineIndent + shift,
            self.height - style.fontSize,
            self.text,
        )
        canvas.restoreState()


def _line_room(style: ParagraphStyle, width: float) -> float:
    """The room a one-line paragraph's text has in ``width``: less both indents and the
    first line's own."""
    return width - style.leftIndent - style.rightIndent - style.firstLineIndent


# what only a Paragraph draws (a box, a border, a case change, another script's line
# breaking, shaping, dot leaders): a style that sets any of them gets a Paragraph
_PARAGRAPH_ONLY = ("backColor", "borderWidth", "textTransform", "wordWrap", "shaping", "endDots")
# the one whitespace a one-line Paragraph keeps as it is: a single space between words
_ONE_LINE_SAFE = str.maketrans("", "", " \u00a0")
FIT_MARGIN = 0.5  # points: a text this close to the width is left to Paragraph to judge


def table_cell(text: str, style: ParagraphStyle, width: float) -> Flowable:
    """A table cell's text in ``style`` for a cell ``width`` wide (padding taken off):
    a ``CellLine`` where it surely fits on one line, else a Paragraph."""
    if (
        text
        and text == text.strip()
        and "  " not in text
        and text.translate(_ONE_LINE_SAFE).isprintable()
        and style.alignment in (TA_LEFT, TA_CENTER, TA_RIGHT)
        and not getattr(style, "autoLeading", None)
        and not any(getattr(style, name, None) for name in _PARAGRAPH_ONLY)
    ):
        text_width = stringWidth(text, style.fontName, style.fontSize)
        if text_width <= _line_room(style, width) - FIT_MARGIN:
            return CellLine(text, style, text_width)
    return Paragraph(plain(text), style)


def _cell(text: str, style_name: str, styles: Styles, width: float) -> Flowable:
    return table_cell(text, styles[style_name], width)


def _cell_font(styles: Styles) -> tuple:
    """The table's own font: reportlab's default cell font is Helvetica, never embedded."""
    cell = styles["table_cell"]
    return ("FONT", (0, 0), (-1, -1), cell.fontName, cell.fontSize, cell.leading)


def value_column_widths(table: TableRows, width: float, styles: Styles) -> list[float]:
    return [column for column, _ in _value_columns(table, width, styles)]


# a figure column's width, and the theme setting each part of it is asked for by
Column = tuple[float, dict[str, float]]


def _value_columns(table: TableRows, width: float, styles: Styles) -> list[Column]:
    """Each figure column's width: wide enough for the longest word of its heading
    (``styles.table_header``) or of its cells (``styles.table_cell``) with the padding
    (``table.padding``), the movement column at least its share of the page
    (``table.movement_width``)."""
    padding = styles.theme.table.padding
    columns = [[h] for h in table.headers]
    for row in table.rows:
        cells = [row.last_year, row.this_year, row.diff]
        if table.msg_ranking:
            cells.append(msg_rank_text(row, styles.theme.table.rag_marks))
        cells.append(movement_text(row))
        for column, text in zip(columns, cells, strict=True):
            column.append(text)
    header, cell = styles["table_header"], styles["table_cell"]
    found: list[Column] = []
    for texts in columns:
        heading, figures = _longest_word(texts[:1], header), _longest_word(texts[1:], cell)
        text = "styles.table_header" if heading > figures else "styles.table_cell"
        found.append(
            (
                max(heading, figures) + 2 * padding + 1,
                {text: max(heading, figures), "table.padding": 2 * padding + 1},
            )
        )
    # the movement column reads better a little wider than its longest word
    least = width * styles.theme.table.movement_width
    if least > found[-1][0]:
        found[-1] = (least, {"table.movement_width": least})
    return found


def _longest_word(texts: list[str], style: ParagraphStyle) -> float:
    """The width of the longest word of any of ``texts``: headings wrap between words,
    never at a no-break space ("2 +", "4 sec.")."""
    words = [word for text in texts for word in _BETWEEN_WORDS.split(text) if word] or [""]
    return max(stringWidth(w, style.fontName, style.fontSize) for w in words)


_BETWEEN_WORDS = re.compile(r"[^\S\u00a0]+")  # whitespace, but for the no-break space


def movement_text(row: Row) -> str:
    """The movement as printed, a unit word kept beside its amount: "Worsened" over
    "(4 sec.)", as "Worsened" over "(-0.2% pt.)", never "Worsened (4" over "sec.)"."""
    for unit in MOVEMENT_UNITS.values():
        if unit.startswith(" ") and row.movement.endswith(f"{unit})"):
            return f"{row.movement[: -len(unit) - 1]}\u00a0{unit[1:]})"
    return row.movement


def msg_rank_text(row: Row, marks: RagMarks) -> str:
    """The MSG rank as printed: the rank and its rag mark ("2 +"), so the ragging does not
    rest on colour alone; the table notes explain the marks."""
    if not row.rag:
        return row.msg_rank
    return f"{row.msg_rank}\u00a0{getattr(marks, row.rag)}"


def label_room_problems(tables: Iterable[TableRows], width: float, styles: Styles) -> None:
    """Raise, at once, the problem of every performance table whose figure columns leave
    its measures' names too little of ``width`` (the theme's sizes are the same for
    all, but each table's columns are its own)."""
    problems = ProblemCollector()
    for table in tables:
        if table.kind == "performance":
            problem = label_room_problem(table, width, styles)
            if problem is not None:
                problems.add(problem)
    problems.raise_if_any()


def label_room_problem(table: TableRows, width: float, styles: Styles) -> InputError | None:
    """The problem with a performance table ``width`` wide whose figure columns leave
    its measures' names less than ``MIN_LABEL_WIDTH``, naming the theme setting that
    asks for the most of that width; or None."""
    columns = _value_columns(table, width, styles)
    values = sum(column for column, _ in columns)
    if width - values >= MIN_LABEL_WIDTH:
        return None
    asked: dict[str, float] = {}
    for _, parts in columns:
        for setting, points in parts.items():
            asked[setting] = asked.get(setting, 0.0) + points
    most = max(asked, key=lambda setting: asked[setting])
    part, key = most.split(".")
    file, line = table.place
    at = f" ({file}:{line})" if file else ""
    return InputError(
        f"the table {shown_words(table.caption)}{at} needs {values / cm:.1f}cm for its figure "
        f"columns, leaving {max(width - values, 0) / cm:.1f}cm of the {width / cm:.1f}cm page "
        f"width for the measures' names (at least {MIN_LABEL_WIDTH / cm:.0f}cm)",
        file=styles.theme.file,
        line=styles.theme.line_of(part, key),
        hint=f"{_SMALLER[most]}, which takes {asked[most] / cm:.1f}cm of them, or the margins "
        "narrower",
    )


# what to change where a setting asks for most of a table's width
_SMALLER = {
    "styles.table_header": "make the table_header style's size smaller",
    "styles.table_cell": "make the table_cell style's size smaller",
    "table.padding": "make the table's padding smaller",
    "table.movement_width": "make the table's movement_width smaller",
}


def performance_table(table: TableRows, width: float, styles: Styles, tags: TagContext) -> Table:
    """The table and its structure: a Table of TRs, the header row's cells TH (column
    headers), each row's measure label TH (its row header), the figures TD."""
    theme = styles.theme.table
    problem = label_room_problem(table, width, styles)
    if problem is not None:
        raise problem
    values = value_column_widths(table, width, styles)
    widths = [width - sum(values)] + values
    movement_column = len(values)  # last column
    tagger = TableTagger(tags.tagger)
    structure = tags.parent.add("Table")
    header_row = structure.add("TR")
    room = [w - 2 * theme.padding for w in widths]  # each column's width for its text
    header = [
        tagger.tag(
            _cell(text, style, styles, room[column]),
            header_row.add("TH", O="Table", Scope="Column"),
        )
        for column, (text, style) in enumerate(
            [(table.caption, "table_caption")] + [(h, "table_header_centre") for h in table.headers]
        )
    ]
    data: list[list[object]] = [header]
    commands: list[tuple] = [
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(theme.header_fill)),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), theme.grid_width, HexColor(theme.grid)),
        _cell_font(styles),
        ("LEFTPADDING", (0, 0), (-1, -1), theme.padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), theme.padding),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    stripe = 0
    for row in table.rows:
        index = len(data)
        if row.kind != "confidence_interval":
            stripe += 1
        if stripe % 2 == 0:
            commands.append(("BACKGROUND", (0, index), (-1, index), HexColor(theme.stripe_fill)))
        cells = [row.last_year, row.this_year, row.diff]
        if table.msg_ranking:
            cells.append(msg_rank_text(row, theme.rag_marks))
        cells.append(movement_text(row))
        label_style = "note" if row.kind == "confidence_interval" else "table_cell"
        printed: list[object] = [_cell(row.label, label_style, styles, room[0])]
        centred = {movement_column, 4} if table.msg_ranking else {movement_column}
        for column, text in enumerate(cells, start=1):
            style = "table_cell_centre" if column in centred else "table_cell_right"
            printed.append(_cell(text, style, styles, room[column]))
        if table.msg_ranking and row.rag:
            colour = getattr(theme.rag, row.rag)
            rank_style = styles["table_cell_centre"].clone(
                "msg_rank", textColor=HexColor(colour), fontName=styles["table_header"].fontName
            )
            printed[4] = table_cell(cells[3], rank_style, room[4])
        structure_row = structure.add("TR")
        tagger.tag(printed[0], structure_row.add("TH", O="Table", Scope="Row"))
        for cell in printed[1:]:
            tagger.tag(cell, structure_row.add("TD"))
        data.append(printed)
    return _table(table, data, widths, commands, tagger, theme.padding)


def _table(
    table: TableRows,
    data: list[list[object]],
    widths: list[float],
    commands: list[tuple],
    tagger: TableTagger,
    padding: float,
    *,
    caption_spans: bool = False,
) -> Table:
    """The reportlab Table: header row repeated on each page, tagged as it is drawn, and
    naming its tallest cell's text and source if no page can hold its row."""
    built = TaggedTable(
        data,
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(commands),
        hAlign="LEFT",
        renderCB=tagger,
    )
    room = [width - 2 * padding for width in widths]
    header = list(zip(data[0], room, strict=True))
    if caption_spans:  # the caption has every column's width
        header = [(data[0][0], sum(widths) - 2 * padding)]
    rows = [(table.source, header)] + [
        (row.source, list(zip(cells, room, strict=True)))
        for row, cells in zip(table.rows, data[1:], strict=True)
    ]
    return mark_source(built, tallest_text(rows))


def statement_table(table: TableRows, width: float, styles: Styles, tags: TagContext) -> Table:
    """Target -> status rows under a caption spanning both columns (a TH over both);
    each target is its row's header."""
    theme = styles.theme.table
    widths = [width * 0.58, width * 0.42]
    tagger = TableTagger(tags.tagger)
    structure = tags.parent.add("Table")
    padding = 6.0  # reportlab's own cell padding
    room = [w - 2 * padding for w in widths]
    caption = tagger.tag(
        _cell(table.caption, "table_caption", styles, sum(widths) - 2 * padding),
        structure.add("TR").add("TH", O="Table", Scope="Column", ColSpan=2),
    )
    data: list[list[object]] = [[caption, ""]]
    for row in table.rows:
        structure_row = structure.add("TR")
        data.append(
            [
                tagger.tag(
                    _cell(row.label, "table_cell", styles, room[0]),
                    structure_row.add("TH", O="Table", Scope="Row"),
                ),
                tagger.tag(
                    _cell(row.movement, "table_cell", styles, room[1]), structure_row.add("TD")
                ),
            ]
        )
    commands = [
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(theme.header_fill)),
        ("GRID", (0, 0), (-1, -1), theme.grid_width, HexColor(theme.grid)),
        _cell_font(styles),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    return _table(table, data, widths, commands, tagger, padding, caption_spans=True)
