"""Relu (5.5.1): the mask kept by forward decides where the gradient dies."""

import numpy as np

from .base import Explanation
from .sections import DIM, GRAD, Arrays, Beside, line


class ReluExplanation(Explanation):
    symbol = "relu"
    rule = "dx = dout where x > 0, else 0"
    formulas = ("0 where x <= 0, else 1",)

    def local(self, saved):
        return (np.where(saved["mask"], 0.0, 1.0),)

    def forward_sections(self, step, tr, precision):
        return [Arrays(tr("mask = (x <= 0), kept for backward; highlighted: True"),
                       (("mask", step.mask),), highlight=step.mask)]

    def gradient_tables(self, step, tr, precision):
        # dout before the mask beside dx after it, the masked entries marked in both
        spec = step.layer
        return [Beside((Arrays(tr("dout (before mask)"), ((f"d{spec.output} (dout)", step.dout),), GRAD,
                               step.mask),
                        Arrays(tr("dx (after mask)"), ((f"d{spec.inputs[0]} (dx)", step.input_grads[0]),),
                               GRAD, step.mask))),
                line((tr("highlighted: mask True (x <= 0), where the gradient dies"), DIM))]
