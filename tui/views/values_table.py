"""Every value with its shape, value and gradient: the values pane and ``--print``'s table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from backprop_engine import Engine

from ..format import shape_str
from .rich import GRAD_STYLE, VALUE_STYLE, Grid, grid


def values_table(engine: Engine, tr, precision: int | None) -> ValuesTable:
    """Every named value with its shape, value and gradient (blank until
    computed), laid out at the width it is drawn at (see ValuesTable)."""
    sc = engine.scenario
    values, grads = engine.values, engine.grads
    names = list(sc.leaves) + [l.output for l in sc.layers]
    partial = engine.current.partial if engine.current else frozenset()
    rows = []
    for name in names:
        v, g = values.get(name), grads.get(name)
        rows.append(Row(Text(name + (tr(" (const)") if name in sc.constants else "")), shape_str(sc.shapes[name], tr),
                        grid(v, precision, VALUE_STYLE) if v is not None else None,
                        grid(g, precision, GRAD_STYLE) if g is not None else None,
                        Text(tr(" partial: more to come") if name in partial else "", style="italic dim")))
    return ValuesTable(rows, all(sc.shapes[n] == () for n in names), tr)


class Row(NamedTuple):
    """One named value of the table: its cells, None where not computed yet."""
    label: Text
    shape: str
    value: Text | Grid | None
    grad: Text | Grid | None
    mark: Text  # " partial: more to come", or empty


def _whole(cell: Text | Grid | None) -> int:
    """The width a value needs to be shown whole (an array: as elided when large)."""
    return 0 if cell is None else cell.form_widths[0] if isinstance(cell, Grid) else cell.cell_len


class ValuesTable:
    """The values table at the width it is drawn at. A table (name, shape and
    value / gradient side by side; all scalars: value and gradient side by
    side, without the shape column where that makes them fit) where every
    value fits whole, each array's gradient beneath its value; else each name
    on a line of its own, its value's and gradient's rows under it across the
    whole width (an array's grid with fewer columns where it is still too
    wide). The header is one line in each."""

    def __init__(self, rows: list[Row], scalars: bool, tr):
        self.rows, self.scalars, self.tr = rows, scalars, tr

    def __rich_console__(self, console, options):
        width = options.max_width
        if self.fits(width):
            yield self.table(width, console)
        elif self.scalars and self.fits(width, shapes=False):
            yield self.table(width, console, shapes=False)
        else:
            yield from self.stacked(width, console)

    def widths(self, width: int, shapes: bool = True) -> list[int]:
        """The table's column widths, padding included, as Rich lays it out
        at ``width``: name, shape and the arrays' label ("value", "grad") as
        wide as their widest cell; the value columns share the rest (the
        scalars' two: the first has its half rounded up)."""
        tr, rows = self.tr, self.rows
        widths = [1 + max([cell_len(tr("name"))] + [r.label.cell_len for r in rows])]  # no padding at the edge
        if shapes:
            widths.append(2 + max([cell_len(tr("shape"))] + [cell_len(r.shape) for r in rows]))
        if not self.scalars:
            widths.append(2 + max([0] + [cell_len(tr("value")) for r in rows if r.value is not None] +
                                  [cell_len(tr("grad")) + r.mark.cell_len for r in rows if r.grad is not None]))
        flexible = 2 if self.scalars else 1
        rest = width - sum(widths) - (len(widths) + flexible - 1)  # and a divider between columns
        return widths + ([(rest + 1) // 2, rest - (rest + 1) // 2] if self.scalars else [rest])

    def fits(self, width: int, shapes: bool = True) -> bool:
        """Whether the table at ``width`` shows every value whole; and the
        arrays' header on one line, over the values' column or, where that is
        too narrow, from the label column on. (The scalars' headers, a word
        each, are cut when longer than their column.)"""
        widths, rows = self.widths(width, shapes), self.rows
        if self.scalars:
            value, grad = widths[-2] - 2, widths[-1] - 1
            return min(value, grad) > 0 and (value >= max((_whole(r.value) for r in rows), default=0) and
                                             grad >= max((_whole(r.grad) for r in rows), default=0))
        room, head = widths[-1] - 1, cell_len(self.tr("value / gradient"))
        return (room > 0 and room >= max((_whole(c) for r in rows for c in r[2:4]), default=0) and
                head <= widths[-2] + 1 + room)

    def table(self, width: int, console, shapes: bool = True) -> RenderableType:
        """All scalars: value and gradient side by side. Arrays: the
        gradient's grid beneath the value's, so each gets the whole width."""
        tr, widths = self.tr, self.widths(width, shapes)
        head = tr("value / gradient")
        over_labels = not self.scalars and cell_len(head) > widths[-1] - 1  # the header from the label column on
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True, pad_edge=False, show_header=not over_labels)
        # (as wide as their headers also when these are drawn apart)
        t.add_column(tr("name"), no_wrap=True, min_width=cell_len(tr("name")))
        if shapes:
            t.add_column(tr("shape"), style="dim", no_wrap=True, min_width=cell_len(tr("shape")))
        if self.scalars:
            t.add_column(tr("value"), ratio=1)
            t.add_column(tr("gradient"), ratio=1)
        else:
            t.add_column("", style="dim", no_wrap=True)
            t.add_column(head, ratio=1)
        for label, shape, v, g, mark in self.rows:
            v, g = "" if v is None else v, "" if g is None else g
            shape = [shape] if shapes else []
            if self.scalars:
                t.add_row(label, *shape, v, Group(Text.assemble(g, mark)) if g != "" else "")
            elif g == "":
                t.add_row(label, *shape, tr("value") if v != "" else "", v)
            else:
                t.add_row(label, *shape, tr("value"), v)
                t.add_row("", "", Text.assemble((tr("grad"), GRAD_STYLE), mark), g)
        if not over_labels:
            return t
        style = console.get_style("table.header", default="bold")
        at = [0, widths[0] + 2, widths[0] + widths[1] + 3]  # where the name, shape and label columns' text starts
        line = Text(no_wrap=True, overflow="ellipsis")
        for x, word in zip(at, (tr("name"), tr("shape"), head)):
            line.append(" " * (x - line.cell_len))
            line.append(word, style)
        return Group(line, Text("─" * width), t)

    def stacked(self, width: int, console) -> Iterator[Segment]:
        """Each name and shape on a line, its value's rows and its gradient's
        beneath, after "value" or "grad", across the whole width. (Drawn as
        segments: a Text this long costs more to split into lines than to make.)"""
        tr = self.tr
        labels = [(tr("value"), "dim"), (tr("grad"), GRAD_STYLE)]
        at = 2 + max(cell_len(l) for l, _ in labels) + 2  # where the numbers start
        name, head = tr("name"), tr("value / gradient")
        gap = max(2, at - cell_len(name)) if at + cell_len(head) <= width else 2
        lines = [[(name + " " * gap + head, "table.header")], [("─" * width, "")]]
        names = max((r.label.cell_len for r in self.rows), default=0) + 2  # the shapes in a column after them
        for label, shape, v, g, mark in self.rows:
            lines.append([(label.plain, str(label.style)), (" " * (names - label.cell_len) + shape, "dim"),
                          (mark.plain, str(mark.style))])
            for (word, style), cell in zip(labels, (v, g)):
                if cell is not None:
                    lines += _stacked_cell(word, style, cell, width, at)
        styles: dict[str, Style] = {}
        for k, line in enumerate(lines):
            if k:
                yield Segment.line()
            for text, style in line:
                if style not in styles:
                    styles[style] = console.get_style(style, default="bold" if style == "table.header" else None)
                yield Segment(text, styles[style])


def _stacked_cell(word: str, style: str, cell: Text | Grid, width: int, at: int) -> list[list[tuple[str, str]]]:
    """A value's (or a gradient's) lines of runs: its rows after its word,
    from column ``at``; where not even one number fits there, beneath the
    word, from column 2."""
    beside = (cell.least_width if isinstance(cell, Grid) else cell.cell_len) <= width - at
    start = at if beside else 2
    rows = cell.lines(width - start) if isinstance(cell, Grid) else [[(cell.plain, str(cell.style))]]
    head = [("  ", ""), (word, style)]
    if not beside:
        return [head] + [[(" " * start, ""), *row] for row in rows]
    return ([head + [(" " * (at - 2 - cell_len(word)), ""), *rows[0]]] +
            [[(" " * start, ""), *row] for row in rows[1:]])
