"""Gradient descent (5.7.4): p <- p - lr * dL/dp for each p of the scenario's
``[train] params`` (default: all of ``[values]``); the other values keep their
gradients but are never changed."""

from __future__ import annotations

import numpy as np

from .engine import BACKWARD, FORWARD, backward, forward, loss, loss_at, run
from .learner.beside import check_of, recorded
from .scenario import Scenario


def sgd_step(scenario: Scenario, lr: float | None = None) -> tuple[float, Scenario]:
    """One step: the loss before it, and the scenario with updated values."""
    lr = scenario.lr if lr is None else lr
    if not lr > 0:
        raise ValueError(f"the learning rate must be > 0, got {lr!r}")
    engine = run(scenario)
    for step in engine.steps() if scenario.ops else ():
        stop_if_failed(check_of(step))
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
        return [*losses, loss_at(trained, trained.leaves)], trained


class LayerFailed(RuntimeError):
    """--layers: the learner's code failed in a training step; training
    stops there rather than go on with the built-in layer's numbers."""

    def __init__(self, check):
        super().__init__(f"your {check.cls}.{check.phase} failed: {check.error}")
        self.check = check


def stop_if_failed(check) -> None:
    if check is not None and check.error:
        raise LayerFailed(check)


# -- mini-batch SGD over [data] (5.7.4) ---------------------------------------

