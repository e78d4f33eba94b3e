"""compare() (backprop_engine/learner/compare.py) on the cases issue 17's
mutation score found untested: each cause only for its own layer and output,
the cross-entropy without the 1e-7, a dx not reshaped, N = 2, nan on both sides,
the tolerances at their edge, and how numbers that differ are printed."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_engine.learner.compare import compare

X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 0.0]])
W = np.array([[0.5, -0.4, 0.3], [0.2, 0.6, -0.8]])
DOUT = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [1.0, -1.1, 1.2]])
AFFINE = {"layer_type": "Affine", "inputs": {"x": X, "W": W, "b": np.zeros(3)}, "dout": DOUT, "batch": 4}


def cause(name, yours, expected, **kw):
    d = compare(name, np.asarray(yours, dtype=float), np.asarray(expected, dtype=float), **kw)
    assert d is not None, "they agree"
    return d.cause


def kw(layer, dout=None, batch=None, **inputs):
    return {"layer_type": layer, "inputs": inputs, "dout": None if dout is None else np.asarray(dout, dtype=float),
            "batch": batch}


# -- printing and parsing -----------------------------------------------------------

def test_minus_zero_is_printed_as_0_on_either_side():
    """_apart adds 0.0 to both numbers: -0.0 shows as 0, yours or expected."""
    assert compare("dx", [1.0], [-0.0], **kw("Mul")).line() == "dx[0]: yours 1, expected 0"
    assert compare("dx", [-0.0], [1.0], **kw("Mul")).line() == "dx[0]: yours 0, expected 1"


def test_two_equal_numbers_are_shown_by_their_repr():
    """_apart of numbers no digit count tells apart gives their repr."""
    from backprop_engine.learner.compare import _apart
    assert _apart(0.1, 0.1) == ("0.1", "0.1")
    assert _apart(2.5, -0.0 + 2.5) == ("2.5", "2.5")


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
