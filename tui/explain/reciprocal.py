"""The "/" node of the decomposed sigmoid (5.5.2): y = 1/x, ∂y/∂x = −1/x² = −y²."""

from .base import Explanation


class ReciprocalExplanation(Explanation):
    symbol = "1/x"
    derivatives = ("−1/{x}² = −{out}²",)

    def local(self, saved):
        return (-1.0 / saved["x"] ** 2,)
