"""The engine's details that issue 17's mutation score found untested: which
gradient is a fan-out part, the engine's refusals, the forward pass alone,
training's learning rate and its quiet mode, the numerical gradient's sample
and step, the nudge, and the JSON trace (which the command line's tests only
see through a child process)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from backprop_engine import BACKWARD, Engine, bundled, load, run
from backprop_engine.engine import forward_output, loss
from backprop_engine.gradcheck import (ExpectCheck, check_expect, loss_at, numerical_gradient, nudge,
                                       sample_entries)
from backprop_engine.layers import sigmoid_decomposed_backward
from backprop_engine.trace import plain, to_json, trace
from backprop_engine.train import sgd_step, train, train_quietly
from tests.test_engine import layer, scenario

BUNDLED = bundled()


def backward_steps(engine: Engine) -> dict[str, object]:
    engine.to_end()
    return {s.layer.name: s for s in engine.steps() if s.phase == BACKWARD}


def test_a_fan_out_part_is_told_by_the_parts_still_to_come_or_already_there():
    """is_part: a fan-out's first and last parts and a value used twice are parts; others are not."""
    sc = scenario({"x": 2.0, "a": 3.0, "b": 5.0},
                  [layer("Mul", ["x", "a"], "xa", "first"), layer("Mul", ["x", "b"], "xb", "second"),
                   layer("Add", ["xa", "xb"], "f", "join")])
    steps = backward_steps(Engine(sc))
    second, first, join = steps["second"], steps["first"], steps["join"]
    assert second.is_part("x") is True and "x" in second.partial and "x" not in second.grads_before
    assert first.is_part("x") is True and "x" not in first.partial and "x" in first.grads_before
    assert first.is_part("a") is False and second.is_part("b") is False
    assert join.is_part("xa") is False
    assert join.partial == frozenset()  # x has parts to come, but no gradient yet: nothing waits
    squared = backward_steps(Engine(scenario({"x": 3.0}, [layer("Mul", ["x", "x"], "y", "sq")])))["sq"]
    assert squared.is_part("x") is True
    assert Engine(sc).seek(1).is_part("x") is False  # a forward step: no gradients before it


def test_a_gradient_waits_only_for_parts_from_layers_that_lead_to_the_output():
    """partial: x, taken by the last layer and by one before it, waits after the
    last layer's backward step and is complete after the other's; a layer whose
    output leads nowhere sends nothing, so x waits for nothing from it."""
    sc = scenario({"x": 2.0, "a": 3.0},
                  [layer("Relu", ["x"], "nowhere", "unused"), layer("Mul", ["x", "a"], "xa", "first"),
                   layer("Mul", ["xa", "x"], "f", "last")])
    steps = backward_steps(Engine(sc))
    assert steps["last"].partial == {"x"} and float(steps["last"].grads["x"]) == 6.0  # ∂f/∂x from last: xa
    assert steps["first"].partial == frozenset() and float(steps["first"].grads["x"]) == 12.0  # + x·a
    assert steps["unused"].partial == frozenset() and steps["unused"].input_grads == (None,)


def test_stepping_past_either_end_says_which_end():
    """next() at the end and back() at the start raise IndexError naming the end."""
    engine = Engine(load(BUNDLED["apple"]))
    with pytest.raises(IndexError, match="^already at the start of the plan$"):
        engine.back()
    engine.to_end()
    with pytest.raises(IndexError, match="^already at the end of the plan$"):
        engine.next()
    with pytest.raises(IndexError, match=r"^position 5 is outside the plan \(0 to 4\)$"):
        engine.seek(5)


def test_the_forward_pass_alone_gives_the_last_layers_output():
    """forward_output and loss_at: the final output of affine_softmax (its loss), not another layer's."""
    sc = load(BUNDLED["affine_softmax"])
    assert float(forward_output(sc, sc.leaves)) == 1.283014503515868
    assert loss_at(sc, sc.leaves) == 1.283014503515868
    fruit = load(BUNDLED["fruit"])
    assert float(forward_output(fruit, fruit.leaves)) == 715.0000000000001
    assert loss(fruit, forward_output(fruit, fruit.leaves)) == 715.0000000000001


