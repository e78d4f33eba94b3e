"""The step screen's keys for practice: edit a value (e), train (t, T, [ ]),
save (s), export (x) and reload (r). A mixin of ``StepScreen``: its keys are
listed in ``KEYS``, each beside its action."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import work
from textual.binding import Binding

from backprop_engine import Scenario
from backprop_engine.scenario import to_toml

from ..widgets.training import TrainingBar

# Keys that share a line of the help.
TRAIN = Binding.Group("train: one / 100 steps of gradient descent on the [train] params; the loss is plotted")
LR = Binding.Group("halve / double the learning rate")


class PracticeKeys:
    """Needs ``engine``, ``changed``, ``lr``, ``trained``, ``training``,
    ``precision``, ``tr`` and ``_use`` of the step screen."""

    KEYS = [
        Binding("e", "edit", "Edit", tooltip="edit a value (a number or an array literal of the same shape)"),
        Binding("t", "train(1)", "Train", group=TRAIN),
        Binding("T", "train(100)", "Train ×100", show=False, group=TRAIN),
        Binding("left_square_bracket", "scale_lr(0.5)", "lr ÷ 2", show=False, key_display="[", group=LR),
        Binding("right_square_bracket", "scale_lr(2)", "lr × 2", show=False, key_display="]", group=LR),
    ]

    def action_edit(self) -> None:
        from ..dialogs.edit import EditDialog
        self.app.push_screen(EditDialog(self.engine.scenario), self._edited)

    def _edited(self, change) -> None:
        if change is not None:
            name, value = change
            self.changed = True
            self._use(self.engine.scenario.with_leaves(**{name: value}), keep_position=True)
            self.notify(self.tr("{name} changed; the engine ran again up to step {k}.", name=name,
                                k=self.engine.position))

    def action_train(self, steps: int) -> None:
        """Gradient descent on the [train] params (5.7.4): the engine trains, the screen shows."""
        last = self.engine.scenario.layers[-1]
        if not self.trained.losses and last.type != "SoftmaxWithLoss":  # before the first step, as --train says
            self.notify(self.tr("note: {name} is not a loss (the last layer is {type}, not SoftmaxWithLoss): "
                                "it may have no minimum for descent to find", name=last.output,
                                type=self.tr.layer(last.type)),
                        severity="warning", timeout=15)
        self.training = True  # until it is done, keys that change the scenario wait
        self._train(self.engine.scenario, steps, self.lr)

    @work(thread=True, exclusive=True)
    def _train(self, scenario: Scenario, steps: int, lr: float) -> None:
        # off the UI thread: 100 mnist steps take ~1 s. A diverging run's inf and
        # nan are results the screen shows, not warnings (a thread has numpy's
        # default error handling, not the one the command line sets)
        from backprop_engine.train import train_quietly
        losses, trained = train_quietly(scenario, steps, lr)
        self.app.call_from_thread(self._trained, scenario, losses, trained, lr)

    def _trained(self, source: Scenario, losses: list[float], scenario: Scenario, lr: float) -> None:
        """``losses``: before each step, then after the last one; ``lr``: the steps' learning rate."""
        self.training = False
        if self.engine.scenario is not source:
            return  # the scenario changed meanwhile: this training no longer applies
        self.changed = True
        self._use(scenario, keep_position=True)
        self.trained = self.trained.then(losses, lr)

    def action_scale_lr(self, factor: float) -> None:
        self.lr *= factor

    def watch_lr(self) -> None:
        self._show_training()

    def watch_trained(self) -> None:
        self._show_training()

    def _show_training(self) -> None:
        self.query_one(TrainingBar).show(self.trained, self.lr, self.engine.scenario, self.tr)

    KEYS += [
        Binding("s", "save", "Save", show=False, tooltip="save the scenario as edited or trained to a new file"),
        Binding("x", "export", "Export", show=False,
                tooltip="export the whole step-by-step run as Markdown to a file"),
        Binding("r", "reload", "Reload", show=False, tooltip="reload the scenario file from disk"),
    ]

    def action_save(self) -> None:
        from backprop_engine.gradcheck import check_expect
        from ..dialogs.save import SaveDialog
        sc, tr = replace(self.engine.scenario, lr=self.lr), self.tr  # the learning rate in use ([ and ])
        checks = check_expect(sc)
        dropped = [c.key for c in checks if not c.ok]  # golden numbers the edits have made wrong
        try:
            text = to_toml(sc, {c.key: c.expected for c in checks if c.ok})
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
                self._use(replace(sc, path=str(path)), keep_position=True)
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-edited.toml", lambda: text), saved)

    def action_export(self) -> None:
        from ..dialogs.save import SaveDialog
        from ..views.markdown import run_markdown
        sc, precision, tr = self.engine.scenario, self.precision, self.tr
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-steps.md", lambda: run_markdown(sc, tr, precision),
                                        tr("the step-by-step run (Markdown)")),
                             lambda path: path and self.notify(tr("saved to {path}", path=path.resolve())))

    def action_reload(self) -> None:
        self.app.open_path(Path(self.engine.scenario.path), keep_position=True)
