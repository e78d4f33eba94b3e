"""The layers of chapter 5 of *Deep Learning from Scratch*.

Each layer works like the book's classes, with one difference that makes
stepping back and forth safe: a layer keeps no state. ``forward`` returns the
output together with ``saved``, the things the book stores on ``self``
(``self.x``, ``self.mask``, ``self.out`` ...), and ``backward`` receives them
back. Nothing here writes into an array it was given.

``shape`` checks the input shapes before anything is computed and returns the
output shape; it raises ``ShapeError`` with a sentence a learner can act on.
"""

from __future__ import annotations

import math

import numpy as np


class ShapeError(ValueError):
    """Input shapes that the layer cannot combine."""


def _broadcast(x: tuple, y: tuple) -> tuple:
    try:
        return tuple(np.broadcast_shapes(x, y))
    except ValueError:
        raise ShapeError(f"x {x} and y {y} do not broadcast") from None


class Layer:
    """A layer type: its arity and the book's names for its inputs. How a layer
    is explained (its local rule in words) is the UI's: see tui/explain/."""

    inputs: tuple[str, ...] = ("x",)
    # An elementwise layer's gradient at an entry depends only on the inputs
    # and dout at that entry (after broadcasting); Affine and SoftmaxWithLoss mix entries.
    elementwise = True

    def shape(self, *shapes: tuple) -> tuple:
        return shapes[0]  # elementwise layers keep the shape


class Mul(Layer):
    """Multiply node (5.4.1): out = x * y."""

    inputs = ("x", "y")

    def shape(self, x, y):
        return _broadcast(x, y)

    def forward(self, x, y):
        return x * y, {"x": x, "y": y}

    def backward(self, dout, saved):
        return dout * saved["y"], dout * saved["x"]


class Add(Layer):
    """Add node (5.4.2): out = x + y; the gradient passes through unchanged."""

    inputs = ("x", "y")

    def shape(self, x, y):
        return _broadcast(x, y)

    def forward(self, x, y):
        return x + y, {}

    def backward(self, dout, saved):
        return dout, dout


class Relu(Layer):
    """Relu (5.5.1): mask = (x <= 0); the masked gradients die.

    The book's backward does ``dout[self.mask] = 0``, which writes into the
    caller's array; ``np.where`` makes a new one instead.
    """


    def forward(self, x):
        mask = x <= 0
        return np.where(mask, 0.0, x), {"mask": mask}

    def backward(self, dout, saved):
        return (np.where(saved["mask"], 0.0, dout),)


class Sigmoid(Layer):
    """Sigmoid (5.5.2), fused: backward needs only the output y."""


    def forward(self, x):
        out = 1.0 / (1.0 + np.exp(-x))
        return out, {"out": out}

    def backward(self, dout, saved):
        y = saved["out"]
        return (dout * y * (1.0 - y),)


class Exp(Layer):
    """The exp node of the decomposed sigmoid (5.5.2)."""


    def forward(self, x):
        out = np.exp(x)
        return out, {"out": out}

    def backward(self, dout, saved):
        return (dout * saved["out"],)


class Reciprocal(Layer):
    """The "/" node of the decomposed sigmoid (5.5.2): out = 1 / x."""


    def forward(self, x):
        return 1.0 / x, {"x": x}

    def backward(self, dout, saved):
        return (-dout / saved["x"] ** 2,)


class Affine(Layer):
    """Batch Affine layer (5.6.2): out = x·W + b.

    x may have any number of trailing axes; they are flattened per row as the
    book does (``x.reshape(N, -1)``). A 1-D x is one row (5.6.1): x (D,)·W (D, M)
    gives (M,).
    """

    inputs = ("x", "W", "b")
    elementwise = False

    def shape(self, x, W, b):
        if len(W) != 2:
            raise ShapeError(f"W must be a matrix (2 axes), got shape {W}")
        if len(x) == 0:
            raise ShapeError("x must be an array, got a scalar")
        rows, features = (None, x[0]) if len(x) == 1 else (x[0], math.prod(x[1:]))
        if features != W[0]:
            raise ShapeError(
                f"x {x} does not fit W {W}: x has {features} features per row, W has {W[0]} rows")
        if b not in ((W[1],), ()):
            raise ShapeError(f"b {b} does not fit W {W}: b must have shape ({W[1]},)")
        return (W[1],) if rows is None else (rows, W[1])

    def forward(self, x, W, b):
        x2d = x if x.ndim == 1 else x.reshape(x.shape[0], -1)
        return x2d @ W + b, {"x2d": x2d, "W": W, "x_shape": x.shape}

    def backward(self, dout, saved):
        x2d, W = saved["x2d"], saved["W"]
        dx = (dout @ W.T).reshape(saved["x_shape"])
        if x2d.ndim == 1:
            return dx, np.outer(x2d, dout), dout
        return dx, x2d.T @ dout, dout.sum(axis=0)


def softmax(x):
    """Row-wise softmax, the row max subtracted first against overflow (3.5.2)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxWithLoss(Layer):
    """Softmax followed by the mean cross-entropy error (5.6.3).

    t is one-hot (same shape as x) or integer labels (one per row). A 1-D x is
    a batch of one: N = 1, where the book's code would divide by the number of
    classes instead.
    """

    inputs = ("x", "t")
    elementwise = False

    def shape(self, x, t):
        if len(x) not in (1, 2):
            raise ShapeError(f"x must be (N, C) or (C,), got {x}")
        if t != x and t != x[:-1] and not (len(x) == 1 and t == (1,)):
            raise ShapeError(
                f"t {t} does not fit x {x}: t must be one-hot {x} or labels {x[:-1]}")
        return ()

    def forward(self, x, t):
        y = softmax(x)
        n = 1 if x.ndim == 1 else len(x)
        if t.shape == x.shape:  # one-hot
            onehot = t
        elif x.ndim == 1:  # one label
            onehot = np.zeros_like(y)
            onehot[t.astype(np.intp)] = 1.0
        else:  # a label per row
            onehot = np.zeros_like(y)
            onehot[np.arange(n), t.astype(np.intp)] = 1.0
        loss = -np.sum(onehot * np.log(y + 1e-7)) / n
        return loss, {"y": y, "t": onehot, "N": n}

    def backward(self, dout, saved):
        return (saved["y"] - saved["t"]) / saved["N"] * dout, None


LAYER_TYPES: dict[str, Layer] = {
    cls.__name__: cls() for cls in (Mul, Add, Relu, Sigmoid, Exp, Reciprocal, Affine, SoftmaxWithLoss)
}
ALIASES = {"MulLayer": "Mul", "AddLayer": "Add"}  # the book's class names (5.4)


def sigmoid_decomposed_backward(x, dout):
    """The fused Sigmoid's gradient the long way (5.5.2, figure 5-19): forward
    through the four nodes ×(−1), exp, +1, 1/x, then backward through them."""
    mul, exp, add, rec = Mul(), Exp(), Add(), Reciprocal()
    a, s1 = mul.forward(x, -1.0)
    b, s2 = exp.forward(a)
    c, s3 = add.forward(b, 1.0)
    _, s4 = rec.forward(c)
    dc, = rec.backward(dout, s4)
    db, _ = add.backward(dc, s3)
    da, = exp.backward(db, s2)
    dx, _ = mul.backward(da, s1)
    return dx
