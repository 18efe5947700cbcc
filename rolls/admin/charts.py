"""Server-side SVG charts for the console: a run's timeline, and the spread of strategies'
repeated runs (a line from the quickest to the slowest with a dot at the median, so two
strategies whose lines overlap read as the tie they are; a single bar would hide that).

Plain SVG strings (every text escaped), no JavaScript and no inline styles, so the pages stay
CSP-friendly and render identically in the PDF-free browser test. Colours that follow the
admin's light/dark theme come from classes styled in ``rolls/console.css``; task colours are
a colour-blind-safe palette (Okabe-Ito) so two task kinds never look alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from rolls.formatting import format_duration

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D31", "#999999"]
FAILED_COLOUR = "#ba2121"  # the admin's own error red
CHAR_WIDTH = 6.6  # average width of a 12px sans-serif character, for laying out labels


@dataclass(frozen=True)
class Bar:
    """One task on the timeline: where it ran and when, in seconds since the run was queued."""

    row: str
    name: str
    start: float
    end: float
    failed: bool = False
    running: bool = False
    title: str = ""


def nice_step(span: float, target_ticks: int = 8) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``target_ticks``."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def format_tick(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return number_format(value, decimals, use_l10n=True)


def _fit(text: str, width: float, *, keep_end: bool = False) -> str:
    """Shorten ``text`` to fit ``width`` pixels (the full text stays in a <title>): its end
    cut off, or with ``keep_end`` its middle (a timeline row's process is at its end, after
    a worker name that can be a long host name)."""
    limit = max(4, int(width / CHAR_WIDTH))
    if len(text) <= limit:
        return text
    if keep_end:
        head = (limit - 1) // 2
        return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]
    return text[: limit - 1] + "…"


def task_colours(names: list[str]) -> dict[str, str]:
    ordered = sorted(set(names))
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}


def timeline_svg(
    bars: list[Bar],
    *,
    queued_until: float | None,
    finished: float | None,
    width: int = 960,
) -> SafeString:
    """Rows are worker processes, bars are tasks, x is seconds since the run was queued.

    The shaded band at the left is the time before the first task started (waiting in the
    queue); gaps within a row are an idle process; a row busy long after the others is the
    straggler that set the wall time.
    """
    if not bars:
        return mark_safe("")
    rows = sorted({bar.row for bar in bars})
    colours = task_colours([bar.name for bar in bars])
    label_width, right = 230, 24
    plot_width = width - label_width - right
    end = max([bar.end for bar in bars] + [finished or 0.0, 0.001])
    step = nice_step(end)
    axis_end = math.ceil(end / step) * step

    def x(seconds: float) -> float:
        return label_width + plot_width * max(0.0, seconds) / axis_end

    # Legend first: it wraps onto as many lines as it needs.
    legend_items = [(name, colours[name], "") for name in sorted(colours)]
    if any(bar.failed for bar in bars):
        legend_items.append((gettext("failed"), FAILED_COLOUR, ""))
    if queued_until:
        legend_items.append((gettext("waiting in the queue"), "", "queued-swatch"))
    if finished is not None:
        legend_items.append((gettext("run ended"), "", "finish-line"))
    parts: list[str] = []
    legend_x, legend_y = float(label_width), 14.0
    for text, colour, css in legend_items:
        item_width = 18 + len(text) * CHAR_WIDTH + 16
        if legend_x + item_width > width - right and legend_x > label_width:
            legend_x, legend_y = float(label_width), legend_y + 18
        if css == "finish-line":
            swatch = (
                f'<line x1="{legend_x + 6:.1f}" y1="{legend_y - 10:.1f}" x2="{legend_x + 6:.1f}" '
                f'y2="{legend_y + 4:.1f}" class="finish-line"/>'
            )
        else:
            fill = f'fill="{colour}"' if colour else f'class="{css}"'
            swatch = (
                f'<rect x="{legend_x:.1f}" y="{legend_y - 9:.1f}" width="12" height="12" rx="2" '
                f"{fill}/>"
            )
        parts.append(
            f'{swatch}<text x="{legend_x + 17:.1f}" y="{legend_y + 1:.1f}" class="chart-text">'
            f"{escape(text)}</text>"
        )
        legend_x += item_width
    top = legend_y + 14
    row_height, bar_height = 24, 16
    plot_bottom = top + row_height * len(rows)
    height = plot_bottom + 42

    timeline_label = gettext("Timeline of the run's tasks per worker process")
    timeline_title = gettext("Tasks per worker process over time")
    axis_label = gettext("seconds since the run was queued")
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rolls-chart rolls-timeline" '
        f'viewBox="0 0 {width} {height:.0f}" width="100%" role="img" '
        f'aria-label="{escape(timeline_label)}">',
        f"<title>{escape(timeline_title)}</title>",
        *parts,
    ]
    for index, row in enumerate(rows):
        y = top + index * row_height
        if index % 2 == 0:
            svg.append(
                f'<rect x="{label_width}" y="{y:.1f}" width="{plot_width}" '
                f'height="{row_height}" class="row-band"/>'
            )
        svg.append(
            f'<text x="{label_width - 8}" y="{y + row_height / 2 + 4:.1f}" text-anchor="end" '
            f'class="chart-text"><title>{escape(row)}</title>'
            f"{escape(_fit(row, label_width - 12, keep_end=True))}</text>"
        )
    if queued_until and queued_until > 0:
        svg.append(
            f'<rect x="{label_width}" y="{top:.1f}" width="{x(queued_until) - label_width:.1f}" '
            f'height="{plot_bottom - top:.1f}" class="queued-band">'
            "<title>"
            + escape(
                gettext("%(seconds)s s waiting in the queue before the first task started")
                % {"seconds": number_format(queued_until, 2, use_l10n=True)}
            )
            + "</title></rect>"
        )
    # Ticks and grid.
    svg.extend(_grid(x, top, plot_bottom, axis_end, step))
    svg.append(
        f'<line x1="{label_width}" y1="{plot_bottom:.1f}" x2="{width - right}" '
        f'y2="{plot_bottom:.1f}" class="axis"/>'
        f'<text x="{label_width + plot_width / 2:.1f}" y="{plot_bottom + 34:.1f}" '
        f'text-anchor="middle" class="chart-text chart-quiet">'
        f"{escape(axis_label)}</text>"
    )
    for bar in sorted(bars, key=lambda b: b.start):
        y = top + rows.index(bar.row) * row_height + (row_height - bar_height) / 2
        left = x(bar.start)
        bar_width = max(1.5, x(bar.end) - left)
        colour = FAILED_COLOUR if bar.failed else colours[bar.name]
        css = "task running" if bar.running else "task"
        svg.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{bar_height}" '
            f'rx="2" fill="{colour}" class="{css}"><title>{escape(bar.title or bar.name)}'
            "</title></rect>"
        )
    if finished is not None:
        fx = x(finished)
        ended = gettext("run ended after %(time)s") % {"time": format_duration(finished)}
        svg.append(
            f'<line x1="{fx:.1f}" y1="{top - 4:.1f}" x2="{fx:.1f}" y2="{plot_bottom:.1f}" '
            f'class="finish-line"><title>{escape(ended)}</title></line>'
        )
    svg.append("</svg>")
    return mark_safe("".join(svg))  # noqa: S308 - every text above is escaped


@dataclass(frozen=True)
class SpreadRow:
    label: str
    low: float | None  # None: nothing to draw (failed, or not measured), ``text`` says why
    median: float | None
    high: float | None
    text: str
    highlight: bool = False
    failed: bool = False


def spread_chart_svg(
    rows: list[SpreadRow], *, title: str, unit: str, width: int = 960
) -> SafeString:
    if not rows:
        return mark_safe("")
    label_width, value_space, right = 340, 170, 16
    plot_width = width - label_width - value_space - right
    top, row_height = 28, 26
    maximum = max([row.high for row in rows if row.high] + [0.001])
    step = nice_step(maximum, 6)
    axis_end = math.ceil(maximum / step) * step
    plot_bottom = top + row_height * len(rows)
    height = plot_bottom + 40

    def x(value: float) -> float:
        return label_width + plot_width * value / axis_end

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rolls-chart rolls-bars rolls-spread" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{label_width}" y="16" class="chart-text chart-heading">{escape(title)}</text>',
    ]
    svg.extend(_grid(x, top, plot_bottom, axis_end, step))
    for index, row in enumerate(rows):
        middle = top + index * row_height + row_height / 2
        label_css = "chart-text chart-strong" if row.highlight else "chart-text"
        svg.append(
            f'<text x="{label_width - 8}" y="{middle + 4}" text-anchor="end" '
            f'class="{label_css}"><title>{escape(row.label)}</title>'
            f"{escape(_fit(row.label, label_width - 12))}</text>"
        )
        if row.low is None or row.high is None or row.median is None:
            css = "chart-text chart-failed" if row.failed else "chart-text chart-quiet"
            svg.append(
                f'<text x="{label_width + 6}" y="{middle + 4}" class="{css}">'
                f"{escape(row.text)}</text>"
            )
            continue
        css = "bar bar-best" if row.highlight else "bar"
        median = gettext("median %(value)s") % {
            "value": number_format(row.median, 2, use_l10n=True)
        }
        left, right_end = x(row.low), max(x(row.high), x(row.low) + 1.5)
        svg.append(
            f'<rect x="{left:.1f}" y="{middle - 3}" width="{right_end - left:.1f}" height="6" '
            f'rx="3" class="{css}"><title>{escape(row.label)}: {escape(row.text)}</title></rect>'
            f'<circle cx="{x(row.median):.1f}" cy="{middle}" r="6" class="{css}">'
            f"<title>{escape(median)}</title></circle>"
            f'<text x="{right_end + 10:.1f}" y="{middle + 4}" class="chart-text">'
            f"{escape(row.text)}</text>"
        )
    svg.append(
        f'<line x1="{label_width}" y1="{plot_bottom}" x2="{label_width + plot_width}" '
        f'y2="{plot_bottom}" class="axis"/>'
        f'<text x="{label_width + plot_width / 2:.1f}" y="{plot_bottom + 34}" '
        f'text-anchor="middle" class="chart-text chart-quiet">{escape(unit)}</text>'
    )
    svg.append("</svg>")
    return mark_safe("".join(svg))  # noqa: S308 - every text above is escaped


def _grid(x, top: float, bottom: float, axis_end: float, step: float) -> list[str]:
    """Vertical grid lines with their tick labels, every ``step`` up to ``axis_end``."""
    parts = []
    tick = 0.0
    while tick <= axis_end + step / 1000:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" class="grid"/>'
            f'<text x="{tx:.1f}" y="{bottom + 15:.1f}" text-anchor="middle" class="chart-text">'
            f"{format_tick(tick, step)}</text>"
        )
        tick += step
    return parts
