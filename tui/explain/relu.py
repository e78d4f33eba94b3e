"""Relu (5.5.1): the mask kept by forward decides where the gradient dies."""

import numpy as np

from .base import Explanation
from .sections import DIM, GRAD, Arrays, Beside, line


class ReluExplanation(Explanation):
    symbol = "relu"
    derivatives = ("1 where {x} > 0, else 0",)

    def local(self, saved):
        return (np.where(saved["mask"], 0.0, 1.0),)

    def forward_sections(self, step, tr, precision):
        return [Arrays(tr("mask = ({x} <= 0), kept for backward; highlighted: True", **self.names(step)),
                       (("mask", step.mask),), highlight=step.mask)]

    def gradient_tables(self, step, tr, precision):
        # dout before the mask beside dx after it, the masked entries marked in both
        names = self.names(step)
        return [Beside((Arrays(tr("d{out} (dout), before the mask", **names), ((f"d{names['out']}", step.dout),),
                               GRAD, step.mask),
                        Arrays(tr("d{x}, after the mask", **names), ((f"d{names['x']}", step.input_grads[0]),),
                               GRAD, step.mask))),
                line((tr("highlighted: mask True ({x} <= 0), where the gradient dies", **names), DIM))]
