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
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from backprop_engine import Step
from backprop_engine.scenario import LayerSpec

from ..explain import step_sections
from ..explain.sections import BAD, BOLD, DIM, GOOD, GRAD, PLAIN, VALUE, WARN, Arrays, Line, Section
from ..format import EDGE, array_str, num, shape_str

STYLES = {PLAIN: "", GRAD: "bold magenta", VALUE: "cyan", DIM: "dim", BOLD: "bold", GOOD: "bold green",
          BAD: "bold red", WARN: "bold yellow"}
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


class Grid:
    """An array's cells (from ``elided``) as right-aligned columns that fit the
    width they are drawn at: where the columns do not all fit, fewer are shown
    (more left out in the middle, at the "…" column), never part of a number.
    Each form is one Text, made once: measured and drawn quickly."""

    def __init__(self, cols: list[int | None], cells: list[list[tuple[str, str]]], n: int, style: str):
        self.cells, self.style = cells, style
        self.widths = [max(len(row[k][0]) for row in cells) for k in range(len(cols))]
        where = {j: p for p, j in enumerate(cols)}  # index -> position in cols; -1: a "…" column of its own

        def ends(edge: int) -> list[int]:  # the first and last ``edge`` columns around "…"
            return [where.get(j, -1) for j in [*range(edge), None, *range(n - edge, n)]]

        forms = [list(range(len(cols))), *(ends(e) for e in range(EDGE - 1, 0, -1) if 2 * e < n),
                 *([[0, -1]] if n > 1 else []), [-1]]
        self.forms = [f for k, f in enumerate(forms) if f not in forms[:k]]  # fewer columns each
        self.form_widths = [self._width(f) for f in self.forms]
        # with one number at least: the least it is drawn at whole
        self.least_width = self.form_widths[-2] if len(self.forms) > 1 else self.form_widths[-1]
        self.texts: dict[int, Text] = {}
        self.runs: dict[int, list[list[tuple[str, str]]]] = {}

    def _width(self, form: list[int]) -> int:
        return max(0, sum(self.widths[p] if p >= 0 else 1 for p in form) + 2 * (len(form) - 1))

    def form(self, width: int) -> int:
        """The widest form that fits ``width`` (the "…" alone when none does)."""
        return next((k for k, w in enumerate(self.form_widths) if w <= width), len(self.forms) - 1)

    def text(self, width: int) -> Text:
        """The grid at ``width`` as one Text."""
        k = self.form(width)
        if k not in self.texts:
            self.texts[k] = self._text(self.forms[k])
        return self.texts[k]

    def lines(self, width: int) -> list[list[tuple[str, str]]]:
        """The grid at ``width`` as lines of runs (text, style), for drawing
        without a Text; a run per style."""
        k = self.form(width)
        if k not in self.runs:
            self.runs[k] = [_runs(self._cells(row, self.forms[k])) for row in self.cells]
        return self.runs[k]

    def _cells(self, row: list[tuple[str, str]], form: list[int]):
        """A row's (text, style) pieces in ``form``: the numbers right-aligned, two spaces apart."""
        for k, p in enumerate(form):
            if k:
                # the gap takes the grid's style (a coloured space looks like any
                # other), so that a row of numbers is one run of text, drawn with
                # one colour code rather than one per number
                yield "  ", self.style
            if p < 0:
                yield "⋮" if row and row[0][0] == "⋮" else "…", "dim"
            else:
                cell, cell_style = row[p]
                yield " " * (self.widths[p] - len(cell)) + cell, cell_style

    def _text(self, form: list[int]) -> Text:
        text = Text(no_wrap=True, overflow="ignore")
        for r, row in enumerate(self.cells):
            if r:
                text.append("\n")
            for piece, style in self._cells(row, form):
                text.append(piece, style)
        return text

    def __str__(self) -> str:
        """The text at the width it needs, as a Text's str is."""
        return self.text(self.form_widths[0]).plain

    def __rich_console__(self, console, options):
        yield self.text(options.max_width)

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement(self.least_width, self.form_widths[0])


def _runs(pieces) -> list[tuple[str, str]]:
    """(text, style) pieces with the neighbours of one style joined."""
    runs: list[tuple[str, str]] = []
    for text, style in pieces:
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + text, style)
        elif text:
            runs.append((text, style))
    return runs


def grid(a, precision: int | None, style: str = "", highlight=None) -> Text | Grid:
    """An array as right-aligned columns (2-D; 1-D as one row), elided when
    large and, where the width is short, more (a Grid); a scalar as its Text.
    ``highlight``: a bool array of a's shape whose True cells get MASKED."""
    a = np.asarray(a)
    if a.ndim == 0 or a.ndim > 2:
        return Text(array_str(a, precision), style=style)
    cols, rows = elided(a, highlight)
    cells = [[(c, "dim") if isinstance(c, str) else
              (cell_text(c[0], precision), MASKED if c[1] else style) for c in row] for row in rows]
    return Grid(cols, cells, a.size if a.ndim == 1 else a.shape[1], style)


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


def step_view(step: Step, tr, precision: int | None, layers: tuple[LayerSpec, ...] = ()) -> RenderableType:
    """What one step did, as Rich tables; ``layers``: the scenario's, for a
    step explained by its neighbours (the decomposed sigmoid)."""
    return rich_sections(step_sections(step, tr, precision, layers), tr, precision)
