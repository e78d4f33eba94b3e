"""The numerical gradient and its two verdicts (backprop_engine/gradcheck.py):
the book's form (5.7.3) on a final output that is not a loss (dout a row per
sample, cut with x), a trained param the backward pass never reaches, the
exact cross-entropy for one-hot t, a 1-D x, large scores and a dout of 2, the
clock of each side, and overflow kept quiet; the sampled check at a Relu kink,
its sample and step, and a gradient 0.1 % off; the nudge and ``[expect]``.
The book's form on digits and in the app: test_book_check.py."""

from __future__ import annotations

import itertools
import math
import tomllib
import warnings

import numpy as np
import pytest

from backprop_engine import bundled, load, run
from backprop_engine import gradcheck
from backprop_engine.gradcheck import (ExpectCheck, book_check, book_check_steps, check_expect,
                                       check_gradients, loss_and_sides, nudge, numerical_gradient, sample_entries)
from backprop_engine.layers import Mul
from backprop_engine.scenario import from_dict
from tests.test_engine import layer, scenario

pytestmark = pytest.mark.engine


BUNDLED = bundled()


ROWS = """
title = "rows"
[data]
source = "ok.npz"
batch = 4
[values]
V = [1.0, -1.0]
W = [[0.5, -0.4, 0.3], [0.2, 0.6, -0.8], [0.1, 0.1, 0.1], [-0.3, 0.2, 0.4]]
b = [0.0, 0.1, -0.1]
[[layers]]
type = "Relu"
inputs = ["V"]
output = "dead"
[[layers]]
type = "Affine"
inputs = ["x", "W", "b"]
output = "a"
[backward]
dout = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 1.0, 1.0]]
"""


@pytest.fixture
def rows(tmp_path):
    """A [data] net whose output is Affine's a (4, 3), dout a row per sample; V feeds a dead branch."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "ok.npz", x=rng.random((20, 4)), t=rng.integers(0, 3, 20))
    return from_dict(tomllib.loads(ROWS), tmp_path / "net.toml")


def test_the_book_check_cuts_a_row_per_sample_dout_with_x(rows):
    """samples = 2: dout's first 2 rows go with x's first 2; db is their sum; V, never reached, has 0 gradient."""
    r = book_check(rows, samples=2)
    assert r.samples == 2 and r.exact is False and r.ok
    by_name = {p.name: p for p in r.params}
    assert by_name["b"].backprop.tolist() == [5.0, 7.0, 9.0]
    assert by_name["V"].backprop.tolist() == [0.0, 0.0] and by_name["V"].numeric.tolist() == [0.0, 0.0]
    x = rows.leaves["x"][:2]
    np.testing.assert_allclose(by_name["W"].backprop, x.T @ rows.dout[:2], rtol=1e-15)


def test_the_book_check_times_each_side(monkeypatch):
    """The adjusted side is exact on a SoftmaxWithLoss net; a tick-a-call clock gives 1 tick an entry
    and a median of 5."""
    ticks = itertools.count()
    monkeypatch.setattr(gradcheck.time, "perf_counter", lambda: float(next(ticks)))
    calls = []
    real = gradcheck.gradients
    monkeypatch.setattr(gradcheck, "gradients", lambda *a: calls.append(1) or real(*a))
    steps = book_check_steps(load(bundled()["digits"]), samples=1)
    while True:
        try:
            next(steps)
        except StopIteration as end:
            r = end.value
            break
    assert r.exact is True and r.samples == 1 and r.entries == 3760
    assert r.numeric_seconds == 3760.0 and r.backprop_seconds == 1.0 and len(calls) == 5


def cross_entropy(rows, labels) -> float:
    """The mean of log(Σ exp(row)) − row[label], each log-sum-exp taken after the row's max."""
    total = 0.0
    for row, label in zip(rows, labels):
        top = max(row)
        total += top + math.log(math.fsum(math.exp(v - top) for v in row)) - row[label]
    return total / len(rows)


def test_the_exact_loss_is_the_cross_entropy_without_the_1e_7():
    """exact: log-softmax, no 1e-7; exact=False: the layer's own log(y + 1e-7); both: the two from
    one forward pass, as the book's check takes them."""
    x = [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]
    sc = scenario({"x": x}, [layer("SoftmaxWithLoss", ["x", "t"], "L")],
                  constants={"t": [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]})
    exact, masks = loss_and_sides(sc, exact=True)(sc.leaves)
    assert masks == [] and exact == pytest.approx(cross_entropy(x, [0, 2]), rel=1e-14)
    layered, _ = loss_and_sides(sc)(sc.leaves)
    assert layered == float(run(sc).values["L"]) and abs(layered - exact) > 1e-8
    pair, _ = loss_and_sides(sc, exact=True, both=True)(sc.leaves)
    assert pair.tolist() == [layered, exact]


