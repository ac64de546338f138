"""Table rows -> a reportlab ``Table`` styled as a printed board report.

Shaded header row that repeats when a table splits, the MSG rank in its rag colour,
numbers right-aligned, alternate rows striped, readable at 100%.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from reportgen.compute.tables import Row, TableRows
from reportgen.errors import InputError
from reportgen.load.theme import RagMarks
from reportgen.render.flowables import Source, mark_source
from reportgen.render.narrative import plain
from reportgen.render.styles import Styles
from reportgen.render.tagging import TableTagger, TagContext

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


def _column_width(texts: list[str], style: ParagraphStyle, padding: float) -> float:
    """Wide enough for the longest word of any of ``texts``: headings wrap between words."""
    words = [word for text in texts for word in text.split()] or [""]
    return max(stringWidth(w, style.fontName, style.fontSize) for w in words) + 2 * padding + 1


def value_column_widths(table: TableRows, width: float, styles: Styles) -> list[float]:
    padding = styles.theme.table.padding
    columns = [[h] for h in table.headers]
    for row in table.rows:
        cells = [row.last_year, row.this_year, row.diff]
        if table.msg_ranking:
            cells.append(msg_rank_text(row, styles.theme.table.rag_marks))
        cells.append(row.movement)
        for column, text in zip(columns, cells, strict=True):
            column.append(text)
    header, cell = styles["table_header"], styles["table_cell"]
    widths = [
        max(_column_width(texts[:1], header, padding), _column_width(texts[1:], cell, padding))
        for texts in columns
    ]
    # the movement column reads better a little wider than its longest word
    widths[-1] = max(widths[-1], width * styles.theme.table.movement_width)
    return widths


def msg_rank_text(row: Row, marks: RagMarks) -> str:
    """The MSG rank as printed: the rank and its rag mark ("2 +"), so the ragging does not
    rest on colour alone; the table notes explain the marks."""
    if not row.rag:
        return row.msg_rank
    return f"{row.msg_rank}\u00a0{getattr(marks, row.rag)}"


def performance_table(table: TableRows, width: float, styles: Styles, tags: TagContext) -> Table:
    """The table and its structure: a Table of TRs, the header row's cells TH (column
    headers), each row's measure label TH (its row header), the figures TD."""
    theme = styles.theme.table
    values = value_column_widths(table, width, styles)
    widths = [width - sum(values)] + values
    if widths[0] < MIN_LABEL_WIDTH:
        file, line = table.source
        raise InputError(
            f"the table {table.caption[:60]!r} needs {sum(values) / cm:.1f}cm for its figure "
            f"columns, leaving {max(widths[0], 0) / cm:.1f}cm of the {width / cm:.1f}cm page "
            f"width for the measures' names (at least {MIN_LABEL_WIDTH / cm:.0f}cm)",
            file=styles.theme.file,
            hint="make the table_cell and table_header sizes smaller, or the margins narrower"
            + (f"; the table is at {file}:{line}" if file else ""),
        )
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
        cells.append(row.movement)
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
) -> Table:
    """The reportlab Table: header row repeated on each page, tagged as it is drawn, and
    naming its tallest row's source if no page can hold it."""
    built = Table(
        data,
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(commands),
        hAlign="LEFT",
        renderCB=tagger,
    )
    return mark_source(built, _tallest_row(table, data, widths, padding))


def _tallest_row(
    table: TableRows, data: Sequence[Sequence[object]], widths: list[float], padding: float
) -> Callable[[], Source]:
    """Where the tallest row's text was written: asked only when a row outgrows a page."""

    def height(row: Sequence[object]) -> float:
        flowables = [cell for cell in row if isinstance(cell, Flowable)]
        if len(flowables) != len(row):
            return 0.0
        return max(
            cell.wrap(width - 2 * padding, 1e6)[1]
            for cell, width in zip(flowables, widths, strict=True)
        )

    def find() -> Source:
        heights = [height(row) for row in data[1:]]
        if not heights:
            return table.source
        return table.rows[heights.index(max(heights))].source

    return find


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
    return _table(table, data, widths, commands, tagger, padding)
