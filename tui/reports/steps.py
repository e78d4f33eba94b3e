"""--print: the graph after the full run, every step as tables, then all
values and gradients (with --layers, a verdict per layer), as Rich output."""

from __future__ import annotations

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from backprop_engine import Engine, Scenario, run

from ..explain import step_title
from ..explain.learner import summary_sections
from ..views.drawing import draw, layout
from ..views.rich import rich_sections, step_view
from ..views.values_table import values_table


def print_steps(scenario: Scenario, tr, precision: int) -> int:
    out = Console(highlight=False)
    out.print(Text(tr.own(scenario.title), style="bold"))
    if scenario.reference:
        out.print(Text(tr.own(scenario.reference), style="dim"))
    # the graph after the full run, at its own width (never wrapped, also into a pipe)
    out.print(draw(layout(scenario, precision), run(scenario), tr, precision, highlight=False), soft_wrap=True)
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
