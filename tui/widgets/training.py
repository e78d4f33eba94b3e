"""The training line: what gradient descent did in the app, with the loss plotted;
with [data], what mini-batch SGD did (the training view, screens/training.py,
plots it). The run itself is ``tui.training_run``."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal

from ..format import num
from ..training_run import MiniBatchRun, Training
from .status import StatusLine


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
        """The loss plot, made with the first losses: most sessions never train
        (and the Sparkline's import, with the statistics module, is not on the start's path)."""
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
