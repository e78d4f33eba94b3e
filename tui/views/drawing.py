"""The computational graph drawn as the book draws it (figures 5-16, 5-17):
leaves at the left, one small rounded box per layer with its symbol, edges
of box-drawing lines with arrowheads, each edge's forward value above it and
its gradient below it, in the gradient colour.

``layout(scenario)`` works out where everything goes, once per scenario
(``layout.py`` holds the layered layout; this module the columns' widths
and the cells). ``draw(layout, engine, tr, precision)`` paints the engine's
current position into it: a value appears once the layer that makes it has
run (a leaf's at once), a gradient once backward has reached it; until then
the place stays blank. A value used by several layers (fan-out) is one line
that branches: each branch carries what its layer sent back, the trunk the
sum once every part has arrived. An array shows its shape on the edge;
its numbers are in the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from rich.cells import cell_len
from rich.text import Text

from backprop_engine import Engine

from ..explain import explanation
from ..format import FULL, num, shape_str, short
from .layer_list import layer_style
from .rich import GRAD_STYLE, VALUE_STYLE
from .layout import DUMMY, LAYER, LEAF, SINK, Graph, graph, lead

SLOT = 7   # the width of a scalar's number on an edge; a longer one is shown with fewer digits
FULL_SLOT = 19  # in full precision: 17 significant digits, a sign and a point; more is shown with "≈"
L, R, U, D = 1, 2, 4, 8  # the directions a line leaves a cell in
CHARS = {L: "─", R: "─", L | R: "─", U: "│", D: "│", U | D: "│", R | D: "╭", L | D: "╮", R | U: "╰",
         L | U: "╯", L | R | D: "┬", L | R | U: "┴", U | D | R: "├", U | D | L: "┤", L | R | U | D: "┼"}
ARROW = "▶"
SHORT = 3  # the arrow into an output's name: ──▶


class Box(NamedTuple):
    """A layer's node: a rounded box, its symbol on the output's row."""

    name: str
    index: int
    symbol: str
    x: int
    y: int
    w: int
    h: int
    out: int   # the output's row


class Slot(NamedTuple):
    """Where a number goes: a value above its edge ("value"), the gradient
    below it ("grad"), or below a fan-out branch, what that branch's layer
    sent back ("part")."""

    name: str
    kind: str
    x: int
    y: int
    width: int
    layer: int = -1   # a part: the layer's index and the input
    port: int = -1


@dataclass(frozen=True, eq=False)
class Layout:
    """Everything ``draw`` needs that does not depend on the numbers."""

    width: int
    height: int
    boxes: tuple[Box, ...]
    names: tuple[tuple[str, int, int, bool], ...]  # (leaf or output name, x, y, dim)
    lines: MappingProxyType                        # (x, y) -> {value name: directions}
    arrows: MappingProxyType                       # (x, y) -> value name
    slots: tuple[Slot, ...]


def layout(scenario, precision: int | None = 6) -> Layout:
    """The drawing's geometry for ``scenario``, worked out once per graph
    (cached on its layers, leaves and shapes): not on the numbers. In full
    precision (``precision`` FULL) each scalar has room for all its digits."""
    return _layout(scenario.layers, tuple(scenario.leaves), scenario.constants,
                   tuple(sorted(scenario.shapes.items())), FULL_SLOT if precision is FULL else SLOT)


@lru_cache(maxsize=32)
def _layout(layers, leaves, constants, shapes, slot) -> Layout:
    g = graph(layers, leaves)
    shape = dict(shapes)
    spec = {s.name: s for s in layers}

    def label(name):  # a number's width, or an array's shape
        return slot if shape[name] == () else cell_len(shape_str(shape[name], None))

    col_w = [_column_width(col, spec) for col in g.columns]
    unused = [n for n in leaves if not any(n in s.inputs for s in layers)]
    gaps = [_gap(routes, label, [n for n in unused if g.items[(LEAF, n)].column == c], c == len(g.routes) - 1)
            for c, routes in enumerate(g.routes)]
    col_x = [0]
    for c, gap in enumerate(gaps):
        col_x.append(col_x[c] + col_w[c] + gap[3])
    paint = _Paint()
    for c, col in enumerate(g.columns):
        for k in col:
            paint.item(g, k, col_x[c], col_w[c], spec, k[1] in constants)
    for c, routes in enumerate(g.routes):
        x0 = col_x[c] + col_w[c]
        for r in routes:
            paint.route(r, x0, gaps[c], spec)
    for name in unused:  # a leaf that no layer takes: its value on a short line
        c = g.items[(LEAF, name)].column
        paint.stub(name, g.top[(LEAF, name)] + 1, col_x[c] + col_w[c], gaps[c][0] if c < len(gaps) else slot)
    height = max((g.top[k] + g.items[k].height for k in g.items), default=0)
    width = max([col_x[-1] + col_w[-1]] + [s.x + s.width for s in paint.slots])
    return Layout(width, height, tuple(paint.boxes), tuple(paint.names),
                  MappingProxyType(paint.lines), MappingProxyType(paint.arrows), tuple(paint.slots))


def _column_width(col, spec) -> int:
    def w(k):
        if k[0] == LAYER:
            return _box_width(explanation(spec[k[1]].type).symbol)
        return cell_len(k[1]) + (k[0] == SINK) if k[0] in (LEAF, SINK) else 0
    return max(map(w, col), default=0)


def _gap(routes, label, unused, last) -> tuple[int, int, int, int]:
    """The widths in a gap: the numbers after the source, the tracks, the
    branches' parts before the arrow; and the whole gap's width:
    (labels, tracks, parts, width). Into the names at the right, with no
    track to keep clear, the numbers stand over the arrow and the name."""
    first = [label(r.hop.name) for r in routes if r.hop.source[0] != DUMMY]
    first += [label(n) for n in unused]
    parts = [label(r.hop.name) for r in routes if len(r.rows) > 1]
    tracks = sum(1 for r in routes if r.track >= 0)
    la, lb = max(first, default=0), max(parts, default=0)
    if last and not tracks:
        return la, 0, 0, SHORT
    return la, tracks, lb, 1 + la + (2 * tracks + 1 if tracks else 0) + lb + 1


def _box_width(symbol: str) -> int:
    """A one-cell symbol with a blank either side (│ × │), a longer one as it is (│exp│, │x²│)."""
    return cell_len(symbol) + (2 if cell_len(symbol) == 1 else 0) + 2


class _Paint:
    """Collects the cells of the lines, the boxes, the names and the slots."""

    def __init__(self):
        self.lines: dict = {}
        self.arrows: dict = {}
        self.boxes: list[Box] = []
        self.names: list = []
        self.slots: list[Slot] = []

    def mark(self, name, x, y, bits):
        cell = self.lines.setdefault((x, y), {})
        cell[name] = cell.get(name, 0) | bits

    def hline(self, name, y, x1, x2, left=True, right=True):
        for x in range(x1, x2 + 1):
            self.mark(name, x, y, (L if x > x1 or left else 0) | (R if x < x2 or right else 0))

    def vline(self, name, x, y1, y2):
        for y in range(y1, y2 + 1):
            self.mark(name, x, y, (U if y > y1 else 0) | (D if y < y2 else 0))

    def item(self, g: Graph, key, x, w, spec, dim):
        item, top = g.items[key], g.top[key]
        row = top + item.out
        if key[0] == LEAF:
            self.names.append((key[1], x, row - 1, dim))
            self.hline((key[1], None), row, x, x + w - 1, left=False)
        elif key[0] == SINK:
            self.names.append((key[1], x + 1, row, False))
        elif key[0] == DUMMY:
            self.hline((key[1], lead(key, 0)), row, x, x + w - 1)
        else:
            s = spec[key[1]]
            bw = _box_width(explanation(s.type).symbol)
            self.boxes.append(Box(s.name, s.index, explanation(s.type).symbol, x, top, bw, item.height, row))
            if bw < w:  # a narrower box than its column's: the output's line reaches the column's edge
                self.hline((s.output, None), row, x + bw, x + w - 1, left=False)

    def route(self, r, x0, gap, spec):
        la, _, lb, width = gap
        name, end = r.hop.name, x0 + width - 1
        trunk = r.hop.source[0] != DUMMY
        owner = (name, None if trunk else lead(r.hop.source, 0))  # a branch's lines are its own
        if trunk:
            self.slots += [Slot(name, "value", x0 + 1, r.row - 1, la), Slot(name, "grad", x0 + 1, r.row + 1, la)]
        xc = x0 + 1 + la + 1 + 2 * r.track
        if r.track >= 0:
            self.hline(owner, r.row, x0, xc, right=False)
            self.vline(owner, xc, *r.span)
        for (key, port), row in zip(r.hop.targets, r.rows):
            arrow = key[0] != DUMMY
            self.hline(owner, row, xc if r.track >= 0 else x0, end - arrow, left=r.track < 0)
            if arrow:
                self.arrows[(end, row)] = name
            if len(r.rows) > 1:  # a branch: what its layer sends back
                layer, port = lead(key, port)
                self.slots.append(Slot(name, "part", end - lb, row + 1, lb, spec[layer[1]].index, port))

    def stub(self, name, row, x0, la):
        self.hline((name, None), row, x0, x0 + la, right=False)
        self.slots.append(Slot(name, "value", x0 + 1, row - 1, la))


def width(lay: Layout) -> int:
    """Columns the drawing takes."""
    return lay.width


def height(lay: Layout) -> int:
    """Rows the drawing takes."""
    return lay.height


def cells(lay: Layout) -> dict[tuple, frozenset]:
    """The cells each part of the drawing occupies: ("node", layer name) a
    box, ("edge", value name) a value's lines and arrowheads, ("label",
    value name, kind, i) a number's slot, ("name", name) a leaf's or an
    output's name. For tests: nothing may overlap but the lines of two
    edges that cross."""
    out: dict[tuple, set] = {}
    for b in lay.boxes:
        out[("node", b.name)] = {(x, y) for x in range(b.x, b.x + b.w) for y in range(b.y, b.y + b.h)}
    for xy, owners in lay.lines.items():
        for name, _ in owners:
            out.setdefault(("edge", name), set()).add(xy)
    for xy, name in lay.arrows.items():
        out.setdefault(("edge", name), set()).add(xy)
    for i, s in enumerate(lay.slots):
        out[("label", s.name, s.kind, i)] = {(x, s.y) for x in range(s.x, s.x + s.width)}
    for name, x, y, _ in lay.names:
        out[("name", name)] = {(x + i, y) for i in range(cell_len(name))}
    return {k: frozenset(v) for k, v in out.items()}


def crossings(lay: Layout) -> int:
    """Cells where the lines of two different values cross."""
    return sum(1 for owners in lay.lines.values() if len(owners) > 1)


# -- painting -----------------------------------------------------------------

def _fit(value, precision, tr, room: int) -> str:
    """A number or a shape in ``room`` cells: fewer digits when it is too long,
    and in full precision then marked "≈", so a rounded number never passes
    for a full one."""
    text = short(value, precision, tr)
    if cell_len(text) <= room or np.ndim(value):
        return text if cell_len(text) <= room else text[:max(room - 1, 0)] + "…"
    mark = "≈" if precision is FULL else ""
    digits = precision or 17
    while cell_len(mark + text) > room and digits > 1:
        digits -= 1
        text = num(value, digits)
    return mark + text if cell_len(mark + text) <= room else text[:max(room - 1, 0)] + "…"


def _states(engine: Engine, highlight: bool) -> dict[int, str]:
    """Each layer's style, as in the list view (none without ``highlight``)."""
    return {i: layer_style(engine, i) if highlight else "" for i in range(len(engine.scenario.layers))}


