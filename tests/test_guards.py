"""Tests for three bugs that survived the suite in issue 17's hand-made
mutants: each fails on its bug and passes on the code as it is."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_engine import run
from backprop_engine.gradcheck import check_gradients
from backprop_engine.layers import Mul
from tests.test_engine import layer, numeric, scenario


def test_affine_dx_takes_the_shape_of_a_batch_of_one_image():
    """A batch of one image, x (1, 2, 3): dx is dout·Wᵀ reshaped back to
    (1, 2, 3) (an axis of size 1 is where a missing reshape shows), and equals
    the numerical gradient."""
    rng = np.random.default_rng(0)
    sc = scenario({"x": rng.normal(size=(1, 2, 3)).tolist(), "W": rng.normal(size=(6, 2)).tolist(),
                   "b": [0.5, -0.5]},
                  [layer("Affine", ["x", "W", "b"], "out")], dout=[[1.0, 2.0]])
    dx = run(sc).grads["x"]
    assert dx.shape == (1, 2, 3)
    np.testing.assert_allclose(dx, (np.array([[1.0, 2.0]]) @ sc.leaves["W"].T).reshape(1, 2, 3), rtol=1e-12)
    np.testing.assert_allclose(dx, numeric(sc, "x"), rtol=1e-6)


def test_softmax_with_loss_takes_a_one_element_label_list_for_a_1d_x():
    """x (3,) with t = [2] (labels for a batch of one): the loss is
    −log(softmax(x)[2] + 1e-7) and dx = softmax(x) − onehot(2), as with t = 2."""
    x = [0.3, -1.2, 2.0]
    sc = scenario({"x": x}, [layer("SoftmaxWithLoss", ["x", "t"], "L")], constants={"t": [2.0]})
    engine = run(sc)
    y = np.exp(x) / np.exp(x).sum()
    assert engine.values["L"] == pytest.approx(-np.log(y[2] + 1e-7), rel=1e-12)
    np.testing.assert_allclose(engine.grads["x"], y - np.array([0.0, 0.0, 1.0]), rtol=1e-12)


def test_the_gradient_check_fails_a_gradient_one_part_in_a_thousand_off(monkeypatch):
    """The oracle judges: a Mul whose backward is 0.1 % too large fails the
    check on every value it reaches, while the true one passes."""
    sc = scenario({"a": [1.5, -2.0], "b": [0.25, 3.0]}, [layer("Mul", ["a", "b"], "c")], dout=[1.0, 1.0])
    assert all(g.ok for g in check_gradients(sc))
    right = Mul.backward
    monkeypatch.setattr(Mul, "backward", lambda self, dout, saved: tuple(1.001 * g for g in right(self, dout, saved)))
    assert [g.ok for g in check_gradients(sc)] == [False, False]