class Net:
    """A scenario's layers as the book's ``TwoLayerNet`` holds them (5.7.2):
    forward and backward called directly (``engine.forward``,
    ``engine.backward``), with no step records."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.output, self.dout = scenario.output, scenario.dout
        self.own = bool(scenario.ops)  # --layers: training stops where the learner's code fails

    def forward(self, values: dict[str, np.ndarray], layers: int | None = None) -> list[dict]:
        """The layers (the first ``layers`` of them) forward in file order, each
        output put into ``values``; what each keeps for its backward (the
        book's ``self.x``, ``self.mask`` ...)."""
        saved = forward(self.scenario, values, layers)
        for kept in saved if self.own else ():
            stop_if_failed(recorded(kept, FORWARD))
        return saved

    def loss(self, values: dict[str, np.ndarray]) -> float:
        """The number backward differentiates (``engine.loss``): the output
        times dout, summed (the output itself for a scalar loss)."""
        product = values[self.output] * self.dout
        return float(product if product.ndim == 0 else product.sum())

    def gradients(self, leaves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Forward, then each layer backward in reverse, as the book's
        ``TwoLayerNet.gradient``: the gradient of every value reached."""
        values = dict(leaves)
        saved = self.forward(values)
        grads = backward(self.scenario, values, saved)
        for kept in reversed(saved) if self.own else ():
            stop_if_failed(recorded(kept, BACKWARD))
        return grads


def gradients(scenario: Scenario, leaves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Backprop without records (``Net.gradients``): the gradient of every
    value the backward pass reaches from ``leaves`` (constants have none)."""
    return Net(scenario).gradients(leaves)


def label_classes(scenario: Scenario) -> int | None:
    """The number of classes C when ``[data]``'s labels go only into
    SoftmaxWithLoss layers, as their t; else None. Such a layer makes one-hot
    rows (N, C) of the labels at every call, twice an iteration; the trainer
    makes them once a batch and hands them over instead (the same numbers), as
    the book's training loop loads MNIST with ``one_hot_label=True`` (5.7.4)."""
    t = scenario.data.spec.t
    users = [spec for spec in scenario.layers if t in spec.inputs]
    if scenario.data.spec.one_hot or any(s.type != "SoftmaxWithLoss" or s.inputs[0] == t for s in users):
        return None
    classes = {scenario.shapes[s.inputs[0]][-1] for s in users}
    return classes.pop() if len(classes) == 1 else None


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Labels (N,) as one-hot rows (N, C), made as SoftmaxWithLoss makes them."""
    return np.eye(classes)[labels.astype(np.intp)]


class MiniBatchSGD:
    """Mini-batch SGD over a scenario's ``[data]``, as the book's training loop
    (5.7.4): each iteration takes the next batch, computes the gradients, moves
    each trained param by -lr·grad and records the loss on that batch after
    the update. It keeps no step history; ``scenario`` gives the result.

    ``leaves`` are the arrays it works on: an update makes new arrays (none
    is ever written to, so those handed out stay as they were), and t may hold
    the labels as one-hot rows (``label_classes``)."""

    def __init__(self, scenario: Scenario, lr: float | None = None):
        if scenario.data is None:
            raise ValueError("mini-batch SGD needs a scenario with [data]")
        self.start, self.lr = scenario, scenario.lr if lr is None else lr
        if not self.lr > 0:
            raise ValueError(f"the learning rate must be > 0, got {self.lr!r}")
        self.iteration, self.trained, self.net = scenario.iteration, scenario.trained, Net(scenario)
        self._x, self._t = scenario.data.spec.x, scenario.data.spec.t
        self._classes = label_classes(scenario)
        self.leaves = dict(scenario.leaves)
        if self._classes:
            self.leaves[self._t] = one_hot(self.leaves[self._t], self._classes)

    @property
    def epoch_end(self) -> bool:
        """Whether the iteration done last ended an epoch."""
        return self.iteration > 0 and self.iteration % self.start.data.per_epoch == 0

    def step(self) -> float:
        """One iteration: the loss on its batch after the update."""
        leaves, lr, net = self.leaves, self.lr, self.net
        grads = net.gradients(leaves)
        for name in self.trained:
            leaves[name] = leaves[name] - lr * grads[name]
        values = dict(leaves)
        net.forward(values)
        now = net.loss(values)
        self.iteration += 1
        x, t = self.start.data.batch(self.iteration)
        leaves[self._x], leaves[self._t] = x, one_hot(t, self._classes) if self._classes else t
        return now

    def loss(self) -> float:
        """The loss on the current batch (the next iteration's), before it trains."""
        values = dict(self.leaves)
        self.net.forward(values)
        return self.net.loss(values)

    def accuracy(self) -> dict[str, float | None]:
        """The share of training and of test rows that the net classifies right."""
        return accuracy(self.start, self.leaves)

    @property
    def scenario(self) -> Scenario:
        """The scenario trained so far: the params updated, x and t the next batch."""
        return self.start.at_iteration(self.iteration, **{n: self.leaves[n] for n in self.trained})


def accuracy(scenario: Scenario, leaves) -> dict[str, float | None]:
    """For a net ending in SoftmaxWithLoss on ``[data]``'s labels: the share
    of rows whose highest score (the loss layer's input) is the label, over
    the training rows and over the test rows (None without a test set, or
    when the net ends otherwise). Rows go through in batches of the
    scenario's size, a last short one filled up with rows counted once, so
    that every value keeps the shape the net was checked with."""
    data, last = scenario.data, scenario.layers[-1]
    if last.type != "SoftmaxWithLoss" or last.inputs[1] != data.spec.t:
        return {"train": None, "test": None}
    out, net, values, batch = {"train": None, "test": None}, Net(scenario), dict(leaves), data.spec.batch
    for name, (x, labels, rows) in data.sets().items():
        right = 0
        for k in range(0, len(rows), batch):
            chunk = rows[k:k + batch]
            filled = chunk if len(chunk) == batch else np.resize(chunk, batch)  # rows repeated to a batch
            values[data.spec.x] = data.inputs(x, filled)
            net.forward(values, layers=-1)  # up to the scores: the loss needs no labels
            scores = np.atleast_2d(values[last.inputs[0]])[:len(chunk)]  # a 1-D x is one row
            right += int(np.count_nonzero(scores.argmax(axis=-1) == labels[chunk]))
        out[name] = right / len(rows)
    return out
