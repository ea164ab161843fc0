"""Clicks per day as a bar chart drawn on the server: plain SVG, no script, no library.

``DailyChart`` turns a series of (day, count) pairs into the numbers the template
``affiliates/reports/daily_chart.html`` draws: bars, axis ticks and labels. The
template gives the picture a title and a description for screen readers, and a
table with every day's count as its text alternative.
"""

import datetime
import math
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import date_format
from django.utils.html import format_html_join

WIDTH = 720
HEIGHT = 240
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 48
PLOT_WIDTH = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
MAX_X_LABELS = 7


@dataclass(frozen=True, slots=True)
class Bar:
    day: datetime.date
    count: int
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


def days_between(start, end):
    """Every day from ``start`` to ``end``, both included."""
    return [start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1)]


def nice_step(value):
    """The smallest of 1, 2, 5, 10, 20, 50, … that is at least ``value``."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def scale(peak, intervals=5):
    """(top of the scale, gridline step) for a largest value of ``peak``.

    Whole, round steps; at most ``intervals`` of them, and at least one.
    """
    step = nice_step(peak / intervals)
    return max(step * math.ceil(peak / step), step), step


def _round(value):
    return round(value, 2)


class DailyChart:
    """A day-by-day bar chart of ``counts`` ({date: int}) from ``start`` to ``end``.

    Days missing from ``counts`` are drawn as zero, so a range without clicks
    still shows its dates and an empty plot.
    """

    width = WIDTH
    height = HEIGHT
    plot_left = MARGIN_LEFT
    plot_top = MARGIN_TOP
    plot_width = PLOT_WIDTH
    plot_height = PLOT_HEIGHT
    plot_bottom = MARGIN_TOP + PLOT_HEIGHT
    plot_right = MARGIN_LEFT + PLOT_WIDTH

    def __init__(self, counts, start, end, *, chart_id, title, measure="clicks"):
        if end < start:
            raise ValueError("A chart's range must not end before it starts.")
        self.chart_id = chart_id
        self.title = title
        self.measure = measure
        self.start = start
        self.end = end
        self.days = [(day, counts.get(day, 0)) for day in days_between(start, end)]
        self.total = sum(count for _, count in self.days)
        self.peak = max(count for _, count in self.days)
        self.scale_max, self.scale_step = scale(self.peak)

    #: Where to centre text over the plot.
    center_x = MARGIN_LEFT + PLOT_WIDTH / 2
    center_y = MARGIN_TOP + PLOT_HEIGHT / 2

    @property
    def is_empty(self):
        return self.total == 0

    @property
    def day_count(self):
        return len(self.days)

    def _y(self, count):
        return self.plot_bottom - count / self.scale_max * self.plot_height

    @property
    def bars(self):
        slot = self.plot_width / len(self.days)
        # A gap between bars while they are wide enough to show one.
        bar_width = slot * 0.7 if slot >= 4 else slot
        bars = []
        for index, (day, count) in enumerate(self.days):
            top = self._y(count)
            bars.append(
                Bar(
                    day=day,
                    count=count,
                    x=_round(self.plot_left + index * slot + (slot - bar_width) / 2),
                    y=_round(top),
                    width=_round(bar_width),
                    height=_round(self.plot_bottom - top),
                    label=f"{date_format(day, 'j M Y')}: {intcomma(count)}",
                )
            )
        return bars

    @property
    def bars_svg(self):
        """The bars as SVG, each with its day and count as a tooltip. (Built here, not in
        the template: a year is 365 of them.)"""
        return format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            ((bar.x, bar.y, bar.width, bar.height, bar.label) for bar in self.bars if bar.count),
        )

    @property
    def table_rows_html(self):
        """One table row per day: the chart's text alternative."""
        return format_html_join(
            "",
            '<tr><th scope="row"><time datetime="{}">{}</time></th><td>{}</td></tr>',
            (
                (day.isoformat(), date_format(day, "D j M Y"), intcomma(count))
                for day, count in self.days
            ),
        )

    @property
    def y_ticks(self):
        """A gridline and label at every step of the scale, from 0 to the top."""
        steps = round(self.scale_max / self.scale_step)
        return [
            Tick(position=_round(self._y(n * self.scale_step)), label=intcomma(n * self.scale_step))
            for n in range(steps + 1)
        ]

    @property
    def x_ticks(self):
        """Date labels under the bars: the first day, the last, and evenly between."""
        count = len(self.days)
        slot = self.plot_width / count
        if count <= MAX_X_LABELS:
            indexes = list(range(count))
        else:
            step = (count - 1) / (MAX_X_LABELS - 1)
            indexes = sorted({round(step * n) for n in range(MAX_X_LABELS)})
        return [
            Tick(
                position=_round(self.plot_left + index * slot + slot / 2),
                label=date_format(self.days[index][0], "j M"),
            )
            for index in indexes
        ]

    @property
    def busiest(self):
        """(day, count) of the first day with the most clicks, or None if there were none."""
        if self.is_empty:
            return None
        return max(self.days, key=lambda item: item[1])

    @property
    def summary(self):
        """One sentence a screen reader hears for the picture."""
        days = len(self.days)
        period = f"{days} day" if days == 1 else f"{days} days"
        if self.is_empty:
            return f"No {self.measure} in {period}."
        day, count = self.busiest
        return (
            f"{intcomma(self.total)} {self.measure} in {period}; "
            f"most on {date_format(day, 'j F Y')}, with {intcomma(count)}."
        )
