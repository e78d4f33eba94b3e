"""The non-interactive modes --print, --check and --train, as Rich output."""

from __future__ import annotations

import math

import numpy as np
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from backprop_engine import Engine, Scenario, run
from backprop_engine.gradcheck import SAMPLE, check_expect, check_gradients
from backprop_engine.train import train_quietly

from ..explain import step_title
from ..explain.learner import summary_sections
from ..format import array_str, num
from .drawing import draw, layout
from .gradcheck_table import gradcheck_table, verdict
from .rich import rich_sections, step_view
from .values_table import values_table


def _console() -> Console:
    return Console(highlight=False)


def print_steps(scenario: Scenario, tr, precision: int) -> int:
    out = _console()
    out.print(Text(scenario.title, style="bold"))
    if scenario.reference:
        out.print(Text(scenario.reference, style="dim"))
    # the graph after the full run, at its own width (never wrapped, also into a pipe)
    out.print(draw(layout(scenario), run(scenario), tr, precision, highlight=False), soft_wrap=True)
    engine = Engine(scenario)
    while not engine.at_end:
        step = engine.next()
        out.print(Rule(step_title(step, len(engine), tr), align="left"))
        out.print(step_view(step, tr, precision, scenario.layers))
    out.print(Rule(tr("all values and gradients"), align="left"))
    out.print(values_table(engine, tr, precision))
    summary = summary_sections(scenario, engine.steps(), tr)  # --layers: a verdict per layer
    if summary:
        out.print(Rule(tr("your layers"), align="left"))
        out.print(rich_sections(summary, tr, precision))
    return 0


def check(scenario: Scenario, tr, precision: int) -> int:
    out = _console()
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
    from .book_check import (
        print_book_check,  # with [data]: the book's form (5.7.3), every entry
    )
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
    failed = ([g.name for g in grads if not g.ok] + [f"{p.name} (5.7.3)" for p in book if not p.ok]
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


def train(scenario: Scenario, steps: int, tr, precision: int | None) -> int:
    """--train: a title naming the trained params, a notice when the final
    output is no loss, a row per step (loss after it; step 0 is before
    training; beyond 100 steps every k-th and the last), the final loss.
    A scenario with [data] trains by mini-batch SGD instead (train_report)."""
    if scenario.data is not None:
        from .train_report import train_data
        return train_data(scenario, steps, tr, precision)
    losses = train_quietly(scenario, steps)[0]  # before training, then after each step
    out = _console()
    out.print(Text(tr("gradient descent on {params}: {n} steps, lr = {lr}", params=", ".join(scenario.trained),
                      n=steps, lr=num(scenario.lr, precision)), style="bold"))
    last = scenario.layers[-1]
    if last.type != "SoftmaxWithLoss":
        out.print(Text(tr("note: {name} is not a loss (the last layer is {type}, not SoftmaxWithLoss): "
                          "it may have no minimum for descent to find", name=last.output, type=tr.layer(last.type)),
                       "yellow"))
    t = Table()
    t.add_column(tr("step"), justify="right")
    t.add_column(tr("loss ({name})", name=scenario.output), justify="right")
    every = math.ceil(steps / 100)
    for k, loss in enumerate(losses):
        if k % every == 0 or k == steps:
            t.add_row(str(k), num(loss, precision))
    out.print(t)
    out.print(tr("final loss ({name}) after {n} steps: {loss}", name=scenario.output, n=steps,
                 loss=num(losses[-1], precision)))
    if not all(map(math.isfinite, losses)):
        out.print(Text(tr("the loss ran off to inf or nan: try a lower [train] lr (a loss without a minimum, "
                          "such as a price, runs off at any lr)"), "bold red"))
    return 0
