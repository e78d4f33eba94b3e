"""Sigmoid (5.5.2), fused: backward needs only the output y. Its step shows
that the four nodes ×(−1), exp, +1, 1/x give the same gradient."""

import numpy as np

from backprop_engine.layers import sigmoid_decomposed_backward

from .base import Explanation
from .numbers import FULL, array_str
from .sections import BOLD, DIM, GRAD, line


class SigmoidExplanation(Explanation):
    symbol = "σ"
    rule = "dx = dout·y·(1 − y)"
    formulas = ("y·(1 − y)",)

    def local(self, saved):
        return (saved["out"] * (1.0 - saved["out"]),)

    def backward_sections(self, step, tr, precision):
        fused = step.input_grads[0]
        if fused is None:  # x is a constant: no gradient to compare
            return []
        chain = sigmoid_decomposed_backward(step.inputs[0], step.dout)
        diff = float(np.max(np.abs(fused - chain)))
        return [line((tr("fused vs decomposed: "), BOLD), "dout·y·(1 − y) = ", (array_str(fused, FULL), GRAD),
                     tr("; through ×(−1), exp, +1, 1/x = "), (array_str(chain, FULL), GRAD),
                     tr("; max difference {diff}", diff=f"{diff:.3g}"),
                     (tr(" (they agree to the last bits)") if diff < 1e-12 else "", DIM))]
