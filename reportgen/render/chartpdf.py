"""The charts' geometry as PDF: a matplotlib renderer that writes PDF drawing operators,
and the small PDF (one page per chart) that carries them to the document.

Why not matplotlib's own PDF backend: the chart text is set by the document in its own
embedded font (``ChartText``), so what the backend adds — font embedding, and fontTools
and the rest that its module imports — is never used, and importing it cost a cold
build about a tenth of a second on the chart worker's critical path. This renderer is
written to matplotlib's public backend API (``RendererBase``: ``draw_path``,
``draw_markers``, ``draw_text``, ``get_text_width_height_descent``; the graphics
context's getters; ``Path.iter_segments``) and paints what the PDF backend paints: the
same paths (NaNs removed, stroked paths clipped to the chart and simplified), in the
same colours, widths, caps, joins, dashes, alphas and clips, measured with the same
unhinted font metrics, so the charts look the same to the pixel. Tested with matplotlib
3.10 and 3.11.

Only this module imports matplotlib's drawing machinery; ``render.charts`` imports it
when it draws.
"""

from __future__ import annotations

from typing import Any

import msgspec
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.path import Path
from matplotlib.transforms import Affine2D, Bbox, Transform, TransformedPath

from reportgen.render.charts import POINTS_PER_INCH

_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}


