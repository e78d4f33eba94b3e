"""The training line: what gradient descent did in the app, with the loss plotted.
With [data], what mini-batch SGD did: ``MiniBatchRun``, which the training
view (screens/training.py) plots."""

from __future__ import annotations

import math
import threading
from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal

from ..format import num
from .status import StatusLine


class Training(NamedTuple):
    """The steps taken in the app so far. (A NamedTuple: a frozen dataclass
    takes 0.5-0.8 ms to make at import, and this one is made at every start.)"""

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
            parts["loss"] = Text.assemble(f"{output} ", (num(self.losses[-1], 4), "bold"))
        if self.accuracy and self.accuracy[-1][0] > self.start:  # measured since training began
            _, on_train, on_test = self.accuracy[-1]
            for key, name, v in (("train", tr("train"), on_train), ("test", tr("test"), on_test)):
                if v is not None:
                    parts[key] = Text.assemble(f"{name} ", (f"{v:.1%}", "bold"))
        return parts


def fit(parts: dict[str, Text], width: int, drop: tuple[str, ...]) -> Text:
    """The (non-empty) ``parts`` joined by " · " in their order, those named in
    ``drop`` left out one by one, in that order, until it fits in ``width``;
    then cut with an ellipsis."""
    shown = {k: v for k, v in parts.items() if v}
    for k in (None, *drop):
        shown.pop(k, None)
        text = Text(" · ").join(shown.values())
        if text.cell_len <= width:
            return text
    text.truncate(width, overflow="ellipsis")
    return text


class TrainingBar(Horizontal):
    """Hidden until the first step. The text is made for the width it has:
    the key hint goes first, then the names of the params; the plot keeps its room."""

    DEFAULT_CSS = """
    TrainingBar { display: none; height: 1; padding: 0 1; }
    TrainingBar.-shown { display: block; }
    TrainingBar > #train-text { width: 1fr; }
    TrainingBar > Sparkline { width: 16; margin-left: 1; }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._shown: tuple | None = None  # what show() was last given

    def compose(self) -> ComposeResult:
        yield StatusLine(self._text, id="train-text")

    def _plot(self, losses: list[float]) -> None:
        """The loss plot, made with the first losses: most sessions never
        train, and the Sparkline's import and mount took ~2 ms of every start."""
        plots = self.query("#loss-plot")
        if plots:
            plots.first().data = losses
        else:
            from textual.widgets import Sparkline
            self.mount(Sparkline(losses, id="loss-plot"))

    def show(self, training: Training, lr: float, scenario, tr, run: MiniBatchRun | None = None) -> None:
        """``lr``: the learning rate the next step will take; ``scenario``: what is
        trained; ``run``: with [data], the mini-batch iterations (``training`` is then unused)."""
        if run is not None:
            self.set_class(bool(run.losses) or run.paused, "-shown")
            self._shown = training, lr, scenario, tr, run
            self._plot([v for v in run.losses if math.isfinite(v)] or [0.0])
            self.query_one("#train-text").refresh()
            return
        self.set_class(bool(training.losses), "-shown")
        self._shown = training, lr, scenario, tr, None
        if training.losses:
            self._plot([v for v in (*training.losses, training.now) if math.isfinite(v)] or [0.0])
            self.query_one("#train-text").refresh()

    def _run_text(self, width: int) -> Text:
        _, lr, scenario, tr, run = self._shown
        state, style = run.state(tr, in_view=False)
        summary = {**run.summary(lr, scenario.output, tr), "state": Text(state, style)}
        parts = {k: summary.get(k) for k in ("iteration", "state", "loss", "test", "epoch", "lr")}
        hint = Text(tr("   v: training view"), style="dim")
        text = fit(parts, width, ())
        if text.cell_len + hint.cell_len <= width:
            return text + hint
        return fit(parts, width, ("lr", "epoch", "test", "loss", "iteration"))

    def _text(self, width: int) -> Text:
        if self._shown is not None and self._shown[4] is not None:
            return self._run_text(width)
        if self._shown is None or not self._shown[0].losses:
            return Text()
        training, lr, scenario, tr, _ = self._shown
        history = [*training.losses, training.now]
        low, high = min(training.lrs), max(training.lrs)  # the learning rates of the steps taken
        used = f"{low:g}" if low == high else f"{low:g}–{high:g}"
        n = len(training.losses)
        steps = tr("lr {lr} · 1 step · ", lr=used) if n == 1 else tr("lr {lr} · {n} steps · ", lr=used, n=n)
        names = tr("training {names}", names=", ".join(scenario.trained))
        rest = Text.assemble(
            steps, f"{scenario.output} {num(training.losses[0], 4)} → ", (num(training.now, 4), "bold"),
            tr(" · next lr {lr}", lr=f"{lr:g}") if lr != training.lrs[-1] else "",
            (tr("  diverged: lower the lr ([) and reload (r)") if scenario.layers[-1].type == "SoftmaxWithLoss"
             else tr("  diverged: {name} is no loss, it has no minimum to find", name=scenario.output), "bold red")
            if not all(map(math.isfinite, history)) else "")
        hint = Text(tr("   t: one step, T: 100, [ ]: lr"), style="dim")
        for text in (Text.assemble((names, "bold"), " · ", rest, hint), Text.assemble((names, "bold"), " · ", rest),
                     Text.assemble((tr("training"), "bold"), " · ", rest)):
            if text.cell_len <= width:
                return text
        text.truncate(width, overflow="ellipsis")
        return text
