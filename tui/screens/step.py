"""The step screen: walk a scenario one layer at a time, forward then backward.

The engine computes; the screen only shows what the engine's records hold.
Each key of a step is bound here, beside its action; a dialog on top hides
them all by itself.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer

from backprop_engine import BACKWARD, Engine, Scenario
from backprop_engine.scenario import to_toml

from ..explain import step_title
from ..explain.numbers import FULL
from ..textual_compat import translate_bindings
from ..views.graph import current_line, graph_view
from ..views.paragraphs import paragraphs
from ..views.tables import step_view, values_table
from ..widgets.error_bar import ErrorBar
from ..widgets.pane import Pane
from ..widgets.status import StatusLine
from ..widgets.training import Training, TrainingBar
from .base import MainScreen
from .status import status_text

PANES = ("graph", "step", "values")
FLOAT_NOTE = (
    "Floats are binary fractions. 1.1 has no exact binary form: the nearest float is "
    "1.100000000000000088817841970012523…, so 200 × 1.1 (like 2.2 × 100) rounds to the float "
    "just above 220, which prints in full as 220.00000000000003. The book prints these full "
    "floats; {digits} significant digits hide the last-bit error.")
# Keys that share a line of the help.
ENDS = Binding.Group("to the start / to the end")
TRAIN = Binding.Group("train: one / 100 steps of gradient descent on [values]; the loss is plotted")
LR = Binding.Group("halve / double the learning rate")
# Keys that would change or judge the scenario while training runs: they wait for it.
WAIT_FOR_TRAINING = {"train", "edit", "reload", "scale_lr", "gradcheck", "nudge", "save", "export"}


class StepScreen(MainScreen):
    HELP_NOTES = ("Left: the graph. Values ride the arrows forward; gradients (magenta) come back beneath "
                  "them. ▶ marks the layer just run forward, ◀ the one just run backward, ✓ a layer done "
                  "forward, ✓✓ done backward. Right: what the current step did. Bottom: every value with "
                  "its gradient.")

    # repaint=False: the watchers update just what changed.
    position: reactive[int] = reactive(0, repaint=False)
    """Steps done in the engine's plan; drives every pane."""
    ends: reactive[tuple[bool, bool]] = reactive((True, False), repaint=False, bindings=True)
    """At the start, at the end: Previous and Next are greyed there."""
    training: reactive[bool] = reactive(False, repaint=False, bindings=True)
    """A training worker is running: the keys that change the scenario wait."""
    full_precision: reactive[bool] = reactive(False, repaint=False)
    """Show every digit of a float (the f key) instead of --precision digits."""
    lr: reactive[float] = reactive(0.1, repaint=False)
    """The learning rate of the t key: the scenario's [train] lr, then [ and ]."""
    quiz: reactive[bool] = reactive(False, repaint=False)
    """Quiz mode: each backward step asks for its gradients before it shows them."""
    trained: reactive[Training] = reactive(Training(), repaint=False)
    """The gradient-descent steps taken in the app since the file was read."""

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.engine = Engine(scenario)
        self.changed = False  # values edited or trained since the file was read
        self.answers: dict[int, list[bool]] = {}  # quiz: step index -> right or wrong per gradient
        self.set_reactive(StepScreen.lr, scenario.lr)
        self._explained_floats = False
        self._prefetching = False  # a _prefetch is waiting for the next screen refresh

    @property
    def busy(self) -> bool:
        return self.training

    @property
    def tr(self):
        return self.app.catalog

    @property
    def precision(self) -> int | None:
        return FULL if self.full_precision else self.app.precision

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(self._status_text, id="status")
        yield ErrorBar(id="error")
        yield TrainingBar()
        with Horizontal(id="main"):
            yield Pane(id="graph")
            yield Pane(id="step")
        yield Pane(id="values")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#graph", Pane).focus()  # up and down scroll the graph until tab moves on
        self.watch(self.app, "catalog", self._translate)  # also now

    def _translate(self) -> None:
        """Labels that are not redrawn with each step: pane titles, the footer; then the rest."""
        for pane in self.query(Pane):
            pane.border_title = self.tr(pane.id)
        translate_bindings(self, self.tr)
        self.refresh_view()
        self._show_training()

    def _status_text(self, width: int) -> Text:
        marks = [self.tr("full precision")] * self.full_precision + [self.tr("edited (s saves)")] * self.changed
        if self.quiz:
            right, asked = self._score()
            marks.append(self.tr("quiz {right}/{asked}", right=right, asked=asked))
        return status_text(self.engine, marks, self.tr, width)

    # -- the panes ------------------------------------------------------------
    def watch_position(self) -> None:
        self.refresh_view()

    def watch_full_precision(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        self.query_one("#status").refresh()
        self._prepare_view()
        key = self._view_key()
        for pane in self.query(Pane):
            pane.show(key)
        # the current layer's block at the top of the graph pane
        self.query_one("#graph", Pane).scroll_to(y=current_line(self.engine), animate=False)
        if not self._prefetching:
            self._prefetching = True
            self.call_after_refresh(self._prefetch)

    def _view_key(self) -> tuple:
        """Everything the panes' content depends on: the same key, the same content."""
        return self.engine, self.engine.position, self.precision, self.tr

    def _views(self) -> dict[str, RenderableType]:
        """What the panes show at the engine's position."""
        e, p, tr = self.engine, self.precision, self.tr
        step = e.current
        if step is None:
            sc = e.scenario
            shown = Text.assemble((sc.title + "\n", "bold"), (sc.reference + "\n\n", "dim"),
                                  paragraphs(sc.description) + "\n\n",
                                  (tr("Press n, → or space to run the first layer forward."), "bold"))
        else:
            shown = Group(Text(step_title(step, len(e), tr), style="bold"), step_view(step, tr, p, e.scenario.layers))
        return {"graph": graph_view(e, tr, p), "step": shown, "values": values_table(e, tr, p)}

    def _prepare_view(self) -> None:
        """Render the panes for the engine's position, unless done before."""
        key, panes = self._view_key(), {pane.id: pane for pane in self.query(Pane)}
        if not all(pane.prepared(key) for pane in panes.values()):
            for pane_id, content in self._views().items():
                panes[pane_id].prepare(content, key)

    def _prefetch(self) -> None:
        """Render the panes of the steps next to this one while the learner
        reads it (after the screen is drawn), so that n and p only swap lines."""
        self._prefetching = False
        e, here = self.engine, self.engine.position
        try:
            for there in (here + 1, here - 1):
                if 0 <= there <= len(e):
                    e.seek(there)
                    self._prepare_view()
        finally:
            e.seek(here)

    # -- which keys work now ----------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        if self.app.screen is not self:
            return False  # under a dialog: its keys are the ones that work, and the footer shows none of these
        if action in ("next", "end"):
            return None if self.engine.at_end else True
        if action in ("previous", "start"):
            return None if self.engine.at_start else True
        if action in WAIT_FOR_TRAINING and self.training:
            return None  # wait for the training to finish (a check would show the old numbers)
        if action == "nudge" and not self.engine.scenario.params:
            return None  # no [values] to nudge
        return True

    # -- moving -------------------------------------------------------------------
    BINDINGS = [
        # priority: the scrolling panes bind the arrows for themselves
        Binding("n,right,space", "next", "Next", priority=True,
                tooltip="next step: forward one layer, then backward one layer"),
        Binding("p,left", "previous", "Prev", priority=True, tooltip="previous step"),
        Binding("home", "start", "Start", priority=True, show=False, group=ENDS),
        Binding("end", "end", "End", priority=True, show=False, group=ENDS),
        Binding("tab", "app.focus_next", "Next pane", show=False, key_display="tab  ↑ ↓  pgup pgdn",
                tooltip="move to a pane (graph, step, values), then scroll it"),
    ]

    def _move(self, move) -> None:
        move()
        self.position = self.engine.position
        self.ends = self.engine.at_start, self.engine.at_end
        self.query_one("#step", Pane).scroll_home(animate=False)  # a new step from its title

    def action_next(self) -> None:
        e = self.engine
        if self.quiz and e.phase == BACKWARD and e.position not in self.answers:
            from backprop_engine.quiz import quiz_entries
            step = e.next()  # computed now, shown only once the learner has answered
            e.back()
            if quiz_entries(step):
                from ..dialogs.quiz import QuizDialog
                self.app.push_screen(QuizDialog(step, self.precision), self._answered)
                return
        self._move(e.next)

    def action_previous(self) -> None:
        self._move(self.engine.back)

    def action_start(self) -> None:
        self._move(self.engine.to_start)

    def action_end(self) -> None:
        self._move(self.engine.to_end)

    # -- precision ---------------------------------------------------------------
    BINDINGS += [Binding("f", "toggle_precision", "Full",
                         tooltip="toggle full precision (220 / 220.00000000000003)")]

    def action_toggle_precision(self) -> None:
        self.full_precision = not self.full_precision
        if self.full_precision and not self._explained_floats:
            self._explained_floats = True  # once per session
            self.notify(self.tr(FLOAT_NOTE, digits=self.app.precision), title=self.tr("Why 220.00000000000003?"),
                        timeout=20)

    # -- understanding: check, nudge, quiz ----------------------------------------
    BINDINGS += [
        Binding("c", "gradcheck", "Check",
                tooltip="gradient check: backprop beside the numerical gradient (+ and - change h)"),
        Binding("u", "nudge", "Nudge", tooltip="nudge a value by ε: the change the gradient predicts beside the real one"),
        Binding("z", "toggle_quiz", "Quiz", tooltip="quiz: before each backward step, predict its gradients; scored"),
    ]

    def action_gradcheck(self) -> None:
        from ..dialogs.gradcheck import GradCheckDialog
        self.app.push_screen(GradCheckDialog(self.engine))

    def action_nudge(self) -> None:
        from ..dialogs.nudge import NudgeDialog
        self.app.push_screen(NudgeDialog(self.engine))

    def action_toggle_quiz(self) -> None:
        self.quiz = not self.quiz
        self.answers = {}
        self.refresh_view()

    def _answered(self, results: list[bool]) -> None:
        self.answers[self.engine.position] = results
        self._move(self.engine.next)
        if self.engine.at_end:
            right, asked = self._score()
            self.notify(self.tr("Quiz done: {right} of {asked} gradients right.", right=right, asked=asked),
                        title=self.tr("Quiz"), timeout=15)

    def _score(self) -> tuple[int, int]:
        return sum(sum(r) for r in self.answers.values()), sum(len(r) for r in self.answers.values())

    # -- practice: edit, train, save, export, reload ----------------------------------
    BINDINGS += [
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
        """Gradient descent on [values] (5.7.4): the engine trains, the screen shows."""
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
        self.query_one(TrainingBar).show(self.trained, self.lr, self.engine.scenario.output, self.tr)

    BINDINGS += [
        Binding("s", "save", "Save", show=False, tooltip="save the scenario as edited or trained to a new file"),
        Binding("x", "export", "Export", show=False,
                tooltip="export the whole step-by-step run as Markdown to a file"),
        Binding("r", "reload", "Reload", show=False, tooltip="reload the scenario file from disk"),
    ]

    def action_save(self) -> None:
        from backprop_engine.gradcheck import check_expect
        from ..dialogs.save import SaveDialog
        sc, tr = self.engine.scenario, self.tr
        checks = check_expect(sc)
        dropped = [c.key for c in checks if not c.ok]  # golden numbers the edits have made wrong

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(tr("saved to {path}", path=path.resolve()) + (
                    "\n" + tr("[expect] left out, no longer true: {keys}", keys=", ".join(dropped))
                    if dropped else ""))
                # "save as": the saved file is the one open now, so r reloads
                # it, and nothing is left unsaved
                self.changed = False
                self._use(replace(sc, path=str(path)), keep_position=True)
        text = lambda: to_toml(sc, {c.key: c.expected for c in checks if c.ok})  # noqa: E731
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-edited.toml", text), saved)

    def action_export(self) -> None:
        from ..dialogs.save import SaveDialog
        from ..views.markdown import run_markdown
        sc, precision, tr = self.engine.scenario, self.precision, self.tr
        self.app.push_screen(SaveDialog(f"{Path(sc.path).stem}-steps.md", lambda: run_markdown(sc, tr, precision),
                                        tr("the step-by-step run (Markdown)")),
                             lambda path: path and self.notify(tr("saved to {path}", path=path.resolve())))

    def action_reload(self) -> None:
        self.app.open_path(Path(self.engine.scenario.path), keep_position=True)

    # -- what the App asks of a main screen ---------------------------------------------
    def leave(self, question: str, then) -> None:
        if not self.changed:
            then()
            return
        from ..dialogs.confirm import ConfirmDialog
        self.app.push_screen(ConfirmDialog(self.tr("The edits are not saved (s saves them).") + " " + question),
                             lambda yes: then() if yes else None)

    def open_scenario(self, scenario: Scenario, keep_position: bool = False) -> None:
        """Show a scenario read from a file: nothing edited, no quiz answers, no training."""
        self.show_error("")
        self.changed = False
        self.answers = {}  # a quiz starts over with another file
        self.trained = Training()
        self.lr = scenario.lr
        self._use(scenario, keep_position)

    def _use(self, scenario: Scenario, keep_position: bool) -> None:
        """Show ``scenario``, at the same step if asked (after a reload, an edit or training)."""
        engine = Engine(scenario)
        target = min(self.engine.position, len(engine)) if keep_position else 0
        self.engine = engine
        for pane in self.query(Pane):
            pane.forget()  # what was rendered for the old engine
        engine.seek(target)
        self.position = engine.position
        self.ends = engine.at_start, engine.at_end
        self.refresh_view()  # position may be unchanged (reload at the same step)
        self.refresh_bindings()