def number(value: float) -> str:
    """A coordinate as matplotlib's PDF backend writes it: six decimals at most."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def colour(rgb: Any) -> str:
    return " ".join(number(float(c)) for c in rgb[:3])


class ChartPage(msgspec.Struct):
    """One chart's drawing: its size in points, its operators and the alpha states
    (stroke, fill) they name as ``/A0``, ``/A1`` ..."""

    width: float
    height: float
    operators: list[str] = msgspec.field(default_factory=list)
    alphas: dict[tuple[float, float], str] = msgspec.field(default_factory=dict)

    def alpha_state(self, alphas: tuple[float, float]) -> str:
        if alphas not in self.alphas:
            self.alphas[alphas] = f"/A{len(self.alphas)}"
        return self.alphas[alphas]

    def content(self) -> bytes:
        return "\n".join(self.operators).encode("ascii") + b"\n"


class ChartRenderer(RendererBase):
    """Draws a figure's geometry into a ``ChartPage`` and records its text in ``runs``
    (``record_text(x, y, text, prop, angle, gc)``) instead of drawing it.

    Hatching is drawn as paths, not as a PDF tiling pattern (which PDF/A validators that
    approve only what they know refuse): the bar is filled, each 72-point tile of
    matplotlib's own hatch pattern is drawn clipped to the tile and the bar, as the
    pattern would paint it, and the bar's edge is stroked over it.
    """

    def __init__(self, page: ChartPage, record_text: Any) -> None:
        super().__init__()
        self.page = page
        self.record_text = record_text

    # --- what the figure asks of a renderer ---------------------------------------------

    def flipy(self) -> bool:
        return False  # PDF: y grows upwards

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.page.width, self.page.height

    def option_image_nocomposite(self) -> bool:
        return True

    def option_scale_image(self) -> bool:
        return True

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> Any:
        # as the PDF backend measures: the font's unhinted outline at 72 dpi
        font = get_font(findfont(prop))
        font.clear()
        font.set_size(prop.get_size_in_points(), POINTS_PER_INCH)
        font.set_text(s, 0.0, flags=LoadFlags.NO_HINTING)
        width, height = font.get_width_height()
        return width / 64, height / 64, font.get_descent() / 64

    def draw_text(
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        self.record_text(x, y, s, prop, angle, gc)

    def draw_image(
        self, gc: GraphicsContextBase, x: float, y: float, im: Any, transform: Any = None
    ) -> None:
        raise NotImplementedError("charts hold no images")

    def draw_markers(
        self,
        gc: GraphicsContextBase,
        marker_path: Path,
        marker_trans: Transform,
        path: Path,
        trans: Transform,
        rgbFace: Any = None,
    ) -> None:
        # as the PDF backend: a marker whose centre is off the chart is not drawn
        for vertices, _code in path.iter_segments(trans, simplify=False):
            if len(vertices):
                x, y = vertices[-2:]
                if 0 <= x <= self.page.width and 0 <= y <= self.page.height:
                    place = marker_trans + Affine2D().translate(x, y)
                    self.draw_path(gc, marker_path, place, rgbFace)

    def draw_path(
        self,
        gc: GraphicsContextBase,
        path: Path,
        transform: Transform,
        rgbFace: Any = None,
    ) -> None:
        if not gc.get_hatch():
            self._paint(gc, path, transform, rgbFace)
            return
        plain = self.new_gc()
        plain.copy_properties(gc)
        plain.set_hatch(None)
        edge_width = plain.get_linewidth()
        plain.set_linewidth(0)
        self._paint(plain, path, transform, rgbFace)  # the fill
        self._hatching(gc, path, transform)
        plain.set_linewidth(edge_width)
        self._paint(plain, path, transform, None)  # the edge

    # --- painting -----------------------------------------------------------------------

    def _hatching(self, gc: Any, path: Path, transform: Any) -> None:
        tile = POINTS_PER_INCH  # matplotlib's hatch pattern cell: one inch square
        lines = gc.get_hatch_path()  # one tile's hatching, in a unit square
        hatch_colour = gc.get_hatch_color()
        area = path.get_extents(transform)
        top = self.page.height  # matplotlib anchors tiles at the top left
        for column in range(int(area.x0 // tile), int(area.x1 // tile) + 1):
            for row in range(int((area.y0 - top) // tile), int((area.y1 - top) // tile) + 1):
                x, y = column * tile, top + row * tile
                clip: Bbox | None = Bbox.from_bounds(x, y, tile, tile)
                if gc.get_clip_rectangle() is not None:
                    clip = Bbox.intersection(clip, gc.get_clip_rectangle())  # type: ignore[arg-type]
                if clip is None:
                    continue
                hatching = self.new_gc()
                hatching.copy_properties(gc)
                hatching.set_hatch(None)
                hatching.set_foreground(hatch_colour)
                hatching.set_linewidth(gc.get_hatch_linewidth())
                hatching.set_dashes(0, None)
                hatching.set_clip_rectangle(clip)
                hatching.set_clip_path(TransformedPath(path, transform))
                place = Affine2D().scale(tile).translate(x, y)
                self._paint(hatching, lines, place, hatch_colour)

    def _paint(self, gc: Any, path: Path, transform: Any, fill: Any) -> None:
        """One path in its own graphics state (q ... Q), as the PDF backend paints it."""
        rgb = gc.get_rgb()
        if rgb is None:  # as the PDF backend: an unset stroke colour strokes nothing
            rgb = (0.0, 0.0, 0.0, 0.0)
        if gc.get_forced_alpha():
            alphas = (gc.get_alpha(), gc.get_alpha())
        elif fill is None or len(fill) < 4:
            alphas = (rgb[3], 1.0)
        else:
            alphas = (rgb[3], fill[3])
        stroke = gc.get_linewidth() > 0 and gc.get_alpha() > 0 and rgb[3] != 0.0
        filled = fill is not None and (len(fill) <= 3 or fill[3] != 0.0)
        # stroked-only paths are clipped to the chart and simplified, as the PDF backend's
        bounds = (0.0, 0.0, self.page.width, self.page.height) if fill is None else None
        simplify = path.should_simplify if fill is None else False
        segments = self._segments(path, transform, bounds, simplify, gc.get_sketch_params())
        clip_path, clip_affine = gc.get_clip_path()
        clipping = [] if clip_path is None else self._segments(clip_path, clip_affine, None)
        if not segments or (clip_path is not None and not clipping):
            return  # nothing to paint (a series with no figures yet): no operator without a path
        out = self.page.operators
        out.append("q")
        clip_box = gc.get_clip_rectangle()
        if clip_box is not None:
            x0, y0, width, height = clip_box.bounds
            out.append(f"{number(x0)} {number(y0)} {number(width)} {number(height)} re W n")
        if clipping:
            out.extend(clipping)
            out.append("W n")
        if alphas != (1.0, 1.0):
            out.append(f"{self.page.alpha_state((float(alphas[0]), float(alphas[1])))} gs")
        offset, dashes = gc.get_dashes()
        pattern = " ".join(number(d) for d in dashes) if dashes else ""
        out.append(
            f"{number(gc.get_linewidth())} w {_CAPS[gc.get_capstyle()]} J "
            f"{_JOINS[gc.get_joinstyle()]} j [{pattern}] {number(offset if dashes else 0)} d "
            f"{colour(rgb)} RG" + (f" {colour(fill)} rg" if filled else "")
        )
        out.extend(segments)
        out.append({(True, True): "B", (True, False): "f", (False, True): "S"}.get(
            (filled, stroke), "n"))  # fmt: skip
        out.append("Q")

    @staticmethod
    def _segments(
        path: Path, transform: Any, clip: Any, simplify: bool = False, sketch: Any = None
    ) -> list[str]:
        ops: list[str] = []
        current = start = (0.0, 0.0)
        for vertices, code in path.iter_segments(
            transform, remove_nans=True, clip=clip, simplify=simplify, curves=True, sketch=sketch
        ):
            if code == Path.MOVETO:
                current = start = (vertices[0], vertices[1])
                ops.append(f"{number(vertices[0])} {number(vertices[1])} m")
            elif code == Path.LINETO:
                current = (vertices[0], vertices[1])
                ops.append(f"{number(vertices[0])} {number(vertices[1])} l")
            elif code == Path.CURVE3:  # quadratic: as the cubic that draws it
                (qx, qy), (x, y) = (vertices[0], vertices[1]), (vertices[2], vertices[3])
                x0, y0 = current
                points = (
                    x0 + 2 / 3 * (qx - x0),
                    y0 + 2 / 3 * (qy - y0),
                    x + 2 / 3 * (qx - x),
                    y + 2 / 3 * (qy - y),
                    x,
                    y,
                )
                current = (x, y)
                ops.append(" ".join(number(p) for p in points) + " c")
            elif code == Path.CURVE4:
                current = (vertices[4], vertices[5])
                ops.append(" ".join(number(p) for p in vertices[:6]) + " c")
            elif code == Path.CLOSEPOLY:
                current = start  # a closed subpath ends where it began
                ops.append("h")
        return ops


def pages_pdf(pages: list[ChartPage]) -> bytes:
    """A PDF of one page per chart, its drawing as the page's content (read by pikepdf,
    which makes each page a form the document places)."""
    objects: list[bytes] = []
    kids = []
    for index, page in enumerate(pages):
        page_number, content_number = 3 + 2 * index, 4 + 2 * index
        kids.append(f"{page_number} 0 R")
        states = " ".join(
            f"{name} << /Type /ExtGState /CA {number(stroke)} /ca {number(fill)} >>"
            for (stroke, fill), name in page.alphas.items()
        )
        resources = f"<< /ExtGState << {states} >> >>" if states else "<< >>"
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {number(page.width)} "
                f"{number(page.height)}] /Resources {resources} /Contents {content_number} 0 R >>"
            ).encode("ascii")
        )
        content = page.content()
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode("ascii") + content + b"endstream"
        )
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    tree = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode("ascii")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for object_number, body in enumerate([catalog, tree, *objects], start=1):
        offsets.append(len(out))
        out += f"{object_number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode("ascii")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += (
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)
