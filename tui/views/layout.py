"""Where each node of the computational graph goes, for ``drawing.py``: a
layered layout read left to right, as the book draws figures 5-16 and 5-17.

Leaves stand at the left and each layer in the column after its deepest
input; the names of the outputs that nothing uses (the final output, and any
dead end) stand in one last column at the right. A value used by several
layers branches right after its source, and each branch goes its own way; a
leaf that branches stands one column left of the other leaves, so that its
branches can pass them without crossing (the fanout scenario). An edge
that skips columns passes through each one it skips on a dummy: a straight
line with a slot of its own. The order within each column starts from the book's (the final
output's inputs depth first, in input order) and is improved by barycentre
sweeps and adjacent swaps while that removes crossings; rows then line each
node up with its inputs and each leaf with its consumers. Between two
columns every edge that changes rows takes its own vertical track, the
tracks ordered so that as few lines cross as possible.

Pure geometry over names: no numbers, no Rich.
"""

from __future__ import annotations

from itertools import combinations
from math import floor
from statistics import fmean, median_low
from typing import NamedTuple

LEAF, LAYER, DUMMY, SINK = "leaf", "layer", "dummy", "sink"
ROWS = 3        # rows per input: the value above its line, the line, the gradient below
ROUNDS = 6      # placement sweeps (down and up); the best placement seen is kept
SWEEPS = 8      # barycentre sweeps in the ordering
EXACT = 9       # up to this many bent edges between two columns, their tracks' best order is searched
OVERLAP = 1000  # the cost of two lines along the same row, which must not happen


class Item(NamedTuple):
    """One thing in a column: a leaf, a layer's node, a dummy (an edge
    passing through the column) or a sink (an output's name at the right).
    Rows are counted from the item's top."""

    key: tuple               # (LEAF, name), (LAYER, layer name), (SINK, name),
                             # (DUMMY, name, column, the consumer's key, its port)
    column: int
    height: int
    ins: tuple[int, ...]     # the row of each input port
    out: int                 # the row of the output port (a sink's: its name's)


class Hop(NamedTuple):
    """A value's edge from column g to column g + 1: from its source (its node
    or leaf, or a dummy in column g) to its targets there: ports, sinks, and
    dummies that carry a branch further."""

    name: str
    source: tuple
    targets: tuple[tuple[tuple, int], ...]  # (item key, port)


class Route(NamedTuple):
    """A hop placed: its rows, and its vertical track (-1: a straight line)."""

    hop: Hop
    row: int
    rows: tuple[int, ...]   # each target's row, as hop.targets
    track: int

    @property
    def span(self) -> tuple[int, int]:
        return min(self.row, *self.rows), max(self.row, *self.rows)


class Graph(NamedTuple):
    items: dict            # key -> Item
    columns: tuple         # per column, the item keys top to bottom
    top: dict              # key -> the row of the item's top
    routes: tuple          # per gap (between column g and g + 1), its Routes


