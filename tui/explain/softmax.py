"""Softmax-with-Loss (5.6.3): backward is (y − t) / N, the softmax's output
minus the labels, divided by the batch size."""

from .base import Explanation
from .numbers import d, num, shape_str
from .sections import GRAD, line


class SoftmaxWithLossExplanation(Explanation):
    symbol = "softmax+loss"
    rule = "dx = (y − t) / N · dout"

    def chain(self, step, tr, precision):
        (x, t), out = step.layer.inputs, step.layer.output
        return [line((f"{d(x)} {shape_str(step.inputs[0].shape, tr)}", GRAD),
                     f" = (softmax({x}) − {t}) / N · {d(out)}"
                     f" = (y − t) / {step.saved['N']} × {num(step.dout, precision)}", indent=1)]