def test_a_nudge_is_measured_by_the_forward_pass_and_predicted_by_the_gradient():
    """nudge on fruit's orange count: before, after, grad and the flat index, exactly."""
    sc = load(BUNDLED["fruit"])
    n = nudge(sc, "orange_num", 0, 0.5)
    assert (n.name, n.index, n.eps) == ("orange_num", 0, 0.5)
    assert n.grad == 165.0 and n.before == 715.0000000000001 and n.after == 797.5000000000001
    assert n.predicted == 82.5 and n.actual == 82.5
    assert float(sc.leaves["orange_num"]) == 3.0  # the scenario's own array stays
    sig = load(BUNDLED["sigmoid"])
    m = nudge(sig, "x_fused", 0, 0.25)
    assert m.grad == 0.19661193324148185 and m.before == 1.4621171572600098
    assert m.after == 1.508358439804696  # σ(1) + σ(1.25): the chain's y and the fused y, nudged


def test_a_nudge_of_a_leaf_without_a_gradient_predicts_nothing():
    """A value the backward pass does not reach: grad 0, the forward pass still measured."""
    sc = scenario({"x": 2.0, "y": 3.0}, [layer("Mul", ["x", "x"], "dead", "dead"), layer("Add", ["y", "y"], "f")])
    n = nudge(sc, "x", 0, 0.5)
    assert (n.grad, n.before, n.after, n.predicted) == (0.0, 6.0, 6.0, 0.0)


def test_the_decomposed_sigmoid_backward_gives_the_books_numbers():
    """sigmoid_decomposed_backward(x, dout) = dout·y(1−y), exactly as the four nodes compute it."""
    x = np.array([-2.0, 0.0, 1.0, 3.0])
    dout = np.array([1.0, 2.0, -1.0, 0.5])
    got = sigmoid_decomposed_backward(x, dout)
    assert got.tolist() == [0.10499358540350652, 0.5, -0.19661193324148188, 0.022588329865456072]
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(got, dout * y * (1 - y), rtol=1e-14)
    assert sigmoid_decomposed_backward(np.array(1.0), np.array(1.0)) == 0.19661193324148188


def test_training_uses_the_learning_rate_it_is_given():
    """train(lr=…) and train_quietly(lr=…) step with that rate, not the scenario's."""
    sc = load(BUNDLED["apple"])
    assert sc.lr == 0.1
    losses, trained = train(sc, 1, lr=0.001)
    assert losses == [220.00000000000003] and float(trained.leaves["tax"]) == 0.9000000000000001
    quiet, q = train_quietly(sc, 1, lr=0.001)
    assert quiet == [220.00000000000003, 170.09625780000002] and float(q.leaves["tax"]) == 0.9000000000000001
    _, default = train(sc, 1)
    assert float(default.leaves["tax"]) == -18.9  # 1.1 - 0.1 · 200


def test_quiet_training_shows_overflow_as_a_result_not_a_warning():
    """train_quietly on a run that overflows gives inf or nan losses, even where numpy would raise on overflow."""
    sc = load(BUNDLED["apple"])
    with warnings.catch_warnings(), np.errstate(all="raise"):  # whatever the process's numpy state
        warnings.simplefilter("error")
        losses, _ = train_quietly(sc, 200, lr=10.0)
    assert not np.isfinite(losses[-1])


def test_a_learning_rate_of_zero_or_less_is_refused_with_its_value():
    """sgd_step says the rate it got."""
    sc = load(BUNDLED["apple"])
    with pytest.raises(ValueError, match=r"^the learning rate must be > 0, got 0\.0$"):
        sgd_step(sc, 0.0)
    with pytest.raises(ValueError, match=r"^the learning rate must be > 0, got -1$"):
        sgd_step(sc, -1)


def test_the_gradient_check_samples_the_same_entries_every_time():
    """sample_entries: every index up to k entries, else a seed-0 sample of k distinct ones, sorted."""
    assert sample_entries(5, 5).tolist() == [0, 1, 2, 3, 4]
    assert sample_entries(100, 5).tolist() == [26, 30, 50, 61, 81]
    assert sample_entries(100, 5, seed=1).tolist() == [3, 45, 49, 74, 94]
    assert sample_entries(30).tolist() == sorted(set(sample_entries(30).tolist()))
    assert len(sample_entries(30)) == 20 and sample_entries(30).tolist() == sample_entries(30).tolist()
    picks = sample_entries(21, 20).tolist()
    assert len(set(picks)) == 20


