"""SVG chart geometry made on the server: a line (with its area) over days, and stacked bars.

Pure arithmetic, no Django and no markup: a chart is a frozen dataclass of coordinates, paths,
ticks and formatted labels in a fixed viewBox; templates/_chart.html draws it as inline SVG
(no script, no style attribute: the strict CSP allows neither) and the same numbers as a table
for screen readers. Colours are CSS classes, so print and dark mode restyle them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 560
HEIGHT = 220
TOP = 12
BOTTOM = 30  # room for the date labels
RIGHT = 24  # room for half the last date label
CHAR = 8.4  # about one digit's width at the chart's font size (14), for the left margin
Y_TICKS = 4


def number(value: int | float | None) -> str:
    """1200 -> "1,200"; None -> "unknown"."""
    if value is None:
        return "unknown"
    return f"{round(value):,}"


def day_label(day: dt.date) -> str:
    """Jan 5 (no leading zero, no year: the chart spans at most a few months)."""
    return f"{day:%b} {day.day}"


def nice_top(peak: float, ticks: int = Y_TICKS) -> tuple[int, int]:
    """(axis maximum, tick step): a round step (1, 2 or 5 times a power of ten) whose `ticks`
    steps reach `peak`; an empty chart gets 0..ticks."""
    if peak <= 0:
        return ticks, 1
    raw = peak / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= raw)
    step = max(1, int(step))
    return step * math.ceil(peak / step), step


def _r(value: float) -> float:
    """Coordinates to a tenth of a unit: the viewBox is 640 wide, and the markup stays short."""
    return round(value, 1)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Frame:
    """The plot area inside the viewBox and its axes' ticks."""

    left: float
    right: float
    top: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]

    @property
    def label_x(self) -> float:
        """Where the numbers of the y axis end (right-aligned, left of the plot)."""
        return _r(self.left - 6)

    @property
    def width(self) -> float:
        return WIDTH

    @property
    def height(self) -> float:
        return HEIGHT


def _frame(top_value: int, step: int, x_ticks: tuple[Tick, ...], left: float) -> Frame:
    bottom = HEIGHT - BOTTOM
    y_ticks = tuple(
        Tick(_r(bottom - (bottom - TOP) * value / top_value), number(value))
        for value in range(0, top_value + 1, step)
    )
    return Frame(_r(left), WIDTH - RIGHT, TOP, bottom, y_ticks, x_ticks)


def _left_margin(top_value: int) -> float:
    return 10 + CHAR * len(number(top_value))


def _date_ticks(days: Sequence[dt.date], x_of: dict[dt.date, float], most: int = 6) -> tuple[Tick, ...]:
    """Labels on at most `most` evenly spaced days, the last day always among them."""
    if not days:
        return ()
    every = max(1, math.ceil(len(days) / most))
    chosen = list(days[::-1][::every])[::-1]
    return tuple(Tick(_r(x_of[day]), day_label(day)) for day in chosen)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    day: dt.date
    value: int

    @property
    def label(self) -> str:
        return number(self.value)


@dataclass(frozen=True)
class LineChart:
    """One value per day (None: unknown, the line breaks there)."""

    frame: Frame
    line_path: str
    area_path: str
    points: tuple[Point, ...]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart(days: Sequence[dt.date], values: Sequence[int | None]) -> LineChart:
    """The line and the area under it; days are evenly spaced along the x axis."""
    known = [value for value in values if value is not None]
    top_value, step = nice_top(max(known, default=0))
    left = _left_margin(top_value)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span = max(len(days) - 1, 1)
    x_of = {
        day: left + (right - left) * (index / span if len(days) > 1 else 0.5)
        for index, day in enumerate(days)
    }
    points = tuple(
        Point(_r(x_of[day]), _r(bottom - (bottom - TOP) * value / top_value), day, value)
        for day, value in zip(days, values, strict=True)
        if value is not None
    )
    line: list[str] = []
    area: list[str] = []
    run: list[Point] = []
    by_day = {point.day: point for point in points}

    def close(run: list[Point]) -> None:
        if not run:
            return
        line.append("M" + "L".join(f"{_fmt(p.x)},{_fmt(p.y)}" for p in run))
        edge = f"M{_fmt(run[0].x)},{_fmt(bottom)}"
        area.append(
            edge + "".join(f"L{_fmt(p.x)},{_fmt(p.y)}" for p in run) + f"L{_fmt(run[-1].x)},{_fmt(bottom)}Z"
        )

    for day in days:
        if day in by_day:
            run.append(by_day[day])
        else:
            close(run)
            run = []
    close(run)
    frame = _frame(top_value, step, _date_ticks(days, x_of), left)
    return LineChart(frame, "".join(line), "".join(area), points)