BIG = [[1000.0, 990.0, 980.0], [0.0, -1.0, -2.0]]


@pytest.mark.parametrize("x, t, labels", [
    (BIG, [1, 0], [1, 0]),
    (BIG, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], [1, 0]),
    ([0.3, -0.2, 1.5], [1], [1]),
])
def test_the_exact_loss_takes_labels_one_hot_rows_a_1d_x_and_large_scores(x, t, labels):
    """Labels or one-hot t, a batch or a 1-D x, scores of 1000 beside scores of 0: the mean cross-entropy."""
    sc = scenario({"x": x}, [layer("SoftmaxWithLoss", ["x", "t"], "L")], constants={"t": t})
    got, _ = loss_and_sides(sc, exact=True)(sc.leaves)
    rows = x if isinstance(x[0], list) else [x]
    assert got == pytest.approx(cross_entropy(rows, labels), rel=1e-14)


def test_the_exact_loss_is_times_dout():
    """A dout of 2 on the loss doubles the function the numerical side differentiates."""
    sc = scenario({"x": [[0.3, -0.2, 1.5]]}, [layer("SoftmaxWithLoss", ["x", "t"], "L")], constants={"t": [1]},
                  dout=2.0)
    got, _ = loss_and_sides(sc, exact=True)(sc.leaves)
    assert got == pytest.approx(2 * cross_entropy([[0.3, -0.2, 1.5]], [1]), rel=1e-14)


def test_the_book_check_shows_overflow_as_a_failure_not_a_warning():
    """Weights of 1e308 (numpy warns of overflow in matmul): inf and nan fail the check, no RuntimeWarning escapes."""
    sc = load(bundled()["digits"])
    sc = sc.with_leaves(W1=sc.leaves["W1"] * 1e308)
    with warnings.catch_warnings(), np.errstate(all="raise"):  # whatever the process's numpy state
        warnings.simplefilter("error")
        r = book_check(sc, samples=1)
    assert not r.ok and "W1" in r.failed


def test_the_sampled_check_takes_the_sample_size_it_is_given():
    """check_gradients(sample=3): 3 entries of W1 (of 8), not the default 20."""
    sc = load(bundled()["affine_softmax"])
    checks = {c.name: c for c in check_gradients(sc, sample=3)}
    assert checks["W1"].entries.tolist() == [4, 5, 7] and checks["W1"].sampled
    assert len(check_gradients(sc)[0].entries) == 6


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


# -- the sampled check, the nudge, [expect] --------------------------------------------------

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
    f = loss_and_sides(sc)

    def of_x(x):
        return f({**sc.leaves, "x_fused": x})
    coarse = np.array([g for g, _ in numerical_gradient(of_x, sc.leaves["x_fused"], [0], h=0.5)])
    assert coarse.tolist() == [0.19511514499178895]  # σ(1.5) − σ(0.5)
    fine = np.array([g for g, _ in numerical_gradient(of_x, sc.leaves["x_fused"], [0])])
    assert abs(fine[0] - 0.19661193324148185) < 1e-10


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


def test_each_expect_check_carries_its_key():
    """check_expect gives one ExpectCheck per [expect] key, in file order, value or gradient."""
    checks = check_expect(load(BUNDLED["fanout"]))
    assert [c.key for c in checks] == ["f", "grad.x", "grad.y", "grad.z"]
    assert [float(c.actual) for c in checks] == [14.0, 7.0, 2.0, 2.0] and all(c.ok for c in checks)
    assert ExpectCheck("grad.k", np.array(1.0), None).ok is False


def test_the_gradient_check_fails_a_gradient_one_part_in_a_thousand_off(monkeypatch):
    """The oracle judges: a Mul whose backward is 0.1 % too large fails the
    check on every value it reaches, while the true one passes."""
    sc = scenario({"a": [1.5, -2.0], "b": [0.25, 3.0]}, [layer("Mul", ["a", "b"], "c")], dout=[1.0, 1.0])
    assert all(g.ok for g in check_gradients(sc))
    right = Mul.backward
    monkeypatch.setattr(Mul, "backward", lambda self, dout, saved: tuple(1.001 * g for g in right(self, dout, saved)))
    assert [g.ok for g in check_gradients(sc)] == [False, False]
