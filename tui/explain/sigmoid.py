"""Sigmoid (5.5.2), fused: backward needs only the output y. Compared with
the four-node sigmoid on the same input once both have run backward."""

from .base import Explanation
from .sigmoid_chain import find_chain, fused_comparison


class SigmoidExplanation(Explanation):
    symbol = "σ"
    derivatives = ("{out}(1 − {out})",)

    def local(self, saved):
        return (saved["out"] * (1.0 - saved["out"]),)

    def backward_sections(self, step, layers, tr, precision):
        x = step.values[step.layer.inputs[0]]
        for reciprocal in (l for l in layers if l.type == "Reciprocal"):
            chain = find_chain(reciprocal, layers, step.values)
            # backward runs the layers in reverse: the whole chain has run once its
            # first node (×(−1)) has, which is when it comes later in the file
            if (chain is not None and chain.mul.index > step.layer.index
                    and x.shape == step.values[chain.x].shape and (x == step.values[chain.x]).all()):
                return [fused_comparison(step.layer, chain, step, tr, precision)]
        return []
