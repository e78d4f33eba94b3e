"""The step screen's keys for practice: edit a value (e), train (t, T, [ ],
and v, the training view, with [data]), save (s), export (x) and reload (r).
A mixin of ``StepScreen``: its keys are listed in ``KEYS``, each beside its action."""

from __future__ import annotations

import io
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from textual import work
from textual.binding import Binding

from backprop_engine import Scenario
from backprop_engine.scenario import to_toml

from ...widgets.training import MiniBatchRun, TrainingBar

# An epoch of a small data set (digits: 14 iterations, 4 ms) is spread over
# this many seconds at least, so that the learner sees the loss fall and can
# pause it; a large one (MNIST: 600 iterations) runs at full speed.
EPOCH_SECONDS = 0.5
# Keys that share a line of the help.
TRAIN = Binding.Group("train: one / 100 steps of gradient descent on the [train] params; the loss is plotted "
                      "(with [data]: one mini-batch iteration / to the end of the epoch, in the training view)")
LR = Binding.Group("halve / double the learning rate")


class PracticeKeys:
    """Needs ``engine``, ``changed``, ``lr``, ``trained``, ``training``,
    ``precision``, ``tr`` and ``_use`` of the step screen."""

    batches: MiniBatchRun | None = None
    """With [data]: the mini-batch iterations run in the app since the file was read."""

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
        from ...dialogs.edit import EditDialog
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
        first = not self.trained.losses and not self.batches  # before the first step, as --train says
        if first and last.type != "SoftmaxWithLoss":
            self.notify(self.tr("note: {name} is not a loss (the last layer is {type}, not SoftmaxWithLoss): "
                                "it may have no minimum for descent to find", name=last.output,
                                type=self.tr.layer(last.type)),
                        severity="warning", timeout=15)
        if self.engine.scenario.data is not None:  # mini-batch SGD: t one iteration, T one epoch
            if steps != 1:
                self.action_training_view()
            self.run_batches(1 if steps == 1 else None)  # T: to the end of the epoch
            return
        self.training = True  # until it is done, keys that change the scenario wait
        self._train(self.engine.scenario, steps, self.lr)

    @work(thread=True, exclusive=True)
    def _train(self, scenario: Scenario, steps: int, lr: float) -> None:
        # off the UI thread: 100 mnist steps take ~1 s. A diverging run's inf and
        # nan are results the screen shows, not warnings (a thread has numpy's
        # default error handling, not the one the command line sets)
        from backprop_engine.train import LayerFailed, train_quietly
        try:
            losses, trained = train_quietly(scenario, steps, lr)
        except LayerFailed as e:  # --layers: the learner's code failed; nothing is trained
            self.app.call_from_thread(self._training_failed, e)
            return
        self.app.call_from_thread(self._trained, scenario, losses, trained, lr)

    def _training_failed(self, error: Exception) -> None:
        self.training = False
        self.notify(self.tr("training stopped: {error}", error=error), severity="error", timeout=20)

    def _trained(self, source: Scenario, losses: list[float], scenario: Scenario, lr: float) -> None:
        """``losses``: before each step, then after the last one; ``lr``: the steps' learning rate."""
        self.training = False
        if self.engine.scenario is not source:
            return  # the scenario changed meanwhile: this training no longer applies
        self.changed = True
        self._use(scenario, keep_position=True)
        self.trained = self.trained.then(losses, lr)

    # -- mini-batch SGD over [data] (5.7.4) -------------------------------------------
    def action_training_view(self) -> None:
        """Offered with [data] only (``StepScreen.offers``)."""
        from ..training import TrainingScreen
        self.app.push_screen(TrainingScreen(self))

    def run_batches(self, iterations: int | None) -> None:
        """``iterations`` more (None: to the end of the epoch): queued behind
        those under way, else from here (what a pause left undone is dropped)."""
        if self.batches is None:
            sc = self.engine.scenario
            self.batches = MiniBatchRun(sc.data.per_epoch, sc.iteration)
        run = self.batches
        base = run.target if run.running else run.iteration
        run.target = base + iterations if iterations else (base // run.per_epoch + 1) * run.per_epoch
        if not run.running:
            self._start_batches()

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
        elif run.paused:
            self._start_batches()

    def _start_batches(self) -> None:
        run = self.batches
        run.pause.clear()
        run.running = self.training = True
        self._batches(self.engine.scenario, run, self.lr)
        self._show_training()

    @work(thread=True, exclusive=True)
    def _batches(self, scenario: Scenario, run: MiniBatchRun, lr: float) -> None:
        # a thread, as _train; inf and nan are results the screens show
        from backprop_engine.train import LayerFailed, MiniBatchSGD
        sgd = MiniBatchSGD(scenario, lr)
        pace = EPOCH_SECONDS / run.per_epoch
        try:
            self._iterate(sgd, run, pace)
        except LayerFailed as e:  # --layers: the learner's code failed; stop where it did
            run.target = sgd.iteration
            self.app.call_from_thread(self._training_failed, e)
        self.app.call_from_thread(self._batches_done, scenario, run, sgd.scenario)

    @staticmethod
    def _iterate(sgd, run: MiniBatchRun, pace: float) -> None:
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
                time.sleep(max(0.0, pace - (time.monotonic() - began)))

    def _batches_done(self, source: Scenario, run: MiniBatchRun, scenario: Scenario) -> None:
        """The step screen shows the scenario after the iterations: the params
        trained, x and t the batch of the next one."""
        run.running = False
        if self.batches is not run or self.engine.scenario is not source:
            self.training = False
            return  # the scenario changed meanwhile: this training no longer applies
        self.changed = True
        self._use(scenario, keep_position=True)
        if run.iteration < run.target and not run.pause.is_set():
            self._start_batches()  # t or T pressed as the last iteration ended
            return
        self.training = False
        self._show_training()

    def action_scale_lr(self, factor: float) -> None:
        self.lr *= factor

    def watch_lr(self) -> None:
        self._show_training()

    def watch_trained(self) -> None:
        self._show_training()

    def _show_training(self) -> None:
        self.query_one(TrainingBar).show(self.trained, self.lr, self.engine.scenario, self.tr, self.batches)

    KEYS += [
        Binding("s", "save", "Save", show=False, tooltip="save the scenario as edited or trained to a new file"),
        Binding("x", "export", "Export", show=False,
                tooltip="export the whole step-by-step run as Markdown to a file"),
        Binding("r", "reload", "Reload", show=False, tooltip="reload the scenario file from disk"),
    ]

    def action_save(self) -> None:
        from backprop_engine.gradcheck import check_expect
        from ...dialogs.save import SaveDialog
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
                self._use(replace(sc, path=str(path)), keep_position=True)
        kept = {c.key: c.expected for c in checks if c.ok}
        if self.app.served:  # the file goes to the browser, the data file's path as the scenario has it
            self.download(f"{Path(sc.path).stem}-edited.toml", to_toml(sc, kept, Path(sc.path).parent), dropped)
            return
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-edited.toml",
                                        lambda path: to_toml(sc, kept, path.parent)), saved)

    def action_export(self) -> None:
        from ...dialogs.save import SaveDialog
        from ...views.markdown import run_markdown
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
