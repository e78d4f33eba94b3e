"""The numbers chapter 5 of *Deep Learning from Scratch* prints, exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_engine import BACKWARD, FORWARD, bundled, load, run
from backprop_engine.gradcheck import check_expect, check_gradients
from backprop_engine.layers import SoftmaxWithLoss
from backprop_engine.scenario import from_dict

pytestmark = pytest.mark.engine

BUNDLED = bundled()


def scalar(a) -> float:
    a = np.asarray(a)
    assert a.shape == ()
    return float(a)


# -- 5.4.1 buying apples -------------------------------------------------------

def test_apple_forward_and_backward_exact():
    engine = run(load(BUNDLED["apple"]))
    v, g = engine.values, engine.grads
    assert scalar(v["apple_price"]) == 200.0
    # the float the book's code prints: 100 * 2 * 1.1
    assert scalar(v["price"]) == 220.00000000000003
    assert scalar(v["price"]) != 220.0
    assert scalar(g["price"]) == 1.0
    assert scalar(g["apple_price"]) == 1.1
    assert scalar(g["apple"]) == 2.2
    assert scalar(g["apple_num"]) == 110.00000000000001
    assert scalar(g["tax"]) == 200.0
    assert set(g) == {"price", "apple_price", "apple", "apple_num", "tax"}


def test_apple_step_order():
    engine = run(load(BUNDLED["apple"]))
    got = [(s.phase, s.layer.name) for s in engine.steps()]
    assert got == [(FORWARD, "mul_apple"), (FORWARD, "mul_tax"),
                   (BACKWARD, "mul_tax"), (BACKWARD, "mul_apple")]
    # the backward step of mul_tax sends dout*y, dout*x to its inputs
    mul_tax_back = engine.steps()[2]
    assert scalar(mul_tax_back.dout) == 1.0
    assert [scalar(a) for a in mul_tax_back.input_grads] == [1.1, 200.0]


# -- 5.4.2 buying apples and oranges ---------------------------------------------

def test_fruit_exact():
    engine = run(load(BUNDLED["fruit"]))
    v, g = engine.values, engine.grads
    assert scalar(v["apple_price"]) == 200.0
    assert scalar(v["orange_price"]) == 450.0
    assert scalar(v["all_price"]) == 650.0
    assert scalar(v["price"]) == 715.0000000000001          # the book prints this
    assert scalar(v["price"]) == pytest.approx(715, rel=1e-12)
    assert scalar(g["apple_num"]) == 110.00000000000001
    assert scalar(g["apple"]) == 2.2
    assert scalar(g["orange"]) == 3.3000000000000003
    assert scalar(g["orange"]) == pytest.approx(3.3, rel=1e-12)
    assert scalar(g["orange_num"]) == 165.0
    assert scalar(g["tax"]) == 650.0
    # the add node passes its gradient on unchanged to both branches
    assert scalar(g["all_price"]) == 1.1
    assert scalar(g["apple_price"]) == 1.1
    assert scalar(g["orange_price"]) == 1.1


# -- 5.5.1 Relu -------------------------------------------------------------------

def test_relu_mask_and_gradient():
    engine = run(load(BUNDLED["relu"]))
    fwd, back = engine.steps()
    expected_mask = np.array([[False, True], [True, False]])
    assert fwd.mask is not None and fwd.mask.dtype == bool
    np.testing.assert_array_equal(fwd.mask, expected_mask)
    np.testing.assert_array_equal(back.mask, expected_mask)
    np.testing.assert_array_equal(engine.values[engine.scenario.output], [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(back.dout, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(engine.grads["x"], [[1.0, 0.0], [0.0, 4.0]])


def test_relu_mask_is_x_le_zero_including_zero():
    sc = from_dict({"title": "t", "values": {"x": [0.0, -0.0, 1e-300, -1e-300]},
                    "layers": [{"type": "Relu", "inputs": ["x"], "output": "y"}]}, "<test>")
    engine = run(sc)
    np.testing.assert_array_equal(engine.steps()[0].mask, [True, True, False, True])
    np.testing.assert_array_equal(engine.grads["x"], [0.0, 0.0, 1.0, 0.0])


# -- 5.5.2 Sigmoid ----------------------------------------------------------------

def _sigmoid_grad(x: float) -> float:
    y = 1.0 / (1.0 + math.exp(-x))
    return y * (1.0 - y)


def test_sigmoid_bundled_decomposed_equals_fused():
    engine = run(load(BUNDLED["sigmoid"]))
    y = 1.0 / (1.0 + math.exp(-1.0))
    assert scalar(engine.values["y_chain"]) == pytest.approx(y, rel=1e-15)
    assert scalar(engine.values["y_fused"]) == pytest.approx(y, rel=1e-15)
    assert scalar(engine.grads["x_chain"]) == pytest.approx(_sigmoid_grad(1.0), rel=1e-12)
    assert scalar(engine.grads["x_fused"]) == pytest.approx(_sigmoid_grad(1.0), rel=1e-12)
    # the chain: -1 * x -> exp -> +1 -> 1/x, each local gradient as in figure 5-19
    assert scalar(engine.grads["y_chain"]) == 1.0
    assert scalar(engine.grads["denominator"]) == pytest.approx(-y * y, rel=1e-12)
    assert scalar(engine.grads["exp_neg_x"]) == pytest.approx(-y * y, rel=1e-12)
    assert scalar(engine.grads["neg_x"]) == pytest.approx(-y * y * math.exp(-1.0), rel=1e-12)


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.25, 2.5])
def test_sigmoid_decomposed_and_fused_agree_for_other_inputs(x):
    sc = load(BUNDLED["sigmoid"])
    sc = sc.with_leaves(x_chain=np.float64(x), x_fused=np.float64(x))
    engine = run(sc)
    expected = _sigmoid_grad(x)
    assert scalar(engine.grads["x_chain"]) == pytest.approx(expected, rel=1e-12)
    assert scalar(engine.grads["x_fused"]) == pytest.approx(expected, rel=1e-12)


# -- every bundled scenario ---------------------------------------------------------

def test_bundled_scenarios_present():
    assert {"apple", "fruit", "relu", "sigmoid", "affine_softmax", "mnist_size"} <= set(BUNDLED)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_gradients_and_expect(name):
    sc = load(BUNDLED[name])
    engine = run(sc)
    grads = check_gradients(sc)
    assert [g.name for g in grads] == sc.params
    for g in grads:
        assert g.ok, (g.name, g.analytic, g.numeric)
        # every [values] leaf of the bundled scenarios is reached by backward
        assert g.name in engine.grads
    expects = check_expect(sc)
    assert len(expects) == len(sc.expect)
    for x in expects:
        assert x.ok, (x.key, x.expected, x.actual)


def test_affine_softmax_matches_the_books_plain_numpy_code():
    """The two-layer net of 5.7, written out here in plain numpy as the book does."""
    sc = load(BUNDLED["affine_softmax"])
    engine = run(sc)
    L = {k: np.array(v, dtype=np.float64) for k, v in sc.leaves.items()}
    x, W1, b1, W2, b2, t = L["x"], L["W1"], L["b1"], L["W2"], L["b2"], L["t"]
    a1 = x @ W1 + b1
    mask = a1 <= 0
    h1 = np.where(mask, 0.0, a1)
    a2 = h1 @ W2 + b2
    y = _softmax(a2)
    n = len(x)
    loss = -np.sum(t * np.log(y + 1e-7)) / n
    da2 = (y - t) / n
    dW2, db2, dh1 = h1.T @ da2, da2.sum(axis=0), da2 @ W2.T
    da1 = np.where(mask, 0.0, dh1)
    dW1, db1, dx = x.T @ da1, da1.sum(axis=0), da1 @ W1.T
    assert mask.any() and (~mask).any()  # the scenario promises both kinds of mask entry
    assert scalar(engine.values["L"]) == pytest.approx(loss, rel=1e-12)
    for name, want in (("a1", a1), ("h1", h1), ("a2", a2)):
        np.testing.assert_allclose(engine.values[name], want, rtol=1e-12, atol=1e-15)
    for name, want in (("W2", dW2), ("b2", db2), ("h1", dh1), ("a1", da1), ("W1", dW1),
                       ("b1", db1), ("x", dx), ("a2", da2)):
        np.testing.assert_allclose(engine.grads[name], want, rtol=1e-12, atol=1e-15, err_msg=name)
    assert "t" not in engine.grads


# -- 5.6.3 SoftmaxWithLoss -----------------------------------------------------------

def _softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_scenario(x, t):
    return from_dict({
        "title": "softmax", "values": {"x": x}, "constants": {"t": t},
        "layers": [{"type": "SoftmaxWithLoss", "inputs": ["x", "t"], "output": "L"}],
    }, "<test>")


@pytest.mark.parametrize("t", [2, [0.0, 0.0, 1.0]], ids=["label", "one-hot"])
def test_softmax_1d_is_a_batch_of_one(t):
    x = [0.3, -1.2, 2.0]
    engine = run(_softmax_scenario(x, t))
    y = _softmax(np.array(x))
    onehot = np.array([0.0, 0.0, 1.0])
    assert engine.values["L"].shape == ()
    assert scalar(engine.values["L"]) == pytest.approx(-math.log(y[2] + 1e-7), rel=1e-12)
    dx = engine.grads["x"]
    assert dx.shape == (3,)
    np.testing.assert_allclose(dx, y - onehot, rtol=1e-12, atol=1e-15)
    # not divided by the number of classes (what the book's code would do for 1-D x)
    assert not np.allclose(dx, (y - onehot) / 3)


def test_softmax_labels_and_onehot_identical():
    x = [[0.2, -1.0, 0.5, 1.5], [2.0, 0.1, -0.3, 0.0], [-0.7, 0.4, 0.9, -2.0]]
    labels = [1, 3, 0]
    onehot = np.eye(4)[labels].tolist()
    a, b = run(_softmax_scenario(x, labels)), run(_softmax_scenario(x, onehot))
    assert scalar(a.values["L"]) == scalar(b.values["L"])
    np.testing.assert_array_equal(a.grads["x"], b.grads["x"])
    # and both are the book's formulas
    y = _softmax(np.array(x))
    expected_loss = -np.sum(np.log(y[np.arange(3), labels] + 1e-7)) / 3
    assert scalar(a.values["L"]) == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(a.grads["x"], (y - np.eye(4)[labels]) / 3, rtol=1e-12, atol=1e-15)
    assert "t" not in a.grads and "t" not in b.grads


def test_softmax_subtracts_row_max_no_overflow():
    x = [[1000.0, 1001.0, 999.0]]
    with np.errstate(all="raise"):
        engine = run(_softmax_scenario(x, [1]))
    y = _softmax(np.array([0.0, 1.0, -1.0]))
    assert np.isfinite(engine.values["L"])
    np.testing.assert_allclose(engine.grads["x"], [y - [0.0, 1.0, 0.0]], rtol=1e-12)


def test_softmax_layer_direct_dout_scales():
    layer = SoftmaxWithLoss()
    x = np.array([[0.5, 0.1], [-0.2, 0.3]])
    t = np.array([0.0, 1.0])
    loss, saved = layer.forward(x, t)
    dx, dt = layer.backward(np.float64(3.0), saved)
    assert dt is None
    np.testing.assert_allclose(dx, (_softmax(x) - np.eye(2)[[0, 1]]) / 2 * 3.0, rtol=1e-12)
