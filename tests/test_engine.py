"""The stepping engine: fan-out, broadcasting, immutability, stepping, the
layers' numbers, float64 gradients, training."""

from __future__ import annotations

import warnings
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_engine import BACKWARD, FORWARD, Engine, bundled, load, run
from backprop_engine.engine import forward, loss, loss_at, sum_to
from backprop_engine.gradcheck import check_gradients, loss_and_sides, numerical_gradient
from backprop_engine.layers import Relu, sigmoid_decomposed_backward, softmax
from backprop_engine.learner.beside import check_of
from backprop_engine.scenario import from_dict
from backprop_engine.trace import trace
from backprop_engine.train import sgd_step, train, train_quietly

pytestmark = pytest.mark.engine


BUNDLED = bundled()


def scenario(values, layers, constants=None, dout=None, **extra):
    doc = {"title": "test", "values": values, "layers": layers, **extra}
    if constants:
        doc["constants"] = constants
    if dout is not None:
        doc["backward"] = {"dout": dout}
    return from_dict(doc, "<test>")


def layer(type_, inputs, output, name=None):
    d = {"type": type_, "inputs": list(inputs), "output": output}
    if name:
        d["name"] = name
    return d


def numeric(sc, name):
    """The full central-difference gradient of ``name``, in its shape."""
    shape, f = sc.shapes[name], loss_and_sides(sc)
    entries = np.arange(int(np.prod(shape)))
    slopes = numerical_gradient(lambda x: f({**sc.leaves, name: x}), sc.leaves[name], entries)
    return np.array([g for g, _ in slopes]).reshape(shape)


# -- fan-out --------------------------------------------------------------------

def test_fan_out_sums_gradients_scalar():
    # f = x*y + x*z: df/dx = y + z
    sc = scenario({"x": 2.0, "y": 3.0, "z": 5.0},
                  [layer("Mul", "xy", "xy"), layer("Mul", "xz", "xz"), layer("Add", ["xy", "xz"], "f")])
    engine = run(sc)
    assert float(engine.values["f"]) == 16.0
    assert float(engine.grads["x"]) == 8.0
    assert float(engine.grads["y"]) == 2.0
    assert float(engine.grads["z"]) == 2.0
    # the first backward step through x's layers gives a partial sum; the last the total
    partial = [float(s.grads["x"]) for s in engine.steps() if s.phase == BACKWARD and "x" in s.grads]
    assert partial == [5.0, 8.0]


