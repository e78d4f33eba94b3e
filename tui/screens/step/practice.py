"""The step screen's keys for practice: edit a value (e), train (t, T, [ ],
and v, the training view, with [data]), save (s), export (x) and reload (r).
A part of ``StepScreen``: its keys are listed in ``KEYS``, each beside its
action. The training itself is the run's (``tui.training_run``)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from textual import on
from textual.binding import Binding

from backprop_engine.scenario import to_toml

from ...dialogs.edit import EditDialog
from ...dialogs.save import SaveDialog
from ...training_run import MiniBatchRun, Training, TrainingRun
from ...reports.markdown import run_markdown
from ...widgets.training import TrainingBar
from .base import StepBase

# Keys that share a line of the help.
TRAIN = Binding.Group("train: one / 100 steps of gradient descent on the [train] params; the loss is plotted "
                      "(with [data]: one mini-batch iteration / to the end of the epoch, in the training view)")
LR = Binding.Group("halve / double the learning rate")


class PracticeKeys(StepBase):
    KEYS = [
        Binding("e", "edit", "Edit", tooltip="edit a value (a number or an array literal of the same shape)"),
        Binding("t", "train(1)", "Train", group=TRAIN),
        Binding("T", "train(100)", "Train ×100", show=False, group=TRAIN),
        Binding("left_square_bracket", "scale_lr(0.5)", "lr ÷ 2", show=False, key_display="[", group=LR),
        Binding("right_square_bracket", "scale_lr(2)", "lr × 2", show=False, key_display="]", group=LR),
        Binding("v", "training_view", "Training", show=False,
                tooltip="the training view (scenarios with [data]; there t runs one mini-batch iteration, "
                        "T one epoch): the loss and the accuracy plotted, the epoch's progress, pause"),
    ]

    def action_edit(self) -> None:
        self.app.push_screen(EditDialog(self.engine.scenario), self._edited)

    def _edited(self, change) -> None:
        if change is not None:
            name, value = change
            self.changed = True
            self.use(self.engine.scenario.with_leaves(**{name: value}), keep_position=True)
            self.notify(self.tr("{name} changed; the engine ran again up to step {k}.", name=name,
                                k=self.engine.position))

    def action_train(self, steps: int) -> None:
        """Gradient descent on the [train] params (5.7.4): the run trains, the screen shows."""
        last = self.engine.scenario.layers[-1]
        first = not self.trained.losses and not self.batches  # before the first step, as --train says
        if first and last.type != "SoftmaxWithLoss":
            self.notify(self.tr("note: {name} is not a loss (the last layer is {type}, not SoftmaxWithLoss): "
                                "it may have no minimum for descent to find", name=last.output,
                                type=self.tr.layer(last.type)),
                        severity="warning", timeout=15)
        if self.engine.scenario.data is not None:  # mini-batch SGD: t one iteration, T one epoch
            if steps != 1:
                self.action_training_view()
            self.training_run.iterate(1 if steps == 1 else None)  # T: to the end of the epoch
        else:
            self.training_run.descend(steps)
        self.training = True  # until it is done, keys that change the scenario wait

    @property
    def trained(self) -> Training:
        """The gradient-descent steps taken in the app since the file was read."""
        return self.training_run.trained

    @property
    def batches(self) -> MiniBatchRun | None:
        """With [data]: the mini-batch iterations run in the app since the file was read."""
        return self.training_run.batches

    @on(TrainingRun.Trained)
    def _show_trained(self, event: TrainingRun.Trained) -> None:
        if event.run is not self.training_run or self.engine.scenario is not event.source:
            return  # the scenario changed meanwhile: this training no longer applies
        self.changed = True
        self.use(event.scenario, keep_position=True)

    @on(TrainingRun.Changed)
    def _show_run(self, event: TrainingRun.Changed) -> None:
        self.training = event.running  # also a run left for another file: the keys wait for its worker
        if event.run is self.training_run:
            self.show_training()

    @on(TrainingRun.Failed)
    def _show_failure(self, event: TrainingRun.Failed) -> None:
        self.notify(self.tr("training stopped: {error}", error=event.error), severity="error", timeout=20)

    def action_training_view(self) -> None:
        """With [data]; without, a note says why there is none."""
        if self.engine.scenario.data is None:
            self.notify(self.tr("no [data] here: the training view is for a data set's mini-batches; t and T "
                                "train this scenario where it is, its loss in the line below the panes"), timeout=6)
            return
        from ..training import TrainingScreen  # (at first use: the start does without its plots and bar)
        self.app.push_screen(TrainingScreen(self.training_run))

    def action_scale_lr(self, factor: float) -> None:
        self.lr *= factor

    def watch_lr(self) -> None:
        self.show_training()

    def show_training(self) -> None:
        """The training bar, as the run and the learning rate are now."""
        self.query_one(TrainingBar).show(self.trained, self.lr, self.engine.scenario, self.tr, self.batches)

    KEYS += [
        Binding("s", "save", "Save", show=False, tooltip="save the scenario as edited or trained to a new file"),
        Binding("x", "export", "Export", show=False,
                tooltip="export the whole step-by-step run as Markdown to a file"),
        Binding("r", "reload", "Reload", show=False, tooltip="reload the scenario file from disk"),
    ]

    def action_save(self) -> None:
        from backprop_engine.gradcheck import check_expect  # (at first use: the start does without it)
        sc, tr = replace(self.engine.scenario, lr=self.lr), self.tr  # the learning rate in use ([ and ])
        checks = check_expect(sc)
        dropped = [c.key for c in checks if not c.ok]  # golden numbers the edits have made wrong
        try:
            to_toml(sc)  # refused before the dialog opens
        except ValueError as e:  # training diverged: inf or nan is no scenario
            self.notify(tr("not saved: {reason}", reason=e), severity="error", timeout=15)
            return

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(tr("saved to {path}", path=path.resolve()) + (
                    "\n" + tr("[expect] left out, no longer true: {keys}", keys=", ".join(dropped))
                    if dropped else ""))
                # "save as": the saved file is the one open now, so r reloads
                # it, and nothing is left unsaved
                self.changed = False
                self.use(replace(sc, path=str(path)), keep_position=True)
        kept = {c.key: c.expected for c in checks if c.ok}
        if self.app.served:  # the file goes to the browser, the data file's path as the scenario has it
            self.download(f"{Path(sc.path).stem}-edited.toml", to_toml(sc, kept, Path(sc.path).parent), dropped)
            return
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-edited.toml",
                                        lambda path: to_toml(sc, kept, path.parent)), saved)

    def action_export(self) -> None:
        sc, precision, tr = self.engine.scenario, self.precision, self.tr
        if self.app.served:
            self.download(f"{Path(sc.path).stem}-steps.md", run_markdown(sc, tr, precision))
            return
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-steps.md",
                                        lambda _path: run_markdown(sc, tr, precision),
                                        tr("the step-by-step run (Markdown)")),
                             lambda path: path and self.notify(tr("saved to {path}", path=path.resolve())))

    def download(self, name: str, text: str, dropped: list[str] = ()) -> None:
        """Served (--serve): the file is handed to the browser as a download
        (Textual's web driver streams it); nothing is written on the server.
        What was edited stays unsaved: the browser may not keep the file."""
        self.app.deliver_text(io.StringIO(text), save_filename=name)
        self.notify(self.tr("{name}: sent to your browser as a download", name=name) + (
            "\n" + self.tr("[expect] left out, no longer true: {keys}", keys=", ".join(dropped))
            if dropped else ""))

    def action_reload(self) -> None:
        self.app.open_path(Path(self.engine.scenario.path), keep_position=True)
