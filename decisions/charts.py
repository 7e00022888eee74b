"""Geometry for the server-drawn SVG charts. Plain Python, no Django. (The flow map is laid out in
the browser by ELK: static/js/flowmap.js.)

Styles are told apart by pattern and label as well as colour: commands are solid,
events hatched, sync dotted, and every segment carries its name.
"""

from __future__ import annotations

from dataclasses import dataclass

STYLES = ("command", "event", "sync")
LABEL_WIDTH = 150
BAR_HEIGHT = 22
BAR_GAP = 10
PLOT_WIDTH = 420


@dataclass(frozen=True)
class Segment:
    style: str
    count: int
    x: float
    width: float

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2

    @property
    def shows_count(self) -> bool:
        return self.width >= 18


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float
    segments: list[Segment]
    counts: dict[str, int]

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2 + 4

    @property
    def end_x(self) -> float:
        return LABEL_WIDTH + sum(s.width for s in self.segments) + 6


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def stacked_bars(rows: list[tuple[str, dict[str, int]]]) -> BarChart:
    """Horizontal bars, one per row, each split by style and scaled to the largest total."""
    largest = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    bars = []
    for index, (label, counts) in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for style in STYLES:
            count = counts.get(style, 0)
            if count:
                width = PLOT_WIDTH * count / largest
                segments.append(Segment(style, count, x, width))
                x += width
        bars.append(Bar(label, sum(counts.values()), index * (BAR_HEIGHT + BAR_GAP), segments, counts))
    height = len(rows) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(bars, LABEL_WIDTH + PLOT_WIDTH + 60, max(height, BAR_HEIGHT))