def test_fan_out_arrays_and_same_input_twice():
    x = [[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]]
    y = [[1.5, 2.0, -0.5], [0.3, -1.2, 0.8]]
    z = [0.2, -0.4, 1.1]
    sc = scenario({"x": x, "y": y, "z": z},
                  [layer("Mul", "xy", "xy"), layer("Mul", "xz", "xz"), layer("Add", ["xy", "xz"], "s"),
                   layer("Mul", ["x", "x"], "xx"), layer("Add", ["s", "xx"], "f")],
                  dout=[[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
    engine = run(sc)
    d = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
    xa, ya, za = np.array(x), np.array(y), np.array(z)
    np.testing.assert_allclose(engine.grads["x"], d * (ya + za + 2 * xa), rtol=1e-12)
    np.testing.assert_allclose(engine.grads["z"], (d * xa).sum(axis=0), rtol=1e-12)
    for name in ("x", "y", "z"):
        np.testing.assert_allclose(engine.grads[name], numeric(sc, name), rtol=1e-6, atol=1e-8)


# -- broadcasting -----------------------------------------------------------------

BIG = [[0.5, -1.5, 2.0], [1.25, 0.75, -0.3]]
SMALL = {"(3,)": [0.4, -1.1, 2.3], "(2,1)": [[1.7], [-0.6]], "scalar": -1.3, "(1,3)": [[0.9, 0.2, -2.0]]}
DOUT = [[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]]


@pytest.mark.parametrize("op", ["Mul", "Add"])
@pytest.mark.parametrize("small", list(SMALL))
@pytest.mark.parametrize("order", ["big_first", "small_first"])
def test_broadcast_gradients_summed_back(op, small, order):
    inputs = ["a", "b"] if order == "big_first" else ["b", "a"]
    sc = scenario({"a": BIG, "b": SMALL[small]}, [layer(op, inputs, "out")], dout=DOUT)
    engine = run(sc)
    a, b, d = np.array(BIG), np.array(SMALL[small]), np.array(DOUT)
    assert engine.values["out"].shape == (2, 3)
    np.testing.assert_allclose(engine.values["out"], a * b if op == "Mul" else a + b, rtol=1e-15)
    ga, gb = engine.grads["a"], engine.grads["b"]
    assert ga.shape == a.shape
    assert gb.shape == b.shape
    # oracle 1: the numerical gradient
    np.testing.assert_allclose(ga, numeric(sc, "a"), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, numeric(sc, "b"), rtol=1e-6, atol=1e-8)
    # oracle 2: the closed form, summed back by hand
    full_b = d * a if op == "Mul" else d
    want_b = {"(3,)": full_b.sum(axis=0), "(2,1)": full_b.sum(axis=1, keepdims=True),
              "scalar": full_b.sum(), "(1,3)": full_b.sum(axis=0, keepdims=True)}[small]
    np.testing.assert_allclose(gb, want_b, rtol=1e-12)
    np.testing.assert_allclose(ga, d * b if op == "Mul" else d, rtol=1e-12)
    # the step records what each input received, in its own shape
    back = engine.steps()[-1]
    sent = dict(zip(back.layer.inputs, back.input_grads))
    assert sent["a"].shape == a.shape and sent["b"].shape == b.shape


# -- immutability -------------------------------------------------------------------

def test_relu_layer_never_writes_into_dout():
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])  # writable on purpose: the book's code would write here
    keep = dout.copy()
    out, saved = Relu().forward(x)
    (dx,) = Relu().backward(dout, saved)
    np.testing.assert_array_equal(dout, keep)
    np.testing.assert_array_equal(dx, [[1.0, 0.0], [0.0, 4.0]])
    assert not np.shares_memory(dx, dout)


def test_relu_in_engine_keeps_upstream_gradient():
    # x -> Mul(x, w) -> Relu -> Mul(h, v) = f; dL/dh must stay unmasked after Relu's backward
    sc = scenario({"x": [[1.0, -0.5], [-2.0, 3.0]], "w": 2.0, "v": [[1.0, 2.0], [3.0, 4.0]]},
                  [layer("Mul", "xw", "a"), layer("Relu", "a", "h"), layer("Mul", "hv", "f")])
    engine = Engine(sc)
    while engine.phase != BACKWARD or engine.plan[engine.position][1].type != "Relu":
        engine.next()
    dh_before = engine.grads["h"].copy()
    np.testing.assert_array_equal(dh_before, [[1.0, 2.0], [3.0, 4.0]])
    step = engine.next()
    assert step.layer.type == "Relu"
    np.testing.assert_array_equal(step.dout, dh_before)
    np.testing.assert_array_equal(engine.grads["h"], dh_before)
    np.testing.assert_array_equal(step.input_grads[0], [[1.0, 0.0], [0.0, 4.0]])
    engine.to_end()
    np.testing.assert_array_equal(engine.grads["h"], dh_before)
    np.testing.assert_array_equal(engine.grads["x"], [[2.0, 0.0], [0.0, 8.0]])


def _all_arrays(step):
    yield "output", step.output
    for i, a in enumerate(step.inputs):
        yield f"inputs[{i}]", a
    for k, a in step.values.items():
        yield f"values[{k}]", a
    for k, a in step.grads.items():
        yield f"grads[{k}]", a
    for k, a in step.saved.items():
        if isinstance(a, np.ndarray):
            yield f"saved[{k}]", a
    if step.dout is not None:
        yield "dout", step.dout
    for i, a in enumerate(step.input_grads):
        if a is not None:
            yield f"input_grads[{i}]", a


@pytest.mark.parametrize("name", ["affine_softmax", "relu", "fruit", "sigmoid"])
def test_step_arrays_are_read_only(name):
    engine = run(load(BUNDLED[name]))
    seen = 0
    for step in engine.steps():
        for label, a in _all_arrays(step):
            assert isinstance(a, np.ndarray), label
            with pytest.raises(ValueError):
                a[...] = 0
            seen += 1
    assert seen > 0
    # and nothing was changed by the attempts
    fresh = run(load(BUNDLED[name]))
    for k, v in fresh.grads.items():
        np.testing.assert_array_equal(engine.grads[k], v)


def test_step_mappings_cannot_be_assigned():
    engine = run(load(BUNDLED["apple"]))
    step = engine.current
    with pytest.raises(TypeError):
        step.values["apple"] = np.float64(1.0)
    with pytest.raises(TypeError):
        step.grads["apple"] = np.float64(1.0)


# -- stepping ------------------------------------------------------------------------

def test_stepping_basics():
    engine = Engine(load(BUNDLED["fruit"]))
    assert len(engine) == 8
    assert engine.at_start and not engine.at_end
    assert engine.current is None
    assert engine.phase == FORWARD
    assert set(engine.values) == {"apple", "apple_num", "orange", "orange_num", "tax"}
    assert dict(engine.grads) == {}
    with pytest.raises(IndexError):
        engine.back()
    assert engine.position == 0

    s1 = engine.next()
    assert s1.index == 0 and s1.phase == FORWARD and s1.layer.name == "mul_apple"
    assert engine.position == 1 and not engine.at_start
    assert "apple_price" in engine.values and "orange_price" not in engine.values
    for _ in range(3):
        engine.next()
    assert engine.phase == BACKWARD
    assert dict(engine.grads) == {}
    s5 = engine.next()
    assert s5.phase == BACKWARD and s5.layer.name == "mul_tax"
    last = engine.to_end()
    assert engine.at_end and engine.phase == "done" and engine.position == 8
    assert last.index == 7 and last.layer.name == "mul_apple"
    with pytest.raises(IndexError):
        engine.next()
    assert engine.position == 8

    prev = engine.back()
    assert prev.index == 6 and engine.position == 7
    assert "apple" not in engine.grads  # mul_apple's backward is undone
    engine.to_start()
    assert engine.at_start and engine.current is None and dict(engine.grads) == {}
    with pytest.raises(IndexError):
        engine.back()
    assert [s.index for s in engine.steps()] == list(range(8))  # kept when stepping back


FAN_RELU_SOFTMAX = {
    "title": "walk",
    "values": {"x": [[1.0, -2.0], [0.5, 1.5], [-1.0, 0.25]],
               "W": [[0.5, -0.3, 0.8], [0.2, 0.7, -0.4]], "b": [0.1, -0.2, 0.3],
               "s": [0.5, 1.5, -1.0]},
    "constants": {"t": [2, 0, 1]},
    "layers": [
        {"type": "Affine", "inputs": ["x", "W", "b"], "output": "a"},
        {"type": "Relu", "inputs": ["a"], "output": "h"},
        {"type": "Mul", "inputs": ["h", "s"], "output": "hs"},
        {"type": "Add", "inputs": ["hs", "a"], "output": "z"},      # a fans out
        {"type": "Sigmoid", "inputs": ["z"], "output": "g"},
        {"type": "Mul", "inputs": ["g", "a"], "output": "ga"},      # a fans out again
        {"type": "SoftmaxWithLoss", "inputs": ["ga", "t"], "output": "L"},
    ],
}


def snapshot(step):
    """A deep copy of a step record's data, to detect later in-place changes."""
    def cp(a):
        return None if a is None else np.array(a, copy=True)
    return SimpleNamespace(
        index=step.index, phase=step.phase, layer=step.layer,
        inputs=tuple(cp(a) for a in step.inputs), output=cp(step.output),
        saved={k: cp(v) if isinstance(v, np.ndarray) else v for k, v in step.saved.items()},
        values={k: cp(v) for k, v in step.values.items()},
        grads={k: cp(v) for k, v in step.grads.items()},
        dout=cp(step.dout), input_grads=tuple(cp(a) for a in step.input_grads))


def _assert_mapping_equal(a, b, what):
    assert list(a) == list(b), what
    for k in a:
        assert np.array_equal(a[k], b[k]), (what, k)
        assert np.asarray(a[k]).dtype == np.asarray(b[k]).dtype, (what, k)


def _optional_equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(a, b)


def assert_same_step(a, b):
    assert a.index == b.index and a.phase == b.phase and a.layer == b.layer
    assert len(a.inputs) == len(b.inputs)
    for x, y in zip(a.inputs, b.inputs):
        assert np.array_equal(x, y)
    assert np.array_equal(a.output, b.output)
    assert list(a.saved) == list(b.saved)
    for k in a.saved:
        if isinstance(a.saved[k], np.ndarray):
            assert np.array_equal(a.saved[k], b.saved[k]), k
        else:
            assert a.saved[k] == b.saved[k], k
    _assert_mapping_equal(a.values, b.values, "values")
    _assert_mapping_equal(a.grads, b.grads, "grads")
    assert _optional_equal(a.dout, b.dout)
    assert len(a.input_grads) == len(b.input_grads)
    for x, y in zip(a.input_grads, b.input_grads):
        assert _optional_equal(x, y)


def test_walk_scenario_is_sound():
    sc = from_dict(FAN_RELU_SOFTMAX, "<walk>")
    engine = run(sc)
    assert all(g.ok for g in check_gradients(sc))
    mask = engine.steps()[1].mask
    assert mask.any() and (~mask).any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves=st.lists(st.sampled_from(["next", "back", "to_start", "to_end"]), max_size=40))
