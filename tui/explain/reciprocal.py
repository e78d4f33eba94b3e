"""The "/" node of the decomposed sigmoid (5.5.2): y = 1/x, ∂y/∂x = −1/x²."""

from .base import Explanation


class ReciprocalExplanation(Explanation):
    symbol = "1/x"
    rule = "dx = −dout / x²"
    formulas = ("−1/x²",)

    def local(self, saved):
        return (-1.0 / saved["x"] ** 2,)
