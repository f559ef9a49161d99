"""The report's charts' SVG text, drawn a run at a time in the PDF.

WeasyPrint (up to version 70, the one installed) lays out and draws an SVG
`<text>` one character at a time: a Pango layout and a PDF text operation per
letter, so that per-letter positions (`x`/`y` lists, `dx`, `dy`, `rotate`,
`letter-spacing`, `textLength`) can be honoured. The charts of a report
(reporting/report_charts.py) have ~450 labels and ~4,600 letters at 1x, and
that was ~0.5 s of the PDF's ~3.3 s of CPU. WeasyPrint's main branch (after
70) shapes a run that has no per-letter positions as a whole; until that is
released and installed, `install()` puts the same rule in front of
WeasyPrint's function: a `<text>` with a single x and y (or none) and none of
the per-letter attributes is laid out once and drawn in one operation, which
also keeps the font's kerning; any other text goes to WeasyPrint's own
function, unchanged. Only the PDF renderer calls `install()`.
"""

from __future__ import annotations

import importlib
import sys
from math import inf

PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength")
# The WeasyPrint versions whose SVG text is drawn letter by letter (checked when installing).
LETTER_BY_LETTER_UP_TO = 70

_original = None


def _single(value: str | None) -> bool:
    return value is None or len(value.replace(",", " ").split()) <= 1


def _style(svg, node, font_size):
    from weasyprint.css.properties import INITIAL_VALUES

    text_module = sys.modules["weasyprint.svg.text"]
    style = text_module.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    weight = {"normal": 400, "bold": 700}.get(weight, weight)
    try:
        style["font_weight"] = int(weight)
    except ValueError:
        style["font_weight"] = 400
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    return style


def _y_align(node, font_size: float, height: float) -> float:
    """WeasyPrint's vertical alignment of a text (svg/text.py), unchanged."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "top":
        return 0
    if display_anchor == "bottom":
        return -height
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0


def text(svg, node, font_size):
    """Draw an SVG text node: a run at once when nothing in it is placed letter by letter."""
    attributes = node.attrib
    if (not node.text or any(name in attributes for name in PER_LETTER)
            or not _single(attributes.get("x")) or not _single(attributes.get("y"))):
        return _original(svg, node, font_size)
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    text_module = sys.modules["weasyprint.svg.text"]
    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(attributes["x"], font_size, svg.inner_width) if "x" in attributes else None
    y = size(attributes["y"], font_size, svg.inner_height) if "y" in attributes else None
    if x is not None:
        svg.cursor_d_position[0] = 0
    if y is not None:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _y_align(node, font_size, height)
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
    )
    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = text_module.TextBox(layout, style)
    box.baseline = baseline
    emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def install() -> bool:
    """Put `text` in front of WeasyPrint's SVG text drawing (once; a no-op on
    a WeasyPrint that is not known to draw letter by letter). Returns whether
    it is in place."""
    global _original
    import weasyprint

    if _original is not None:
        return True
    if int(weasyprint.__version__.split(".")[0]) > LETTER_BY_LETTER_UP_TO:
        return False
    svg_package = importlib.import_module("weasyprint.svg")
    original = sys.modules["weasyprint.svg.text"].text
    _original = original
    for tag, function in list(svg_package.TAGS.items()):
        if function is original:
            svg_package.TAGS[tag] = text
    # svg/__init__.py also compares a node's drawing function with its name `text` (text anchors, bounding boxes).
    svg_package.text = text
    return True