def test_records_identical_in_any_walk(moves):
    reference = run(from_dict(FAN_RELU_SOFTMAX, "<walk>")).steps()
    engine = Engine(from_dict(FAN_RELU_SOFTMAX, "<walk>"))
    first_seen = {}  # deep copies of each record when first produced
    for move in moves:
        if move == "next":
            if engine.at_end:
                with pytest.raises(IndexError):
                    engine.next()
                continue
            step = engine.next()
        elif move == "back":
            if engine.at_start:
                with pytest.raises(IndexError):
                    engine.back()
                continue
            step = engine.back()
        elif move == "to_start":
            engine.to_start()
            step = None
        else:
            step = engine.to_end()
        assert step is engine.current
        if step is None:
            assert engine.position == 0
            continue
        assert engine.position == step.index + 1
        first_seen.setdefault(step.index, snapshot(step))
        assert_same_step(step, reference[step.index])
        _assert_mapping_equal(engine.values, reference[step.index].values, "engine.values")
        _assert_mapping_equal(engine.grads, reference[step.index].grads, "engine.grads")
    engine.to_end()
    assert len(engine.steps()) == len(reference)
    for got, want in zip(engine.steps(), reference):
        assert_same_step(got, want)
    for i, snap in first_seen.items():
        assert_same_step(engine.steps()[i], snap)


