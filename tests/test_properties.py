"""Property: on random small graphs of every layer type, backprop equals the
central difference, and the forward values equal a plain numpy forward pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backprop_engine import BACKWARD, run
from backprop_engine.gradcheck import check_gradients
from backprop_engine.scenario import from_dict

pytestmark = pytest.mark.engine

TYPES = ["Mul", "Add", "Relu", "Sigmoid", "Exp", "Reciprocal", "Affine", "SoftmaxWithLoss"]

# |v| in [0.25, 2]: away from the Relu kink and from 0 for Reciprocal. A fresh
# leaf with these entries is a valid input for every layer type below.
ELEMENT = st.builds(lambda m, s: m * s, st.floats(0.25, 2.0), st.sampled_from([1.0, -1.0]))
LIMIT = 50.0  # outputs larger than this are not used, to keep the central difference accurate


def _softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# which pooled values each unary layer type may take as x
ACCEPTS = {
    "Relu": lambda v: np.all(np.abs(v) > 0.05),
    "Sigmoid": lambda v: np.all(np.abs(v) <= 20),
    "Exp": lambda v: np.all(v < 3),
    "Reciprocal": lambda v: np.all(np.abs(v) > 0.2),
    # |x| <= 2 keeps every softmax probability >= e^-4 / C, so the book's log(y + 1e-7)
    # differs from log(y) by far less than the gradient check's tolerance
    "SoftmaxWithLoss": lambda v: v.ndim in (1, 2) and np.all(np.abs(v) <= 2),
    "Affine": lambda v: v.ndim >= 1,
}


class GraphBuilder:
    """Draws a random scenario while computing its forward pass with plain numpy."""

    def __init__(self, data, n: int, c: int):
        self.data = data
        self.S = (n, c)
        self.doc_values: dict[str, object] = {}
        self.doc_constants: dict[str, object] = {}
        self.pool: dict[str, np.ndarray] = {}       # names usable as inputs ([values] and outputs)
        self.constants: dict[str, np.ndarray] = {}
        self.layers: list[dict] = []
        for shape in (self.S, self.S, (c,), (n, 1), ()):
            self.leaf(shape)
        k = data.draw(arrays(np.float64, (c,), elements=ELEMENT), label="constant k")
        self.doc_constants["k"] = k.tolist()
        self.constants["k"] = k

    def leaf(self, shape) -> str:
        name = f"p{len(self.doc_values)}"
        a = self.data.draw(arrays(np.float64, shape, elements=ELEMENT), label=name)
        self.doc_values[name] = a.tolist()
        self.pool[name] = a
        return name

    def pick(self, ok, fresh: bool, extra: dict | None = None) -> str:
        options = {**self.pool, **(extra or {})}
        candidates = [n for n, v in reversed(options.items()) if ok(v)]  # most recent first
        if fresh or not candidates:
            return self.leaf(self.S)
        return self.data.draw(st.sampled_from(candidates))

    def value(self, name):
        return self.pool[name] if name in self.pool else self.constants[name]

    def add(self, type_: str, fresh: bool = False) -> bool:
        """Append one layer of this type; False if the drawn inputs would not do."""
        out_name = f"v{len(self.layers)}"
        if type_ in ("Mul", "Add"):
            x = self.pick(lambda v: True, fresh)
            xs = self.pool[x].shape

            def fits(v):
                try:
                    np.broadcast_shapes(xs, v.shape)
                    return True
                except ValueError:
                    return False

            y = (self.leaf(xs) if fresh else
                 self.pick(fits, False, self.constants))
            a, b = self.value(x), self.value(y)
            out = a * b if type_ == "Mul" else a + b
            inputs = [x, y] if self.data.draw(st.booleans(), label="order") else [y, x]
        elif type_ == "Affine":
            x = self.pick(ACCEPTS["Affine"], fresh)
            xv = self.pool[x]
            features = xv.shape[0] if xv.ndim == 1 else int(np.prod(xv.shape[1:]))
            m = self.data.draw(st.integers(1, 3), label="M")
            W, b = self.leaf((features, m)), self.leaf((m,))
            x2d = xv if xv.ndim == 1 else xv.reshape(xv.shape[0], -1)
            out = x2d @ self.pool[W] + self.pool[b]
            inputs = [x, W, b]
        elif type_ == "SoftmaxWithLoss":
            x = self.pick(ACCEPTS[type_], fresh)
            xv = self.pool[x]
            rows = 1 if xv.ndim == 1 else xv.shape[0]
            classes = xv.shape[-1]
            labels = self.data.draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows),
                                    label="labels")
            onehot = np.eye(classes)[labels]
            t_name = f"t{len(self.layers)}"
            if self.data.draw(st.booleans(), label="one-hot"):
                t = onehot if xv.ndim == 2 else onehot[0]
            else:
                t = np.array(labels, dtype=np.float64) if xv.ndim == 2 else np.float64(labels[0])
            self.doc_constants[t_name] = t.tolist()
            self.constants[t_name] = t
            y = _softmax(xv.reshape(rows, classes))
            out = np.float64(-np.sum(onehot * np.log(y + 1e-7)) / rows)
            inputs = [x, t_name]
        else:
            x = self.pick(ACCEPTS[type_], fresh)
            v = self.pool[x]
            out = {"Relu": lambda: np.maximum(v, 0.0), "Sigmoid": lambda: 1 / (1 + np.exp(-v)),
                   "Exp": lambda: np.exp(v), "Reciprocal": lambda: 1 / v}[type_]()
            inputs = [x]
        out = np.asarray(out, dtype=np.float64)
        if not np.all(np.abs(out) <= LIMIT):
            return False
        self.layers.append({"type": type_, "inputs": inputs, "output": out_name})
        self.pool[out_name] = out
        return True


@pytest.mark.parametrize("must", TYPES)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), n=st.integers(1, 3), c=st.integers(2, 4),
       ops=st.lists(st.sampled_from(TYPES), max_size=5))
def test_backprop_matches_central_difference(must, data, n, c, ops):
    g = GraphBuilder(data, n, c)
    where = data.draw(st.integers(0, len(ops)), label="position of the required type")
    ops = ops[:where] + [must] + ops[where:]
    for k, op in enumerate(ops):
        if not g.add(op) and k == where:
            assert g.add(op, fresh=True)  # fresh inputs always fit
    assert must in [l["type"] for l in g.layers]

    final = g.pool[g.layers[-1]["output"]]
    dout = data.draw(arrays(np.float64, final.shape, elements=ELEMENT), label="dout")
    doc = {"title": "random graph", "values": g.doc_values, "constants": g.doc_constants,
           "layers": g.layers, "backward": {"dout": dout.tolist()}}
    sc = from_dict(doc, "<hypothesis>")
    engine = run(sc)

    # forward: the engine computes what plain numpy computes
    for name, want in g.pool.items():
        np.testing.assert_allclose(engine.values[name], want, rtol=1e-12, atol=1e-14, err_msg=name)
    # constants never receive a gradient; every gradient has its value's shape
    assert not set(engine.grads) & set(g.constants)
    for name, grad in engine.grads.items():
        assert grad.shape == sc.shapes[name], name
    # the first backward step receives dout
    first_back = engine.steps()[len(g.layers)]
    assert first_back.phase == BACKWARD
    np.testing.assert_array_equal(first_back.dout, np.broadcast_to(dout, final.shape))

    checks = check_gradients(sc)
    assert [c.name for c in checks] == list(g.doc_values)
    for check in checks:
        assert not check.sampled
        assert check.ok, (check.name, check.analytic, check.numeric, g.layers)
        # a [values] leaf the backward pass never reaches has a zero numerical gradient too
        if check.name not in engine.grads:
            np.testing.assert_allclose(check.numeric, 0.0, atol=1e-9)
