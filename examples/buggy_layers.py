"""The six layers of chapter 5 of *Deep Learning from Scratch*, each with ONE
typical mistake. Every mistake runs without an error and gives wrong
numbers (or, for Relu, right numbers and a changed argument): the kind a
learner only finds by comparing with a reference. Look for them with

    backprop-tui affine_softmax --layers examples/buggy_layers.py   # Relu, Affine, SoftmaxWithLoss
    backprop-tui fruit --layers examples/buggy_layers.py            # MulLayer, AddLayer
    backprop-tui sigmoid --layers examples/buggy_layers.py          # Sigmoid

Each mistake is marked `# BUG:`; examples/book_layers.py is the same file
without them.
"""

import numpy as np


def softmax(x):
    """Softmax over the last axis (3.5.2); the row max is subtracted first, so
    exp never overflows (the result is the same)."""
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """The mean cross-entropy error of a batch (4.2.4); t one-hot or labels.
    1e-7 keeps log away from log(0) = -inf."""
    if y.ndim == 1:  # one sample: a batch of one row
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot: the index of each row's 1
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    # astype(int): labels may come as floats (backprop-tui holds every array as float64)
    return -np.sum(np.log(y[np.arange(batch_size), t.astype(int)] + 1e-7)) / batch_size


class MulLayer:
    """The multiply node (5.4.1): out = x * y."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        # BUG: the inputs not swapped. d(x*y)/dx is y, not x: dx must be dout * self.y.
        dx = dout * self.x
        dy = dout * self.y
        return dx, dy


class AddLayer:
    """The add node (5.4.2): out = x + y; dout goes on unchanged to both."""

    def __init__(self):
        pass

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        dx = dout * 1
        # BUG: an add node passes dout on to BOTH inputs; this sends nothing to y.
        dy = dout * 0
        return dx, dy


class Relu:
    """Relu (5.5.1): the mask remembers where x <= 0; there the gradient dies."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        # BUG: the book's own code. The numbers are right, but it writes into
        # dout, the caller's array: whoever still holds the upstream gradient
        # (another branch, a record of the step) sees its entries zeroed.
        dout[self.mask] = 0
        dx = dout
        return dx


class Sigmoid:
    """The sigmoid layer (5.5.2): backward needs only the output y,
    dx = dout * (1 - y) * y. (The notebook names this class `sigmoid`.)"""

    def __init__(self):
        self.out = None

    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out

    def backward(self, dout):
        # BUG: the factor (1 - y) is missing: dy/dx = y (1 - y), not y.
        dx = dout * self.out
        return dx


class Affine:
    """The Affine layer, batch version (5.6.2): out = x·W + b.

    x is flattened to (N, -1) as the book does for image batches, and dx is
    reshaped back to x's shape. A 1-D x is one row, as 5.6.1 reads X (2,)
    as a 1x2 matrix; out and dx are then 1-D again.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        rows = 1 if x.ndim == 1 else x.shape[0]
        self.x = x.reshape(rows, -1)
        out = np.dot(self.x, self.W) + self.b
        return out[0] if x.ndim == 1 else out

    def backward(self, dout):
        dout = dout.reshape(self.x.shape[0], -1)  # a no-op for a batch; (M,) -> (1, M) for one row
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        # BUG: b was added to every row, so its gradient is the sum over the
        # batch, np.sum(dout, axis=0); this takes the first row only.
        self.db = dout[0]
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy error (5.6.3); backward gives
    (y - t) / N, the batch's mean. t one-hot (the notebook) or labels (the
    book's common/layers.py)."""

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        # The book divides by t.shape[0]; for a 1-D x (one sample) that would be
        # the number of classes, so a single row counts as N = 1 here.
        batch_size = self.y.shape[0] if self.y.ndim == 2 else 1
        if self.t.size == self.y.size:
            # BUG: no / batch_size. The loss is the batch's mean, so its
            # gradient is (y - t) / N; this is N times too large.
            dx = self.y - self.t
        else:  # labels: y - t with t one-hot, without making t one-hot
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t.astype(int)] -= 1  # BUG: the same, no / batch_size
        # The book leaves dout out: at the end of the net it is always 1.
        return dx * dout
