"""The whole step-by-step run as Markdown (``--markdown`` and the app's export).

The same sections as ``--print`` and the app (values, gradients, chain-rule
lines, Relu masks), as Markdown: lines as paragraphs or list items, arrays as
tables with the highlighted cells in bold. Arrays are elided like the app's
grids, so an mnist_size export stays readable.
"""

from __future__ import annotations

import numpy as np

from backprop_engine import Engine, Scenario, run

from ..explain import step_sections, step_title
from ..explain.learner import summary_sections
from ..format import shape_str
from ..explain.sections import Arrays, Line, Section
from .drawing import draw, layout
from .rich import cell_text, elided
from .paragraphs import paragraphs


def _cell(v, precision, strong: bool = False) -> str:
    s = cell_text(v, precision)
    return f"**{s}**" if strong else s


def md_array(a, precision: int | None, highlight=None) -> str:
    """A scalar inline; an array as a Markdown table (bold: highlighted cells)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return f"`{_cell(a[()], precision)}`"
    cols, rows = elided(a, highlight)
    lines = ["| " + " | ".join("…" if j is None else str(j) for j in cols) + " |",
             "|" + "---:|" * len(cols)]
    for row in rows:
        lines.append("| " + " | ".join(c if isinstance(c, str) else _cell(c[0], precision, c[1])
                                      for c in row) + " |")
    return "\n".join(lines)


def _named(label: str, a, tr, precision, highlight=None) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return f"- {label} = {md_array(a, precision)}"
    return (f"- {label}, {tr('shape {shape}', shape=shape_str(a.shape, tr))}:\n\n"
            f"{md_array(a, precision, highlight)}\n")


def md_sections(sections: list[Section], tr, precision: int | None) -> str:
    """Lines under a heading as a list, other lines as paragraphs, tables
    under their title in bold; blocks apart by one blank line."""
    blocks: list[str] = []
    items: list[str] = []  # list items waiting for the end of their list
    for s in sections:
        if isinstance(s, Line) and s.indent:
            items.append(f"- {s.plain}")
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        if isinstance(s, Line):
            blocks.append(s.plain)
            continue
        for arrays in (s,) if isinstance(s, Arrays) else s.parts:
            rows = [_named(label, a, tr, precision, arrays.highlight).strip() for label, a in arrays.rows]
            sep = "\n" if all(np.ndim(a) == 0 for _label, a in arrays.rows) else "\n\n"  # a table ends a list
            blocks.append(f"**{arrays.title}**\n\n" + sep.join(rows))
    return "\n\n".join(blocks + ["\n".join(items)] * bool(items))


def _inline(a, tr, precision) -> str:
    """A table cell: scalars by value, arrays by reference to the steps."""
    return md_array(a, precision) if np.ndim(a) == 0 else tr("array: see the steps")


def run_markdown(scenario: Scenario, tr, precision: int | None) -> str:
    engine = Engine(scenario)
    parts = [f"# {scenario.title}", ""]
    if scenario.reference:
        parts.append(f"*{scenario.reference}*\n")
    if scenario.description:
        parts.append(paragraphs(scenario.description) + "\n")
    # the graph after the full run, as text to paste into notes
    drawing = draw(layout(scenario), run(scenario), tr, precision, highlight=False).plain
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
