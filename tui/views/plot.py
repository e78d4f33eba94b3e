"""A line plot in braille characters (2 × 4 dots a cell), with its axes:
the lowest and highest y at the left, the first and last x underneath.
Plain Rich text, made for the width and height it is given."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

# the bit of each dot of a braille cell, by [row][column] (Unicode's dot order)
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
AXIS = "dim"


@dataclass(frozen=True)
class Series:
    """One line: its points, in the order they are joined, and its style."""

    xs: Sequence[float]
    ys: Sequence[float]
    style: str = ""


def _span(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if low == high:  # one level: give it room above and below
        pad = abs(low) * 0.05 or 0.05
        return low - pad, high + pad
    return low, high


class _Canvas:
    """Dots on a grid of braille cells; a cell takes the style of the last line drawn through it."""

    def __init__(self, columns: int, rows: int):
        self.columns, self.rows = columns, rows
        self.bits = [[0] * columns for _ in range(rows)]
        self.styles = [[""] * columns for _ in range(rows)]

    def dot(self, x: int, y: int, style: str) -> None:
        row, column = y // 4, x // 2
        self.bits[row][column] |= DOTS[y % 4][x % 2]
        self.styles[row][column] = style

    def line(self, a: tuple[int, int], b: tuple[int, int], style: str) -> None:
        n = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
        for i in range(n + 1):
            self.dot(round(a[0] + (b[0] - a[0]) * i / n), round(a[1] + (b[1] - a[1]) * i / n), style)

    def row(self, r: int) -> Text:
        text = Text()
        for bits, style in zip(self.bits[r], self.styles[r]):
            text.append(chr(0x2800 + bits) if bits else " ", style)
        return text


def _draw(canvas: _Canvas, series: Series, to_dot: Callable[[float, float], tuple[int, int]]) -> None:
    """Join the points; where many share a column of dots (a long run in a
    narrow plot), that column gets a stroke from their lowest to their highest."""
    columns: list[list[int]] = []  # per dot column: x, then the dots' y in order
    for x, y in zip(series.xs, series.ys):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        dx, dy = to_dot(x, y)
        if columns and columns[-1][0] == dx:
            columns[-1].append(dy)
        else:
            columns.append([dx, dy])
    last = None
    for dx, *ys in columns:
        if last is not None:
            canvas.line(last, (dx, ys[0]), series.style)
        canvas.line((dx, min(ys)), (dx, max(ys)), series.style)
        last = (dx, ys[-1])


def line_plot(series: list[Series], width: int, height: int, y_text: Callable[[float], str],
              x_text: Callable[[float], str], x_label: str) -> Text:
    """``height`` lines of ``width`` cells: the plot with the y axis (its
    highest and lowest value, written by ``y_text``), the x axis, and under it
    the first and last x (``x_text``) with ``x_label`` between them."""
    xs = [x for s in series for x, y in zip(s.xs, s.ys) if math.isfinite(x) and math.isfinite(y)]
    ys = [y for s in series for x, y in zip(s.xs, s.ys) if math.isfinite(x) and math.isfinite(y)]
    if not xs:
        return Text()
    (x0, x1), (y0, y1) = (min(xs), max(xs)), _span(ys)
    top, bottom = y_text(y1), y_text(y0)
    margin = max(len(top), len(bottom))
    columns, rows = width - margin - 1, height - 2
    if columns < 2 or rows < 1:
        return Text()
    canvas = _Canvas(columns, rows)

    def to_dot(x: float, y: float) -> tuple[int, int]:
        across = 0 if x1 == x0 else round((x - x0) / (x1 - x0) * (2 * columns - 1))
        return across, round((y1 - y) / (y1 - y0) * (4 * rows - 1))

    for s in series:
        _draw(canvas, s, to_dot)
    lines = []
    for r in range(rows):
        label = top if r == 0 else bottom if r == rows - 1 else ""
        lines.append(Text.assemble((label.rjust(margin) + ("┤" if label else "│"), AXIS), canvas.row(r)))
    lines.append(Text(" " * margin + "└" + "─" * columns, AXIS))
    lines.append(_ticks(x_text(x0), x_text(x1) if x1 != x0 else "", x_label, margin + 1, columns))
    return Text("\n").join(lines)


def _ticks(first: str, last: str, label: str, indent: int, columns: int) -> Text:
    """The x axis's numbers: the first at the left, the last at the right, the label between."""
    room = columns - len(first) - len(last)
    spare = room - cell_len(label) - 2
    middle = " " * (spare // 2 + 1) + label + " " * (spare - spare // 2 + 1) if spare >= 0 else " " * max(room, 1)
    return Text.assemble(" " * indent, (first, "bold"), (middle, "dim"), (last, "bold"))
