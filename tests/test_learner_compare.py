"""The learner's layers beside the built-in ones (issue 14, items 2 and 6):
examples/book_layers.py agrees with the built-in layers on every bundled
scenario, every mistake in examples/buggy_layers.py is found on its layer and
output with its first entry and cause, and compare() tells noise from a
difference and names the likely cause."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import FORWARD, bundled, load, run
from backprop_engine.layers import LAYER_TYPES
from backprop_engine.learner.compare import ATOL, RTOL, compare

EXAMPLES = Path(__file__).parent.parent / "examples"
BOOK_CLASS = {"Mul": "MulLayer", "Add": "AddLayer", "Relu": "Relu", "Sigmoid": "Sigmoid",
              "Affine": "Affine", "SoftmaxWithLoss": "SoftmaxWithLoss"}
GRAD_NAMES = {"Mul": ("dx", "dy"), "Add": ("dx", "dy"), "Relu": ("dx",), "Sigmoid": ("dx",),
              "Affine": ("dx", "dW", "db"), "SoftmaxWithLoss": ("dx",)}


def module(name: str):
    """An example file imported in-process, as --layers would load it."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def book():
    return module("book_layers")


@pytest.fixture(scope="module")
def buggy():
    return module("buggy_layers")


def _forward(mod, step, args):
    cls = getattr(mod, BOOK_CLASS[step.layer.type])
    if step.layer.type == "Affine":
        layer = cls(args[1], args[2])
        return layer, layer.forward(args[0])
    layer = cls()
    return layer, layer.forward(*args)


def _backward(layer, step):
    got = layer.backward(np.array(step.dout))  # a writable copy: the book's Relu writes into it
    if step.layer.type == "Affine":
        return got, layer.dW, layer.db
    return got if isinstance(got, tuple) else (got,)


def compared(mod, scenario: str) -> dict[tuple[str, str], object]:
    """Every output of every step whose layer type the file has, run on the
    built-in's inputs and dout: (layer, output) -> compare()'s verdict."""
    engine = run(load(bundled()[scenario]))
    layers, verdicts = {}, {}
    for step in engine.steps():
        kind = step.layer.type
        if kind not in BOOK_CLASS:
            continue
        x = step.inputs[0]
        kw = {"layer_type": kind, "inputs": dict(zip(LAYER_TYPES[kind].inputs, step.inputs)),
              "batch": x.shape[0] if x.ndim == 2 else None}
        name = step.layer.name
        if step.phase == FORWARD:
            layers[name], out = _forward(mod, step, [np.array(a) for a in step.inputs])
            verdicts[name, "out"] = compare("out", out, step.output, dout=None, **kw)
            continue
        expected = LAYER_TYPES[kind].backward(step.dout, step.saved)
        for grad, yours, exp in zip(GRAD_NAMES[kind], _backward(layers[name], step), expected):
            if exp is not None:  # SoftmaxWithLoss sends nothing to t
                verdicts[name, grad] = compare(grad, yours, exp, dout=step.dout, **kw)
    return verdicts


