"""A report as a slide deck for the Board (python-pptx), in one language, from
the same ReportView as the PDF: a title slide, an executive summary, one slide
per goal with a native (editable) chart of its actions' progress and its key
figures, and the data gaps. Colours are the site's."""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from reporting.report_view import ReportView

INK, MUTED, LINE = RGBColor(0x1D, 0x24, 0x33), RGBColor(0x5B, 0x64, 0x75), RGBColor(0xD9, 0xDE, 0xE7)
BRAND, WHITE, WARN, BG = RGBColor(0x0B, 0x5C, 0xAD), RGBColor(0xFF, 0xFF, 0xFF), RGBColor(0xA1, 0x5C, 0x00), \
    RGBColor(0xF6, 0xF7, 0xFB)
FONT = "Arial"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _box(slide, left, top, width, height, *, fill=None, line=None):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
    if fill is None:
        shape.fill.background()
    else:
        shape.fill.solid()
        shape.fill.fore_color.rgb = fill
    if line is None:
        shape.line.fill.background()
    else:
        shape.line.color.rgb = line
    shape.shadow.inherit = False
    return shape


def _text(slide, left, top, width, height, lines, *, size=14, colour=INK, bold=False, align=PP_ALIGN.LEFT):
    """A text box; `lines` a string or a list of strings or (text, size, colour, bold) tuples."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(0.05)
    for index, line in enumerate([lines] if isinstance(lines, str) else lines):
        text, line_size, line_colour, line_bold = (line, size, colour, bold) if isinstance(line, str) else line
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(line_size), line_bold, FONT
        run.font.color.rgb = line_colour
    return box


def _header(slide, view: ReportView, kicker: str, title: str) -> None:
    _box(slide, 0, 0, WIDTH, Inches(0.12), fill=BRAND)
    _text(slide, Inches(0.6), Inches(0.35), Inches(12), Inches(0.4), kicker.upper(), size=12, colour=MUTED)
    _text(slide, Inches(0.6), Inches(0.7), Inches(12.1), Inches(0.9), _clip(title, 110), size=26, colour=BRAND,
          bold=True)
    meta = view.meta
    footer = f"Metropolis · {meta.plan_name} · {meta.title}"
    _box(slide, Inches(0.6), Inches(6.95), Inches(12.1), Emu(9525), fill=LINE)
    _text(slide, Inches(0.6), Inches(7.0), Inches(10), Inches(0.35), footer, size=10, colour=MUTED)


def _page_number(slide, number: int, total: int) -> None:
    _text(slide, Inches(10.7), Inches(7.0), Inches(2), Inches(0.35), f"{number} / {total}", size=10, colour=MUTED,
          align=PP_ALIGN.RIGHT)


def _figure(slide, left, top, width, value: str, label: str, *, colour=BRAND) -> None:
    _box(slide, left, top, width, Inches(0.06), fill=colour)
    _text(slide, left, top + Inches(0.1), width, Inches(0.7), value, size=32, colour=INK, bold=True)
    _text(slide, left, top + Inches(0.8), width, Inches(0.6), label, size=12, colour=MUTED)


def _bar_chart(slide, left, top, width, height, rows: list[tuple[str, float | None]], series_name: str):
    """A native horizontal bar chart of 0..1 values, labelled in percent."""
    data = CategoryChartData(number_format="0%")
    data.categories = [name for name, _value in reversed(rows)]
    data.add_series(series_name, [value or 0 for _name, value in reversed(rows)])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    chart.has_legend = False
    chart.has_title = False
    chart.font.size, chart.font.name = Pt(11), FONT
    chart.font.color.rgb = INK
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format, labels.number_format_is_linked = "0%", False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size, labels.font.bold = Pt(11), True
    series = plot.series[0]
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = BRAND
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale = 0, 1
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = LINE
    axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = "0%", False
    axis.format.line.fill.background()
    chart.category_axis.format.line.color.rgb = LINE
    return chart


def _title_slide(prs, view: ReportView) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    meta = view.meta
    _box(slide, 0, 0, WIDTH, Inches(4.9), fill=BRAND)
    _text(slide, Inches(0.8), Inches(0.6), Inches(11), Inches(0.5), "METROPOLIS", size=16, colour=WHITE)
    _text(slide, Inches(0.8), Inches(1.7), Inches(11.5), Inches(0.6), meta.plan_name, size=20, colour=WHITE)
    _text(slide, Inches(0.8), Inches(2.4), Inches(11.5), Inches(1.2), meta.title, size=44, colour=WHITE, bold=True)
    _text(slide, Inches(0.8), Inches(3.7), Inches(11.5), Inches(0.6),
          _("%(kind)s · %(start)s to %(end)s") % {"kind": meta.kind_label, "start": meta.start, "end": meta.end},
          size=18, colour=WHITE)
    figures = [(view.plan.percent, _("Plan progress")),
               (view.compliance.percent, _("Compliance %(period)s") % {"period": meta.period}),
               (str(len(view.early_warnings)), _("Early warnings"))]
    for index, (value, label) in enumerate(figures):
        _figure(slide, Inches(0.8 + index * 4.0), Inches(5.3), Inches(3.6), value, label)
    if meta.demo_note:
        _text(slide, Inches(0.8), Inches(6.75), Inches(11.8), Inches(0.5), meta.demo_note, size=11,
              colour=RGBColor(0x6B, 0x3F, 0xA0))


def _summary_slide(prs, view: ReportView) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    meta = view.meta
    _header(slide, view, meta.title, _("Executive summary"))
    _figure(slide, Inches(0.6), Inches(1.8), Inches(3.6), view.plan.percent, _("Plan progress"))
    if meta.elapsed_text:
        _text(slide, Inches(0.6), Inches(2.95), Inches(3.6), Inches(0.4),
              _("%(pct)s of the plan's time has elapsed") % {"pct": meta.elapsed_text}, size=11, colour=MUTED)
    _figure(slide, Inches(0.6), Inches(3.5), Inches(3.6), view.compliance.percent,
            _("Compliance %(period)s") % {"period": meta.period})
    _text(slide, Inches(0.6), Inches(4.65), Inches(3.6), Inches(0.4), view.compliance.coverage, size=11, colour=MUTED)
    _figure(slide, Inches(0.6), Inches(5.2), Inches(3.6), str(len(view.early_warnings)), _("Early warnings"),
            colour=WARN if view.early_warnings else BRAND)
    _text(slide, Inches(4.7), Inches(1.7), Inches(8), Inches(0.4), _("Progress per goal"), size=14, bold=True)
    _bar_chart(slide, Inches(4.6), Inches(2.05), Inches(8.1), Inches(3.2),
               [(f"{g.code}. {_clip(g.title, 55)}", g.progress) for g in view.goals], _("Progress"))
    moved = view.moved[:4]
    if view.changes.previous:
        lines = [(_("What moved since the previous report"), 14, INK, True)]
        lines += [(f"{item.figure}: {item.before} → {item.after}", 12, INK, False) for item in moved] or [
            (_("No figure changed."), 12, MUTED, False)]
    else:
        lines = [(_("This is the first report of its kind: nothing to compare with."), 12, MUTED, False)]
    _text(slide, Inches(4.7), Inches(5.35), Inches(8), Inches(1.5), lines)


def _goal_slide(prs, view: ReportView, goal) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, view, _("Goal %(code)s") % {"code": goal.code}, goal.title)
    _figure(slide, Inches(0.6), Inches(1.8), Inches(3.4), goal.percent, _("progress"))
    if goal.compliance:
        _figure(slide, Inches(0.6), Inches(3.2), Inches(3.4), goal.compliance.percent,
                _("compliance %(period)s") % {"period": view.meta.period})
    warnings = len(goal.warnings)
    _figure(slide, Inches(0.6), Inches(4.6), Inches(3.4), str(warnings),
            ngettext("early warning", "early warnings", warnings), colour=WARN if warnings else BRAND)
    gaps = len(goal.members_without)
    _text(slide, Inches(0.6), Inches(6.0), Inches(3.6), Inches(0.8), [
        (ngettext("%(n)s member without an approved update", "%(n)s members without an approved update", gaps)
         % {"n": gaps}, 11, WARN if gaps else MUTED, False),
    ] + ([(_("Indicators without values:") + " " + ", ".join(goal.indicators_without_values), 11, WARN, False)]
         if goal.indicators_without_values else []))
    _text(slide, Inches(4.5), Inches(1.7), Inches(8), Inches(0.4), _("Progress of its actions"), size=14, bold=True)
    rows = [(f"{a.code} {_clip(a.title, 50)}", a.progress) for a in goal.actions]
    if rows:
        height = min(Inches(4.6), Inches(0.9) + Inches(0.55) * len(rows))
        _bar_chart(slide, Inches(4.4), Inches(2.05), Inches(8.3), height, rows, _("Progress"))
    notes = []
    if goal.commentary:
        notes.append((_clip(goal.commentary, 300), 11, INK, False))
    for warning in goal.warnings[:2]:
        heading = _("heading for %(projected)s %(unit)s against a target of %(target)s") % {
            "projected": warning.projected_text, "unit": warning.unit, "target": warning.target_text}
        notes.append((f"⚠ {warning.indicator} {_clip(warning.indicator_name, 60)}: {heading}", 11, WARN, False))
    if notes:
        _text(slide, Inches(4.5), Inches(6.2), Inches(8.2), Inches(0.7), notes)


def _gaps_slide(prs, view: ReportView) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, view, view.meta.title, _("Data gaps"))
    gaps = view.gaps
    lines = []
    for sentence, names in ((gaps.sentences[0], gaps.members_missing_text),
                            (gaps.sentences[1], gaps.members_unapproved_text),
                            (gaps.sentences[2], ", ".join(gaps.indicators))):
        lines.append((sentence, 16, INK, True))
        if names:
            lines.append((_clip(names, 400), 12, MUTED, False))
    lines.append((_("Lists are shortened here; the XLSX and CSV files of this report hold every name."), 11, MUTED,
                  False))
    _text(slide, Inches(0.6), Inches(1.8), Inches(12), Inches(4.8), lines)


def render_pptx(snapshot: dict, language: str) -> bytes:
    """The deck in `language`."""
    with translation.override(language):
        view = ReportView(snapshot, language)
        prs = Presentation()
        prs.slide_width, prs.slide_height = WIDTH, HEIGHT
        prs.core_properties.title = f"{view.meta.plan_name}: {view.meta.title}"
        prs.core_properties.author = "Metropolis"
        prs.core_properties.language = language
        _title_slide(prs, view)
        _summary_slide(prs, view)
        for goal in view.goals:
            _goal_slide(prs, view, goal)
        _gaps_slide(prs, view)
        total = len(prs.slides)
        for number, slide in enumerate(prs.slides, start=1):
            if number > 1:
                _page_number(slide, number, total)
        buffer = io.BytesIO()
        prs.save(buffer)
        return buffer.getvalue()
