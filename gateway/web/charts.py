"""Chart geometry for the statistics pages and the case card: plain numbers in, coordinates out.

The templates (templates/_charts.html) draw the trend as inline SVG with ``role="img"``, a
<title> and a <desc>, twice: for a wide column and for a phone's (a 600-unit drawing scaled
down to 320 px would shrink its labels to 8 px). Bar charts are HTML rows with real text and
a bar each (``bar_rows``), so their labels are the page's text size on any screen. Every
chart has a table of the same numbers beside it. Drawn by
hand rather than with a charting library: pygal writes inline <script> and <style> and
matplotlib inline ``style`` attributes, which the pages' CSP refuses (no 'unsafe-inline'),
and neither gives an SVG a screen reader can name. Labels arrive already formatted in the
reader's language, so nothing here knows about languages.

A value of None is a withheld cell (too few cases): it is drawn as a gap with a marker,
never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["NARROW", "NARROW_LEFT", "BarRow", "Chart", "Gauge", "Line", "Tick", "bar_rows",
           "gauge", "line_chart", "nice_top", "plain", "ticks"]

WIDTH = 600.0
HEIGHT = 300.0
# Room for the y axis' labels on the left and the x axis' labels below.
LEFT, RIGHT, TOP, BOTTOM = 56.0, 12.0, 12.0, 40.0
# The phone drawing: 320 units across, drawn 288 to 600 px wide (a 320 px screen's column to
# the wide drawing's breakpoint), so 14-unit labels are 12.6 px or more.
NARROW = 320.0
NARROW_LEFT = 44.0
# Days and counts are whole numbers: an axis of at least 0–4 keeps its ticks whole (0, 1, 2...).
MIN_TOP = 4.0


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis label at ``at`` (a coordinate in the chart's viewBox)."""

    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Line:
    """One series: its runs of known points (a withheld month breaks the line) and where
    withheld months sit on the baseline."""

    name: str
    css: str  # modifier class: which stroke and dash the stylesheet gives it
    runs: tuple[str, ...]  # SVG ``points`` attributes, one per unbroken run
    dots: tuple[tuple[float, float], ...]
    gaps: tuple[float, ...]  # x of each withheld value


@dataclass(frozen=True, slots=True)
class Chart:
    """A line chart in a ``width`` × ``height`` viewBox."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...] = ()
    @property
    def empty(self) -> bool:
        """Whether no value is published at all (the page then shows no drawing)."""
        return all(not line.dots for line in self.lines)

    @property
    def withheld(self) -> bool:
        """Whether any value is withheld (the page then explains the marker)."""
        return any(line.gaps for line in self.lines)


def nice_top(largest: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``largest`` (1 when nothing is positive),
    so the axis' ticks are round numbers."""
    if largest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(largest))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= largest:
            return step * power
    return 10.0 * power  # pragma: no cover - the loop ends at 10 × power, which is enough


def _round_step(step: float) -> bool:
    """Whether ``step`` is 1, 2, 2.5 or 5 × 10ⁿ (n ≥ 0): a step people count in."""
    if step < 1 or not step.is_integer():
        return False
    power = 10.0 ** math.floor(math.log10(step))
    return step / power in (1.0, 2.0, 2.5, 5.0)


def ticks(top: float) -> tuple[float, ...]:
    """Evenly spaced values from 0 to ``top`` in a round step: four steps, else five or two
    (500: 0, 100, ... 500 rather than 125, 250 ...); four when none is round."""
    count = next((n for n in (4, 5, 2) if _round_step(top / n)), 4)
    return tuple(top * i / count for i in range(count + 1))


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _y_ticks(top: float, label: Callable[[float], str]) -> tuple[Tick, ...]:
    return tuple(Tick(_y(v, top), label(v)) for v in ticks(top))


def plain(value: float) -> str:
    """An axis number as digits (the default label)."""
    return str(int(value)) if value == int(value) else f"{value:g}"


