"""How a layer type is explained: the base every layer's explanation builds on.

One subclass per layer type, in a module of its own beside this one, holds
everything the views say about that layer: the symbol of its node in the
graph, its local rule and local derivatives, its chain-rule lines and its
extra panel. It produces sections (see ``sections``), never Rich or Markdown.
Its English texts are keys of the language catalogs.
"""

from __future__ import annotations

import numpy as np

from backprop_engine import Step

from .numbers import d, num, shape_str
from .sections import DIM, GRAD, Arrays, Line, Section, line


def role_label(name: str, role: str) -> str:
    """"apple (x)": a value's name with its role in the layer, unless they are the same."""
    return name if name == role else f"{name} ({role})"


class Explanation:
    symbol = "?"   # the node's label in the graph
    rule = ""      # the local gradient rule, as the book writes it (a catalog key)
    # For an elementwise layer: ∂out/∂input of each input as a formula (catalog
    # keys), so that backward reads dout ⊙ local derivative, summed back to shape.
    formulas: tuple[str, ...] = ()

    def local(self, saved) -> tuple | None:
        """The local derivatives' numbers, from what forward kept; None for a
        layer whose backward is a product, not elementwise (Affine, SoftmaxWithLoss)."""
        return None

    def forward_sections(self, step: Step, tr, precision: int | None) -> list[Section]:
        """What the forward step shows besides its inputs and output."""
        return []

    def chain(self, step: Step, tr, precision: int | None) -> list[Line]:
        """The chain rule for each input that gets a gradient, with this step's
        numbers (scalars) or shapes (arrays): ∂L/∂tax = ∂L/∂price · ∂price/∂tax = 1 × 200 = 200."""
        out, dout, lines = step.layer.output, step.dout, []
        local = self.local(step.saved)
        for k, (name, g) in enumerate(zip(step.layer.inputs, step.input_grads)):
            if g is None:
                continue
            part = tr(" (this branch's part)") if step.is_part(name) else ""
            runs = [(d(name) + part, GRAD), f" = {d(out)} · ∂{out}/∂{name}"]
            l = np.asarray(local[k])
            if dout.ndim == 0 and l.ndim == 0 and g.ndim == 0:
                runs += [f" = {num(dout, precision)} × {num(l, precision)} = ", (num(g, precision), GRAD)]
            else:
                summed = (f", {tr('summed back to {shape}', shape=shape_str(g.shape, tr))}"
                          if g.shape != dout.shape else "")
                runs.append(f"   ({shape_str(dout.shape, tr)} ⊙ {tr(self.formulas[k])}{summed})")
            lines.append(line(*runs, indent=1))
        return lines

    def backward_sections(self, step: Step, tr, precision: int | None) -> list[Section]:
        """What the backward step adds after the chain rule (the fused sigmoid's check)."""
        return []

    def gradient_tables(self, step: Step, tr, precision: int | None) -> list[Section]:
        """The upstream gradient, then what is sent to each input."""
        spec, inputs = step.layer, step.layer.op.inputs
        parts: list[Section] = [Arrays(tr("upstream gradient"), ((f"d{spec.output} (dout)", step.dout),), GRAD)]
        rows = tuple((role_label(f"d{n}", f"d{r}"), g)
                     for r, n, g in zip(inputs, spec.inputs, step.input_grads) if g is not None)
        consts = [n for n, g in zip(spec.inputs, step.input_grads) if g is None]
        if rows:
            parts.append(Arrays(tr("gradients to the inputs"), rows, GRAD))
        if consts:
            parts.append(line((tr("no gradient for {names}: constant", names=", ".join(consts)), DIM)))
        return parts
