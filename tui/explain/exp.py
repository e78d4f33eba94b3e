"""The exp node of the decomposed sigmoid (5.5.2): its derivative is itself."""

from .base import Explanation


class ExpExplanation(Explanation):
    symbol = "exp"
    rule = "dx = dout·exp(x)"
    formulas = ("exp(x)",)

    def local(self, saved):
        return (saved["out"],)