# -- Affine shapes -------------------------------------------------------------------

def test_affine_3d_x_is_reshaped():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 2, 3))
    W = rng.normal(size=(6, 4))
    b = rng.normal(size=(4,))
    d = rng.normal(size=(2, 4))
    sc = scenario({"x": x.tolist(), "W": W.tolist(), "b": b.tolist()},
                  [layer("Affine", ["x", "W", "b"], "out")], dout=d.tolist())
    engine = run(sc)
    np.testing.assert_allclose(engine.values["out"], x.reshape(2, 6) @ W + b, rtol=1e-12)
    assert engine.grads["x"].shape == (2, 2, 3)
    np.testing.assert_allclose(engine.grads["x"], (d @ W.T).reshape(2, 2, 3), rtol=1e-12)
    np.testing.assert_allclose(engine.grads["W"], x.reshape(2, 6).T @ d, rtol=1e-12)
    np.testing.assert_allclose(engine.grads["b"], d.sum(axis=0), rtol=1e-12)
    for name in ("x", "W", "b"):
        np.testing.assert_allclose(engine.grads[name], numeric(sc, name), rtol=1e-6, atol=1e-8)


def test_affine_1d_x():
    x, W, b = [1.0, -2.0, 0.5], [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]], [0.05, -0.05]
    sc = scenario({"x": x, "W": W, "b": b}, [layer("Affine", ["x", "W", "b"], "out")],
                  dout=[2.0, -3.0])
    engine = run(sc)
    xa, Wa, d = np.array(x), np.array(W), np.array([2.0, -3.0])
    assert engine.values["out"].shape == (2,)
    np.testing.assert_allclose(engine.values["out"], xa @ Wa + b, rtol=1e-12)
    assert engine.grads["x"].shape == (3,)
    assert engine.grads["W"].shape == (3, 2)
    assert engine.grads["b"].shape == (2,)
    np.testing.assert_allclose(engine.grads["x"], Wa @ d, rtol=1e-12)
    np.testing.assert_allclose(engine.grads["W"], np.outer(xa, d), rtol=1e-12)
    np.testing.assert_allclose(engine.grads["b"], d, rtol=1e-12)
    for name in ("x", "W", "b"):
        np.testing.assert_allclose(engine.grads[name], numeric(sc, name), rtol=1e-6, atol=1e-8)


