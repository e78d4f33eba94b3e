"""The whole step-by-step run as Markdown (``--markdown`` and the app's export):
the graph after the full run, the same sections as ``--print`` and the app
(values, gradients, chain-rule lines, Relu masks) step by step, all values
and gradients in one table, and with --layers a verdict per layer.
"""

from __future__ import annotations

import numpy as np

from backprop_engine import Engine, Scenario, run

from ..explain import step_sections, step_title
from ..explain.learner import summary_sections
from ..format import shape_str
from ..views.drawing import draw, layout
from ..views.markdown import md_array, md_sections
from ..views.paragraphs import paragraphs


def _inline(a, tr, precision) -> str:
    """A table cell: scalars by value, arrays by reference to the steps."""
    return md_array(a, precision) if np.ndim(a) == 0 else tr("array: see the steps")


def run_markdown(scenario: Scenario, tr, precision: int | None) -> str:
    engine = Engine(scenario)
    parts = [f"# {tr.own(scenario.title)}", ""]
    if scenario.reference:
        parts.append(f"*{tr.own(scenario.reference)}*\n")
    if scenario.description:
        parts.append(paragraphs(tr.own(scenario.description)) + "\n")
    # the graph after the full run, as text to paste into notes
    drawing = draw(layout(scenario, precision), run(scenario), tr, precision, highlight=False).plain
    parts += ["```text", *(line.rstrip() for line in drawing.splitlines()), "```", ""]
    while not engine.at_end:
        step = engine.next()
        parts += [f"## {step_title(step, len(engine), tr)}", "",
                  md_sections(step_sections(step, tr, precision, scenario.layers), tr, precision), ""]
    parts.append(f"## {tr('All values and gradients')}\n")
    parts.append(f"| {tr('name')} | {tr('shape')} | {tr('value')} | {tr('gradient')} |\n|---|---|---|---|")
    for name in list(scenario.leaves) + [l.output for l in scenario.layers]:
        v, g = engine.values[name], engine.grads.get(name)
        parts.append(f"| {name} | {shape_str(np.shape(v), tr)} | {_inline(v, tr, precision)} | "
                     f"{'' if g is None else _inline(g, tr, precision)} |")
    summary = summary_sections(scenario, engine.steps(), tr)  # --layers: a verdict per layer
    if summary:
        parts += ["", f"## {tr('your layers')}", "", md_sections(summary, tr, precision)]
    return "\n".join(parts) + "\n"
