"""The learner's layers beside the built-in ones (issue 14, items 2 and 6):
examples/book_layers.py agrees with the built-in layers on every bundled
scenario, every mistake in examples/buggy_layers.py is found on its layer and
output with its first entry and cause, and compare() tells noise from a
difference and names the likely cause: each cause only for its own layer and
output, at the contract's tolerances, and how numbers that differ are printed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import FORWARD, bundled, load, run
from backprop_engine.layers import LAYER_TYPES
from backprop_engine.learner.compare import ATOL, RTOL, Difference, compare

pytestmark = pytest.mark.engine

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


def cause(name, yours, expected, **kw):
    d = compare(name, np.asarray(yours, dtype=float), np.asarray(expected, dtype=float), **kw)
    assert d is not None, "they agree"
    return d.cause


def kw(layer, dout=None, batch=None, **inputs):
    return {"layer_type": layer, "inputs": inputs, "dout": None if dout is None else np.asarray(dout, dtype=float),
            "batch": batch}


# -- compare(): printing and parsing -----------------------------------------------------------

def test_minus_zero_is_printed_as_0_on_either_side():
    """-0.0 is printed as 0, yours or expected."""
    assert compare("dx", [1.0], [-0.0], **kw("Mul")).line() == "dx[0]: yours 1, expected 0"
    assert compare("dx", [-0.0], [1.0], **kw("Mul")).line() == "dx[0]: yours 0, expected 1"


def test_two_equal_numbers_are_shown_by_their_repr():
    """A first entry that no digit count tells apart is printed by its repr, yours and expected."""
    def line(a, b):
        return Difference("dx", np.array([a]), np.array([b]), np.array([True]), (0,), None).line()
    assert line(0.1, 0.1) == "dx[0]: yours 0.1, expected 0.1"
    assert line(2.5, -0.0 + 2.5) == "dx[0]: yours 2.5, expected 2.5"


def test_yours_is_kept_as_float64_whatever_was_handed():
    """compare turns lists of ints into float64 arrays, yours and expected."""
    d = compare("dx", [1, 2], [1, 3], **kw("Mul"))
    assert d.yours.dtype == np.float64 and d.expected.dtype == np.float64
    assert d.line() == "dx[1]: yours 2, expected 3"


@pytest.mark.parametrize("yours, expected", [("abc", [1.0]), ([1.0], "abc")])
def test_something_that_is_not_numbers_is_a_type_error_naming_the_output(yours, expected):
    """TypeError: "<name>: not an array of numbers (<type>)", for yours or expected."""
    with pytest.raises(TypeError, match=r"^dW: not an array of numbers \(str\)$"):
        compare("dW", yours, expected, **kw("Affine"))


def test_the_books_class_names_are_read_as_their_types():
    """layer_type "MulLayer" gets the Mul causes."""
    d = compare("dx", [6.0], [3.0], **kw("MulLayer", dout=[1.0], x=[6.0], y=[3.0]))
    assert d.cause == "dx = dout × x: ∂(x·y)/∂x is y, so dx = dout × y (the inputs swapped)"


# -- the tolerances -------------------------------------------------------------------

def test_nan_on_both_sides_agrees_and_a_nan_on_one_side_differs():
    """equal_nan: nan where expected has nan is no difference; the other entries still count."""
    assert compare("dx", [np.nan, 1.0], [np.nan, 1.0], **kw("Mul")) is None
    d = compare("dx", [np.nan, 2.0], [np.nan, 1.0], **kw("Mul"))
    assert d.differs.tolist() == [False, True]


def test_1e_10_beside_0_differs_and_1e_13_does_not():
    """atol 1e-12, not numpy's 1e-8: 1e-10 where 0 is expected is a difference."""
    assert compare("dx", [1e-13], [0.0], **kw("Mul")) is None
    assert compare("dx", [1e-10], [0.0], **kw("Mul")).first == (0,)


def test_a_cause_needs_the_contracts_tolerances_too():
    """3 × expected off by 1e-7 relative, or by 1e-10 beside a 0, is no 'divide by N' (rtol 1e-9, atol 1e-12)."""
    e = np.array([1.0, -2.0])
    assert cause("dW", 3 * e * (1 + 1e-7), e, **kw("Affine", batch=3)) is None
    assert cause("dW", [3.0, 1e-10], [1.0, 0.0], **kw("Affine", batch=3)) is None
    assert cause("dW", [3.0, np.nan], [1.0, np.nan], **kw("Affine", batch=3)) == (
        "yours = 3 × expected: divide by the batch size N = 3")


