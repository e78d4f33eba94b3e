"""Gradient descent (5.7.4): p <- p - lr * dL/dp for each p of the scenario's
``[train] params`` (default: all of ``[values]``); the other values keep their
gradients but are never changed."""

from __future__ import annotations

import numpy as np

from .engine import forward_output, loss, run, sum_to
from .scenario import Scenario


def sgd_step(scenario: Scenario, lr: float | None = None) -> tuple[float, Scenario]:
    """One step: the loss before it, and the scenario with updated values."""
    lr = scenario.lr if lr is None else lr
    if not lr > 0:
        raise ValueError(f"the learning rate must be > 0, got {lr!r}")
    engine = run(scenario)
    before = loss(scenario, engine.values[scenario.output])
    updated = {n: engine.scenario.leaves[n] - lr * engine.grads[n]
               for n in scenario.trained if n in engine.grads}
    return before, scenario.with_leaves(**updated)


def train(scenario: Scenario, steps: int, lr: float | None = None) -> tuple[list[float], Scenario]:
    """``steps`` steps of gradient descent: the loss before each, and the result."""
    losses = []
    for _ in range(steps):
        loss, scenario = sgd_step(scenario, lr)
        losses.append(loss)
    return losses, scenario


def train_quietly(scenario: Scenario, steps: int, lr: float | None = None) -> tuple[list[float], Scenario]:
    """``train`` for a caller that shows inf and nan as results (the app's
    worker thread, which starts with numpy's default error handling): the
    loss before each step and after the last one, and the result."""
    with np.errstate(all="ignore"):
        losses, trained = train(scenario, steps, lr)
        return [*losses, loss(trained, forward_output(trained, trained.leaves))], trained


# -- mini-batch SGD over [data] (5.7.4) ---------------------------------------

def gradients(scenario: Scenario, leaves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Backprop without records: the layers called directly, each forward then
    each backward, as the book's ``TwoLayerNet.gradient`` does. The gradient of
    every value the backward pass reaches (constants have none)."""
    values, saved = dict(leaves), []
    for spec in scenario.layers:
        out, kept = spec.op.forward(*[values[n] for n in spec.inputs])
        values[spec.output] = out
        saved.append(kept)
    grads = {scenario.output: np.broadcast_to(scenario.dout, np.shape(values[scenario.output]))}
    constants = scenario.constants
    for spec, kept in zip(reversed(scenario.layers), reversed(saved)):
        dout = grads.get(spec.output)
        if dout is None:
            continue
        for name, g in zip(spec.inputs, spec.op.backward(dout, kept)):
            if g is not None and name not in constants:
                g = sum_to(np.asarray(g, dtype=np.float64), np.shape(values[name]))
                grads[name] = grads[name] + g if name in grads else g
    return grads


class MiniBatchSGD:
    """Mini-batch SGD over a scenario's ``[data]``, as the book's training loop
    (5.7.4): each iteration takes the next batch, computes the gradients, moves
    each trained param by -lr·grad and records the loss on that batch after
    the update. It keeps no step history; ``scenario`` gives the result."""

    def __init__(self, scenario: Scenario, lr: float | None = None):
        if scenario.data is None:
            raise ValueError("mini-batch SGD needs a scenario with [data]")
        self.start, self.lr = scenario, scenario.lr if lr is None else lr
        if not self.lr > 0:
            raise ValueError(f"the learning rate must be > 0, got {self.lr!r}")
        self.leaves = dict(scenario.leaves)
        self.iteration = scenario.iteration
        self._x, self._t = scenario.data.spec.x, scenario.data.spec.t

    @property
    def epoch_end(self) -> bool:
        """Whether the iteration done last ended an epoch."""
        return self.iteration > 0 and self.iteration % self.start.data.per_epoch == 0

    def step(self) -> float:
        """One iteration: the loss on its batch after the update."""
        leaves, lr = self.leaves, self.lr
        grads = gradients(self.start, leaves)
        for name in self.start.trained:
            leaves[name] = leaves[name] - lr * grads[name]
        now = loss(self.start, forward_output(self.start, leaves))
        self.iteration += 1
        leaves[self._x], leaves[self._t] = self.start.data.batch(self.iteration)
        return now

    def loss(self) -> float:
        """The loss on the current batch (the next iteration's), before it trains."""
        return loss(self.start, forward_output(self.start, self.leaves))

    def accuracy(self) -> dict[str, float | None]:
        """The share of training and of test rows that the net classifies right."""
        return accuracy(self.start, self.leaves)

    @property
    def scenario(self) -> Scenario:
        """The scenario trained so far: the params updated, x and t the next batch."""
        return self.start.at_iteration(self.iteration, **{n: self.leaves[n] for n in self.start.trained})


def accuracy(scenario: Scenario, leaves) -> dict[str, float | None]:
    """For a net ending in SoftmaxWithLoss on ``[data]``'s labels: the share
    of rows whose highest score (the loss layer's input) is the label, over
    the training rows and over the test rows (None without a test set, or
    when the net ends otherwise). Rows go through in chunks of a batch."""
    data, last = scenario.data, scenario.layers[-1]
    if last.type != "SoftmaxWithLoss" or last.inputs[1] != data.spec.t:
        return {"train": None, "test": None}
    out = {"train": None, "test": None}
    values = dict(leaves)
    for name, (x, labels, rows) in data.sets().items():
        right = 0
        for k in range(0, len(rows), data.spec.batch):
            chunk = rows[k:k + data.spec.batch]
            values[data.spec.x] = data.inputs(x, chunk)
            for spec in scenario.layers[:-1]:
                values[spec.output] = spec.op.forward(*[values[n] for n in spec.inputs])[0]
            scores = values[last.inputs[0]]
            right += int(np.count_nonzero(scores.argmax(axis=-1) == labels[chunk]))
        out[name] = right / len(rows)
    return out
