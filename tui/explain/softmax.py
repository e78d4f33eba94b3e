"""Softmax-with-Loss (5.6.3): forward turns each row of scores into
probabilities y and averages the rows' cross-entropy; backward is (y − t) / N,
the probabilities minus the labels (one-hot), divided by the batch size."""

import numpy as np

from .base import Explanation
from ..format import d, num, shape_str
from .sections import DIM, GRAD, VALUE, Arrays, line


def one_hot_label(step) -> str:
    """t's name, or one-hot(t) when t holds labels."""
    x, t = step.inputs
    return step.layer.inputs[1] if t.shape == x.shape else f"one-hot({step.layer.inputs[1]})"


class SoftmaxWithLossExplanation(Explanation):
    symbol = "softmax+loss"
    rule = "d{x} = (y − {t}) / N × dout, with y = softmax({x}); the book's backward takes dout = 1"

    def forward_sections(self, step, tr, precision):
        y, t, n = step.saved["y"], step.saved["t"], step.saved["N"]
        terms = -np.sum(t * np.log(y + 1e-7), axis=-1)  # one per row (a scalar for a 1-D x)
        names = self.names(step)
        mean = (" + ".join(num(v, precision) for v in np.ravel(terms)) if np.size(terms) <= 6
                else tr("the sum of the {n} rows", n=n))
        return [Arrays(tr("softmax output y = softmax({x}), a row per sample", **names), (("y", y),), VALUE),
                Arrays(tr("cross-entropy of each row: −log(y[label] + 1e-7)"),
                       ((f"−log(y[{names['t']}] + 1e-7)", terms),), VALUE),
                line(f"{names['out']} = ({mean}) / {n} = ", (num(step.output, precision), VALUE))]

    def chain(self, step, tr, precision):
        (x, t), out = step.layer.inputs, step.layer.output
        return [line((f"{d(x)} {shape_str(step.inputs[0].shape, tr)}", GRAD),
                     f" = (softmax({x}) − {t}) / N × {d(out)}"
                     f" = (y − t) / {step.saved['N']} × {num(step.dout, precision)}", indent=1)]

    def backward_sections(self, step, layers, tr, precision):
        y, t, n = step.saved["y"], step.saved["t"], step.saved["N"]
        return [Arrays(tr("y − t, then divided by N = {n}", n=n),
                       (("y", y), (one_hot_label(step), t), ("y − t", y - t), (f"(y − t) / {n}", (y - t) / n))),
                line((tr("then times dout: d{x} = (y − t) / N × dout", x=step.layer.inputs[0]), DIM))]
