"""Training in the app (5.7.4): one run per scenario file read, with its
history, its worker and its pause. The step screen shows the scenario each
worker leaves, the training bar and the training view the history; the run
tells them by messages, as the worker goes."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np
from rich.text import Text
from textual.dom import DOMNode
from textual.message import Message

from backprop_engine import Scenario
from backprop_engine.train import LayerFailed, MiniBatchSGD, train_quietly

from .format import num

# An epoch of a small data set (digits: 14 iterations, 4 ms) is spread over
# this many seconds at least, so that the learner sees the loss fall and can
# pause it; a large one (MNIST: 600 iterations) runs at full speed.
EPOCH_SECONDS = 0.5


SAMPLING_TEXT = {  # how [data]'s batches are drawn, said where the data set is
    "epoch": "batches: a new order of the training rows each epoch",
    "choice": "batches: the book's np.random.choice each iteration",
}


def data_line(data, tr) -> tuple[str, str]:
    """The data set: its rows and an epoch's iterations; how its batches are drawn."""
    return (tr("{source}: {train} training rows, {test} test rows; an epoch is {n} iterations",
               source=data.spec.source, train=f"{len(data.train_rows):,}", test=f"{len(data.test_rows):,}",
               n=data.per_epoch), tr(SAMPLING_TEXT[data.spec.sampling]))


class Training(NamedTuple):
    """The gradient-descent steps taken in the app so far."""

    losses: tuple[float, ...] = ()     # the loss before each step
    lrs: tuple[float, ...] = ()        # the learning rate of each step
    now: float = 0.0                   # the loss after the last step

    def then(self, losses: list[float], lr: float) -> "Training":
        """After more steps: ``losses`` before each, then after the last one."""
        return Training((*self.losses, *losses[:-1]), (*self.lrs, *[lr] * (len(losses) - 1)), losses[-1])


class MiniBatchRun:
    """Mini-batch SGD in the app (a scenario with [data]): the loss after each
    iteration and the accuracy at each epoch's end, and what a running worker
    reads: how far to go and whether to pause. The worker appends to the lists
    (each append is whole); the screens read them."""

    def __init__(self, per_epoch: int, start: int):
        self.per_epoch, self.start = per_epoch, start
        self.losses: list[float] = []  # after iteration start + 1, start + 2, ...
        self.accuracy: list[tuple[int, float | None, float | None]] = []  # (iterations done, train, test)
        self.target = start  # the iteration the run goes to
        self.running = False  # a worker runs
        self.pause = threading.Event()  # set: the worker stops after the iteration under way
        self.stopped = ""  # --layers: why the learner's code stopped the run (shown until the next run)

    @property
    def iteration(self) -> int:
        """Iterations done: x and t hold the batch of the next one."""
        return self.start + len(self.losses)

    @property
    def epoch(self) -> tuple[int, int]:
        """The epoch under way, or just done (from 1), and how many of its iterations are done."""
        k = self.iteration
        e = max(k - 1, 0) // self.per_epoch
        return e + 1, k - e * self.per_epoch

    @property
    def paused(self) -> bool:
        """Stopped before the iteration it was asked to reach (space resumes)."""
        return not self.running and self.iteration < self.target

    @property
    def diverged(self) -> bool:
        return bool(self.losses) and not math.isfinite(self.losses[-1])

    def state(self, tr, in_view: bool = True) -> tuple[str, str]:
        """What the run does now, and its style (the keys as the training view has them, or not)."""
        if self.diverged:
            return tr("diverged: lower the lr ([ on the step screen)"), "bold red"
        if self.stopped and not self.running:
            return tr("stopped: {error}", error=self.stopped), "bold red"
        if self.running:
            return (tr("pausing…"), "yellow") if self.pause.is_set() else (tr("running"), "green")
        if not self.paused:
            return "", ""
        return tr("paused: space resumes") if in_view else tr("paused: v, then space, resumes"), "bold yellow"

    def summary(self, lr: float, output: str, tr) -> dict[str, Text]:
        """The parts of a status line: iteration, epoch, lr, the last loss, the last accuracy."""
        epoch, done = self.epoch
        parts = {"iteration": Text(tr("iteration {k}", k=self.iteration)),
                 "epoch": Text(tr("epoch {e}: {done}/{n}", e=epoch, done=done, n=self.per_epoch)),
                 "lr": Text(tr("lr {lr}", lr=f"{lr:g}"))}
        if self.losses:
            # the loss of the last iteration's batch, said so: the step screen walks the next batch's
            parts["loss"] = Text.assemble(tr("{output} on its batch", output=output) + " ",
                                          (num(self.losses[-1], 4), "bold"))
        if self.accuracy and self.accuracy[-1][0] > self.start:  # measured since training began
            _, on_train, on_test = self.accuracy[-1]
            for key, name, v in (("train", tr("train"), on_train), ("test", tr("test"), on_test)):
                if v is not None:
                    parts[key] = Text.assemble(f"{name} ", (f"{v:.1%}", "bold"))
        return parts