# -- the causes, each for its own layer and output -----------------------------------

def test_a_batch_of_two_is_named_for_both_directions():
    """N = 2: yours = 2 × expected and yours = expected / 2; on the loss, in cross_entropy_error."""
    assert cause("dx", [2.0, 4.0], [1.0, 2.0], **kw("SoftmaxWithLoss", batch=2)) == (
        "yours = 2 × expected: divide by the batch size N = 2")
    assert cause("dx", [0.5, 1.0], [1.0, 2.0], **kw("SoftmaxWithLoss", batch=2)) == (
        "yours = expected / 2: divide by the batch size N = 2 only once, in SoftmaxWithLoss's backward")
    assert cause("out", 0.5, 1.0, **kw("SoftmaxWithLoss", batch=2)) == (
        "yours = expected / 2: divide by the batch size N = 2 only once, in cross_entropy_error")


def test_a_transposed_result_named_without_a_product_when_the_output_has_none():
    """A transposed shape or a transposed square for "out": no '(out = ...)' example."""
    e = np.arange(6.0).reshape(2, 3)
    assert cause("out", e.T, e, **kw("Affine")) == "shapes swapped: a transposed product"
    s = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert cause("out", s.T, s, **kw("Affine")) == "yours is expected transposed: a transposed product"


def test_a_3d_dx_reversed_is_not_called_transposed():
    """Only a square matrix can be 'expected transposed': a (2, 3, 2) dx with its axes reversed is not."""
    e = np.arange(12.0).reshape(2, 3, 2)
    assert cause("dx", e.T, e, **kw("Affine", batch=2)) is None


def test_a_dx_not_reshaped_back_is_named_with_both_shapes():
    """Affine's dx of x's size but not its shape: reshape it back; other outputs and layers, and another size, not."""
    e = np.arange(6.0).reshape(2, 1, 3)
    assert cause("dx", e.reshape(2, 3), e, **kw("Affine", batch=2)) == (
        "dx has shape (2, 3), x has (2, 1, 3): reshape dx back to x's shape, dx.reshape(*self.original_x_shape)")
    assert cause("dx", e.reshape(2, 3), e, **kw("Relu")) is None
    assert cause("db", np.ones((1, 3)), np.ones(3), **kw("Affine", dout=np.ones((2, 3)), batch=2)) is None
    assert cause("dx", np.ones((4, 3)), np.ones((4, 2)), **AFFINE) is None


def test_only_affines_db_of_douts_shape_is_unsummed():
    """A Mul's dx of dout's shape is not a db mistake."""
    assert cause("dx", np.ones((2, 3)), np.ones(3), **kw("Mul", dout=np.ones((2, 3)), x=np.ones(3))) is None


def test_db_checks_need_affine_db_and_a_batch_of_dout_rows():
    """db against dout's rows only for Affine's db with a 2-D dout; a 1-D dout or none is no cause."""
    assert cause("db", [0.1, -0.2, 0.3], [0.0, 0.0, 0.0], **kw("Affine", dout=[0.1, -0.2, 0.3])) is None
    assert cause("db", [0.1, -0.2, 0.3], [0.0, 0.0, 0.0], **kw("Affine")) is None
    assert cause("dx", DOUT[0], [9.0, 9.0, 9.0], **AFFINE) is None


def test_the_swapped_mul_needs_a_mul_a_dout_and_the_swapped_product():
    """Add's dx = dout·x is no swap; a Mul without dout, or whose dx is not dout·x, has no cause."""
    x, y, dout = np.array([2.0, 3.0]), np.array([5.0, 7.0]), np.array([1.0, 1.0])
    assert cause("dx", dout * x, dout, **kw("Add", dout=dout, x=x, y=y)) is None
    assert cause("dx", dout * x, dout * y, **kw("Mul", x=x, y=y)) is None
    assert cause("dx", dout * y + 1, dout * y, **kw("Mul", dout=dout, x=x, y=y)) is None


def test_a_zero_gradient_is_the_add_nodes_cause_only_for_an_add_that_gave_0():
    """A Mul's 0 is no add-node cause; an Add's 2·dout is not '0'."""
    dout = np.array([1.0, 2.0])
    assert cause("dx", [0.0, 0.0], dout, **kw("Mul", dout=dout, x=[3.0, 4.0], y=[1.0, 1.0])) is None
    assert cause("dy", 2 * dout, dout, **kw("Add", dout=dout)) is None


