"""Charts of a report, drawn on the server as SVG (no script): the PDF holds
them as vector paths and the report's page shows the same pictures.

Small builders, each taking numbers and words already in the reader's
language (from reporting.report_view) and returning SVG markup:

- `progress_bars`: horizontal bars of 0..1 values, with an optional marker
  (time elapsed);
- `series_chart`: an indicator's network value per period against its
  baseline and target;
- `rate_bars`: compliance rates coloured by the dashboards' bands.

Colours are the site's (static/css/metroplan.css).
"""

from __future__ import annotations

from types import SimpleNamespace
from xml.sax.saxutils import escape

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reporting.templatetags.dashboards import compliance_band

INK, MUTED, LINE, TRACK = "#1d2433", "#5b6475", "#d9dee7", "#e4e8ef"
BRAND, OK, WARN, BAD = "#0b5cad", "#1e7b3a", "#a15c00", "#b3261e"
BAND_COLOURS = {"good": OK, "fair": WARN, "poor": BAD, "none": MUTED}
FONT = 'font-family="DejaVu Sans, sans-serif"'


def _text(x, y, content, *, size=11, anchor="start", fill=INK, weight="normal") -> str:
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" text-anchor="{anchor}" fill="{fill}"{bold}>'
            f'{escape(str(content))}</text>')


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    attribute = escape(label, {'"': "&quot;"})
    return mark_safe(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{attribute}">'
        f'<title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _unit(value) -> float:
    return 0.0 if value is None else max(0.0, min(1.0, float(value)))


def progress_bars(rows: list[tuple[str, float | None, str]], *, label: str, marker: float | None = None,
                  marker_label: str = "", width: int = 680, label_width: int = 300, colours=None) -> str:
    """One bar per (label, value 0..1, value text); an optional vertical
    `marker` (0..1) across all bars, named in the legend."""
    row_height, top = 21, 6 if marker is None else 22
    bar_x, bar_width = label_width + 8, width - label_width - 70
    height = top + row_height * len(rows) + 6
    body = []
    if marker is not None:
        x = bar_x + bar_width * _unit(marker)
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 4}" stroke="{INK}" '
                    f'stroke-width="1.2" stroke-dasharray="3 2"/>')
        body.append(_text(x, top - 8, marker_label, size=9, anchor="middle", fill=MUTED))
    for index, (name, value, value_text) in enumerate(rows):
        y = top + index * row_height
        colour = (colours[index] if colours else BRAND)
        body.append(_text(0, y + 14, _clip(name, 48), size=10.5))
        body.append(f'<rect x="{bar_x}" y="{y + 5}" width="{bar_width}" height="11" rx="5.5" fill="{TRACK}"/>')
        if value is not None and _unit(value) > 0:
            body.append(f'<rect x="{bar_x}" y="{y + 5}" width="{max(6.0, bar_width * _unit(value)):.1f}" '
                        f'height="11" rx="5.5" fill="{colour}"/>')
        body.append(_text(width - 2, y + 14, value_text, size=10.5, anchor="end", weight="bold"))
    if marker is not None:  # drawn again over the bars
        x = bar_x + bar_width * _unit(marker)
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 4}" stroke="{INK}" '
                    f'stroke-width="1.2" stroke-dasharray="3 2"/>')
    return _svg(width, height, body, label)


def rate_bars(rows: list[tuple[str, float | None, str]], *, label: str, width: int = 680,
              label_width: int = 220) -> str:
    """Compliance rates, each bar in the colour of its band (good, fair, poor)."""
    colours = [BAND_COLOURS[compliance_band(value)] for _name, value, _text_ in rows]
    return progress_bars(rows, label=label, width=width, label_width=label_width, colours=colours)


