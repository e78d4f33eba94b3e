"""Multiply node (5.4.1): each input's gradient is dout times the other input."""

from .base import Explanation


class MulExplanation(Explanation):
    symbol = "×"
    derivatives = ("{y}", "{x}")
    note = "swapped: each input gets dout times the other input"

    def local(self, saved):
        return saved["y"], saved["x"]
