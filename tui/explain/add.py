"""Add node (5.4.2): the gradient passes through unchanged."""

from .base import Explanation


class AddExplanation(Explanation):
    symbol = "+"
    rule = "dx = dout·1, dy = dout·1"
    formulas = ("1", "1")

    def local(self, saved):
        return 1.0, 1.0