# -- dout, unreached layers, constants ---------------------------------------------------

def test_first_backward_step_gets_backward_dout():
    sc = load(BUNDLED["apple"])
    sc2 = scenario({"apple": 100, "apple_num": 2, "tax": 1.1},
                   [layer("Mul", ["apple", "apple_num"], "apple_price"),
                    layer("Mul", ["apple_price", "tax"], "price")], dout=2.5)
    e1, e2 = run(sc), run(sc2)
    first_back = e2.steps()[2]
    assert first_back.phase == BACKWARD and first_back.layer.output == "price"
    assert float(first_back.dout) == 2.5
    assert float(e2.grads["price"]) == 2.5
    for name in ("apple", "apple_num", "tax"):
        assert float(e2.grads[name]) == pytest.approx(2.5 * float(e1.grads[name]), rel=1e-15)


def test_scalar_dout_broadcast_to_final_output_shape():
    sc = scenario({"x": [[1.0, -1.0, 2.0], [0.5, 3.0, -0.25]]}, [layer("Exp", "x", "y")], dout=3.0)
    engine = run(sc)
    back = engine.steps()[1]
    assert back.dout.shape == (2, 3)
    np.testing.assert_array_equal(back.dout, np.full((2, 3), 3.0))
    np.testing.assert_allclose(engine.grads["x"], 3.0 * np.exp(engine.values["x"]), rtol=1e-15)


def test_default_dout_is_ones():
    sc = scenario({"x": [1.0, -2.0]}, [layer("Sigmoid", "x", "y")])
    engine = run(sc)
    np.testing.assert_array_equal(engine.steps()[1].dout, [1.0, 1.0])


def test_layer_not_leading_to_output_gets_no_gradient():
    sc = scenario({"a": 2.0, "b": 3.0, "u": 0.5},
                  [layer("Exp", "u", "dead", name="side"),
                   layer("Mul", "ab", "c"),
                   layer("Mul", ["dead", "a"], "dead2", name="side2"),
                   layer("Add", ["c", "b"], "final")])
    engine = run(sc)
    back = {s.layer.name: s for s in engine.steps() if s.phase == BACKWARD}
    for name in ("side", "side2"):
        assert back[name].dout is None
        assert back[name].input_grads == (None,) * len(back[name].layer.inputs)
    assert "dead" not in engine.grads and "dead2" not in engine.grads and "u" not in engine.grads
    assert float(engine.grads["a"]) == 3.0  # only through c, not through dead2
    assert float(engine.grads["b"]) == 3.0  # 2 via c, 1 via final
    # the numerical gradient agrees: u does not move the output
    assert all(g.ok for g in check_gradients(sc))
    assert numeric(sc, "u") == pytest.approx(0.0, abs=1e-12)


def test_constants_get_no_gradients():
    engine = run(load(BUNDLED["sigmoid"]))
    assert "minus_one" not in engine.grads and "one" not in engine.grads
    negate = next(s for s in engine.steps() if s.phase == BACKWARD and s.layer.name == "negate")
    assert negate.input_grads[1] is None and negate.input_grads[0] is not None
    engine2 = run(load(BUNDLED["affine_softmax"]))
    assert "t" not in engine2.grads
    loss_back = next(s for s in engine2.steps() if s.phase == BACKWARD)
    assert loss_back.input_grads[1] is None
    # every value the backward pass reaches has a gradient (leaves and outputs)
    sc = engine2.scenario
    assert set(engine2.grads) == (set(sc.leaves) - sc.constants) | {l.output for l in sc.layers}


