"""How a layer type is explained: the base every layer's explanation builds on.

One subclass per layer type, in a module of its own beside this one, holds
everything the views say about that layer: the symbol of its node in the
graph, its local derivatives (or, for a layer whose backward is a product,
its backward rule), the book's rule of thumb, its chain-rule lines and its
extra panels. It produces sections (see ``sections``), never Rich or
Markdown. Its English texts are keys of the language catalogs; formulas are
written over the layer's own value names ({x}, {y}, {W} ... by the role of
the input, {out} for the output), so that the screen says "∂price/∂tax =
apple_price", never a role letter that may be another value's name.
"""

from __future__ import annotations

import numpy as np

from backprop_engine import Step
from backprop_engine.layers import LAYER_TYPES
from backprop_engine.scenario import LayerSpec

from ..format import d, num, shape_str
from .sections import BAD, DIM, GRAD, Arrays, Line, Run, Section, line


def equals(product, g, tr, precision: int | None) -> list[Run]:
    """The end of a chain-rule line, " = product": the product of the numbers
    the line shows, so the equation holds. Where the run's gradient ``g`` is
    another number (the learner's layer, --layers), it follows, said as
    theirs: "= 1.1 (the built-in rule); yours: 650"."""
    runs: list[Run] = [" = ", (num(product, precision), GRAD)]
    if not np.allclose(product, g, rtol=1e-9, atol=1e-12):
        runs.append((tr(" (the built-in rule); yours: {g}", g=num(g, precision)), BAD))
    return runs


class Explanation:
    symbol = "?"   # the node's label in the graph
    # For an elementwise layer: ∂out/∂input of each input, a formula over the
    # layer's names (catalog keys), so that backward is dout ⊙ that, summed back to shape.
    derivatives: tuple[str, ...] = ()
    rule = ""      # for a layer whose backward is a product: the backward rule over its names
    note = ""      # the book's rule of thumb for the layer, if it has one

    @staticmethod
    def names(step: Step) -> dict[str, str]:
        """The formulas' fields: each input's role ("x", "W" ...) -> its name, and "out"."""
        return {**dict(zip(LAYER_TYPES[step.layer.type].inputs, step.layer.inputs)), "out": step.layer.output}

    def local(self, saved) -> tuple | None:
        """The local derivatives' numbers, from what forward kept; None for a
        layer whose backward is a product, not elementwise (Affine, SoftmaxWithLoss)."""
        return None

    def rule_lines(self, step: Step, tr) -> list[Line]:
        """The local derivative of each input that gets a gradient (or the backward rule), and the rule of thumb."""
        names, out = self.names(step), step.layer.output
        if self.derivatives:
            parts = [f"∂{out}/∂{name} = {tr(f, **names)}"
                     for name, f, g in zip(step.layer.inputs, self.derivatives, step.input_grads) if g is not None]
            lines = [line((tr("local derivative: "), DIM), ", ".join(parts))]
        else:
            lines = [line((tr("backward: "), DIM), tr(self.rule, **names))]
        return lines + ([line((tr(self.note), DIM))] if self.note else [])

    def forward_sections(self, step: Step, tr, precision: int | None) -> list[Section]:
        """What the forward step shows besides its inputs and output."""
        return []

    def chain(self, step: Step, tr, precision: int | None) -> list[Line]:
        """The chain rule for each input that gets a gradient, with this step's
        numbers (scalars) or shapes (arrays): ∂L/∂tax = ∂L/∂price × ∂price/∂tax = 1 × 200 = 200.
        One symbol for one meaning on every screen: × a product of numbers, ⊙
        elementwise, · the matrix product (Affine's)."""
        out, dout, lines, names = step.layer.output, step.dout, [], self.names(step)
        local = self.local(step.saved)
        for k, (name, g) in enumerate(zip(step.layer.inputs, step.input_grads)):
            if g is None:
                continue
            part = tr(" (this branch's part)") if step.is_part(name) else ""
            l = np.asarray(local[k])
            scalar = dout.ndim == 0 and l.ndim == 0 and g.ndim == 0
            runs = [(d(name) + part, GRAD), f" = {d(out)} {'×' if scalar else '⊙'} ∂{out}/∂{name}"]
            if scalar:
                runs += [f" = {num(dout, precision)} × {num(l, precision)}", *equals(dout * l, g, tr, precision)]
            else:
                summed = (f", {tr('summed back to {shape}', shape=shape_str(g.shape, tr))}"
                          if g.shape != dout.shape else "")
                runs.append(f"   ({shape_str(dout.shape, tr)} ⊙ {tr(self.derivatives[k], **names)}{summed})")
            lines.append(line(*runs, indent=1))
        return lines

    def backward_sections(self, step: Step, layers: tuple[LayerSpec, ...], tr,
                          precision: int | None) -> list[Section]:
        """What the backward step adds after the chain rule; ``layers``: the
        whole graph, for a step that explains itself by its neighbours (a fused
        Sigmoid beside a decomposed one)."""
        return []

    def gradient_tables(self, step: Step, tr, precision: int | None) -> list[Section]:
        """The upstream gradient, then what is sent to each input."""
        spec = step.layer
        parts: list[Section] = [Arrays(tr("upstream gradient"), ((f"d{spec.output} (dout)", step.dout),), GRAD)]
        rows = tuple((f"d{n}", g) for n, g in zip(spec.inputs, step.input_grads) if g is not None)
        consts = [n for n, g in zip(spec.inputs, step.input_grads) if g is None]
        if rows:
            parts.append(Arrays(tr("gradients to the inputs"), rows, GRAD))
        if consts:
            parts.append(line((tr("no gradient for {names}: constant", names=", ".join(consts)), DIM)))
        return parts
