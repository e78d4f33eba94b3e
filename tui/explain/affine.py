"""Batch Affine layer (5.6.2): the products, with the shapes that make them
fit. A 1-D x is one sample (5.6.1), a 1×D row; an x of more axes is
reshaped to (N, D) for the product, and dx back to x's shape."""

from functools import partial

from .base import Explanation
from ..format import d, shape_str
from .sections import DIM, GRAD, line


def affine_shapes(step, tr) -> str:
    """The shapes of the forward product, as the book writes them beside 5.6.2."""
    s = partial(shape_str, tr=tr)
    x, W, b = (s(a.shape) for a in step.inputs)
    x2d = step.saved["x2d"].shape
    flat = f" (x reshaped to {s(x2d)})" if x2d != step.inputs[0].shape else ""
    return f"{s(x2d)}·{W} + {b} → {s(step.output.shape)}{flat}"


class AffineExplanation(Explanation):
    symbol = "affine"
    rule = "d{x} = dout·{W}ᵀ, d{W} = {x}ᵀ·dout, d{b} = Σ dout over the batch rows"

    def rule_lines(self, step, tr):
        if step.inputs[0].ndim == 1:  # one sample: nothing to sum over
            return [line((tr("backward: "), DIM), tr("d{x} = dout·{W}ᵀ, d{W} = {x}ᵀ·dout, d{b} = dout",
                                                     **self.names(step)))]
        return super().rule_lines(step, tr)

    def forward_sections(self, step, tr, precision):
        return [line(tr("shapes: ") + affine_shapes(step, tr))]

    def chain(self, step, tr, precision):
        s = partial(shape_str, tr=tr)
        (x, W, b), out = step.layer.inputs, step.layer.output
        xs, ws, bs = (a.shape for a in step.inputs)
        one = len(xs) == 1  # 5.6.1: x (D,) is a 1×D matrix, and so is dout
        x2d = (1, *xs) if one else step.saved["x2d"].shape
        dys = (1, *step.dout.shape) if one else step.dout.shape
        dy = f"{d(out)} {s(dys)}"
        lines = [line((f"{d(x)} {s(x2d)}", GRAD), f" = {dy} · {W}ᵀ {s(ws[::-1])}", indent=1),
                 line((f"{d(W)} {s(ws)}", GRAD), f" = {x}ᵀ {s(x2d[::-1])} · {dy}", indent=1),
                 line((f"{d(b)} {s(bs)}", GRAD),
                      f" = {d(out)} {s(step.dout.shape)}" if one else
                      f" = {tr('Σ over the batch rows of')} {dy}", indent=1)]
        if one:
            lines.append(line((tr("one sample (5.6.1): {x} {xs} and dout {dys} are taken as 1-row matrices",
                                  x=x, xs=s(xs), dys=s(step.dout.shape)), DIM), indent=1))
        elif x2d != xs:
            lines.append(line((tr("{x} {xs} was reshaped to {x2d} for the product; d{x} {x2d} is reshaped "
                                  "back to {xs}", xs=s(xs), x2d=s(x2d), x=x), DIM), indent=1))
        return [l for l, g in zip(lines, (*step.input_grads, True)) if g is not None]  # not for constants
