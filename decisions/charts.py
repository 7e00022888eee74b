"""Geometry for the server-drawn SVG charts and the flow map. Plain Python, no Django.

Styles are told apart by pattern and label as well as colour: commands are solid,
events hatched, sync dotted, and every segment or edge carries its name.
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


# --- the flow map -----------------------------------------------------------------------

COLUMN_WIDTH = 230
NODE_WIDTH = 170
NODE_HEIGHT = 26
ROW_HEIGHT = 40
TOP = 40


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    team: str
    x: float
    y: float

    @property
    def center_y(self) -> float:
        return self.y + NODE_HEIGHT / 2


@dataclass(frozen=True)
class Edge:
    flow: str
    style: str
    link: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class FlowMap:
    columns: list[tuple[str, float]]
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT


def layout_map(services: list[tuple[int, str, str]], flows: list[tuple[str, str, str, int, int]]) -> FlowMap:
    """Services in one column per team; an edge from producer to each consumer.

    `services` are (id, name, team); `flows` are (name, style, link, producer id, consumer id).
    """
    teams = sorted({team for _, _, team in services})
    column = {team: index for index, team in enumerate(teams)}
    rows: dict[str, int] = {}
    nodes: dict[int, Node] = {}
    for service_id, name, team in sorted(services, key=lambda s: (s[2], s[1])):
        row = rows.get(team, 0)
        rows[team] = row + 1
        nodes[service_id] = Node(service_id, name, team, 20 + column[team] * COLUMN_WIDTH, TOP + row * ROW_HEIGHT)
    edges = []
    for name, style, link, producer, consumer in flows:
        if producer not in nodes or consumer not in nodes:
            continue
        a, b = nodes[producer], nodes[consumer]
        x1, y1 = a.x + NODE_WIDTH, a.center_y
        if b.x > a.x:
            x2, bend = b.x, (b.x - x1) / 2
        else:  # same column or to the left: leave right, come back into the right side
            x2, bend = b.x + NODE_WIDTH, 60 + abs(b.center_y - y1) / 8
        y2 = b.center_y
        c1x, c2x = (x1 + bend, x2 - bend) if b.x > a.x else (x1 + bend, x2 + bend)
        path = f"M{x1:.0f},{y1:.0f} C{c1x:.0f},{y1:.0f} {c2x:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        edges.append(Edge(name, style or "undecided", link, path, (x1 + x2) / 2, (y1 + y2) / 2))
    height = TOP + max(rows.values(), default=1) * ROW_HEIGHT + 20
    columns = [(team, 20 + index * COLUMN_WIDTH) for index, team in enumerate(teams)]
    return FlowMap(columns, list(nodes.values()), edges, max(len(teams), 1) * COLUMN_WIDTH + 120, height)
