"""The exp node of the decomposed sigmoid (5.5.2): its derivative is itself."""

from .base import Explanation


class ExpExplanation(Explanation):
    symbol = "exp"
    derivatives = ("exp({x}) = {out}",)

    def local(self, saved):
        return (saved["out"],)