@dataclass(frozen=True)
class Segment:
    """One part of a bar: its series index (for its CSS class), its box and its value."""

    series: int
    y: float
    height: float
    value: int
    name: str = ""

    @property
    def label(self) -> str:
        return number(self.value)


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    day: dt.date
    segments: tuple[Segment, ...]
    total: int

    @property
    def label(self) -> str:
        return number(self.total)


@dataclass(frozen=True)
class BarChart:
    frame: Frame
    bars: tuple[Bar, ...]
    series: tuple[str, ...]


def stacked_bars(days: Sequence[dt.date], series: Sequence[tuple[str, Sequence[int]]]) -> BarChart:
    """One bar per day, each series stacked on the previous ones (the first at the bottom)."""
    totals = [sum(values[index] for _, values in series) for index in range(len(days))]
    top_value, step = nice_top(max(totals, default=0))
    left = _left_margin(top_value)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    slot = (right - left) / max(len(days), 1)
    # A gap between bars while they are wide enough to show one; never wider than 48.
    width = min(48.0, slot * 0.8 if slot >= 3 else slot)
    scale = (bottom - TOP) / top_value
    bars = []
    x_of = {}
    for index, day in enumerate(days):
        x = left + slot * index + (slot - width) / 2
        x_of[day] = x + width / 2
        base = bottom
        segments = []
        for number_, (name, values) in enumerate(series):
            height = values[index] * scale
            base -= height
            segments.append(Segment(number_, _r(base), _r(height), values[index], name))
        bars.append(
            Bar(
                _r(x),
                _r(width),
                day,
                tuple(segments),
                totals[index],
            )
        )
    frame = _frame(top_value, step, _date_ticks(days, x_of), left)
    return BarChart(frame, tuple(bars), tuple(name for name, _ in series))


@dataclass(frozen=True)
class DivergingBar:
    x: float
    width: float
    day: dt.date
    up: Segment  # above the zero line
    down: Segment  # below it


@dataclass(frozen=True)
class DivergingChart:
    """Two counts per day: one drawn up from the zero line, the other down from it."""

    frame: Frame
    zero: float
    bars: tuple[DivergingBar, ...]


def diverging_bars(days: Sequence[dt.date], up: Sequence[int], down: Sequence[int]) -> DivergingChart:
    """`up` above the zero line and `down` below it, on one scale (the axis labels below the
    line are counts too, without a sign)."""
    highest, lowest = max(up, default=0), max(down, default=0)
    _, step = nice_top(max(highest, lowest, 1))
    up_top = step * max(1, math.ceil(highest / step))
    down_top = step * math.ceil(lowest / step)
    left = _left_margin(max(up_top, down_top))
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    scale = (bottom - TOP) / (up_top + down_top)
    zero = TOP + up_top * scale
    slot = (right - left) / max(len(days), 1)
    width = min(48.0, slot * 0.8 if slot >= 3 else slot)
    bars = []
    x_of = {}
    for index, day in enumerate(days):
        x = left + slot * index + (slot - width) / 2
        x_of[day] = x + width / 2
        rise, fall = up[index] * scale, down[index] * scale
        bars.append(
            DivergingBar(
                _r(x),
                _r(width),
                day,
                Segment(0, _r(zero - rise), _r(rise), up[index]),
                Segment(1, _r(zero), _r(fall), down[index]),
            )
        )
    y_ticks = tuple(
        Tick(_r(zero - value * scale), number(value)) for value in range(0, up_top + 1, step)
    ) + tuple(Tick(_r(zero + value * scale), number(value)) for value in range(step, down_top + 1, step))
    frame = Frame(_r(left), right, TOP, bottom, y_ticks, _date_ticks(days, x_of))
    return DivergingChart(frame, _r(zero), tuple(bars))
