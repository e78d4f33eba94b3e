"""The training view: mini-batch SGD over a scenario's [data] (5.7.4), seen
as it runs. Pushed over the step screen (T, or v), it plots the loss after
each iteration and the train and test accuracy at each epoch's end, shows the
running epoch's progress, and pauses. The run (``tui.training_run``) trains
and keeps the history; this screen shows it as the run tells, and sends keys."""

from __future__ import annotations

import math

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Label, ProgressBar

from ..format import num
from ..textual_compat import translate_bindings
from ..training_run import MiniBatchRun, TrainingRun, data_line
from ..views.plot import Series, line_plot
from ..widgets.plot import Plot
from ..widgets.status import StatusLine
from ..widgets.training import fit

TRAIN_STYLE, TEST_STYLE, LOSS_STYLE = "bold cyan", "bold yellow", "bold"


class TrainingScreen(Screen):
    DEFAULT_CSS = """
    TrainingScreen #train-status { height: 1; padding: 0 1; background: $boost; }
    TrainingScreen #epoch-row { height: 1; padding: 0 1; }
    TrainingScreen #epoch-label { width: auto; margin-right: 1; }
    TrainingScreen #epoch-bar { width: 1fr; }
    TrainingScreen #epoch-bar Bar { width: 1fr; }
    TrainingScreen #run-state { width: auto; margin-left: 1; }
    TrainingScreen Plot { padding: 0 1; }
    TrainingScreen #loss-view { height: 3fr; margin-top: 1; }
    TrainingScreen #accuracy-view { height: 2fr; margin-top: 1; }
    TrainingScreen.-short #loss-view, TrainingScreen.-short #accuracy-view { margin-top: 0; }
    """
    BINDINGS = [
        Binding("t", "run(1)", "Iteration", tooltip="one mini-batch iteration (queued if one runs)"),
        Binding("T", "run_epoch", "Epoch", tooltip="the iterations to the end of the epoch (queued if one runs)"),
        Binding("space,p", "pause", "Pause", key_display="space",
                tooltip="pause after the iteration under way; again to resume"),
        Binding("left_square_bracket", "scale_lr(0.5)", "lr ÷ 2", key_display="[", show=False),
        Binding("right_square_bracket", "scale_lr(2)", "lr × 2", key_display="]", show=False),
        Binding("escape", "back", "Back", tooltip="back to the step screen, which walks the current batch"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(self, training: TrainingRun):
        """``training``: the run this view shows and drives."""
        super().__init__()
        self.training = training

    @property
    def tr(self):
        return self.app.catalog

    @property
    def run(self) -> MiniBatchRun | None:
        """The mini-batch iterations, once the first has started."""
        return self.training.batches

    def compose(self) -> ComposeResult:
        yield StatusLine(self._status, id="train-status")
        with Horizontal(id="epoch-row"):
            yield Label(id="epoch-label")
            yield ProgressBar(total=self.training.source()[0].data.per_epoch, show_eta=False, id="epoch-bar")
            yield Label(id="run-state")
        yield Plot(self._loss, id="loss-view")
        yield Plot(self._accuracy, id="accuracy-view")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        translate_bindings(self, self.tr)
        self.training.viewers.append(self)
        self._show()

    def on_unmount(self) -> None:
        self.training.viewers.remove(self)

    @on(TrainingRun.Changed)
    def _show(self) -> None:
        """Show the run as it is now."""
        run, tr = self.run, self.tr
        epoch, done = run.epoch if run else (1, 0)
        self.query_one("#epoch-label", Label).update(tr("epoch {e}", e=epoch))
        self.query_one(ProgressBar).update(progress=done)
        state, style = run.state(tr) if run else ("", "")
        self.query_one("#run-state", Label).update(Text(state, style))
        for widget in self.query("StatusLine, Plot"):
            widget.refresh()

    # -- what the view shows ------------------------------------------------------
    def _status(self, width: int) -> Text:
        tr, run, (sc, lr) = self.tr, self.run, self.training.source()
        head = Text(tr("Training"), style="bold")
        if run is None:
            about, sampling = data_line(sc.data, tr)  # how batches are drawn stays when the data's size goes
            return fit({"head": head, "lr": Text(tr("lr {lr}", lr=f"{lr:g}")), "data": Text(about, style="dim"),
                        "sampling": Text(sampling, style="dim")}, width, ("data", "sampling"))
        parts = {"head": head, **run.summary(lr, sc.output, tr)}
        order = ("head", "iteration", "epoch", "loss", "train", "test", "lr")
        return fit({k: parts.get(k) for k in order}, width, ("lr", "epoch", "train", "head"))

    def _loss(self, width: int, height: int) -> Text:
        tr, run = self.tr, self.run
        title = Text(tr("loss per iteration"), style="bold")
        if run is None or not run.losses:
            return title + Text("\n" + tr("no iteration yet: t runs one, T an epoch"), style="dim")
        finite = [v for v in run.losses if math.isfinite(v)]
        if finite:
            title.append(Text(tr("  last {last} · lowest {low}", last=num(run.losses[-1], 4),
                                 low=num(min(finite), 4)), style="dim"))
        xs = range(run.start + 1, run.iteration + 1)
        plot = line_plot([Series(xs, run.losses, LOSS_STYLE)], width, height - 1,
                         lambda v: num(v, 3), lambda x: str(round(x)), tr("iteration"))
        return Text("\n").join([title, plot])

    def _accuracy(self, width: int, height: int) -> Text:
        tr, run = self.tr, self.run
        title = Text(tr("accuracy per epoch"), style="bold")
        points = [] if run is None else run.accuracy
        if not points or points[-1][1] is None:
            note = (tr("measured at each epoch's end, on the training and the test rows") if not points else
                    tr("none: the net does not end in SoftmaxWithLoss on the labels"))
            return title + Text("\n" + note, style="dim")
        epochs = [k / run.per_epoch for k, _, _ in points]
        series, legend = [], []
        for i, (name, style) in ((1, (tr("train"), TRAIN_STYLE)), (2, (tr("test"), TEST_STYLE))):
            ys = [p[i] for p in points]
            if ys[-1] is not None:
                series.append(Series(epochs, ys, style))
                legend.append(Text.assemble(("━ ", style), f"{name} ", (f"{ys[-1]:.1%}", "bold")))
        title.append("  ")
        title.append(Text("  ").join(legend))
        plot = line_plot(series, width, height - 1, lambda v: f"{v:.1%}", lambda x: f"{x:g}", tr("epoch"))
        return Text("\n").join([title, plot])

    # -- keys -------------------------------------------------------------------------
    def action_run(self, iterations: int | None) -> None:
        self.training.iterate(iterations)

    def action_run_epoch(self) -> None:
        self.action_run(None)  # to the end of the epoch

    def action_scale_lr(self, factor: float) -> None:
        """As on the step screen: the learning rate of the iterations to come."""
        self.training.owner.lr *= factor
        self._show()  # the status says the new lr

    def action_pause(self) -> None:
        self.training.toggle_pause()

    def action_back(self) -> None:
        """A run under way pauses: the step screen then walks the batch it stopped at."""
        self.training.hold()
        self.app.pop_screen()

    def action_quit(self) -> None:
        self.app.action_quit()
