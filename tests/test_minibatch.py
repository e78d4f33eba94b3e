"""Mini-batch SGD's lean path (backprop_engine/train.py: Net, MiniBatchSGD,
accuracy): the same numbers as stepping the engine batch by batch, the loss the
book records, the batch the scenario holds, and accuracy counted exactly."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import numpy as np
import pytest

from backprop_engine import Engine, bundled, load, run
from backprop_engine.train import (
    MiniBatchSGD,
    Net,
    accuracy,
    gradients,
    label_classes,
    one_hot,
)
from tests.test_engine import Float32Relu, layer, scenario

pytestmark = pytest.mark.engine


PARAMS = ("W1", "b1", "W2", "b2")


@pytest.fixture(scope="module")
def digits():
    return load(bundled()["digits"])


def engine_to_end(scenario) -> Engine:
    """The stepping engine, one step at a time to the end, as the step screen walks it."""
    engine = Engine(scenario)
    while not engine.at_end:
        engine.next()
    return engine


@pytest.mark.parametrize("name", sorted(bundled()))
def test_lean_gradients_are_the_engines_for_every_bundled_scenario(name):
    """gradients() gives exactly the engine's gradients (fan-out, broadcasting, constants, every value)."""
    sc = load(bundled()[name])
    engine, lean = run(sc), gradients(sc, sc.leaves)
    assert set(lean) == set(engine.grads)
    for n, g in lean.items():
        np.testing.assert_array_equal(g, engine.grads[n], err_msg=n)


def test_minibatch_sgd_gives_the_params_of_stepping_the_engine_on_each_batch(digits):
    """Over 20 iterations (past an epoch's end), MiniBatchSGD's params equal the engine's, updated by hand, to 1e-12."""
    sgd, params = MiniBatchSGD(digits), {n: digits.leaves[n] for n in PARAMS}
    assert digits.data.per_epoch == 14
    for k in range(20):
        engine = engine_to_end(digits.at_iteration(k, **params))
        params = {n: params[n] - digits.lr * engine.grads[n] for n in PARAMS}
        sgd.step()
        for n in PARAMS:
            np.testing.assert_allclose(sgd.leaves[n], params[n], rtol=0, atol=1e-12, err_msg=f"{n} at {k}")
    assert sgd.iteration == 20 and not np.array_equal(params["W1"], digits.leaves["W1"])


def test_one_hot_rows_give_the_loss_and_gradients_that_the_labels_give(digits):
    """The trainer hands SoftmaxWithLoss one-hot rows (digits: 10 classes) instead of labels: the same loss and
    the same gradients, bit for bit."""
    assert label_classes(digits) == 10
    net, labels = Net(digits), digits.leaves["t"]
    rows = one_hot(labels, 10)
    assert rows.shape == (100, 10) and np.array_equal(rows.argmax(axis=1), labels) and rows.sum() == 100
    with_labels, with_rows = net.gradients(digits.leaves), net.gradients({**digits.leaves, "t": rows})
    assert set(with_labels) == set(with_rows)
    for n, g in with_labels.items():
        np.testing.assert_array_equal(g, with_rows[n], err_msg=n)
    losses = []
    for t in (labels, rows):
        values = {**digits.leaves, "t": t}
        net.forward(values)
        losses.append(net.loss(values))
    assert losses[0] == losses[1] == float(run(digits).values["L"])


def test_the_loss_recorded_is_the_loss_after_the_update_on_that_batch(digits):
    """step() returns the loss on its own batch with the updated params: not before the update, not the next batch."""
    sgd = MiniBatchSGD(digits)
    for k in range(5):
        before = sgd.loss()
        recorded = sgd.step()
        trained = {n: sgd.leaves[n] for n in PARAMS}
        same_batch = run(digits.at_iteration(k, **trained)).values["L"]
        next_batch = run(digits.at_iteration(k + 1, **trained)).values["L"]
        assert recorded == pytest.approx(float(same_batch), rel=1e-12)
        assert recorded < before  # the update lowered the loss on that batch
        assert recorded != pytest.approx(float(next_batch), rel=1e-6)
        assert sgd.loss() == pytest.approx(float(next_batch), rel=1e-12)


def test_scenario_after_k_iterations_holds_batch_k_and_no_array_handed_out_changes(digits):
    """sgd.scenario after k iterations has x, t = data.batch(k) and the trained params; the start's arrays and an
    earlier scenario's arrays stay as they were, read-only."""
    start = {n: a.copy() for n, a in digits.leaves.items()}
    sgd = MiniBatchSGD(digits)
    for _ in range(3):
        sgd.step()
    third = sgd.scenario
    kept = {n: a.copy() for n, a in third.leaves.items()}
    for k in range(3, 17):  # past the end of epoch 1 (14 iterations)
        sc = sgd.scenario
        x, t = digits.data.batch(k)
        assert sc.iteration == k == sgd.iteration
        np.testing.assert_array_equal(sc.leaves["x"], x)
        np.testing.assert_array_equal(sc.leaves["t"], t)
        for n in PARAMS:
            np.testing.assert_array_equal(sc.leaves[n], sgd.leaves[n])
        sgd.step()
    for scenario, before in ((digits, start), (third, kept)):
        for n, a in scenario.leaves.items():
            np.testing.assert_array_equal(a, before[n], err_msg=n)
            assert not a.flags.writeable, n


