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
        one = len(xs) == 1  # 5.6.1 (eq. 5.13, figure 5-25): X (2,) and ∂L/∂Y (3,) as the book writes them
        x2d = (1, *xs) if one else step.saved["x2d"].shape
        dy = f"{d(out)} {s(step.dout.shape)}"
        rows = f"{d(out)} {s((1, *step.dout.shape))}" if one else dy  # dW's product takes them as rows
        lines = [line((f"{d(x)} {s(xs if one else x2d)}", GRAD), f" = {dy} · {W}ᵀ {s(ws[::-1])}", indent=1),
                 line((f"{d(W)} {s(ws)}", GRAD), f" = {x}ᵀ {s(x2d[::-1])} · {rows}", indent=1),
                 line((f"{d(b)} {s(bs)}", GRAD),
                      f" = {d(out)} {s(step.dout.shape)}" if one else
                      f" = {tr('Σ over the batch rows of')} {dy}", indent=1)]
        if one:
            lines.append(line((tr("one sample (5.6.1, eq. 5.13): {x} {xs} and {dy} {dys} as the book writes them; "
                                  "the products take them as rows, {x} {x2d} and {dy} {dyr}, so {x}ᵀ is {xt}",
                                  x=x, xs=s(xs), dy=d(out), dys=s(step.dout.shape), x2d=s(x2d),
                                  dyr=s((1, *step.dout.shape)), xt=s(x2d[::-1])), DIM), indent=1))
        elif x2d != xs:
            lines.append(line((tr("{x} {xs} was reshaped to {x2d} for the product; d{x} {x2d} is reshaped "
                                  "back to {xs}", xs=s(xs), x2d=s(x2d), x=x), DIM), indent=1))
        return [l for l, g in zip(lines, (*step.input_grads, True)) if g is not None]  # not for constants
