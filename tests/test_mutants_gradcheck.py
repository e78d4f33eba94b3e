"""The book's gradient check (5.7.3) and the sampled one on the cases issue
17's mutation score found untested: a final output that is not a loss (dout a
row per sample, cut with x), a trained param the backward pass never reaches,
the exact cross-entropy for one-hot t, a 1-D x, large scores and a dout of 2,
the clock of each side, and overflow kept quiet."""

from __future__ import annotations

import itertools
import math
import tomllib
import warnings

import numpy as np
import pytest

from backprop_engine import bundled, load, run
from backprop_engine import gradcheck
from backprop_engine.gradcheck import book_check, book_check_steps, book_loss, check_gradients
from backprop_engine.scenario import from_dict
from tests.test_engine import layer, scenario

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


def test_the_book_check_is_exact_by_default_and_times_each_side(monkeypatch):
    """book_check_steps is exact by default; a tick-a-call clock gives 1 tick an entry and a median of 5."""
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


def test_the_book_loss_is_the_exact_cross_entropy_by_default():
    """book_loss(sc) without exact: log-softmax, no 1e-7; exact=False: the layer's own log(y + 1e-7)."""
    x = [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]
    sc = scenario({"x": x}, [layer("SoftmaxWithLoss", ["x", "t"], "L")],
                  constants={"t": [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]})
    exact, masks = book_loss(sc)(sc.leaves)
    assert masks == [] and exact == pytest.approx(cross_entropy(x, [0, 2]), rel=1e-14)
    layered, _ = book_loss(sc, exact=False)(sc.leaves)
    assert layered == float(run(sc).values["L"]) and abs(layered - exact) > 1e-8


BIG = [[1000.0, 990.0, 980.0], [0.0, -1.0, -2.0]]


@pytest.mark.parametrize("x, t, labels", [
    (BIG, [1, 0], [1, 0]),
    (BIG, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], [1, 0]),
    ([0.3, -0.2, 1.5], [1], [1]),
])
def test_the_exact_loss_takes_labels_one_hot_rows_a_1d_x_and_large_scores(x, t, labels):
    """Labels or one-hot t, a batch or a 1-D x, scores of 1000 beside scores of 0: the mean cross-entropy."""
    sc = scenario({"x": x}, [layer("SoftmaxWithLoss", ["x", "t"], "L")], constants={"t": t})
    got, _ = book_loss(sc)(sc.leaves)
    rows = x if isinstance(x[0], list) else [x]
    assert got == pytest.approx(cross_entropy(rows, labels), rel=1e-14)


def test_the_exact_loss_is_times_dout():
    """A dout of 2 on the loss doubles the function the numerical side differentiates."""
    sc = scenario({"x": [[0.3, -0.2, 1.5]]}, [layer("SoftmaxWithLoss", ["x", "t"], "L")], constants={"t": [1]},
                  dout=2.0)
    got, _ = book_loss(sc)(sc.leaves)
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