def test_the_numerical_gradient_uses_the_step_it_is_given():
    """numerical_gradient(h=0.5) is the central difference with h = 0.5, not the default 1e-5."""
    sc = load(BUNDLED["sigmoid"])
    coarse = numerical_gradient(sc, "x_fused", [0], h=0.5)
    assert coarse.tolist() == [0.19511514499178895]  # σ(1.5) − σ(0.5)
    fine = numerical_gradient(sc, "x_fused", [0])
    assert abs(fine[0] - 0.19661193324148185) < 1e-10


def test_each_expect_check_carries_its_key():
    """check_expect gives one ExpectCheck per [expect] key, in file order, value or gradient."""
    checks = check_expect(load(BUNDLED["fanout"]))
    assert [c.key for c in checks] == ["f", "grad.x", "grad.y", "grad.z"]
    assert [float(c.actual) for c in checks] == [14.0, 7.0, 2.0, 2.0] and all(c.ok for c in checks)
    assert ExpectCheck("grad.k", np.array(1.0), None).ok is False


RELU_TRACE = {
    "title": "Relu and its mask",
    "values": {"x": [[1.0, -0.5], [-2.0, 3.0]], "y": [[1.0, 0.0], [0.0, 3.0]]},
    "grads": {"y": [[1.0, 2.0], [3.0, 4.0]], "x": [[1.0, 0.0], [0.0, 4.0]]},
    "steps": [{"phase": "forward", "layer": "relu", "type": "Relu", "inputs": ["x"], "output": "y",
               "mask": [[False, True], [True, False]]},
              {"phase": "backward", "layer": "relu", "type": "Relu", "inputs": ["x"], "output": "y",
               "mask": [[False, True], [True, False]]}],
}


def test_the_trace_of_relu_is_the_contracts_json():
    """trace(): title, values, grads, and per step phase, layer, type, inputs, output and the mask."""
    assert trace(Engine(load(BUNDLED["relu"]))) == RELU_TRACE
    assert json.loads(to_json(Engine(load(BUNDLED["relu"])))) == RELU_TRACE


def test_the_trace_of_the_softmax_forward_step_carries_y_and_no_other_step_does():
    """Only SoftmaxWithLoss's forward step has "y" (its softmax output); no step has "mask" but Relu's."""
    t = trace(Engine(load(BUNDLED["affine_softmax"])))
    with_y = [(s["phase"], s["layer"]) for s in t["steps"] if "y" in s]
    assert with_y == [("forward", "loss")]
    assert [s["layer"] for s in t["steps"] if "mask" in s] == ["relu1", "relu1"]
    y = np.array(t["steps"][3]["y"])
    a2 = np.array(t["values"]["a2"])
    np.testing.assert_allclose(y, np.exp(a2) / np.exp(a2).sum(axis=1, keepdims=True), rtol=1e-14)
    assert "yours" not in t["steps"][0]


def test_the_json_keeps_non_ascii_text_and_writes_no_bare_nan():
    """to_json: a title in another script as it is; nan and the infinities as strings."""
    sc = scenario({"x": [1000.0, 1000.0, 1000.0, 0.0]},
                  [layer("Exp", ["x"], "e"), layer("Mul", ["e", "k"], "y")], constants={"k": [0.0, 1.0, -1.0, 1.0]},
                  title="Σ 乘法")
    with np.errstate(all="ignore"):
        text = to_json(Engine(sc))
    assert '"title": "Σ 乘法"' in text and "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["values"]["y"] == ["nan", "inf", "-inf", 1.0]


def test_arrays_become_nested_lists_with_nan_and_infinities_as_strings():
    """plain: nested lists of floats or bools, 0-d as a number, nan/inf/-inf as strings at any depth."""
    assert plain(np.array([[1.0, float("nan")], [float("inf"), -float("inf")]])) == [[1.0, "nan"], ["inf", "-inf"]]
    assert plain(np.float64(2.5)) == 2.5 and plain(np.array(float("-inf"))) == "-inf"
    assert plain(np.array([True, False])) == [True, False]
    assert plain([[0.0]]) == [[0.0]]