def differences(mod, scenario: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {k: (d.line(), d.cause) for k, d in compared(mod, scenario).items() if d is not None}


@pytest.mark.parametrize("scenario", sorted(bundled()))
def test_book_layers_agree_with_the_built_in_on_every_bundled_scenario(book, scenario):
    """book_layers.py gives the built-in's numbers (rtol 1e-9) for every output
    of every step of its six layer types, forward and backward."""
    verdicts = compared(book, scenario)
    kinds = {l.name for l in load(bundled()[scenario]).layers if l.type in BOOK_CLASS}
    assert kinds and {layer for layer, _ in verdicts} == kinds
    assert {k: d.line() for k, d in verdicts.items() if d is not None} == {}


N3 = "yours = 3 × expected: divide by the batch size N = 3"
ROW = "db = dout[0], one row of dout: sum over the batch, db = np.sum(dout, axis=0)"
MUL_X = "dx = dout × x: ∂(x·y)/∂x is y, so dx = dout × y (the inputs swapped)"
MUL_Y = "dy = dout × y: ∂(x·y)/∂y is x, so dy = dout × x (the inputs swapped)"
ADD = "dy is 0: an add node passes dout on unchanged to both inputs, dy = dout"
SIGMOID = "dx = dout × y: the factor (1 − y) is missing, dx = dout × (1 − y) × y"
FOUND = {
    "affine_softmax": {  # the Relu's numbers are right: its bug is the write into dout
        ("loss", "dx"): ("dx[0, 0]: yours -0.774978, expected -0.258326", N3),
        ("affine2", "db"): ("db[0]: yours -0.258326, expected 0.014187", ROW),
        ("affine1", "db"): ("db[0]: yours -0.0962501, expected 0.124864", ROW),
    },
    "fruit": {
        ("mul_tax", "dx"): ("dx: yours 650, expected 1.1", MUL_X),
        ("mul_tax", "dy"): ("dy: yours 1.1, expected 650", MUL_Y),
        ("add_apple_orange", "dy"): ("dy: yours 0, expected 1.1", ADD),
        ("mul_orange", "dx"): ("dx: yours 165, expected 3.3", MUL_X),
        ("mul_orange", "dy"): ("dy: yours 3.3, expected 165", MUL_Y),
        ("mul_apple", "dx"): ("dx: yours 110, expected 2.2", MUL_X),
        ("mul_apple", "dy"): ("dy: yours 2.2, expected 110", MUL_Y),
    },
    "sigmoid": {  # negate's x is 1 and y is -1: swapped inputs look like a flipped sign
        ("sigmoid", "dx"): ("dx: yours 0.731059, expected 0.196612", SIGMOID),
        ("join", "dy"): ("dy: yours 0, expected 1", ADD),
        ("plus_one", "dy"): ("dy: yours 0, expected -0.534447", ADD),
        ("negate", "dx"): ("dx: yours -0.196612, expected 0.196612", MUL_X),
        ("negate", "dy"): ("dy: yours 0.196612, expected -0.196612", MUL_Y),
    },
    "relu": {},
    "affine_one": {},  # db = dout[0] is the sum when the batch is one row
}


@pytest.mark.parametrize("scenario", sorted(FOUND))
def test_each_bug_in_buggy_layers_is_named_on_its_layer_output_and_entry(buggy, scenario):
    """Every mistake in buggy_layers.py is found on the right layer and output,
    with its first differing entry and its cause, and nothing else differs."""
    assert differences(buggy, scenario) == FOUND[scenario]


@pytest.mark.parametrize("scenario", ["digits", "mnist_size"])
def test_the_missing_division_names_the_batch_of_100(buggy, scenario):
    """On the batches of 100 the softmax bug reads yours = 100 × expected."""
    line, cause = differences(buggy, scenario)["loss", "dx"]
    assert cause == "yours = 100 × expected: divide by the batch size N = 100"
    assert line.startswith("dx[0, 0]: ")


def test_buggy_relu_writes_into_dout_and_the_book_one_does_not(book, buggy):
    """The book's dout[mask] = 0 zeroes the caller's array; book_layers copies it."""
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    for mod, dout_after, same in ((book, [[1.0, 2.0], [3.0, 4.0]], False),
                                  (buggy, [[1.0, 0.0], [0.0, 4.0]], True)):
        relu, dout = mod.Relu(), np.array([[1.0, 2.0], [3.0, 4.0]])
        relu.forward(x)
        dx = relu.backward(dout)
        assert dx.tolist() == [[1.0, 0.0], [0.0, 4.0]]  # right numbers either way
        assert dout.tolist() == dout_after, mod.__name__
        assert (dx is dout) is same, mod.__name__  # the buggy one hands dout back as dx


def test_float_noise_agrees_and_a_real_difference_does_not():
    """1e-13 relative noise (and 1e-13 near 0) agrees; 1e-8 relative does not."""
    rng = np.random.default_rng(0)
    expected = np.append(rng.normal(size=(3, 4)).ravel(), 0.0).reshape(13)
    noise = expected * (1 + 1e-13) + 1e-13
    kw = {"layer_type": "Affine", "inputs": {}, "dout": None, "batch": 3}
    assert compare("dW", noise, expected, **kw) is None
    assert RTOL == 1e-9 and ATOL == 1e-12
    expected = np.array([1.5, -2.25, 0.0, 3.0])
    d = compare("dW", expected * [1, 1 + 1e-8, 1, 1], expected, **kw)
    assert d.first == (1,) and d.differs.tolist() == [False, True, False, False]
    assert (d.line(), d.cause) == ("dW[1]: yours -2.25000002, expected -2.25", None)


def test_close_numbers_are_shown_with_the_digits_that_tell_them_apart():
    """6 significant digits, or more until yours and expected differ."""
    d = compare("out", 1.0000001, 1.0, layer_type="Mul", inputs={}, dout=None, batch=None)
    assert d.line() == "out: yours 1.0000001, expected 1"
    assert d.first == () and d.differs.shape == ()


X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 0.0]])
W = np.array([[0.5, -0.4, 0.3], [0.2, 0.6, -0.8]])
DOUT = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [1.0, -1.1, 1.2]])
AFFINE = {"layer_type": "Affine", "inputs": {"x": X, "W": W, "b": np.zeros(3)}, "dout": DOUT, "batch": 4}