def _node(key, column: int, inputs: int) -> Item:
    k = max(inputs, 1)
    return Item(key, column, ROWS * k, tuple(ROWS * i + 1 for i in range(inputs)), (ROWS * k - 1) // 2)


def lead(key: tuple, port: int) -> tuple:
    """The layer port (or sink) that a hop's target leads to: itself, or a dummy's consumer."""
    return (key[3], key[4]) if key[0] == DUMMY else (key, port)


def _hops(layers, items: dict, column: dict) -> list[list[Hop]]:
    """Every value's hops, one list per gap; adds the sinks and dummies to
    ``items``. A value used by several layers branches in the gap after its
    source; each branch then goes its own way, on dummies of its own."""
    made = {s.output: (LAYER, s.name) for s in layers}
    last = max((column[s.output] for s in layers), default=0) + 1  # the sinks' column
    uses: dict[str, list] = {n: [] for n in column}
    for s in layers:
        for port, name in enumerate(s.inputs):
            uses[name].append(((LAYER, s.name), port))
    hops: list[list[Hop]] = [[] for _ in range(last)]
    for name, targets in uses.items():
        if name in made and not targets:  # nothing takes it: its name at the right
            items[(SINK, name)] = _node((SINK, name), last, 1)
            targets = [((SINK, name), 0)]
        start, first = column[name], []
        for key, port in targets:
            end = items[key].column
            path = [(DUMMY, name, g, key, port) for g in range(start + 1, end)] + [key]
            for g, dummy in enumerate(path[:-1], start + 1):
                items[dummy] = _node(dummy, g, 1)
                hops[g].append(Hop(name, dummy, ((path[g - start], port if g + 1 == end else 0),)))
            first.append((path[0], port if len(path) == 1 else 0))
        if first:
            hops[start].append(Hop(name, made.get(name, (LEAF, name)), tuple(first)))
    return hops


def _columns(layers, leaves) -> dict[str, int]:
    """Each value's column: a leaf's 0; where a leaf feeds several layers, 0
    for it and 1 for the other leaves, so that its branches can pass them."""
    uses = [n for s in layers for n in s.inputs]
    forks = {n for n in leaves if uses.count(n) > 1}
    column = {n: int(bool(forks) and n not in forks) for n in leaves}
    for s in layers:
        column[s.output] = 1 + max(column[n] for n in s.inputs)
    return column


def _book_order(layers, leaves) -> dict[str, int]:
    """Each value's place in the book's order: from the final output (then any
    dead end) back through the inputs, depth first, in input order."""
    made = {s.output: s for s in layers}
    used = {n for s in layers for n in s.inputs}
    ends = [s.output for s in layers[:-1] if s.output not in used]
    stack = ([layers[-1].output] if layers else []) + ends
    stack.reverse()  # popped from the end: the final output first
    rank: dict[str, int] = {}
    while stack:
        name = stack.pop()
        if name not in rank:
            rank[name] = len(rank)
            stack += reversed(made[name].inputs) if name in made else ()
    for name in leaves:  # a leaf nothing uses: at the bottom
        rank.setdefault(name, len(rank))
    return rank


# -- order within the columns ---------------------------------------------------

def _frac(item: Item, port: int) -> float:
    return (port + 1) / (len(item.ins) + 1) if item.ins else 0.5


def _gap_crossings(hops: list[Hop], pos: dict, items: dict) -> int:
    """Pairs of edges of different hops whose ends are in opposite orders."""
    ends = [(i, pos[h.source], pos[k] + _frac(items[k], p)) for i, h in enumerate(hops) for k, p in h.targets]
    return sum(1 for (a, s1, t1), (b, s2, t2) in combinations(ends, 2) if a != b and (s1 - s2) * (t1 - t2) < 0)


def _positions(columns) -> dict:
    return {k: j for col in columns for j, k in enumerate(col)}


def _total(columns, hops, items) -> int:
    pos = _positions(columns)
    return sum(_gap_crossings(h, pos, items) for h in hops)


def _sweep(columns: list, hops, items, down: bool) -> None:
    """Sort each column by the mean position of its neighbours in the column
    before (down) or after (up); ties keep their order."""
    for c in (range(1, len(columns)) if down else range(len(columns) - 2, -1, -1)):
        pos = _positions(columns)

        def centre(k, pos=pos, c=c):
            if down:
                xs = [pos[h.source] + 0.5 for h in hops[c - 1] for t, _ in h.targets if t == k]
            else:
                xs = [pos[t] + _frac(items[t], p) for h in hops[c] if h.source == k for t, p in h.targets]
            return fmean(xs) if xs else pos[k]

        columns[c] = sorted(columns[c], key=centre)


def _swaps(columns: list, hops, items) -> None:
    """Swap neighbours in a column while that removes crossings."""
    def near(c):  # the crossings in the gaps on either side of column c
        pos = _positions(columns)
        return sum(_gap_crossings(hops[g], pos, items) for g in (c - 1, c) if 0 <= g < len(hops))

    better = True
    while better:
        better = False
        for c, col in enumerate(columns):
            for j in range(len(col) - 1):
                before = near(c)
                col[j], col[j + 1] = col[j + 1], col[j]
                if near(c) < before:
                    better = True
                else:
                    col[j], col[j + 1] = col[j + 1], col[j]


def _order(columns: list, hops, items) -> list:
    best = (_total(columns, hops, items), [list(c) for c in columns])
    for i in range(SWEEPS):
        if best[0] == 0:
            break
        _sweep(columns, hops, items, down=i % 2 == 0)
        crossing = _total(columns, hops, items)
        if crossing < best[0]:
            best = (crossing, [list(c) for c in columns])
    columns = best[1]
    _swaps(columns, hops, items)
    return columns


# -- rows ---------------------------------------------------------------------

def _isotonic(ys: list[float]) -> list[float]:
    """The nondecreasing sequence nearest to ``ys`` (pool adjacent violators)."""
    blocks: list[list[float]] = []
    for y in ys:
        blocks.append([y, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            s, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
    return [s / n for s, n in blocks for _ in range(int(n))]


def _fit(col, top: dict, items: dict, wants, pick) -> None:
    """Move a column's items as near the rows they want as their order and
    heights allow (least squares, then whole rows)."""
    below, under = [], 0
    for k in col:
        below.append(under)
        under += items[k].height
    desired = [(pick(w) if (w := wants(k)) else top[k]) - b for k, b in zip(col, below)]
    for k, b, z in zip(col, below, _isotonic(desired)):
        top[k] = floor(z + 0.5) + b


def _links(hops) -> tuple[dict, dict]:
    incoming: dict = {}
    outgoing: dict = {}
    for gap in hops:
        for h in gap:
            for t, p in h.targets:
                incoming.setdefault(t, []).append((h.source, p))
                outgoing.setdefault(h.source, []).append((t, p))
    return incoming, outgoing


def _bends(top: dict, items: dict, outgoing: dict) -> tuple[int, int]:
    """How many edges change rows, and by how many rows in all."""
    moves = [top[t] + items[t].ins[p] - top[s] - items[s].out for s, ts in outgoing.items() for t, p in ts]
    return sum(1 for m in moves if m), sum(abs(m) for m in moves)


def _rows(columns, hops, items) -> dict:
    top = {}
    for col in columns:
        y = 0
        for k in col:
            top[k] = y
            y += items[k].height
    incoming, outgoing = _links(hops)

    def from_inputs(k):  # a node lines up with its middle input (of two, the upper: x of x·y)
        return [top[s] + items[s].out - items[k].ins[p] for s, p in incoming.get(k, ())]

    def from_targets(k):  # a value lines up with the middle port it feeds (of two, the upper)
        return [top[t] + items[t].ins[p] - items[k].out for t, p in outgoing.get(k, ())]

    best = (_bends(top, items, outgoing), dict(top))
    for _ in range(ROUNDS):
        for c in range(1, len(columns)):
            _fit(columns[c], top, items, from_inputs, median_low)
        best = min(best, (_bends(top, items, outgoing), dict(top)), key=lambda b: b[0])
        for c in range(len(columns) - 2, -1, -1):
            _fit(columns[c], top, items, from_targets, median_low)
        best = min(best, (_bends(top, items, outgoing), dict(top)), key=lambda b: b[0])
    top = best[1]
    least = min(top.values(), default=0)
    return {k: y - least for k, y in top.items()}


# -- tracks -------------------------------------------------------------------

def _cost(a: Route, b: Route) -> int:
    """Crossings when a's vertical track is left of b's: b's line in from the
    left crosses a's track, a's lines out to the right cross b's."""
    lo, hi = a.span
    c = OVERLAP if b.row in a.rows else int(lo <= b.row <= hi)
    lo, hi = b.span
    return c + sum(1 for r in a.rows if lo <= r <= hi)


def _track_order(bent: list[Route]) -> list[int]:
    """The order of the tracks, left to right, with the fewest crossings:
    every order for a few tracks (dynamic programming over subsets), else
    neighbour swaps from the order of their rows."""
    n = len(bent)
    cost = [[_cost(a, b) if a is not b else 0 for b in bent] for a in bent]
    if n <= EXACT:
        best = {0: (0, ())}
        for mask in range(1 << n):
            if mask not in best:
                continue
            c, order = best[mask]
            for j in range(n):
                if not mask >> j & 1:
                    step = (c + sum(cost[i][j] for i in order), order + (j,))
                    best[mask | 1 << j] = min(best.get(mask | 1 << j, step), step)
        return list(best[(1 << n) - 1][1])
    order = sorted(range(n), key=lambda j: bent[j].row)
    better = True
    while better:
        better = False
        for i in range(n - 1):
            a, b = order[i], order[i + 1]
            if cost[b][a] < cost[a][b]:
                order[i], order[i + 1] = b, a
                better = True
    return order


def _routes(hops, items, top) -> tuple:
    def row(k, port=None):
        return top[k] + (items[k].out if port is None else items[k].ins[port])

    gaps = []
    for gap in hops:
        placed = [Route(h, row(h.source), tuple(row(k, p) for k, p in h.targets), -1) for h in gap]
        bent = [r for r in placed if any(t != r.row for t in r.rows)]
        track = {id(bent[j]): i for i, j in enumerate(_track_order(bent))}
        gaps.append(tuple(Route(r.hop, r.row, r.rows, track.get(id(r), -1)) for r in placed))
    return tuple(gaps)


def graph(layers: tuple, leaves: tuple[str, ...]) -> Graph:
    """The layout of a scenario's layers over its leaves (names in file order)."""
    column = _columns(layers, leaves)
    items = {(LEAF, n): _node((LEAF, n), column[n], 1) for n in leaves}
    for s in layers:
        items[(LAYER, s.name)] = _node((LAYER, s.name), column[s.output], len(s.inputs))
    hops = _hops(layers, items, column)
    rank = _book_order(layers, leaves)
    name = {(LAYER, s.name): s.output for s in layers}
    columns: list[list] = [[] for _ in range(len(hops) + 1)]
    for k in sorted(items, key=lambda k: rank[name.get(k, k[1])]):
        columns[items[k].column].append(k)
    columns = _order(columns, hops, items)
    top = _rows(columns, hops, items)
    return Graph(items, tuple(tuple(c) for c in columns), top, _routes(hops, items, top))
