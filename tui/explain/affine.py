"""Batch Affine layer (5.6.2): the products, with the shapes that make them fit."""

from .base import Explanation
from .numbers import d, shape_str
from .sections import GRAD, line


def affine_shapes(step, tr) -> str:
    """The shapes of the forward product, as the book writes them beside 5.6.2."""
    s = lambda shape: shape_str(shape, tr)  # noqa: E731
    x, W, b = (s(a.shape) for a in step.inputs)
    x2d = step.saved["x2d"].shape
    flat = f" (x reshaped to {s(x2d)})" if x2d != step.inputs[0].shape else ""
    return f"{s(x2d)}·{W} + {b} → {s(step.output.shape)}{flat}"


class AffineExplanation(Explanation):
    symbol = "affine"
    rule = "dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ dY (over the batch axis)"

    def forward_sections(self, step, tr, precision):
        return [line(tr("shapes: ") + affine_shapes(step, tr))]

    def chain(self, step, tr, precision):
        s = lambda shape: shape_str(shape, tr)  # noqa: E731
        (x, W, b), out = step.layer.inputs, step.layer.output
        xs, ws, bs = (a.shape for a in step.inputs)
        dy = f"{d(out)} {s(step.dout.shape)}"
        lines = [line((f"{d(x)} {s(xs)}", GRAD), f" = {dy} · {W}ᵀ {s(ws[::-1])}", indent=1),
                 line((f"{d(W)} {s(ws)}", GRAD), f" = {x}ᵀ {s(step.saved['x2d'].shape[::-1])} · {dy}", indent=1),
                 line((f"{d(b)} {s(bs)}", GRAD), f" = {tr('Σ over the batch rows of')} {dy}", indent=1)]
        return [l for l, g in zip(lines, step.input_grads) if g is not None]  # not for constants
