"""The training line: what gradient descent did in the app, with the loss plotted."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Sparkline, Static

from ..explain.numbers import num


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
    """Hidden until the first step."""

    DEFAULT_CSS = """
    TrainingBar { display: none; height: 1; padding: 0 1; }
    TrainingBar.-shown { display: block; }
    TrainingBar > #train-text { width: auto; }
    TrainingBar > Sparkline { width: 1fr; min-width: 10; margin-left: 2; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="train-text")
        yield Sparkline(id="loss-plot")

    def show(self, training: Training, lr: float, scenario, tr) -> None:
        """``lr``: the learning rate the next step will take; ``scenario``: what is trained."""
        self.set_class(bool(training.losses), "-shown")
        if not training.losses:
            return
        history = [*training.losses, training.now]
        finite = [v for v in history if math.isfinite(v)]  # the plot cannot draw inf or nan
        low, high = min(training.lrs), max(training.lrs)  # the learning rates of the steps taken
        used = f"{low:g}" if low == high else f"{low:g}–{high:g}"
        n = len(training.losses)
        steps = tr("lr {lr} · 1 step · ", lr=used) if n == 1 else tr("lr {lr} · {n} steps · ", lr=used, n=n)
        self.query_one("#train-text", Static).update(Text.assemble(
            (tr("training {names}", names=", ".join(scenario.trained)), "bold"), " · ", steps,
            f"{scenario.output} {num(training.losses[0], 4)} → ",
            (num(training.now, 4), "bold"),
            tr(" · next lr {lr}", lr=f"{lr:g}") if lr != training.lrs[-1] else "",
            (tr("  diverged: lower the lr ([) and reload (r)"), "bold red") if len(finite) < len(history) else "",
            (tr("   t: one step, T: 100, [ ]: lr"), "dim")))
        self.query_one(Sparkline).data = finite or [0.0]