def test_the_sigmoids_missing_factor_needs_its_dx_a_dout_and_x():
    """dout·y named for Sigmoid's dx only: not without dout, not for out, not for a Relu."""
    x, dout = np.array([0.5, -1.0]), np.array([1.0, 2.0])
    y = 1 / (1 + np.exp(-x))
    assert cause("dx", dout * y, dout * y * (1 - y), **kw("Sigmoid", dout=dout, x=x)) == (
        "dx = dout × y: the factor (1 − y) is missing, dx = dout × (1 − y) × y")
    assert cause("dx", dout * y, dout * y * (1 - y), **kw("Sigmoid", dout=dout)) is None
    assert cause("dx", [np.nan, np.nan], [1.0, 1.0], **kw("Sigmoid", x=x)) is None
    assert cause("out", dout * y, y, **kw("Sigmoid", dout=dout, x=x)) is None
    assert cause("dx", dout * y, dout * (x > 0), **kw("Relu", dout=dout, x=x)) is None


LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
ONE_HOT = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
NO_DELTA = "yours is the cross-entropy without the 1e-7 that the book adds inside the log, log(y + 1e-7)"


def cross_entropy(x, labels, delta):
    x2d = np.atleast_2d(x)
    y = np.exp(x2d - x2d.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    return -np.log(y[np.arange(len(y)), labels] + delta).mean()


@pytest.mark.parametrize("x, t, labels", [
    (LOGITS, ONE_HOT, [0, 2]),
    (LOGITS, np.array([0.0, 2.0]), [0, 2]),
    (np.array([0.3, -0.2, 1.5]), np.array([1.0]), [1]),
    (np.array([0.3, -0.2, 1.5]), np.array([0.0, 1.0, 0.0]), [1]),
    (np.array([[1000.0, 990.0, 980.0], [0.0, -1.0, -2.0]]), np.array([1.0, 0.0]), [1, 0]),
])
def test_the_loss_without_the_books_1e_7_is_named(x, t, labels):
    """One-hot or label t, a batch or a 1-D x, scores of very different sizes: the exact cross-entropy is named."""
    exact, book = cross_entropy(x, labels, 0.0), cross_entropy(x, labels, 1e-7)
    assert cause("out", exact, book, **kw("SoftmaxWithLoss", x=x, t=t, batch=len(np.atleast_2d(x)))) == NO_DELTA


def test_the_loss_cause_needs_the_loss_with_x_and_t():
    """Without t, or for dx, the cross-entropy is not computed."""
    exact = cross_entropy(LOGITS, [0, 2], 0.0)
    assert cause("out", exact, exact + 1e-3, **kw("SoftmaxWithLoss", x=LOGITS)) is None


def test_the_relu_causes_need_relus_x_of_the_same_shape():
    """No x: no Relu cause; a Mul differing only at x = 0 is not told about Relu's mask."""
    assert cause("dx", [1.0, 2.0], [0.0, 2.0], **kw("Relu", dout=[1.0, 2.0])) is None
    assert cause("dx", [5.0, 2.0], [0.0, 2.0], **kw("Mul", dout=[1.0, 1.0], x=[0.0, 1.0], y=[0.0, 2.0])) is None


def test_the_mask_at_zero_is_judged_with_the_contracts_tolerances():
    """'Only at x = 0' judges the other entries with rtol 1e-9, atol 1e-12 and nan equal to nan."""
    x, dout = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    at_zero = "differs only at x = 0 exactly: the book's mask is x <= 0"
    relu = kw("Relu", dout=dout, x=x)
    assert cause("dx", [1.0, 2.0], [0.0, 2.0], **relu) == at_zero
    assert cause("dx", [1.0, 2.0 * (1 + 1e-7)], [0.0, 2.0], **relu) is None
    assert cause("dx", [1.0, 1e-10], [0.0, 0.0], **relu) is None
    assert cause("dx", [1.0, np.nan], [0.0, np.nan], **relu) == at_zero


def test_the_inverted_mask_needs_dx_and_a_dout():
    """The forward output or a dx without dout is never 'the mask is inverted'."""
    x = np.array([1.0, -2.0])
    assert cause("out", [0.0, 5.0], [1.0, 0.0], **kw("Relu", x=x)) is None
    assert cause("dx", [0.0, 5.0], [1.0, 0.0], **kw("Relu", x=x)) is None
    assert cause("dx", [0.0, 5.0], [1.0, 0.0], **kw("Relu", dout=[1.0, 5.0], x=x)) == (
        "the mask is inverted: dx = 0 where x <= 0, dx = dout where x > 0")