# -- training ---------------------------------------------------------------------

def test_sgd_step_lowers_loss():
    sc = load(BUNDLED["affine_softmax"])
    engine = run(sc)
    loss0, sc1 = sgd_step(sc)
    assert loss0 == pytest.approx(float(engine.values["L"]), rel=1e-15)
    assert sc.trained == ("W1", "b1", "W2", "b2")  # [train] params: not the input x
    for name in sc.trained:
        np.testing.assert_allclose(sc1.leaves[name], sc.leaves[name] - sc.lr * engine.grads[name],
                                   rtol=1e-15)
    np.testing.assert_array_equal(sc1.leaves["t"], sc.leaves["t"])
    assert sc1.leaves["x"] is sc.leaves["x"]
    loss1, _ = sgd_step(sc1)
    assert loss1 < loss0
    # the original scenario is untouched
    assert float(run(sc).values["L"]) == loss0


def test_train_losses_fall():
    losses, final = train(load(BUNDLED["affine_softmax"]), 5)
    assert len(losses) == 5
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert float(run(final).values["L"]) < losses[-1]


def test_training_updates_only_the_train_params():
    """affine_softmax names W1, b1, W2, b2 in [train] params: x, the input,
    keeps its gradient on screen but is never changed by training."""
    sc = load(BUNDLED["affine_softmax"])
    assert "x" in sc.params and "x" not in sc.trained
    for losses, trained in (train(sc, 10), train_quietly(sc, 10)):
        np.testing.assert_array_equal(trained.leaves["x"], sc.leaves["x"])
        assert not np.array_equal(trained.leaves["W1"], sc.leaves["W1"])
        assert all(not np.array_equal(trained.leaves[n], sc.leaves[n]) for n in sc.trained)
    assert "x" in run(trained).grads


def test_train_params_default_to_all_of_values():
    sc = load(BUNDLED["fruit"])
    assert sc.trained == tuple(sc.params)
    _, trained = train(sc, 1)
    assert all(not np.array_equal(trained.leaves[n], sc.leaves[n]) for n in sc.params)


@pytest.mark.parametrize("lr", [0.0, -0.1])
def test_sgd_step_rejects_non_positive_lr(lr):
    with pytest.raises(ValueError):
        sgd_step(load(BUNDLED["affine_softmax"]), lr)


def test_scenario_data_is_read_only_from_the_start():
    """The loader's arrays and dout, and leaves swapped in later, cannot be
    written: every engine on the scenario shares them."""
    sc = load(BUNDLED["affine_softmax"])
    edited = sc.with_leaves(x=np.ones(sc.shapes["x"]), b1=sc.leaves["b1"] + 1)
    for scenario in (sc, edited):
        for name, a in scenario.leaves.items():
            with pytest.raises(ValueError):
                a[...] = 0
        with pytest.raises(ValueError):
            scenario.dout[...] = 2
    scalar = load(BUNDLED["apple"]).with_leaves(apple=150.0)
    assert isinstance(scalar.leaves["apple"], np.ndarray) and scalar.leaves["apple"].shape == ()
    assert float(run(scalar).values["price"]) == pytest.approx(150 * 2 * 1.1)


def test_steps_carry_their_own_scenarios_layers():
    """Two loads of one file give equal layers; each engine's steps point at
    its own scenario's layer objects (the graph marks the current layer by
    identity)."""
    first, second = load(BUNDLED["fanout"]), load(BUNDLED["fanout"])
    assert first.layers == second.layers and first.layers[0] is not second.layers[0]
    for sc in (first, second):
        engine = run(sc)
        assert all(any(step.layer is spec for spec in sc.layers) for step in engine.steps())


