"""The whole step-by-step run as Markdown (``--markdown`` and the app's export).

The same content as ``--print``: each step's values, gradients, chain-rule
lines and Relu masks, as Markdown tables. Arrays are elided like the app's
grids, so an mnist_size export stays readable.
"""

from __future__ import annotations

import numpy as np

from backprop_engine import BACKWARD, Engine, Scenario

from .i18n import _
from .render import (affine_shapes, cell_text, chain_lines, elided, fan_in_lines, fused_vs_decomposed,
                     paragraphs, role_label, shape_str, step_title)


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


def _inline(a, precision) -> str:
    """A table cell: scalars by value, arrays by reference to the steps."""
    return md_array(a, precision) if np.ndim(a) == 0 else _("array: see the steps")


def _named(label: str, a, precision, highlight=None) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return f"- {label} = {md_array(a, precision)}"
    return f"- {label}, {_('shape {shape}', shape=shape_str(a.shape))}:\n\n{md_array(a, precision, highlight)}\n"


def step_markdown(step, total: int, precision: int | None) -> str:
    spec, op = step.layer, step.layer.op
    out = [f"## {step_title(step, total)}", ""]
    if step.phase != BACKWARD:
        out.append(_("Inputs:") + "\n")
        out += [_named(role_label(n, r), a, precision)
                for r, n, a in zip(op.inputs, spec.inputs, step.inputs)]
        out.append("\n" + _("Output:") + "\n")
        out.append(_named(spec.output, step.output, precision))
        if spec.type == "Affine":
            out.append(f"\n{_('Shapes:')} {affine_shapes(step)}")
        if step.mask is not None:
            out.append("\n" + _("Mask = (x <= 0), kept for backward (**bold**: True):") + "\n")
            out.append(md_array(step.mask, precision, step.mask))
        return "\n".join(out) + "\n"
    if step.dout is None:
        return "\n".join(out + [_("No gradient reaches {output}: it does not lead to the final output, "
                                  "so nothing flows back through {layer}.", output=f"`{spec.output}`",
                                  layer=spec.name)]) + "\n"
    out.append(f"{_('Local rule:')} {_(op.rule)}\n")
    out.append(_("Chain rule (L = the final output):") + "\n")
    out += [f"- {line.plain}" for line in chain_lines(step, precision)]
    out += [f"- {line.plain}" for line in fan_in_lines(step, precision)]
    fused = fused_vs_decomposed(step) if spec.type == "Sigmoid" else None
    if fused is not None:
        out.append(f"- {fused.plain}")
    out.append("")
    highlight = step.mask
    if highlight is not None:
        out.append(_("Relu: **bold** entries are masked (x <= 0); their gradient dies.") + "\n")
    out.append(_named(f"d{spec.output} (dout, {_('upstream')})", step.dout, precision, highlight))
    for r, n, g in zip(op.inputs, spec.inputs, step.input_grads):
        if g is not None:
            out.append(_named(role_label(f"d{n}", f"d{r}"), g, precision, highlight))
    return "\n".join(out) + "\n"


def run_markdown(scenario: Scenario, precision: int | None) -> str:
    engine = Engine(scenario)
    parts = [f"# {scenario.title}", ""]
    if scenario.reference:
        parts.append(f"*{scenario.reference}*\n")
    if scenario.description:
        parts.append(paragraphs(scenario.description) + "\n")
    while not engine.at_end:
        parts.append(step_markdown(engine.next(), len(engine), precision))
    parts.append(f"## {_('All values and gradients')}\n")
    parts.append(f"| {_('name')} | {_('shape')} | {_('value')} | {_('gradient')} |\n|---|---|---|---|")
    for name in list(scenario.leaves) + [l.output for l in scenario.layers]:
        v, g = engine.values[name], engine.grads.get(name)
        parts.append(f"| {name} | {shape_str(np.shape(v))} | {_inline(v, precision)} | "
                     f"{'' if g is None else _inline(g, precision)} |")
    return "\n".join(parts) + "\n"
