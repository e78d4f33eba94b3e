"""The quiz before a backward step: which gradient entries to ask, whether a
guess is right, and what an elementwise layer's entry needs."""

from __future__ import annotations

import numpy as np

from .layers import LAYER_TYPES

QUIZ_RTOL, QUIZ_ATOL = 1e-3, 1e-6  # a prediction within 0.1 % counts as right


def quiz_entries(step) -> list[tuple[str, int | None, float]]:
    """What the quiz asks at a backward step: for each input that gets a
    gradient, its name, the entry asked (None for a scalar; for an array one
    entry, drawn with the step's index as seed) and the true value."""
    asks = []
    for name, g in zip(step.layer.inputs, step.input_grads):
        if g is None:
            continue
        entry = None if g.ndim == 0 else int(np.random.default_rng(step.index).integers(g.size))
        asks.append((name, entry, float(g if entry is None else g.flat[entry])))
    return asks


def is_right(guess: float, truth: float) -> bool:
    """Whether a guess is close enough to the true gradient."""
    return abs(guess - truth) <= QUIZ_ATOL + QUIZ_RTOL * abs(truth)


def index_text(entry: int | None, shape: tuple) -> str:
    """A flat entry as an index into ``shape``: "[0, 1]" ("" for a scalar's None)."""
    return "" if entry is None else f"[{', '.join(map(str, np.unravel_index(entry, shape)))}]"


def entry_context(step, name: str, entry: int | None) -> list[tuple[str, object]]:
    """What the asked entry of ``name``'s gradient needs, as (label, number or
    1-D array). Elementwise layers: the inputs of the gradient's shape, then
    dout, at that entry: [("x[0, 1]", -0.5), ("dout[0, 1]", 2.0)], each label
    once (a layer may read one value twice). Affine: the row or column of each
    factor of the product; SoftmaxWithLoss: y, t, N and dout. Empty for a scalar."""
    if entry is None:
        return []
    if step.layer.type == "Affine":
        return _affine_context(step, name, entry)
    if step.layer.type == "SoftmaxWithLoss":
        index = np.unravel_index(entry, step.inputs[0].shape)
        at = index_text(entry, step.inputs[0].shape)
        return [(f"y{at}", float(step.saved["y"][index])), (f"t{at}", float(step.saved["t"][index])),
                ("N", float(step.saved["N"])), ("dout", float(step.dout))]
    if not LAYER_TYPES[step.layer.type].elementwise:
        return []
    shape = step.grads[name].shape
    index, at = np.unravel_index(entry, shape), index_text(entry, shape)
    known = [(n, v) for n, v in zip(step.layer.inputs, step.inputs) if v.shape == shape]
    if step.dout is not None and step.dout.shape == shape:
        known.append(("dout", step.dout))
    context: dict[str, float] = {}
    for n, v in known:
        context.setdefault(f"{n}{at}", float(v[index]))
    return list(context.items())


def _affine_context(step, name: str, entry: int) -> list[tuple[str, object]]:
    """dx[i, j] = dout[i, :]·W[j, :]; dW[j, k] = x[:, j]·dout[:, k]; db[k] = Σ dout[:, k]
    (x as the 2-D x2d it was reshaped to; a 1-D x is one row)."""
    x, W, _b = step.layer.inputs
    x2d, w, dout = step.saved["x2d"], step.saved["W"], step.dout
    one = x2d.ndim == 1
    if name == x:
        i, j = (0, entry) if one else np.unravel_index(entry, x2d.shape)
        return [("dout" if one else f"dout[{i}, :]", dout if one else dout[i]), (f"{W}[{j}, :]", w[j])]
    if name == W:
        j, k = np.unravel_index(entry, w.shape)
        return ([(f"{x}[{j}]", float(x2d[j])), (f"dout[{k}]", float(dout[k]))] if one else
                [(f"{x}[:, {j}]", x2d[:, j]), (f"dout[:, {k}]", dout[:, k])])
    return [(f"dout[{entry}]", float(dout[entry]))] if one else [(f"dout[:, {entry}]", dout[:, entry])]
