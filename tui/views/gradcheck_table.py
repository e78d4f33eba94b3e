"""The numerical gradient check (``--check``, the app's c dialog) as a Rich table."""

from __future__ import annotations

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from backprop_engine.quiz import index_text

from ..format import num, shape_str
from .rich import GRAD_STYLE


def verdict(ok: bool, tr) -> Text:
    return Text(tr("ok"), "green") if ok else Text(tr("FAIL"), "bold red")


def _check_rows(checks, tr, numbers: bool) -> list[list]:
    rows = []
    for g in checks:
        # the entry where the two differ most (an entry at a Relu kink has no derivative to compare)
        worst = int(np.argmax(np.where(g.at_kink, -1.0, np.abs(g.analytic - g.numeric)))) if len(g.entries) else 0
        where = index_text(int(g.entries[worst]), g.shape) + " " if g.shape != () else ""
        entries = tr("{k} of {n}", k=len(g.entries), n=int(np.prod(g.shape))) if g.sampled else tr("all")
        rows.append([g.name, shape_str(g.shape, tr),
                     *([Text(where + num(g.analytic[worst], 8), style=GRAD_STYLE), num(g.numeric[worst], 8)]
                       if numbers else [entries, f"{g.abs_diff:.2e}"]),
                     f"{g.rel_err:.2e}", verdict(g.ok, tr)])
    return rows


def gradcheck_table(checks, tr, title: str | None = None, numbers: bool = True,
                    stacked: bool = False) -> RenderableType:
    """Backprop against the central difference, a row per leaf: the entries
    checked and the largest absolute difference (or, with ``numbers``, both
    gradients at the entry where they differ most, to 8 digits), and the
    largest relative difference. ``stacked``: for a narrow screen, a block
    of lines per leaf instead of one wide row."""
    cols = ["name", "shape"] + (["backprop", "numeric"] if numbers else ["entries", "max abs diff"]) + [
        "max rel error", "result"]
    rows = _check_rows(checks, tr, numbers)
    if stacked:
        t = Table.grid(padding=(0, 1))
        t.add_column(style="dim", no_wrap=True)
        t.add_column()
        for name, shape, *middle, result in rows:
            t.add_row(Text(name, style="bold"), Text.assemble(shape, "  ", result))
            for col, cell in zip(cols[2:-1], middle):
                t.add_row("  " + tr(col), cell)
        return Group(Text(title), t) if title else t
    t = Table(title=Text(title) if title else None, title_justify="left", box=box.SIMPLE_HEAD,
              show_edge=False, pad_edge=False)
    for k, col in enumerate(cols):
        # name and shape keep their width; the numbers are cut first when space is short
        t.add_column(tr(col), no_wrap=True,
                     min_width=max([len(tr(col))] + [len(str(r[k])) for r in rows]) if k < 2 else None)
    for row in rows:
        t.add_row(*row)
    return t
