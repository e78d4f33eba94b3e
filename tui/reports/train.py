"""--train: gradient descent on the [train] params, printed as a table of the
loss per step. On a scenario with [data], mini-batch SGD as the book trains
its TwoLayerNet (5.7.4): the loss per iteration and the train and test
accuracy at each epoch's end, with a progress bar on stderr while a run that
takes over a second goes on."""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from backprop_engine import Scenario
from backprop_engine.train import MiniBatchSGD, train_quietly

from ..format import num
from ..training_run import data_line

BAR_AFTER = 1.0  # seconds: a run that ends sooner shows no progress bar


def train(scenario: Scenario, steps: int, tr, precision: int | None) -> int:
    """--train: a title naming the trained params, a notice when the final
    output is no loss, a row per step (loss after it; step 0 is before
    training; beyond 100 steps every k-th and the last), the final loss.
    A scenario with [data] trains by mini-batch SGD instead (train_data)."""
    if scenario.data is not None:
        return train_data(scenario, steps, tr, precision)
    losses = train_quietly(scenario, steps)[0]  # before training, then after each step
    out = Console(highlight=False)
    out.print(Text(tr("gradient descent on {params}: {n} steps, lr = {lr}", params=", ".join(scenario.trained),
                      n=steps, lr=num(scenario.lr, precision)), style="bold"))
    _note_no_loss(out, scenario, tr)
    t = Table()
    t.add_column(tr("step"), justify="right")
    t.add_column(tr("loss ({name})", name=scenario.output), justify="right")
    every = math.ceil(steps / 100)
    for k, loss in enumerate(losses):
        if k % every == 0 or k == steps:
            t.add_row(str(k), num(loss, precision))
    out.print(t)
    out.print(tr("final loss ({name}) after {n} steps: {loss}", name=scenario.output, n=steps,
                 loss=num(losses[-1], precision)))
    _note_ran_off(out, losses, tr)
    return 0


def _note_no_loss(out: Console, scenario: Scenario, tr) -> None:
    last = scenario.layers[-1]
    if last.type != "SoftmaxWithLoss":
        out.print(Text(tr("note: {name} is not a loss (the last layer is {type}, not SoftmaxWithLoss): "
                          "it may have no minimum for descent to find", name=last.output, type=tr.layer(last.type)),
                       "yellow"))


def _note_ran_off(out: Console, losses, tr) -> None:
    if not all(map(math.isfinite, losses)):
        out.print(Text(tr("the loss ran off to inf or nan: try a lower [train] lr (a loss without a minimum, "
                          "such as a price, runs off at any lr)"), "bold red"))


def shown(step: int, steps: int, per_epoch: int) -> bool:
    """Whether ``step`` has a row: every step up to 100 steps, beyond that every
    k-th (k = ceil(steps / 100)) and the last; an epoch's end always."""
    return step % math.ceil(steps / 100) == 0 or step == steps or step % per_epoch == 0


class _Bar:
    """A transient progress bar on a terminal's stderr, started only once the
    run has taken ``after`` seconds, so a short run prints nothing there."""

    def __init__(self, total: int, label: str, console: Console | None = None, after: float = BAR_AFTER):
        self.console = console or Console(stderr=True)
        self.total, self.label, self.after = total, label, after
        self.start, self.progress, self.task = time.perf_counter(), None, None

    def update(self, done: int) -> None:
        if self.progress is None:
            if not self.console.is_terminal or time.perf_counter() - self.start < self.after:
                return
            self.progress = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), console=self.console, transient=True)
            self.task = self.progress.add_task(self.label, total=self.total, completed=done)
            self.progress.start()
        self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def run_rows(scenario: Scenario, steps: int, bar: _Bar) -> tuple[list, MiniBatchSGD]:
    """``steps`` iterations of mini-batch SGD: the rows (step, loss, accuracy
    or None), accuracy measured at each epoch's end and at the last step."""
    sgd = MiniBatchSGD(scenario)
    per_epoch = scenario.data.per_epoch
    rows = [(0, sgd.loss(), None)]  # before training, on the first batch
    try:
        for k in range(1, steps + 1):
            loss = sgd.step()
            if sgd.epoch_end or k == steps:
                rows.append((k, loss, sgd.accuracy()))
            elif shown(k, steps, per_epoch):
                rows.append((k, loss, None))
            bar.update(k)
    finally:
        bar.close()
    return rows, sgd


def _share(accuracy: dict | None, which: str) -> str:
    """An accuracy as a percentage; blank where none was measured, "-" where
    there is none (no test set, or a net that does not end in SoftmaxWithLoss)."""
    if accuracy is None:
        return ""
    a = accuracy[which]
    return "-" if a is None else f"{a:.2%}"


def _table(rows: list, scenario: Scenario, tr, precision: int | None) -> Table:
    t = Table()
    t.add_column(tr("step"), justify="right")
    t.add_column(tr("loss ({name})", name=scenario.output), justify="right")
    t.add_column(tr("train accuracy"), justify="right")
    t.add_column(tr("test accuracy"), justify="right")
    for k, loss, accuracy in rows:
        t.add_row(str(k), num(loss, precision), _share(accuracy, "train"), _share(accuracy, "test"))
    return t


def train_data(scenario: Scenario, steps: int, tr, precision: int | None,
               bar_console: Console | None = None, bar_after: float = BAR_AFTER) -> int:
    """--train N over [data]: a title (the trained params, lr, batch) and the
    data's split, a row per shown step (the loss after that iteration on its
    batch; step 0 before training, on the first batch), then the final loss,
    train and test accuracy and the time taken."""
    data, out = scenario.data, Console(highlight=False)
    out.print(Text(tr("mini-batch SGD on {params}: {n} iterations, lr = {lr}, batch {batch}",
                      params=", ".join(scenario.trained), n=steps, lr=num(scenario.lr, precision),
                      batch=data.spec.batch), style="bold"))
    out.print(Text("; ".join(data_line(data, tr)), style="dim"))
    _note_no_loss(out, scenario, tr)
    start = time.perf_counter()
    rows, _ = run_rows(scenario, steps, _Bar(steps, tr("mini-batch SGD"), bar_console, bar_after))
    seconds = time.perf_counter() - start
    out.print(_table(rows, scenario, tr, precision))
    _, loss, accuracy = rows[-1]
    out.print(tr("final loss ({name}) after {n} iterations: {loss}; train accuracy {train}, "
                 "test accuracy {test}; {seconds} s", name=scenario.output, n=steps, loss=num(loss, precision),
                 train=_share(accuracy, "train"), test=_share(accuracy, "test"), seconds=f"{seconds:.2f}"))
    _note_ran_off(out, [loss for _, loss, _ in rows], tr)
    return 0