def test_shapes_that_differ_give_the_shape_line_and_the_cause():
    """A transposed dW and an unsummed db: the shapes, and what to change."""
    d = compare("dW", DOUT.T @ X, X.T @ DOUT, **AFFINE)
    assert d.line() == "dW: yours has shape (3, 2), expected (2, 3)"
    assert d.differs is None and d.first is None
    assert d.cause == "shapes swapped: a transposed product (dW = x.T · dout, not dout.T · x)"
    d = compare("db", DOUT, DOUT.sum(axis=0), **AFFINE)
    assert d.line() == "db: yours has shape (4, 3), expected (3,)"
    assert d.cause == "db has dout's shape (4, 3): sum over the batch, db = np.sum(dout, axis=0)"
    d = compare("dx", np.ones(3), np.ones(2), layer_type="Mul", inputs={}, dout=None, batch=None)
    assert (d.line(), d.cause) == ("dx: yours has shape (3,), expected (2,)", None)


def test_the_causes_that_change_the_numbers_only():
    """/N, a square transposed product, db summed over axis 1, a flipped sign."""
    dW = X.T @ DOUT
    d = compare("dW", dW / 4, dW, **AFFINE)
    assert d.cause == ("yours = expected / 4: divide by the batch size N = 4 only once, "
                       "in SoftmaxWithLoss's backward")
    assert compare("dW", -dW, dW, **AFFINE).cause == "yours = −expected: the sign is flipped"
    xs = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
    square = {**AFFINE, "inputs": {"x": xs, "W": np.eye(3), "b": np.zeros(3)}, "dout": DOUT[:3], "batch": 3}
    d = compare("dW", DOUT[:3].T @ xs, xs.T @ DOUT[:3], **square)
    assert d.cause == "yours is expected transposed: a transposed product (dW = x.T · dout, not dout.T · x)"
    d = compare("db", DOUT[:3].sum(axis=1), DOUT[:3].sum(axis=0), **square)
    assert d.cause == "db is dout summed over axis 1: sum over the batch, db = np.sum(dout, axis=0)"


def test_relu_masks_at_zero_and_inverted():
    """A mask x < 0 differs only where x == 0; an inverted mask lets the wrong entries through."""
    x = np.array([1.0, 0.0, -2.0, 3.0])
    dout = np.array([1.0, 2.0, 3.0, 4.0])
    kw = {"layer_type": "Relu", "inputs": {"x": x}, "dout": dout, "batch": None}
    expected = np.where(x <= 0, 0.0, dout)
    d = compare("dx", np.where(x < 0, 0.0, dout), expected, **kw)
    assert (d.line(), d.cause) == ("dx[1]: yours 2, expected 0",
                                   "differs only at x = 0 exactly: the book's mask is x <= 0")
    d = compare("dx", np.where(x <= 0, dout, 0.0), expected, **kw)
    assert (d.line(), d.cause) == ("dx[0]: yours 0, expected 1",
                                   "the mask is inverted: dx = 0 where x <= 0, dx = dout where x > 0")


def test_the_batch_size_is_not_a_cause_for_an_elementwise_layer():
    """A Mul whose result happens to be 2 × expected is not told to divide by N."""
    d = compare("out", np.array([4.0]), np.array([2.0]), layer_type="MulLayer",
                inputs={"x": np.array([1.0]), "y": np.array([2.0])}, dout=None, batch=2)
    assert (d.line(), d.cause) == ("out[0]: yours 4, expected 2", None)
