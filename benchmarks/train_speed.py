"""How fast mini-batch training runs, against a plain numpy loop of the same math.

What it measures
----------------
The bundled ``digits`` scenario (Affine 64-50, Relu, Affine 50-10,
SoftmaxWithLoss; batches of 100 of the 8×8 digits, lr 0.1) is trained for
``ITERATIONS`` iterations two ways, from the same starting parameters:

* train: ``backprop_engine.train.MiniBatchSGD(scenario)`` and ``step()`` once
  per iteration -- what ``--train`` and the app's ``t``/``T`` do;
* numpy: the book's training loop (5.7.4, ``train_neuralnet.py`` with
  ``TwoLayerNet``) written out as one plain loop, below: no classes, no
  dictionaries of layers.

The numpy loop does the same work as the training path and no more: it draws
each batch's rows as the data set does (epoch ``e`` is the permutation of the
training rows drawn from ``default_rng([seed, e])``), gathers them from the
same raw uint8 array and scales by 16 into float64; forward through Affine,
Relu (``np.where`` on the mask), Affine and SoftmaxWithLoss; backward through
all four, Affine's dx of the input x included (x is in ``[values]``, so the
training path computes its gradient too); the SGD update ``p -= lr * grad``;
and, as the book records it, the loss on the same batch after the update (a
second forward pass). Where the book's own code is the simplest way, it is
used: the labels index the softmax output (``y[np.arange(N), t]``) instead of
making a one-hot matrix, and the update writes into the loop's own arrays.

Before timing, both run ``CHECK_ITERATIONS`` iterations and must give the
same parameters and the same losses (``np.allclose``); otherwise the script
exits non-zero, so it cannot quietly compare different work.

The two are then interleaved in one process -- a warm-up round, then
``ROUNDS`` rounds, each one full run of each side (``ITERATIONS``
iterations), the two taking turns ``BLOCK`` iterations at a time (the side
going first alternating), each side's blocks timed with
``time.perf_counter`` and summed -- so that drift in CPU frequency, BLAS
threads or a burst of other load hits both alike. On a very busy machine
the rounds stop early once ``BUDGET`` seconds have passed (at least
``MIN_ROUNDS``). The garbage collector stays enabled: collecting what the
training path makes (its dictionaries of values, gradients and what each
layer keeps) is part of its cost.

Output: the median and min time of each side for the whole run, in ms, and per
iteration, in µs; both runs' test accuracy (the same work reaches the same
accuracy); ``overhead: N µs per iteration`` (median train minus median numpy,
per iteration: what the training path adds); the median of the per-round
ratios; and as the last line ``ratio train/numpy (digits): X.XX``, the median
train time over the median numpy time. The goal (issue 13, item 8) is at most
1.25.

Where the difference goes: most of an iteration is numpy on both sides (the
eight matrix products alone take about 70 µs, 40 %). What the training path
adds is about 25-30 µs of an iteration's ~180 µs on these machines: calling
the layers of ``backprop_engine/layers.py`` themselves (their loss takes the
log of all N×C softmax outputs against one-hot rows where the book's loop
picks N; each returns a dictionary of what it keeps; Affine reshapes), and
the loop over any scenario's layers (``train.Net``: the values and gradients
by name, ``sum_to`` and the dtype check on each gradient). The overhead is a
roughly fixed number of microseconds, so the ratio depends on how fast numpy
is: read it on an otherwise idle machine. Under load (these machines have two
cores, shared) the rounds spread; the min times are printed beside the
medians as a check.

How to run
----------
From the repository root, with the package installed (editable is fine)::

    python benchmarks/train_speed.py

It takes about ten seconds (well under 40 s).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import numpy as np

from backprop_engine import load, resolve
from backprop_engine.train import MiniBatchSGD, accuracy

SCENARIO = "digits"
PARAMS = ("W1", "b1", "W2", "b2")
ITERATIONS = 1000       # per timed run, as the goal
BLOCK = 50              # iterations a side runs before the other side's turn
CHECK_ITERATIONS = 5    # run by both before timing; they must agree
WARMUP = 1              # rounds, untimed
ROUNDS = 21             # timed rounds
BUDGET = 30.0           # seconds for the timed rounds; past it, stop after MIN_ROUNDS
MIN_ROUNDS = 7


def train_run(scenario, iterations: int):
    """The training path: ``MiniBatchSGD.step()`` once per iteration. Like
    ``numpy_run``, a generator that pauses after every ``BLOCK`` iterations
    (see ``timed_round``) and at the end returns the params and the losses."""
    sgd = MiniBatchSGD(scenario)
    losses = []
    for i in range(iterations):
        losses.append(sgd.step())
        if (i + 1) % BLOCK == 0:
            yield
    return {n: sgd.leaves[n] for n in PARAMS}, losses


def softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def numpy_run(scenario, iterations: int):
    """The book's training loop (5.7.4) on the same batches, as plain numpy."""
    data = scenario.data
    X, T, train_rows, seed = data.x, data.t, data.train_rows, data.seed  # raw: uint8 pixels 0-16
    batch, per_epoch, lr = data.spec.batch, data.per_epoch, scenario.lr
    W1, b1, W2, b2 = (scenario.leaves[n].copy() for n in PARAMS)
    losses = []
    for i in range(iterations):
        epoch, k = divmod(i, per_epoch)
        if k == 0:
            order = train_rows[np.random.default_rng([seed, epoch]).permutation(len(train_rows))]
        rows = order[k * batch:(k + 1) * batch]
        x, t = X[rows] / 16.0, T[rows]
        # forward: Affine, Relu, Affine, SoftmaxWithLoss (the book's gradient() starts with loss())
        a1 = x @ W1 + b1
        mask = a1 <= 0
        h1 = np.where(mask, 0.0, a1)
        a2 = h1 @ W2 + b2
        y = softmax(a2)
        loss = -np.sum(np.log(y[np.arange(batch), t] + 1e-7)) / batch  # noqa: F841 (the same work)
        # backward: SoftmaxWithLoss, Affine, Relu, Affine (dx too)
        da2 = y.copy()
        da2[np.arange(batch), t] -= 1
        da2 /= batch
        dW2, db2, dh1 = h1.T @ da2, da2.sum(axis=0), da2 @ W2.T
        da1 = np.where(mask, 0.0, dh1)
        dW1, db1, dx = x.T @ da1, da1.sum(axis=0), da1 @ W1.T  # noqa: F841 (dx: the same work)
        # the update, then the loss on this batch as the book records it
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        a1 = x @ W1 + b1
        y = softmax(np.where(a1 <= 0, 0.0, a1) @ W2 + b2)
        losses.append(float(-np.sum(np.log(y[np.arange(batch), t] + 1e-7)) / batch))
        if (i + 1) % BLOCK == 0:
            yield
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, losses