class TrainingRun:
    """What was trained since the file was read: ``trained`` (gradient descent
    on the whole of x) or, with [data], ``batches`` (mini-batch SGD); the worker
    that trains (one at a time); and its pause. It trains what ``source`` gives
    when a worker starts (the scenario the step screen shows, its learning rate),
    and posts its messages to each of ``viewers`` (the owner first)."""

    @dataclass
    class Changed(Message):
        """The run moved on: a worker started or ended, an iteration was done, a pause was asked."""

        run: TrainingRun
        running: bool  # a worker ran as this was posted (the run may have moved on since)

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TrainingRun.Changed) and message.run is self.run

    @dataclass
    class Trained(Message):
        """A worker ended: ``scenario`` is ``source`` trained (before Changed)."""

        run: TrainingRun
        source: Scenario
        scenario: Scenario

    @dataclass
    class Failed(Message):
        """--layers: the learner's code failed; nothing more is trained."""

        run: TrainingRun
        error: LayerFailed

    def __init__(self, owner: DOMNode, source: Callable[[], tuple[Scenario, float]]):
        """``owner``: the screen the worker belongs to; ``source``: the scenario
        to train and the learning rate, when a worker starts."""
        self.owner, self.source = owner, source
        self.viewers: list[DOMNode] = [owner]
        self.trained = Training()
        self.batches: MiniBatchRun | None = None
        self.running = False  # a worker runs

    def _tell(self, message: type[Message], *args) -> None:
        """(Thread-safe: Textual's post_message is.)"""
        for viewer in list(self.viewers):
            viewer.post_message(message(self, *args))

    def _changed(self) -> None:
        self._tell(TrainingRun.Changed, self.running)

    def _start(self, work: Callable[[], None]) -> None:
        self.running = True
        self.owner.run_worker(work, thread=True, exclusive=True, group="training")
        self._changed()

    def _from_thread(self, callback: Callable, *args) -> None:
        self.owner.app.call_from_thread(callback, *args)

    def _failed(self, error: LayerFailed) -> None:
        self._tell(TrainingRun.Failed, error)

    # -- gradient descent on the whole of x -------------------------------------------
    def descend(self, steps: int) -> None:
        """``steps`` steps of gradient descent on the [train] params."""
        scenario, lr = self.source()
        self._start(partial(self._descend, scenario, steps, lr))

    def _descend(self, scenario: Scenario, steps: int, lr: float) -> None:
        # off the UI thread: 100 mnist steps take ~1 s. A diverging run's inf and
        # nan are results the screen shows, not warnings (a thread has numpy's
        # default error handling, not the one the command line sets)
        try:
            losses, trained = train_quietly(scenario, steps, lr)
        except LayerFailed as e:  # --layers: the learner's code failed; nothing is trained
            self._from_thread(self._descent_failed, e)
            return
        self._from_thread(self._descended, scenario, losses, trained, lr)

    def _descent_failed(self, error: LayerFailed) -> None:
        self.running = False
        self._failed(error)
        self._changed()

    def _descended(self, source: Scenario, losses: list[float], scenario: Scenario, lr: float) -> None:
        """``losses``: before each step, then after the last one; ``lr``: the steps' learning rate."""
        self.running = False
        self.trained = self.trained.then(losses, lr)
        self._tell(TrainingRun.Trained, source, scenario)
        self._changed()

    # -- mini-batch SGD over [data] ------------------------------------------------------
    def iterate(self, iterations: int | None) -> None:
        """``iterations`` more (None: to the end of the epoch): queued behind
        those under way, else from here (what a pause left undone is dropped)."""
        if self.batches is None:
            scenario, _ = self.source()
            self.batches = MiniBatchRun(scenario.data.per_epoch, scenario.iteration)
        run = self.batches
        base = run.target if run.running else run.iteration
        run.target = base + iterations if iterations else (base // run.per_epoch + 1) * run.per_epoch
        if run.running:
            self._changed()
        else:
            self._start_batches(self.source()[0])

    def toggle_pause(self) -> None:
        """Pause after the iteration under way, or resume a paused run."""
        run = self.batches
        if run is None:
            return
        if run.running:
            if run.pause.is_set():
                run.pause.clear()  # a resume before the pause took hold
            else:
                run.pause.set()
            self._changed()
        elif run.paused:
            self._start_batches(self.source()[0])

    def hold(self) -> None:
        """Pause the iterations under way, if any."""
        if self.batches is not None and self.batches.running:
            self.batches.pause.set()
            self._changed()

    def _start_batches(self, scenario: Scenario) -> None:
        run = self.batches
        run.pause.clear()
        run.stopped = ""
        run.running = True
        self._start(partial(self._batches, scenario, run, self.source()[1]))

    def _batches(self, scenario: Scenario, run: MiniBatchRun, lr: float) -> None:
        # a thread, as _descend; inf and nan are results the screens show
        sgd = MiniBatchSGD(scenario, lr)
        pace, begun = EPOCH_SECONDS / run.per_epoch, sgd.iteration
        try:
            self._iterate(sgd, run, pace)
        except LayerFailed as e:  # --layers: the learner's code failed; stop where it did
            run.target, run.stopped = sgd.iteration, str(e)
            self._from_thread(self._failed, e)
        self._from_thread(self._batches_done, scenario, run, sgd.scenario if sgd.iteration > begun else scenario)

    def _iterate(self, sgd: MiniBatchSGD, run: MiniBatchRun, pace: float) -> None:
        """Iterations until the run's target or a pause; the losses and the
        accuracy at each epoch's end into ``run``."""
        with np.errstate(all="ignore"):
            if not run.accuracy:  # where the run starts: epoch 0
                run.accuracy.append((sgd.iteration, *sgd.accuracy().values()))
            while sgd.iteration < run.target and not run.pause.is_set():
                began = time.monotonic()
                run.losses.append(sgd.step())
                if sgd.epoch_end:
                    run.accuracy.append((sgd.iteration, *sgd.accuracy().values()))
                if not math.isfinite(run.losses[-1]):
                    run.target = sgd.iteration  # diverged: no use going on
                self._changed()
                time.sleep(max(0.0, pace - (time.monotonic() - began)))

    def _batches_done(self, source: Scenario, run: MiniBatchRun, scenario: Scenario) -> None:
        """``scenario``: the params trained, x and t the batch of the next iteration."""
        run.running = False
        if scenario is not source:  # (an iteration was done: a run stopped at its first has changed nothing)
            self._tell(TrainingRun.Trained, source, scenario)
        if self.batches is run and run.iteration < run.target and not run.pause.is_set():
            self._start_batches(scenario)  # t or T pressed as the last iteration ended
            return
        self.running = False
        self._changed()