def test_backward_step_is_a_layers_step_once_backward_has_run_it():
    engine = Engine(load(bundled()["fruit"]))
    n = len(engine.scenario.layers)
    engine.seek(n + 1)  # backward through the last layer only
    assert engine.backward_step(n - 1) is engine.current and engine.backward_step(n - 2) is None
    engine.to_end()
    assert [engine.backward_step(i).layer.index for i in range(n)] == list(range(n))
    assert all(s.phase == BACKWARD for s in map(engine.backward_step, range(n)))
    engine.to_start()
    assert engine.backward_step(0) is None


# -- fan-out parts, the plan's ends, dead branches -----------------------------------

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


def test_a_dead_branch_step_has_no_check_and_traces():
    """A backward step nothing flows back to: dout None, check None, and the trace has no "yours" for it."""
    sc = scenario({"x": 2.0, "y": 3.0}, [layer("Mul", ["x", "x"], "dead", "dead"), layer("Add", ["y", "y"], "f", "f")])
    engine = run(sc)
    dead = backward_steps(engine)["dead"]
    assert dead.dout is None and check_of(dead) is None and dead.input_grads == (None, None)
    assert [s.get("yours") for s in trace(Engine(sc))["steps"]] == [None] * 4


def forward_output(sc):
    """The final output by the forward pass alone (engine.forward)."""
    values = dict(sc.leaves)
    forward(sc, values)
    return values[sc.output]


def test_the_forward_pass_alone_gives_the_last_layers_output():
    """forward and loss_at: the final output of affine_softmax (its loss), not another layer's."""
    sc = load(BUNDLED["affine_softmax"])
    assert float(forward_output(sc)) == 1.283014503515868
    assert loss_at(sc, sc.leaves) == 1.283014503515868
    fruit = load(BUNDLED["fruit"])
    assert float(forward_output(fruit)) == 715.0000000000001
    assert loss(fruit, forward_output(fruit)) == 715.0000000000001


# -- the layers' numbers ---------------------------------------------------------------

def test_the_decomposed_sigmoid_backward_gives_the_books_numbers():
    """sigmoid_decomposed_backward(x, dout) = dout·y(1−y), exactly as the four nodes compute it."""
    x = np.array([-2.0, 0.0, 1.0, 3.0])
    dout = np.array([1.0, 2.0, -1.0, 0.5])
    got = sigmoid_decomposed_backward(x, dout)
    assert got.tolist() == [0.10499358540350652, 0.5, -0.19661193324148188, 0.022588329865456072]
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(got, dout * y * (1 - y), rtol=1e-14)
    assert sigmoid_decomposed_backward(np.array(1.0), np.array(1.0)) == 0.19661193324148188


def test_sum_to_undoes_leading_axes_and_size_1_axes_together():
    """sum_to sums leading axes and size-1 axes together: (1, 3, 5) of ones to (3, 1) is 5s."""
    assert sum_to(np.ones((1, 3, 5)), (3, 1)).tolist() == [[5.0], [5.0], [5.0]]
    g = np.arange(24.0).reshape(2, 3, 4)
    assert sum_to(g, (3, 1)).tolist() == g.sum(axis=(0, 2)).reshape(3, 1).tolist()
    assert sum_to(g, (2, 3, 4)) is g


def test_softmax_of_a_row_and_of_rows():
    """layers.softmax works along the last axis: a 1-D x is one row, each row of a matrix sums to 1."""
    row = softmax(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(row, np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum(), rtol=1e-15)
    rows = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(rows[0], row, rtol=1e-15)
    assert rows[1].tolist() == [1 / 3, 1 / 3, 1 / 3]


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


# -- every gradient is float64 -----------------------------------------------------------

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
    sc = scenario({"x": [1.0, -2.0]}, [layer("Relu", ["x"], "y", "r")], dout=[0.1, 0.2])
    engine = run(replace(sc, ops={"Relu": Float32Relu()}))
    g = engine.grads["x"]
    assert g.dtype == np.float64 and g.tolist() == [float(np.float32(0.1)) * 2, float(np.float32(0.2)) * 2]
    assert backward_steps(engine)["r"].input_grads[0].dtype == np.float64


# -- training's rate and its quiet mode ----------------------------------------------------

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