def _slots(count: int, across: float = WIDTH, left: float = LEFT) -> tuple[float, float]:
    """Each of ``count`` slots' width and the first slot's left edge."""
    width = (across - left - RIGHT) / max(count, 1)
    return width, left


def _x_ticks(labels: Sequence[str], every: int, across: float = WIDTH,
             left: float = LEFT) -> tuple[Tick, ...]:
    width, first = _slots(len(labels), across, left)
    return tuple(Tick(first + width * (i + 0.5), text) for i, text in enumerate(labels)
                 if i % every == 0)


def line_chart(series: Sequence[tuple[str, str, Sequence[float | None]]], labels: Sequence[str],
               *, y_label: Callable[[float], str] = plain, every: int = 1,
               across: float = WIDTH, left: float = LEFT) -> Chart:
    """Lines over ``labels`` (months), one per ``(name, css, values)``; a None value is a
    withheld month: the line breaks there and a marker sits on the baseline. ``across`` and
    ``left``: the drawing's width and the room for the y axis' labels (NARROW and
    NARROW_LEFT for a phone's)."""
    for name, _, values in series:
        if len(values) != len(labels):
            raise ValueError(f"{name}: {len(values)} values but {len(labels)} labels")
    scale = max(nice_top(max((v for _, _, values in series for v in values if v is not None),
                             default=0)), MIN_TOP)
    width, first = _slots(len(labels), across, left)
    lines = []
    for name, css, values in series:
        runs: list[list[tuple[float, float]]] = [[]]
        gaps = []
        for i, value in enumerate(values):
            x = first + width * (i + 0.5)
            if value is None:
                gaps.append(x)
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append((x, _y(value, scale)))
        known = [run for run in runs if run]
        lines.append(Line(name, css,
                          tuple(" ".join(f"{x:.1f},{y:.1f}" for x, y in run) for run in known),
                          tuple(point for run in known for point in run), tuple(gaps)))
    return Chart(across, HEIGHT, left, across - RIGHT, TOP, _y(0, scale),
                 _x_ticks(labels, every, across, left), _y_ticks(scale, y_label),
                 lines=tuple(lines))


@dataclass(frozen=True, slots=True)
class BarRow:
    """One row of an HTML bar chart: its name, its value as the page writes it (or the
    withheld words), and the bar's length as a share of the row's full width (None:
    withheld)."""

    name: str
    value: str
    length: float | None


def bar_rows(values: Sequence[float | None], names: Sequence[str], texts: Sequence[str],
             withheld: str, *, top: float | None = None) -> tuple[BarRow, ...]:
    """Rows for ``values`` (None: withheld, written ``withheld``) named ``names`` and
    written ``texts``; bars run from 0 to ``top``, or to the largest value (each row says
    its number, so no axis is needed to read them)."""
    if not len(values) == len(names) == len(texts):
        raise ValueError(f"{len(values)} values, {len(names)} names, {len(texts)} texts")
    scale = top or max((v for v in values if v is not None), default=0) or 1.0
    return tuple(BarRow(name, withheld, None) if v is None
                 else BarRow(name, text, min(max(v / scale, 0.0), 1.0))
                 for v, name, text in zip(values, names, texts, strict=True))


@dataclass(frozen=True, slots=True)
class Gauge:
    """A case's age on one horizontal scale with its type's median and 80th percentile, as
    fractions (0..1) of the scale's width."""

    age: float
    median: float
    p80: float
    top_days: float


def gauge(age_days: int, median_days: int, p80_days: int) -> Gauge:
    """Where ``age_days`` falls against the median and 80th percentile: the scale runs a
    little past the largest of the three so no marker sits on the edge."""
    if min(age_days, median_days, p80_days) < 0:
        raise ValueError("days cannot be negative")
    top = nice_top(max(age_days, median_days, p80_days, 1) * 1.1)
    return Gauge(age_days / top, median_days / top, p80_days / top, top)
