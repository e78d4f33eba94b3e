"""The training line: what gradient descent did in the app, with the loss plotted."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Sparkline

from ..explain.numbers import num
from .status import StatusLine


@dataclass(frozen=True)
class Training:
    """The steps taken in the app so far."""

    losses: tuple[float, ...] = ()     # the loss before each step
    lrs: tuple[float, ...] = ()        # the learning rate of each step
    now: float = 0.0                   # the loss after the last step

    def then(self, losses: list[float], lr: float) -> "Training":
        """After more steps: ``losses`` before each, then after the last one."""
        return Training((*self.losses, *losses[:-1]), (*self.lrs, *[lr] * (len(losses) - 1)), losses[-1])


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
        yield Sparkline(id="loss-plot")

    def show(self, training: Training, lr: float, scenario, tr) -> None:
        """``lr``: the learning rate the next step will take; ``scenario``: what is trained."""
        self.set_class(bool(training.losses), "-shown")
        self._shown = training, lr, scenario, tr
        if training.losses:
            self.query_one(Sparkline).data = [v for v in (*training.losses, training.now) if math.isfinite(v)] or [0.0]
            self.query_one("#train-text").refresh()

    def _text(self, width: int) -> Text:
        if self._shown is None or not self._shown[0].losses:
            return Text()
        training, lr, scenario, tr = self._shown
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
