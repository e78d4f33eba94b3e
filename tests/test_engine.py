"""The stepping engine: fan-out, broadcasting, immutability, stepping, training."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_engine import BACKWARD, FORWARD, Engine, bundled, load, run
from backprop_engine.gradcheck import check_gradients, numerical_gradient
from backprop_engine.layers import Relu
from backprop_engine.scenario import from_dict
from backprop_engine.train import sgd_step, train, train_quietly

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
    shape = sc.shapes[name]
    entries = np.arange(int(np.prod(shape)))
    return numerical_gradient(sc, name, entries).reshape(shape)


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


# -- the gradient check at a Relu kink -------------------------------------------------

def test_an_entry_where_a_relu_input_is_exactly_0_is_a_kink_left_out():
    """At x = 0 Relu has no derivative: the central difference gives 0.5·dout,
    backprop 0 (the mask of x <= 0). The entry is a kink, not a failure."""
    sc = scenario({"x": [[1.0, 0.0], [-2.0, 3.0]]}, [layer("Relu", ["x"], "y")], dout=[[1.0, 2.0], [3.0, 4.0]])
    (g,) = check_gradients(sc)
    np.testing.assert_allclose(g.numeric, [1.0, 1.0, 0.0, 4.0], atol=1e-9)  # 0.5 · dout = 1 at [0, 1]
    assert g.analytic.tolist() == [1.0, 0.0, 0.0, 4.0]
    assert g.at_kink.tolist() == [False, True, False, False]
    assert g.kink_count == 1 and g.kink_entries.tolist() == [1]
    assert g.ok and g.abs_diff < 1e-9 and g.rel_err < 1e-9  # the kink is left out of all three
    without = type(g)(g.name, g.shape, g.entries, g.analytic, g.numeric, g.h)  # no kinks known
    assert not without.ok and without.kink_count == 0 and without.abs_diff == pytest.approx(1.0)


def test_a_kink_behind_an_affine_layer_marks_the_entries_that_move_it():
    """a = x·W + b; a[0, 0] = 1·1 + 1·(-1) + 0 = 0 feeds the Relu. Every entry
    that moves a[0, 0] sits at the kink: x[0, :], W[:, 0], b[0]; the others do not."""
    sc = scenario({"x": [[1.0, 1.0], [2.0, 0.5]], "W": [[1.0, 0.5], [-1.0, 2.0]], "b": [0.0, 0.25]},
                  [layer("Affine", ["x", "W", "b"], "a"), layer("Relu", ["a"], "h")],
                  dout=[[1.0, 2.0], [3.0, 4.0]])
    assert float(run(sc).values["a"][0, 0]) == 0.0
    kinks = {g.name: g.at_kink.reshape(g.shape).tolist() for g in check_gradients(sc)}
    assert kinks == {"x": [[True, True], [False, False]], "W": [[True, False], [True, False]],
                     "b": [True, False]}
    assert all(g.ok for g in check_gradients(sc))


def test_no_kink_where_the_zero_input_does_not_move_or_is_only_near_0():
    # relu(x·x) at x = 0: x·x stays >= 0 on both sides: a derivative (0) exists
    square = scenario({"x": [0.0, 1.0]}, [layer("Mul", ["x", "x"], "s"), layer("Relu", ["s"], "y")])
    (g,) = check_gradients(square)
    assert g.kink_count == 0 and g.ok
    # an input within h of 0 but not 0 has a derivative: compared, and it fails at this h
    near = scenario({"x": [1e-6, 1.0]}, [layer("Relu", ["x"], "y")])
    (g,) = check_gradients(near)
    assert g.kink_count == 0 and not g.ok
    (g,) = check_gradients(near, h=1e-7)
    assert g.ok


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