# -- checking and timing ------------------------------------------------------

def finish(run):
    """A side's run, to its end at once: what it returns."""
    try:
        while True:
            next(run)
    except StopIteration as done:
        return done.value


def timed_round(scenario, first: int) -> tuple[list[float], list]:
    """One full run of each side, ``BLOCK`` iterations of one, then of the
    other, in turn (side ``first`` starting, then the order alternating), so a
    burst of load from another process hits both alike: the seconds each side
    took in all, and what each returned."""
    runs = [side(scenario, ITERATIONS) for side in SIDES]
    spent, results, order = [0.0, 0.0], [None, None], (first, 1 - first)
    while None in results:
        for k in order:
            if results[k] is None:
                t0 = time.perf_counter()
                try:
                    next(runs[k])
                except StopIteration as done:
                    results[k] = done.value
                spent[k] += time.perf_counter() - t0
        order = order[::-1]
    return spent, results


def check(scenario) -> None:
    """Exit non-zero unless both sides give the same params and losses."""
    mine, my_losses = finish(train_run(scenario, CHECK_ITERATIONS))
    plain, plain_losses = finish(numpy_run(scenario, CHECK_ITERATIONS))
    problems = [f"{n}: max |train - numpy| = {np.abs(mine[n] - plain[n]).max():.3g}"
                for n in PARAMS if not np.allclose(mine[n], plain[n], rtol=1e-12, atol=1e-12)]
    if not np.allclose(my_losses, plain_losses, rtol=1e-12, atol=1e-12):
        problems.append(f"losses: train {my_losses}, numpy {plain_losses}")
    if problems:
        sys.exit("train_speed: the two loops disagree, not timing:\n  " + "\n  ".join(problems))
    print(f"check: after {CHECK_ITERATIONS} iterations the params {', '.join(PARAMS)} and the "
          f"losses agree (np.allclose, 1e-12); last loss {my_losses[-1]:.6f}")


SIDES = (train_run, numpy_run)


def held_out_accuracy(scenario, params) -> float:
    return accuracy(scenario, {**scenario.leaves, **params})["test"]


def main() -> None:
    scenario = load(resolve(SCENARIO))
    check(scenario)

    for r in range(WARMUP):
        timed_round(scenario, r % 2)
    gc.collect()
    times: tuple[list[float], list[float]] = ([], [])  # train, numpy
    start = time.perf_counter()
    for r in range(ROUNDS):
        if r >= MIN_ROUNDS and time.perf_counter() - start > BUDGET:
            break  # a very busy machine: stop early rather than run for minutes
        spent, finals = timed_round(scenario, r % 2)  # no side always goes first
        for k in (0, 1):
            times[k].append(spent[k])
    elapsed = time.perf_counter() - start
    mine, plain = times
    print(f"{SCENARIO}: {len(mine)} rounds of {ITERATIONS:,} iterations per side, interleaved "
          f"{BLOCK} at a time ({elapsed:.1f} s), numpy {np.__version__}, Python {sys.version.split()[0]}")
    for label, ts, (params, losses) in (("train", mine, finals[0]), ("numpy", plain, finals[1])):
        med = statistics.median(ts)
        print(f"{label:<5}: median {med * 1e3:.1f} ms ({med / ITERATIONS * 1e6:.0f} µs per iteration), "
              f"min {min(ts) * 1e3:.1f} ms; last loss {losses[-1]:.4f}, "
              f"test accuracy {held_out_accuracy(scenario, params):.1%}")
    overhead = (statistics.median(mine) - statistics.median(plain)) / ITERATIONS
    print(f"overhead: {overhead * 1e6:.0f} µs per iteration")
    print(f"median of per-round ratios: {statistics.median(a / b for a, b in zip(mine, plain)):.2f}")
    print(f"ratio train/numpy ({SCENARIO}): {statistics.median(mine) / statistics.median(plain):.2f}")


if __name__ == "__main__":
    main()
