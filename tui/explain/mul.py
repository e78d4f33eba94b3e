"""Multiply node (5.4.1): each input's gradient is dout times the other input."""

from .base import Explanation


class MulExplanation(Explanation):
    symbol = "×"
    rule = "dx = dout·y, dy = dout·x"
    formulas = ("y", "x")

    def local(self, saved):
        return saved["y"], saved["x"]
