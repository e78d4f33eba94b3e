"""The computational graph as text, like the book's figures (5-16, 5-17):
forward values along the arrows, gradients beneath them, in the gradient
colour. Arrays show their shape on the arrow; their numbers are in the tables.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from backprop_engine import BACKWARD, Engine

from ..explain import explanation
from ..format import short
from .rich import GRAD_STYLE, VALUE_STYLE

CURRENT = "bold reverse"
DONE = "green"


def _edge(value, grad, tr, precision) -> Text:
    """Two lines: ──value──▶ and, beneath, ◀──grad── (blank until known)."""
    top = f"──{short(value, precision, tr)}──▶" if value is not None else "───────▶"
    bottom = f"◀──{short(grad, precision, tr)}──" if grad is not None else ""
    return Text.assemble((top, VALUE_STYLE if value is not None else "dim"), "\n", (bottom, GRAD_STYLE))


def layer_style(engine: Engine, index: int) -> str:
    """Layer ``index``'s style in a graph: the current step's, done (forward, and so
    also backward), or not yet run. The list and the drawing share it."""
    step = engine.current
    if step is not None and step.layer.index == index:
        return CURRENT
    return DONE if index < min(engine.position, len(engine.scenario.layers)) else "dim"


def _mark(engine: Engine, index: int) -> str:
    """A layer's mark: the current one (▶ forward, ◀ backward), done backward, done forward, or none."""
    step, style = engine.current, layer_style(engine, index)
    if style == CURRENT:
        return "◀ " if step.phase == BACKWARD else "▶ "
    if engine.backward_step(index) is not None:
        return "✓✓"
    return "✓ " if style == DONE else "  "


def graph_view(engine: Engine, tr, precision: int | None) -> RenderableType:
    values, grads = engine.values, engine.grads
    blocks: list[RenderableType] = []
    for spec in engine.scenario.layers:
        mark, style = _mark(engine, spec.index), layer_style(engine, spec.index)
        head = Text.assemble((mark, style), " ", (f"{spec.name}", style), (f"  {tr.layer(spec.type)}", "dim"),
                             no_wrap=True, overflow="ellipsis")  # a long name is cut, not wrapped to column 0
        t = Table.grid(padding=(0, 1))
        t.add_column(no_wrap=True, overflow="ellipsis", max_width=18)
        t.add_column(no_wrap=True)
        # Beneath an input's arrow: what this layer's backward step sent back
        # along it. Where a value feeds several layers (fan-out) each arrow
        # carries its own part; the values table has their sum.
        back = engine.backward_step(spec.index)
        sent = back.input_grads if back is not None else (None,) * len(spec.inputs)
        for name, grad in zip(spec.inputs, sent):
            label = Text("  " + name, style="dim" if name in engine.scenario.constants else "")
            t.add_row(label, _edge(values.get(name), grad, tr, precision))
        out = spec.output
        t.add_row(Text.assemble("  ", (f"[{explanation(spec.type).symbol}]", "bold"), " ", out),
                  _edge(values.get(out), grads.get(out), tr, precision))
        blocks.append(Group(head, t))
    return Group(*blocks)


def current_line(engine: Engine) -> int:
    """The first line of the current layer's block in ``graph_view`` (0 at the start)."""
    step = engine.current
    if step is None:
        return 0
    # a block: its heading, then two lines (value, gradient) per input and for the output
    return sum(1 + 2 * (len(s.inputs) + 1) for s in engine.scenario.layers[:step.layer.index])
