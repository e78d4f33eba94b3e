"""The learner's result beside the built-in layer's, for one output of one step.

``compare`` says whether they agree (the contract's rtol 1e-9, atol 1e-12,
compared as given: no broadcasting, no summing back) and, when they do not,
which entries differ, the first of them, and the likely cause where a check
on the numbers can tell. The checks run from the most specific (a shape, a
factor of the batch size, a known slip of one layer type) to the least (a
flipped sign), so the first that fits is the one named.

The causes are English sentences, as every message of the engine is
(the UI's catalogs translate its own words around them, not these).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..layers import ALIASES, LAYER_TYPES

RTOL, ATOL = 1e-9, 1e-12   # the contract's agreement


@dataclass(frozen=True, eq=False)
class Difference:
    """How the learner's array differs from the built-in's."""

    name: str                 # "out", "dx", "dW", "db", "dy" ...
    yours: np.ndarray
    expected: np.ndarray
    differs: np.ndarray | None   # bool mask of differing entries (None when the shapes differ)
    first: tuple[int, ...] | None  # index of the first differing entry (None when the shapes differ)
    cause: str | None         # the likely cause, one English sentence, or None when no check can tell

    def line(self) -> str:
        """'dW[1, 2]: yours 3.1, expected 1.55', or the shapes when they differ."""
        if self.first is None:
            return (f"{self.name}: yours has shape {self.yours.shape}, "
                    f"expected {self.expected.shape}")
        where = f"{self.name}[{', '.join(map(str, self.first))}]" if self.first else self.name
        a, b = _apart(float(self.yours[self.first]), float(self.expected[self.first]))
        return f"{where}: yours {a}, expected {b}"


def _apart(a: float, b: float) -> tuple[str, str]:
    """The two numbers with 6 significant digits, or as many more as it takes
    to tell them apart. (-0.0 shows as 0.)"""
    a, b = a + 0.0, b + 0.0
    for digits in range(6, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(a), repr(b)


def _close(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


def _array(name: str, a) -> np.ndarray:
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: not an array of numbers ({type(a).__name__})") from None


@dataclass(frozen=True)
class _Case:
    """What the checks look at."""

    name: str
    yours: np.ndarray
    expected: np.ndarray
    layer: str                   # canonical type name: "Mul", "Affine" ...
    inputs: dict[str, np.ndarray]
    dout: np.ndarray | None
    batch: int | None            # N, for the layers that mix a batch's rows


# -- when the shapes differ -------------------------------------------------------------

_PRODUCTS = {"dW": "x.T · dout, not dout.T · x", "dx": "dout · W.T, not W · dout.T"}


def _transposed_shape(c: _Case) -> str | None:
    if c.yours.ndim == 2 and c.yours.shape == c.expected.shape[::-1]:
        example = _PRODUCTS.get(c.name)
        return ("shapes swapped: a transposed product"
                + (f" ({c.name} = {example})" if example else ""))
    return None


def _db_unsummed_shape(c: _Case) -> str | None:
    if (c.layer == "Affine" and c.name == "db" and c.dout is not None and c.dout.ndim == 2
            and c.yours.shape == c.dout.shape):
        return (f"db has dout's shape {c.dout.shape}: sum over the batch, "
                "db = np.sum(dout, axis=0)")
    return None


def _dx_not_reshaped(c: _Case) -> str | None:
    if c.layer == "Affine" and c.name == "dx" and c.yours.size == c.expected.size:
        return (f"dx has shape {c.yours.shape}, x has {c.expected.shape}: reshape dx back "
                "to x's shape, dx.reshape(*self.original_x_shape)")
    return None


# -- when the shapes agree --------------------------------------------------------------

def _times_batch(c: _Case) -> str | None:
    n = c.batch
    if n and n > 1 and _close(c.yours, n * c.expected):
        return f"yours = {n} × expected: divide by the batch size N = {n}"
    return None


def _over_batch(c: _Case) -> str | None:
    n = c.batch
    if n and n > 1 and _close(c.yours, c.expected / n):
        where = "cross_entropy_error" if c.name == "out" else "SoftmaxWithLoss's backward"
        return f"yours = expected / {n}: divide by the batch size N = {n} only once, in {where}"
    return None


def _transposed_square(c: _Case) -> str | None:
    y = c.yours
    if y.ndim == 2 and y.shape[0] == y.shape[1] and _close(y, c.expected.T):
        example = _PRODUCTS.get(c.name)
        return ("yours is expected transposed: a transposed product"
                + (f" ({c.name} = {example})" if example else ""))
    return None


def _db_one_row(c: _Case) -> str | None:
    if c.layer != "Affine" or c.name != "db" or c.dout is None or c.dout.ndim != 2:
        return None
    for k, row in enumerate(c.dout):
        if _close(c.yours, row):
            return (f"db = dout[{k}], one row of dout: sum over the batch, "
                    "db = np.sum(dout, axis=0)")
    if _close(c.yours, c.dout.sum(axis=1)):
        return "db is dout summed over axis 1: sum over the batch, db = np.sum(dout, axis=0)"
    return None


_MUL_OTHER = {"dx": ("x", "y"), "dy": ("y", "x")}


def _mul_unswapped(c: _Case) -> str | None:
    if c.layer != "Mul" or c.name not in _MUL_OTHER or c.dout is None:
        return None
    own, other = _MUL_OTHER[c.name]
    if own in c.inputs and _close(c.yours, c.dout * c.inputs[own]):
        return (f"{c.name} = dout × {own}: ∂(x·y)/∂{own} is {other}, "
                f"so {c.name} = dout × {other} (the inputs swapped)")
    return None


def _add_zero(c: _Case) -> str | None:
    if (c.layer == "Add" and c.dout is not None and not np.any(c.yours)
            and _close(c.expected, c.dout)):
        return f"{c.name} is 0: an add node passes dout on unchanged to both inputs, {c.name} = dout"
    return None


def _sigmoid_factor(c: _Case) -> str | None:
    if c.layer != "Sigmoid" or c.name != "dx" or c.dout is None or "x" not in c.inputs:
        return None
    y = 1.0 / (1.0 + np.exp(-c.inputs["x"]))
    if _close(c.yours, c.dout * y):
        return "dx = dout × y: the factor (1 − y) is missing, dx = dout × (1 − y) × y"
    return None


def _loss_without_delta(c: _Case) -> str | None:
    """A cross-entropy without the 1e-7 the book adds inside the log."""
    x, t = c.inputs.get("x"), c.inputs.get("t")
    if c.layer != "SoftmaxWithLoss" or c.name != "out" or x is None or t is None:
        return None
    x2d = x.reshape(-1, x.shape[-1])
    y = np.exp(x2d - x2d.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    labels = t.reshape(len(y), -1).argmax(axis=1) if t.shape == x.shape else t.reshape(-1).astype(np.intp)
    exact = -np.log(y[np.arange(len(y)), labels]).mean()
    if _close(c.yours, exact):
        return "yours is the cross-entropy without the 1e-7 that the book adds inside the log, log(y + 1e-7)"
    return None


def _relu_mask(c: _Case) -> str | None:
    x = c.inputs.get("x")
    if c.layer != "Relu" or x is None or x.shape != c.yours.shape:
        return None
    differs = ~np.isclose(c.yours, c.expected, rtol=RTOL, atol=ATOL, equal_nan=True)
    if not np.any(differs & (x != 0)):
        return "differs only at x = 0 exactly: the book's mask is x <= 0"
    if c.name == "dx" and c.dout is not None and _close(c.yours, np.where(x <= 0, c.dout, 0.0)):
        return "the mask is inverted: dx = 0 where x <= 0, dx = dout where x > 0"
    return None


def _sign(c: _Case) -> str | None:
    return "yours = −expected: the sign is flipped" if _close(c.yours, -c.expected) else None


Check = Callable[[_Case], "str | None"]
SHAPE_CHECKS: tuple[Check, ...] = (_transposed_shape, _db_unsummed_shape, _dx_not_reshaped)
VALUE_CHECKS: tuple[Check, ...] = (
    _times_batch, _over_batch, _transposed_square, _db_one_row,
    _mul_unswapped, _add_zero, _sigmoid_factor, _loss_without_delta, _relu_mask, _sign)


def compare(name: str, yours, expected, *, layer_type: str, inputs: dict[str, np.ndarray],
            dout: np.ndarray | None, batch: int | None) -> Difference | None:
    """None when they agree: the same shape (compared as given, with no
    broadcasting or summing back) and every entry within RTOL, ATOL.

    ``inputs`` are the layer's forward inputs by the book's names (x, y; x,
    W, b; x, t), ``dout`` the upstream gradient of a backward step (None on
    forward), ``batch`` the batch size N (used only by the layers that mix a
    batch's rows, Affine and SoftmaxWithLoss). Raises TypeError when
    ``yours`` is not numbers.
    """
    yours, expected = _array(name, yours), _array(name, expected)
    layer = ALIASES.get(layer_type, layer_type)
    op = LAYER_TYPES.get(layer)
    case = _Case(name, yours, expected, layer,
                 {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()},
                 None if dout is None else np.asarray(dout, dtype=np.float64),
                 None if op is None or op.elementwise else batch)
    if yours.shape != expected.shape:
        return Difference(name, yours, expected, None, None, _first_cause(SHAPE_CHECKS, case))
    differs = np.asarray(~np.isclose(yours, expected, rtol=RTOL, atol=ATOL, equal_nan=True))
    if not differs.any():
        return None
    first = tuple(int(i) for i in np.argwhere(differs)[0])
    return Difference(name, yours, expected, differs, first, _first_cause(VALUE_CHECKS, case))


def _first_cause(checks: tuple[Check, ...], case: _Case) -> str | None:
    for check in checks:
        cause = check(case)
        if cause is not None:
            return cause
    return None