def test_an_untrained_digits_net_is_right_about_one_time_in_ten(digits):
    """Before training, digits' accuracy is near chance (10 classes): 8.7 % train (125 of 1,438), 10.3 % test (37 of 359)."""
    a = MiniBatchSGD(digits).accuracy()
    assert round(a["train"] * 1438) == 125 and round(a["test"] * 359) == 37
    assert 0.05 < a["train"] < 0.15 and 0.05 < a["test"] < 0.15


TINY = """\
title = "Three scores: the largest input wins"
[data]
source = "tiny.npz"
batch = 3

[values]
W = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
b = [0.0, 0.0, 0.0]

[[layers]]
type = "Affine"
inputs = ["x", "W", "b"]
output = "a"

[[layers]]
type = "SoftmaxWithLoss"
inputs = ["a", "t"]
output = "L"
"""


def test_accuracy_counts_the_right_rows_of_a_hand_made_data_set(tmp_path):
    """With W = I the score is the input, so the predicted class is each row's largest entry: 3 of 5 training rows
    (in a batch of 3 and a last partial one) and 2 of 3 test rows are right."""
    x = np.array([[3, 1, 0], [0, 2, 1], [1, 0, 5], [4, 0, 0], [0, 0, 2]], dtype=np.float64)  # predicted 0 1 2 0 2
    x_test = np.array([[0, 0, 1], [1, 0, 0], [0, 9, 1]], dtype=np.float64)  # predicted 2 0 1
    np.savez(tmp_path / "tiny.npz", x=x, t=np.array([0, 1, 1, 2, 2]), x_test=x_test, t_test=np.array([2, 1, 1]))
    (tmp_path / "tiny.toml").write_text(textwrap.dedent(TINY), encoding="utf-8")
    sc = load(tmp_path / "tiny.toml")
    assert list(sc.data.train_rows) == [0, 1, 2, 3, 4] and list(sc.data.test_rows) == [0, 1, 2]
    assert accuracy(sc, sc.leaves) == {"train": 3 / 5, "test": 2 / 3}
    assert MiniBatchSGD(sc).accuracy() == {"train": 3 / 5, "test": 2 / 3}


@pytest.mark.parametrize("labels", ["integers", "one_hot"])
def test_a_hand_made_data_set_trains_as_the_engine_steps(tmp_path, labels):
    """On the tiny set, with integer labels (made one-hot by the trainer) or [data] one_hot = true (left as they
    are), 4 iterations (4 epochs of one batch of 3 rows) give the engine's params to 1e-12."""
    x = np.array([[3, 1, 0], [0, 2, 1], [1, 0, 5], [4, 0, 0], [0, 0, 2]], dtype=np.float64)
    np.savez(tmp_path / "tiny.npz", x=x, t=np.array([0, 1, 1, 2, 2]), x_test=x[:2], t_test=np.array([0, 1]))
    text = TINY.replace("batch = 3", "batch = 3\none_hot = true") if labels == "one_hot" else TINY
    (tmp_path / "tiny.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    sc = load(tmp_path / "tiny.toml")
    assert label_classes(sc) == (3 if labels == "integers" else None)
    assert sc.data.per_epoch == 1 and sc.trained == ("W", "b")
    sgd, params = MiniBatchSGD(sc), {"W": sc.leaves["W"], "b": sc.leaves["b"]}
    for k in range(4):
        engine = run(sc.at_iteration(k, **params))
        params = {n: params[n] - sc.lr * engine.grads[n] for n in params}
        sgd.step()
        for n in params:
            np.testing.assert_allclose(sgd.leaves[n], params[n], rtol=0, atol=1e-12, err_msg=f"{n} at {k}")
    np.testing.assert_array_equal(sgd.scenario.leaves["t"], sc.data.batch(4)[1])


# -- the lean backward's gradients ------------------------------------------------------

class ListRelu(Float32Relu):
    """A stand-in layer whose gradient comes back as a plain list."""

    def backward(self, dout, saved):
        return (list(np.asarray(dout) * 3),)


@pytest.mark.parametrize("op, factor", [(Float32Relu(), 2), (ListRelu(), 3)])
def test_the_lean_backward_keeps_every_gradient_as_float64(op, factor):
    """train.gradients with a layer returning float32 or a list: x's gradient is a float64 array."""
    sc = replace(scenario({"x": [1.0, -2.0]}, [layer("Relu", ["x"], "y", "r")], dout=[0.5, 0.25]), ops={"Relu": op})
    g = gradients(sc, sc.leaves)["x"]
    assert type(g) is np.ndarray and g.dtype == np.float64 and g.tolist() == [0.5 * factor, 0.25 * factor]


def test_the_lean_backward_goes_on_past_a_dead_layer():
    """A layer that does not lead to the output, between two that do, is skipped; the layers before it still run."""
    sc = scenario({"x": 2.0, "y": 3.0, "z": 1.0},
                  [layer("Mul", ["x", "y"], "a", "m"), layer("Relu", ["z"], "dead", "dead"),
                   layer("Add", ["a", "a"], "f")])
    grads = gradients(sc, sc.leaves)
    assert (float(grads["x"]), float(grads["y"]), "z" in grads) == (6.0, 4.0, False)