def _numbers(lay: Layout, engine: Engine, tr, precision):
    """(slot, text, style) for each slot with a number known at this step."""
    values, grads = engine.values, engine.grads
    waiting = engine.current.partial if engine.current is not None else frozenset()
    for s in lay.slots:
        if s.kind == "value":
            v, style = values.get(s.name), VALUE_STYLE
        elif s.kind == "grad":
            v, style = (None if s.name in waiting else grads.get(s.name)), GRAD_STYLE
        else:  # a branch: what its layer's backward step sent along it
            back = engine.backward_step(s.layer)
            v, style = (back.input_grads[s.port] if back is not None else None), GRAD_STYLE
        if v is not None:
            yield s, _fit(v, precision, tr, s.width), style


def draw(lay: Layout, engine: Engine, tr, precision: int | None, highlight: bool = True) -> Text:
    """The graph at the engine's current position, one line of text per row.
    ``highlight``: the current step's node in reverse, nodes done in green,
    nodes not yet run dim; without it every node is plain."""
    chars = [[" "] * lay.width for _ in range(lay.height)]
    styles = [[""] * lay.width for _ in range(lay.height)]

    def put(x, y, text, style):
        for i, ch in enumerate(text):
            chars[y][x + i], styles[y][x + i] = ch, style

    known = engine.values
    for (x, y), owners in lay.lines.items():
        bits = 0
        for b in owners.values():
            bits |= b
        put(x, y, CHARS[bits] if len(owners) == 1 else "┼", "" if all(n in known for n, _ in owners) else "dim")
    for (x, y), name in lay.arrows.items():
        put(x, y, ARROW, "" if name in known else "dim")
    states = _states(engine, highlight)
    for b in lay.boxes:
        _box(put, b, states[b.index])
    for name, x, y, dim in lay.names:
        put(x, y, name, "dim" if dim else "")
    for s, text, style in _numbers(lay, engine, tr, precision):
        put(s.x + (s.width - cell_len(text) if s.kind == "part" else 0), s.y, text, style)
    out = Text(no_wrap=True)
    for y in range(lay.height):
        if y:
            out.append("\n")
        x = 0
        while x < lay.width:
            end = x
            while end < lay.width and styles[y][end] == styles[y][x]:
                end += 1
            out.append("".join(chars[y][x:end]), styles[y][x] or None)
            x = end
    return out


def _box(put, b: Box, style: str) -> None:
    inner = b.w - 2
    put(b.x, b.y, "╭" + "─" * inner + "╮", style)
    for y in range(b.y + 1, b.y + b.h - 1):
        put(b.x, y, "│" + " " * inner + "│", style)
    put(b.x, b.y + b.h - 1, "╰" + "─" * inner + "╯", style)
    put(b.x, b.out, "│" + b.symbol.center(inner) + "├", style)
