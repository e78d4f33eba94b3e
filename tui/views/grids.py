"""Arrays as right-aligned grids of numbers, and the explanations' sections
as Rich renderables, shared by ``--print`` and the app.

Only presentation lives here: every number comes from the engine's records.
Large arrays are elided like numpy's printing (first and last rows and
columns around an ellipsis), so a 100×784 batch costs no more to show than a
2×2 one.
"""

from __future__ import annotations

import numpy as np
from rich import box
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..explain.numbers import EDGE, array_str, num, shape_str
from ..explain.sections import BAD, BOLD, DIM, GOOD, GRAD, PLAIN, VALUE, Arrays, Line, Section

STYLES = {PLAIN: "", GRAD: "bold magenta", VALUE: "cyan", DIM: "dim", BOLD: "bold", GOOD: "bold green",
          BAD: "bold red"}
GRAD_STYLE = STYLES[GRAD]           # every gradient, everywhere
VALUE_STYLE = STYLES[VALUE]         # forward values
MASKED = "bold black on yellow"     # Relu entries whose gradient dies


def keep(n: int, edge: int = EDGE) -> list[int | None]:
    """Indices to show along an axis of length n; None marks the ellipsis."""
    if n <= 2 * edge + 1:
        return list(range(n))
    return [*range(edge), None, *range(n - edge, n)]


def elided(a, highlight=None) -> tuple[list[int | None], list[list]]:
    """The cells of an array shown as a table (1-D: one row; more axes: one row
    per first index), numpy-style elided: the column indices kept (None: the
    ellipsis column) and the rows of cells, each (value, highlighted) or a
    marker string, "⋮" or "…", where rows or columns are left out."""
    a = np.asarray(a)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], -1)
    h2 = None if highlight is None else np.asarray(highlight).reshape(a2.shape)
    cols = keep(a2.shape[1], EDGE - 1)  # columns cost more width than rows
    return cols, [["⋮" if i is None else "…" if j is None else
                   (a2[i, j], h2 is not None and bool(h2[i, j])) for j in cols]
                  for i in keep(a2.shape[0])]


def cell_text(value, precision: int | None) -> str:
    return str(bool(value)) if isinstance(value, (bool, np.bool_)) else num(value, precision)


def grid(a, precision: int | None, style: str = "", highlight=None) -> Text:
    """An array as right-aligned columns (2-D; 1-D as one row), elided when
    large. ``highlight``: a bool array of a's shape whose True cells get
    MASKED. One Text, not a nested Table: it is measured and drawn quickly."""
    a = np.asarray(a)
    if a.ndim == 0 or a.ndim > 2:
        return Text(array_str(a, precision), style=style)
    cols, rows = elided(a, highlight)
    cells = [[(c, "dim") if isinstance(c, str) else
              (cell_text(c[0], precision), MASKED if c[1] else style) for c in row] for row in rows]
    widths = [max(len(row[k][0]) for row in cells) for k in range(len(cols))]
    text = Text(no_wrap=True, overflow="ignore")
    for r, row in enumerate(cells):
        if r:
            text.append("\n")
        for k, (cell, cell_style) in enumerate(row):
            # the gap takes the grid's style (a coloured space looks like any
            # other), so that a row of numbers is one run of text, drawn with
            # one colour code rather than one per number
            text.append("  " if k else "", style)
            text.append(" " * (widths[k] - len(cell)) + cell, cell_style)
    return text


def kv_table(arrays: Arrays, tr, precision: int | None) -> RenderableType:
    """(label, array) rows under a title. Scalars as a table of name, shape,
    value; arrays each as a heading line with the grid of numbers beneath,
    which leaves the numbers the whole width."""
    style = STYLES[arrays.role]
    heading = Text(arrays.title, style="bold")
    if all(np.ndim(a) == 0 for _label, a in arrays.rows):
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column(tr("name"))
        t.add_column(tr("shape"), style="dim")
        t.add_column(tr("value"))
        for label, a in arrays.rows:
            t.add_row(label, tr("scalar"), grid(a, precision, style))
        return Group(heading, t)
    parts: list[RenderableType] = [heading]
    for label, a in arrays.rows:
        parts.append(Text.assemble("  ", label, "  ", (shape_str(np.shape(a), tr), "dim")))
        parts.append(Padding(grid(a, precision, style, arrays.highlight), (0, 0, 0, 2)))
    return Group(*parts)


def rich_line(l: Line) -> RenderableType:
    text = Text.assemble(*((t, STYLES[role]) for t, role in l.runs))
    return Padding(text, (0, 0, 0, 2 * l.indent)) if l.indent else text


def rich_sections(sections: list[Section], tr, precision: int | None) -> RenderableType:
    """The sections as one Rich renderable; tables meant side by side are,
    where the width allows, and one above the other where not."""
    out: list[RenderableType] = []
    for s in sections:
        if isinstance(s, Line):
            out.append(rich_line(s))
        elif isinstance(s, Arrays):
            out.append(kv_table(s, tr, precision))
        else:
            out.append(Columns([kv_table(a, tr, precision) for a in s.parts], padding=(0, 3)))
    return Group(*out)