def series_chart(indicator, words, *, width: int = 250, height: int = 138) -> str:
    """An indicator's network value per period (as the indicator adds up),
    against its baseline (grey dashes), its end target (green dashes) and the
    period's target (a green dotted line, where the snapshot has it)."""
    points = indicator.series
    values = [p["value"] for p in points]
    targets = [p.get("target") for p in points]
    candidates = [v for v in (indicator.baseline, indicator.target, *values, *targets) if v is not None]
    low, high = (min(candidates), max(candidates)) if candidates else (0.0, 1.0)
    if high == low:
        high = low + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    left, right, top, bottom = 34, 8, 30, 20
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    places = getattr(indicator, "decimals", 2)
    # About 6.5 px a character at 10 px bold: the title stays inside its chart, never over the next one.
    body = [_text(0, 11, _clip(f"{indicator.code} {indicator.name}", int(width / 6.6)), size=10, weight="bold"),
            _text(0, 23, indicator.unit, size=8.5, fill=MUTED),
            f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{LINE}"/>']
    # Both lines are named at their right end (a series starts at its baseline, on the
    # left), except the baseline's name goes to the left end when the lines are too
    # close for two names.
    close = (indicator.baseline is not None and indicator.target is not None
             and abs(y_of(indicator.baseline) - y_of(indicator.target)) < 12)
    right_end = (left + plot_w - 2, "end")
    lines = ((indicator.baseline, MUTED, _("baseline"), *((left + 2, "start") if close else right_end)),
             (indicator.target, OK, _("target"), *right_end))
    for value, colour, name, name_x, name_anchor in lines:
        if value is None:
            continue
        y = y_of(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{colour}" '
                    f'stroke-width="1.2" stroke-dasharray="4 3"/>')
        body.append(_text(left - 4, y + 3, words.num(value, places), size=8, anchor="end", fill=colour))
        body.append(_text(name_x, y - 3, name, size=8, anchor=name_anchor, fill=colour))
    if points:
        step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
        coords = [(left + (index * step if len(points) > 1 else plot_w / 2), y_of(p["value"]))
                  for index, p in enumerate(points)]
        target_line = [(x, y_of(target)) for (x, _y), target in zip(coords, targets, strict=True)
                       if target is not None]
        if len(target_line) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(target_line))
            body.append(f'<path d="{path}" fill="none" stroke="{OK}" stroke-width="1.4" stroke-dasharray="1.5 2.5">'
                        f'<title>{escape(_("period target"))}</title></path>')
        if len(coords) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
            body.append(f'<path d="{path}" fill="none" stroke="{BRAND}" stroke-width="2"/>')
        for x, y in coords:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{BRAND}"/>')
        last_x, last_y = coords[-1]
        # The latest value above its point, or below it where the target's name is written.
        target_y = None if indicator.target is None else y_of(indicator.target)
        value_y = last_y - 6
        if target_y is not None and abs(last_y - target_y) < 12:  # the target's name is just above its line
            value_y = min(max(last_y, target_y) + 11, top + plot_h - 2)
        body.append(_text(min(last_x - 4, left + plot_w - 4), value_y, words.num(points[-1]["value"], places),
                          size=8.5, anchor="end", fill=BRAND, weight="bold"))
        shown = {0, len(points) - 1} | ({len(points) // 2} if len(points) > 4 else set(range(len(points))))
        for index in sorted(shown):
            x = coords[index][0]
            anchor = "start" if index == 0 and len(points) > 1 else "end" if index == len(points) - 1 else "middle"
            body.append(_text(x, height - 6, points[index]["period"], size=8, anchor=anchor, fill=MUTED))
    else:
        body.append(_text(left + plot_w / 2, top + plot_h / 2, _("no approved value"), size=9, anchor="middle",
                          fill=WARN))
    label = _("%(indicator)s: network value per period against its baseline, its target and each period's target") % {
        "indicator": f"{indicator.code} {indicator.name}"}
    return _svg(width, height, body, label)


def goal_charts(goal, view) -> SimpleNamespace:
    """A goal page's charts: its actions' progress against time elapsed, each
    indicator's series against its target, and the goal's compliance per region."""
    w = view.words
    meta = view.meta
    actions = progress_bars(
        [(f"{a.code} {a.title}", a.progress, a.percent) for a in goal.actions],
        label=_("Progress of the actions of goal %(code)s") % {"code": goal.code},
        marker=meta.elapsed, marker_label=_("time elapsed %(pct)s") % {"pct": meta.elapsed_text},
    ) if goal.actions else ""
    regions = rate_bars(
        [(r.name, r.value, r.percent) for r in goal.regions],
        label=_("Compliance per region for goal %(code)s") % {"code": goal.code}, width=680,
    ) if goal.regions else ""
    return SimpleNamespace(actions=actions, regions=regions,
                           indicators=[series_chart(indicator, w) for indicator in goal.indicators])


def summary_charts(view) -> SimpleNamespace:
    meta = view.meta
    goals = progress_bars(
        [(f"{g.code}. {g.title}", g.progress, g.percent) for g in view.goals],
        label=_("Progress per goal"), marker=meta.elapsed,
        marker_label=_("time elapsed %(pct)s") % {"pct": meta.elapsed_text},
    )
    regions = rate_bars([(r.name, r.value, r.percent) for r in view.regions], label=_("Compliance per region"))
    return SimpleNamespace(goals=goals, regions=regions)
