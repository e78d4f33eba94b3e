"""The Textual app: walk a scenario one layer at a time, forward then backward.

The engine computes; the app only shows what the engine's records hold.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual import work
from textual.widgets import Footer, Sparkline, Static

import numpy as np

from backprop_engine import BACKWARD, Engine, Scenario, ScenarioError, load
from backprop_engine.scenario import BUNDLED_DIR, to_toml
from backprop_engine.train import train

from .graph import current_line, graph_view
from .i18n import LANGUAGES, _, language, set_language
from .render import FULL, num, paragraphs, step_title, step_view, values_table
from .widgets.pane import Pane
from .widgets.status import StatusLine
# The dialogs (.screens) are imported when one first opens: the first screen
# is drawn sooner without them.

PANES = ("#graph", "#step", "#values")
FLOAT_NOTE = (
    "Floats are binary fractions. 1.1 has no exact binary form: the nearest float is "
    "1.100000000000000088817841970012523…, so 200 × 1.1 (like 2.2 × 100) rounds to the float "
    "just above 220, which prints in full as 220.00000000000003. The book prints these full "
    "floats; {digits} significant digits hide the last-bit error.")

class BackpropApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]

    BINDINGS = [
        # priority: the scrolling panes bind the arrows, home and end for themselves
        Binding("n,right,space", "next", "Next", priority=True),
        Binding("p,left", "previous", "Prev", priority=True),
        Binding("home", "start", "Start", priority=True, show=False),
        Binding("end", "end", "End", priority=True, show=False),
        # help, quit and open early, so that a narrow footer still shows them
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("o", "open", "Open"),
        Binding("f", "toggle_precision", "Full"),
        Binding("c", "gradcheck", "Check"),
        Binding("u", "nudge", "Nudge"),
        Binding("z", "toggle_quiz", "Quiz"),
        Binding("e", "edit", "Edit"),
        Binding("t", "train(1)", "Train"),
        Binding("r", "reload", "Reload", show=False),
        Binding("s", "save", "Save", show=False),
        Binding("x", "export", "Export", show=False),
        Binding("L", "next_language", "Language", show=False),
        Binding("T", "train(100)", "Train ×100", show=False),
        Binding("escape", "dismiss_notes", "Close notes", show=False),
        Binding("left_square_bracket", "scale_lr(0.5)", "lr ÷ 2", show=False, key_display="["),
        Binding("right_square_bracket", "scale_lr(2)", "lr × 2", show=False, key_display="]"),
    ]

    # repaint=False: a reactive of the App would otherwise repaint the whole
    # screen whenever it changes; the watchers below update just what changed.
    position: reactive[int] = reactive(0, repaint=False)
    """Steps done in the engine's plan; drives every panel."""
    full_precision: reactive[bool] = reactive(False, repaint=False)
    """Show every digit of a float (the f key) instead of --precision digits."""
    error: reactive[str] = reactive("", repaint=False)
    """The last load error, shown in the app until the next successful load."""
    lr: reactive[float] = reactive(0.1, repaint=False)
    """The learning rate of the t key: the scenario's [train] lr, then [ and ]."""
    quiz: reactive[bool] = reactive(False, repaint=False)
    """Quiz mode: each backward step asks for its gradients before it shows them."""
    losses: reactive[tuple[float, ...]] = reactive((), repaint=False)
    """The final output before each gradient-descent step taken in the app."""

    def __init__(self, scenario: Scenario | None = None, precision: int = 6, lang: str = "en"):
        super().__init__()
        set_language(lang)
        self.engine: Engine | None = Engine(scenario) if scenario else None
        self.precision_digits = precision
        self.changed = False  # values edited or trained since the file was read
        self.training = False  # a training worker is running
        self.loss_now = 0.0  # the loss after the last training step
        self.step_lrs: tuple[float, ...] = ()  # the learning rate of each of those steps
        self.answers: dict[int, list[bool]] = {}  # quiz: step index -> right or wrong per gradient
        if scenario:
            self.set_reactive(BackpropApp.lr, scenario.lr)
        self._explained_floats = False
        self._prefetching = False  # a _prefetch is waiting for the next screen refresh
        self._own_actions = {b.action.partition("(")[0] for b in self.BINDINGS}

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(self._status_text, id="status")
        yield Static(id="error")
        with Horizontal(id="train"):
            yield Static(id="train-text")
            yield Sparkline(id="loss-plot")
        with Horizontal(id="main"):
            yield Pane(id="graph")
            yield Pane(id="step")
        yield Pane(id="values")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#graph", Pane).focus()  # up and down scroll the graph until tab moves on
        self._translate()
        self.refresh_view()
        if self.engine is None:
            self.action_open()
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        """What exists once the first screen is drawn (Textual, Rich, numpy, the
        app) lives as long as the app: collect the garbage now, then leave the
        rest out of the garbage collector's full passes, which would otherwise
        take 20-40 ms at unforeseeable key presses."""
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()  # for the app's life only (another app may run in this process)

    @property
    def precision(self) -> int | None:
        return FULL if self.full_precision else self.precision_digits

    def watch_position(self) -> None:
        self.refresh_view()

    def watch_full_precision(self) -> None:
        self.refresh_view()

    def watch_error(self, error: str) -> None:
        box = self.query_one("#error", Static)
        box.update(Text(error, style="bold"))
        box.set_class(bool(error), "-shown")

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#status").refresh()
        if self.engine is None:
            for w in PANES:
                self.query_one(w, Pane).update(Text(""))
            return
        e = self.engine
        self._prepare_view()
        key = self._view_key()
        for pane in PANES:
            self.query_one(pane, Pane).show(key)
        # the current layer's block at the top of the graph pane
        self.query_one("#graph", Pane).scroll_to(y=current_line(e), animate=False)
        if not self._prefetching:
            self._prefetching = True
            self.call_after_refresh(self._prefetch)

    def _view_key(self) -> tuple:
        """Everything the panes' content depends on: the same key, the same content."""
        return self.engine, self.engine.position, self.precision, language()

    def _views(self) -> dict[str, RenderableType]:
        """What the panes show at the engine's position."""
        e, p = self.engine, self.precision
        step = e.current
        if step is None:
            sc = e.scenario
            shown = Text.assemble((sc.title + "\n", "bold"), (sc.reference + "\n\n", "dim"),
                                  paragraphs(sc.description) + "\n\n",
                                  (_("Press n, → or space to run the first layer forward."), "bold"))
        else:
            shown = Group(Text(step_title(step, len(e)), style="bold"), step_view(step, p))
        return {"#graph": graph_view(e, p), "#step": shown, "#values": values_table(e, p)}

    def _prepare_view(self) -> None:
        """Render the panes for the engine's position, unless done before."""
        key, panes = self._view_key(), {pane: self.query_one(pane, Pane) for pane in PANES}
        if not all(pane.prepared(key) for pane in panes.values()):
            for pane_id, content in self._views().items():
                panes[pane_id].prepare(content, key)

    def _prefetch(self) -> None:
        """Render the panes of the steps next to this one while the learner
        reads it (after the screen is drawn), so that n and p only swap lines."""
        self._prefetching = False
        e = self.engine
        if e is None:
            return
        here = e.position
        try:
            for there in (here + 1, here - 1):
                if 0 <= there <= len(e):
                    e.seek(there)
                    self._prepare_view()
        finally:
            e.seek(here)

    def _status_text(self, width: int) -> Text:
        e = self.engine
        if e is None:
            return Text(_("No scenario open. Press o to open one, q to quit."), style="bold")
        phase = e.current.phase if e.current else "start"
        if e.at_end:
            phase, nxt = "done", _("p steps back, home starts over")
        else:
            kind, spec = e.plan[e.position]
            nxt = _("n: {phase} through {layer}", phase=_(kind), layer=spec.name)
        marks = [_("full precision")] * self.full_precision + [_("edited (s saves)")] * self.changed
        if self.quiz:
            right, asked = self._score()
            marks.append(_("quiz {right}/{asked}", right=right, asked=asked))
        where = Text.assemble("  │  ", (_(phase), "bold cyan"),
                              "  │  ", _("step {k}/{n}", k=e.position, n=len(e)),
                              *[("  " + m, "yellow") for m in marks])
        # The title gives way first (at most 40 cells, and no more than leaves
        # room for the phase, the step and the marks: an unsaved edit must
        # show); then the hint for the next key is cut, with an ellipsis.
        title = Text(e.scenario.title, style="bold")
        title.truncate(max(8, min(40, width - where.cell_len)), overflow="ellipsis")
        hint = Text(nxt, style="dim")
        room = width - title.cell_len - where.cell_len - 5  # 5: "  │  "
        if room < 4:
            return Text.assemble(title, where)
        hint.truncate(room, overflow="ellipsis")
        return Text.assemble(title, where, "  │  ", hint)

    # -- actions ------------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        if len(self.screen_stack) > 1:
            # a dialog is open: its keys, written in it, are the ones that work
            # (with Textual's own, such as tab to the next field)
            return action not in self._own_actions
        if action in ("next", "end"):
            return None if self.engine is None or self.engine.at_end else True
        if action in ("previous", "start"):
            return None if self.engine is None or self.engine.at_start else True
        if action in ("train", "edit", "reload", "open", "scale_lr", "gradcheck", "nudge") \
                and self.training:
            return None  # wait for the training to finish (a check would show the old numbers)
        if action == "nudge" and self.engine is not None and not self.engine.scenario.params:
            return None  # no [values] to nudge
        if action in ("reload", "toggle_precision", "gradcheck", "nudge", "train", "scale_lr",
                      "edit", "save", "toggle_quiz", "export"):
            return None if self.engine is None else True
        return True

    def _move(self, move) -> None:
        ends = self.engine.at_start, self.engine.at_end
        move()
        self.position = self.engine.position
        self.query_one("#step", Pane).scroll_home(animate=False)  # a new step from its title
        if (self.engine.at_start, self.engine.at_end) != ends:
            self.refresh_bindings()  # Next or Previous greyed or back: the footer changes

    def action_next(self) -> None:
        e = self.engine
        if self.quiz and e.phase == BACKWARD and e.position not in self.answers:
            step = e.next()  # computed now, shown only once the learner has answered
            e.back()
            from .screens import QuizScreen, quiz_entries
            if quiz_entries(step):
                self.push_screen(QuizScreen(step, self.precision), self._answered)
                return
        self._move(e.next)

    def _answered(self, results: list[bool]) -> None:
        self.answers[self.engine.position] = results
        self._move(self.engine.next)
        if self.engine.at_end:
            right, asked = self._score()
            self.notify(_("Quiz done: {right} of {asked} gradients right.", right=right, asked=asked),
                        title=_("Quiz"), timeout=15)

    def _score(self) -> tuple[int, int]:
        return (sum(sum(r) for r in self.answers.values()), sum(len(r) for r in self.answers.values()))

    def action_toggle_quiz(self) -> None:
        self.quiz = not self.quiz
        self.answers = {}
        self.refresh_view()

    def action_previous(self) -> None:
        self._move(self.engine.back)

    def action_start(self) -> None:
        self._move(self.engine.to_start)

    def action_end(self) -> None:
        self._move(self.engine.to_end)

    def action_toggle_precision(self) -> None:
        self.full_precision = not self.full_precision
        if self.full_precision and not self._explained_floats:
            self._explained_floats = True  # once per session
            self.notify(_(FLOAT_NOTE, digits=self.precision_digits), title=_("Why 220.00000000000003?"),
                        timeout=20)

    def action_train(self, steps: int) -> None:
        """Gradient descent on [values] (5.7.4): the engine trains, the app shows."""
        self.training = True
        self.refresh_bindings()  # until it is done, keys that change the scenario wait
        self._train(self.engine.scenario, steps, self.lr)

    @work(thread=True, exclusive=True)
    def _train(self, scenario: Scenario, steps: int, lr: float) -> None:
        # off the UI thread: 100 mnist steps take ~1 s. A diverging run's inf and
        # nan are results the app shows, not warnings (a thread has numpy's
        # default error handling, not the one the command line sets)
        from backprop_engine.gradcheck import loss_at
        with np.errstate(all="ignore"):
            losses, trained = train(scenario, steps, lr)
            now = loss_at(trained, trained.leaves)  # the loss after the last step: one forward pass
        self.call_from_thread(self._trained, scenario, [*losses, now], trained, lr)

    def _trained(self, source: Scenario, losses: list[float], scenario: Scenario, lr: float) -> None:
        """``losses``: before each step, then after the last one; ``lr``: the steps' learning rate."""
        self.training = False
        self.refresh_bindings()
        if self.engine is None or self.engine.scenario is not source:
            return  # the scenario changed meanwhile: this training no longer applies
        self.changed = True
        self._use(scenario, keep_position=True)
        self.loss_now = losses[-1]
        self.step_lrs = (*self.step_lrs, *[lr] * (len(losses) - 1))
        self.losses = (*self.losses, *losses[:-1])

    def action_scale_lr(self, factor: float) -> None:
        self.lr *= factor

    def watch_lr(self) -> None:
        self._show_training()

    def watch_losses(self) -> None:
        self._show_training()

    def _show_training(self) -> None:
        if not self.is_mounted:
            return
        bar = self.query_one("#train")
        bar.set_class(bool(self.losses), "-shown")
        if self.losses:
            e, now = self.engine, self.loss_now
            history = [*self.losses, now]
            finite = [v for v in history if np.isfinite(v)]  # the plot cannot draw inf or nan
            low, high = min(self.step_lrs), max(self.step_lrs)  # the learning rates of the steps taken
            used = f"{low:g}" if low == high else f"{low:g}–{high:g}"
            steps = (_("lr {lr} · 1 step · ", lr=used) if len(self.losses) == 1 else
                     _("lr {lr} · {n} steps · ", lr=used, n=len(self.losses)))
            self.query_one("#train-text", Static).update(Text.assemble(
                (_("training "), "bold"), steps, f"{e.scenario.output} {num(self.losses[0], 4)} → ",
                (num(now, 4), "bold"),
                _(" · next lr {lr}", lr=f"{self.lr:g}") if self.lr != self.step_lrs[-1] else "",
                (_("  diverged: lower the lr ([) and reload (r)"), "bold red")
                if len(finite) < len(history) else "",
                (_("   t: one step, T: 100, [ ]: lr"), "dim")))
            self.query_one("#loss-plot", Sparkline).data = finite or [0.0]

    def action_edit(self) -> None:
        from .screens import EditScreen
        self.push_screen(EditScreen(self.engine.scenario), self._edited)

    def _edited(self, change: tuple[str, np.ndarray] | None) -> None:
        if change is not None:
            name, value = change
            self.changed = True
            self._use(self.engine.scenario.with_leaves(**{name: value}), keep_position=True)
            self.notify(_("{name} changed; the engine ran again up to step {k}.", name=name,
                          k=self.engine.position))

    def action_save(self) -> None:
        from backprop_engine.gradcheck import check_expect
        from .screens import SaveScreen
        sc = self.engine.scenario
        checks = check_expect(sc)
        dropped = [c.key for c in checks if not c.ok]  # golden numbers the edits have made wrong

        def text() -> str:
            return to_toml(sc, {c.key: c.expected for c in checks if c.ok})

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(_("saved to {path}", path=path.resolve()) + (
                    "\n" + _("[expect] left out, no longer true: {keys}", keys=", ".join(dropped))
                    if dropped else ""))
                # "save as": the saved file is the one open now, so r reloads
                # it, and nothing is left unsaved
                self.changed = False
                self._use(replace(sc, path=str(path)), keep_position=True)
        self.push_screen(SaveScreen(f"{Path(sc.path).stem}-edited.toml", text), saved)

    def action_export(self) -> None:
        from .markdown import run_markdown
        from .screens import SaveScreen
        sc, precision = self.engine.scenario, self.precision
        self.push_screen(SaveScreen(f"{Path(sc.path).stem}-steps.md", lambda: run_markdown(sc, precision),
                                    _("the step-by-step run (Markdown)")),
                         lambda path: path and self.notify(_("saved to {path}", path=path.resolve())))

    def action_gradcheck(self) -> None:
        from .screens import GradCheckScreen
        self.push_screen(GradCheckScreen(self.engine))

    def action_nudge(self) -> None:
        from .screens import NudgeScreen
        self.push_screen(NudgeScreen(self.engine))

    def action_next_language(self) -> None:
        set_language(LANGUAGES[(LANGUAGES.index(language()) + 1) % len(LANGUAGES)])
        self._translate()
        self.refresh_view()
        self._show_training()
        self.notify(_("Language: English"))

    def _translate(self) -> None:
        """Labels that are not redrawn with each step: pane titles and the footer."""
        for pane in self.query(Pane):
            pane.border_title = _(pane.id)
        english = {b.action: b.description for b in self.BINDINGS}
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                replace(b, description=_(english.get(b.action, b.description))) for b in bindings]
        self.refresh_bindings()

    def action_dismiss_notes(self) -> None:
        self.clear_notifications()

    def action_help(self) -> None:
        from .screens import HelpScreen
        self.push_screen(HelpScreen())

    def action_open(self) -> None:
        from .screens import PickerScreen
        self.push_screen(PickerScreen(), self.open_path)

    def action_reload(self) -> None:
        self.open_path(Path(self.engine.scenario.path), keep_position=True)

    def open_path(self, path: Path | None, keep_position: bool = False) -> None:
        """Load a scenario; on failure show the error and keep what is open."""
        if path is None:
            return
        try:
            scenario = load(path)
        except ScenarioError as e:
            self.error = "\n".join(e.lines)  # and the edits, if any, stay
            return

        def use() -> None:
            self.error = ""
            self.changed = False
            self.answers = {}  # a quiz starts over with another file
            self.losses = ()
            self.step_lrs = ()
            self.lr = scenario.lr
            self._use(scenario, keep_position)
        shown = path.stem if path.parent == BUNDLED_DIR else path  # not a long site-packages path
        self._unless_unsaved(_("Load {path} and lose them?", path=shown), use)

    def action_quit(self) -> None:
        self._unless_unsaved(_("Quit and lose them?"), self.exit)

    def _unless_unsaved(self, question: str, then) -> None:
        """Call ``then`` now, or, when edits or training are not saved, once
        the learner has said yes to losing them."""
        if not self.changed:
            then()
            return
        from .screens import ConfirmScreen
        self.push_screen(ConfirmScreen(_("The edits are not saved (s saves them).") + " " + question),
                         lambda yes: then() if yes else None)

    def _use(self, scenario: Scenario, keep_position: bool) -> None:
        """Show ``scenario``, at the same step if asked (after a reload, an edit or training)."""
        engine = Engine(scenario)
        target = min(self.engine.position, len(engine)) if keep_position and self.engine else 0
        self.engine = engine
        for pane in self.query(Pane):
            pane.forget()  # what was rendered for the old engine
        engine.seek(target)
        # position may be unchanged (reload at the same step): refresh explicitly
        self.position = engine.position
        self.refresh_view()
        self.refresh_bindings()
