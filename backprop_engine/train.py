"""Gradient descent (5.7.4): p <- p - lr * dL/dp for each p of the scenario's
``[train] params`` (default: all of ``[values]``); the other values keep their
gradients but are never changed."""

from __future__ import annotations

import numpy as np

from .engine import forward_output, loss, run
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
