"""Fan-out (5.3): a value used by several layers, or twice by one, gets the
sum of what each use sends back. For each such value, a backward step says
what arrived before, what it adds, the sum, and whether more is to come."""

from __future__ import annotations

from backprop_engine import Step

from ..format import d, num, shape_str
from .sections import BOLD, DIM, GRAD, Line, line


def fan_in_lines(step: Step, tr, precision: int | None) -> list[Line]:
    lines = []
    inputs = step.layer.inputs
    for name in dict.fromkeys(inputs):  # each name once, in order
        parts = [g for n, g in zip(inputs, step.input_grads) if n == name and g is not None]
        before = step.grads_before.get(name)
        if not parts or (before is None and len(parts) == 1 and name not in step.partial):
            continue  # a single contribution: nothing to add up
        more = (tr(" (partial: more branches to come)") if name in step.partial else tr(" (complete)"), DIM)
        head = (tr("fan-out: "), BOLD)
        if before is None and len(parts) == 1:
            lines.append(line(head, tr("{d} gets its first part here", d=d(name)), more))
        elif all(g.ndim == 0 for g in parts):
            runs = [head, f"{d(name)} = "]
            if before is not None:
                runs += [(num(before, precision), GRAD), tr(" (so far) + ")]
            for k, g in enumerate(parts):
                runs += [" + " if k else "", (num(g, precision), GRAD)]
            this = tr(" (this branch) = ") if len(parts) == 1 else tr(" (this layer, one part per use) = ")
            lines.append(line(*runs, this, (num(step.grads[name], precision), GRAD), more))
        else:
            lines.append(line(head, tr("{d} = the sum so far + this branch's part {shape}", d=d(name),
                                       shape=shape_str(parts[0].shape, tr)), more))
    return lines