def test_a_dead_branch_step_has_no_check_and_traces():
    """A backward step nothing flows back to: dout None, check None, and the trace has no "yours" for it."""
    sc = scenario({"x": 2.0, "y": 3.0}, [layer("Mul", ["x", "x"], "dead", "dead"), layer("Add", ["y", "y"], "f", "f")])
    engine = run(sc)
    dead = backward_steps(engine)["dead"]
    assert dead.dout is None and dead.check is None and dead.input_grads == (None, None)
    assert [s.get("yours") for s in trace(Engine(sc))["steps"]] == [None] * 4


class Float32Relu:
    """A stand-in layer (as --layers puts in Scenario.ops) whose gradient comes back as float32."""

    inputs, elementwise = ("x",), True

    def shape(self, x):
        return x

    def forward(self, x):
        return np.maximum(x, 0.0), {}

    def backward(self, dout, saved):
        return (np.asarray(dout, dtype=np.float32) * 2,)


def test_every_gradient_the_engine_keeps_is_float64():
    """A layer returning a float32 gradient: the engine converts it to float64 before keeping it."""
    from dataclasses import replace
    sc = scenario({"x": [1.0, -2.0]}, [layer("Relu", ["x"], "y", "r")], dout=[0.1, 0.2])
    engine = run(replace(sc, ops={"Relu": Float32Relu()}))
    g = engine.grads["x"]
    assert g.dtype == np.float64 and g.tolist() == [float(np.float32(0.1)) * 2, float(np.float32(0.2)) * 2]
    assert backward_steps(engine)["r"].input_grads[0].dtype == np.float64


def test_sum_to_undoes_leading_axes_and_size_1_axes_together():
    """sum_to sums leading axes and size-1 axes together: (1, 3, 5) of ones to (3, 1) is 5s."""
    from backprop_engine.engine import sum_to
    assert sum_to(np.ones((1, 3, 5)), (3, 1)).tolist() == [[5.0], [5.0], [5.0]]
    g = np.arange(24.0).reshape(2, 3, 4)
    assert sum_to(g, (3, 1)).tolist() == g.sum(axis=(0, 2)).reshape(3, 1).tolist()
    assert sum_to(g, (2, 3, 4)) is g


def test_softmax_of_a_row_and_of_rows():
    """layers.softmax works along the last axis: a 1-D x is one row, each row of a matrix sums to 1."""
    from backprop_engine.layers import softmax
    row = softmax(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(row, np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum(), rtol=1e-15)
    rows = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(rows[0], row, rtol=1e-15)
    assert rows[1].tolist() == [1 / 3, 1 / 3, 1 / 3]


class ListRelu(Float32Relu):
    """A stand-in layer whose gradient comes back as a plain list."""

    def backward(self, dout, saved):
        return (list(np.asarray(dout) * 3),)


@pytest.mark.parametrize("op, factor", [(Float32Relu(), 2), (ListRelu(), 3)])
def test_the_lean_backward_keeps_every_gradient_as_float64(op, factor):
    """train.gradients with a layer returning float32 or a list: x's gradient is a float64 array."""
    from dataclasses import replace
    from backprop_engine.train import gradients
    sc = replace(scenario({"x": [1.0, -2.0]}, [layer("Relu", ["x"], "y", "r")], dout=[0.5, 0.25]), ops={"Relu": op})
    g = gradients(sc, sc.leaves)["x"]
    assert type(g) is np.ndarray and g.dtype == np.float64 and g.tolist() == [0.5 * factor, 0.25 * factor]


def test_the_lean_backward_goes_on_past_a_dead_layer():
    """A layer that does not lead to the output, between two that do, is skipped; the layers before it still run."""
    from backprop_engine.train import gradients
    sc = scenario({"x": 2.0, "y": 3.0, "z": 1.0},
                  [layer("Mul", ["x", "y"], "a", "m"), layer("Relu", ["z"], "dead", "dead"),
                   layer("Add", ["a", "a"], "f")])
    grads = gradients(sc, sc.leaves)
    assert (float(grads["x"]), float(grads["y"]), "z" in grads) == (6.0, 4.0, False)
