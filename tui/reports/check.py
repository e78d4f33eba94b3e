"""--check: every gradient against a central difference (a fixed sample of
an array's entries), with [data] also the book's check (5.7.3) of every
entry, and [expect]; exit 1 on any failure."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from backprop_engine import Scenario
from backprop_engine.gradcheck import SAMPLE, BookCheck, book_check, check_expect, check_gradients

from ..format import array_str
from ..views.book_check import book_check_view
from ..views.gradcheck_table import gradcheck_table, verdict


def check(scenario: Scenario, tr, precision: int) -> int:
    out = Console(highlight=False)
    grads = check_gradients(scenario)
    title = (tr("gradient check: backprop vs central difference (h = {h}; arrays over {n} entries: "
                "a fixed sample)", h=f"{grads[0].h:g}", n=SAMPLE) if grads else tr("no [values] to check"))
    out.print(gradcheck_table(grads, tr, title, numbers=False))
    for g in grads:
        if g.kink_count:
            out.print(Text(tr("{name}: {n} at a kink ({entries}): nudging them moves a Relu input that is "
                              "exactly 0 across its kink, where it has no derivative; left out", name=g.name,
                              n=g.kink_count,
                              entries=_entries(g.name, g.shape, g.kink_entries)), "yellow"))
    book = print_book_check(out, scenario, tr).params if scenario.data is not None else ()
    expects = check_expect(scenario)
    if expects:
        e = Table(title=Text("[expect]"), title_justify="left")
        for col in ("key", "expected", "actual", "result"):
            e.add_column(tr(col))
        for x in expects:
            actual = Text(array_str(x.actual, precision) if x.actual is not None else tr("no gradient"))
            e.add_row(x.key, Text(array_str(x.expected, precision)), actual, verdict(x.ok, tr))
        out.print(e)
    failed = ([g.name for g in grads if not g.ok] + [f"{p.name} (5.7.3, adjusted)" for p in book if not p.ok]
              + [x.key for x in expects if not x.ok])
    out.print(Text(tr("FAILED: {names}", names=", ".join(failed)), "bold red") if failed else
              Text(tr("every check passed ({n})", n=len(grads) + len(book) + len(expects)), "green"))
    return 1 if failed else 0


def _entries(name: str, shape: tuple, flat, most: int = 5) -> str:
    """Flat entries of ``name`` as indices: "x[0, 1], x[1, 0]" (the first ``most``, then "...")."""
    if shape == ():
        return name
    shown = [f"{name}[{', '.join(map(str, np.unravel_index(int(e), shape)))}]" for e in flat[:most]]
    return ", ".join(shown) + (", ..." if len(flat) > most else "")


def print_book_check(out: Console, scenario: Scenario, tr) -> BookCheck:
    """With [data]: the book's check, a progress bar on a terminal's stderr
    while the numerical side runs, then its section."""
    err = Console(stderr=True)
    with Progress(TextColumn(tr("numerical gradient")), BarColumn(), MofNCompleteColumn(), console=err,
                  transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=None)
        result = book_check(scenario, progress=lambda done, total: bar.update(task, completed=done, total=total))
    out.print(book_check_view(result, tr))
    return result
