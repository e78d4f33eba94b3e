"""The step screen: walk a scenario one layer at a time, forward then backward.

The engine computes; the screen only shows what the engine's records hold.
Each key of a step is bound beside its action (here, or in the part that
owns it); a dialog on top hides them all by itself.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.timer import Timer
from textual.widgets import Footer

from backprop_engine import BACKWARD, Engine, Scenario

from ...explain import step_title
from ...explain.learner import summary_sections
from ...dialogs.confirm import ConfirmDialog
from ...format import FULL, first_rounded
from ...textual_compat import translate_bindings
from ...views.drawing import draw, layout
from ...views.layer_list import graph_view
from ...views.paragraphs import paragraphs
from ...views.rich import rich_sections, step_view
from ...views.values_table import values_table
from ...widgets.error_bar import ErrorBar
from ...widgets.note_bar import NoteBar
from ...widgets.pane import Pane
from ...widgets.status import StatusLine
from ...training_run import TrainingRun
from ...widgets.training import TrainingBar
from .graph_keys import GraphKeys
from .practice import PracticeKeys
from .sample_keys import SampleKeys
from .status_text import status_text
from .understanding import UnderstandingKeys

PANES = ("graph", "step", "values")
WAIT_NOTE_AFTER = 0.3  # seconds of the learner's code before the step says it waits
FLOAT_NOTE = ("Floats are binary fractions, and most decimals (1.1, 0.1) have none exact: a product "
              "such as 200 × 1.1 lands on the float next to the decimal one. Here {name} is {full} in "
              "full, shown as {short} at {digits} significant digits. The book's buy_apple.py prints "
              "int(price), which hides this; print(price) shows the full float. A number with no room "
              "for all its digits (on an edge of the drawn graph) is rounded and marked ≈.")
EXACT_NOTE = ("Every number on screen now is the same in full as at {digits} significant digits. Where "
              "one is not (200 × 1.1 = 220.00000000000003), f shows it; a number with no room for all "
              "its digits is rounded and marked ≈.")
ALREADY_FULL = ("--precision full: every number is shown with all its digits already, where it has room; "
                "one rounded to fit its place is marked ≈.")
# s after a key before the steps next to it render (so that n and p only swap
# lines): a moment after the screen is drawn, 5-10 ms after the key.
PREFETCH_DELAY = 0.03
# Keys that share a line of the help.
ENDS = Binding.Group("to the start / to the end")
# Keys that would change or judge the scenario while training runs: they wait for it.
WAIT_FOR_TRAINING = {"train", "edit", "reload", "scale_lr", "gradcheck", "nudge", "save", "export"}


class StepScreen(GraphKeys, UnderstandingKeys, PracticeKeys, SampleKeys):
    HELP_NOTES = ("The graph pane: values ride the arrows forward; gradients (magenta) come back beneath "
                  "them. In the drawn graph the node of the current step is in reverse, the nodes done are "
                  "green and those not yet run dim; in the list (g) ▶ marks the layer just run forward, ◀ the "
                  "one just run backward, ✓ a layer done forward, ✓✓ done backward. The step pane: what the "
                  "current step did. The values pane: every value with its gradient.")

    def __init__(self, scenario: Scenario, drawn: bool | None = None):
        super().__init__()
        self.engine = Engine(scenario)
        self.changed = False
        self.answers = {}
        self.training_run = TrainingRun(self, self._to_train)
        self.set_reactive(StepScreen.lr, scenario.lr)
        self.set_reactive(StepScreen.drawn, drawn)
        self._explained_floats = False
        self._queued: list = []  # with --layers: moves asked while one runs the learner's code
        self._footer: tuple | None = None  # the language and the keys hidden that the footer was made for
        self._prefetch_timer: Timer | None = None  # the prefetch after the last key
        self._prefetched: tuple | None = None  # the view key of the step last prefetched around
        self._panes: dict[str, Pane] = {}
        self._status: tuple[tuple, Text] | None = None  # the status line's text, and what it says

    @property
    def busy(self) -> bool:
        return self.training

    @property
    def panes(self) -> dict[str, Pane]:
        """The three panes by id (found once: they stay as long as the screen)."""
        if not self._panes:
            self._panes = {pane.id: pane for pane in self.query(Pane)}
        return self._panes

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self._status_line = StatusLine(self._status_text, id="status")
        yield self._status_line
        yield ErrorBar(id="error")
        yield NoteBar(id="note")
        yield TrainingBar()
        with Grid(id="main"):  # graph | step over values; or the drawn graph over step | values
            yield Pane(id="graph")
            yield Pane(id="step")
            yield Pane(id="values", pinned=2)  # the table's header and its rule
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.arrange_graph()
        self.query_one("#graph", Pane).focus()  # up and down scroll the graph until tab moves on
        self.watch(self.app, "catalog", self._translate)  # also now

    def _translate(self) -> None:
        """Labels that are not redrawn with each step: pane titles, the footer; then the rest."""
        for pane in self.query(Pane):
            pane.border_title = self.tr(pane.id)
        self.fit_footer()  # in this language: the words of another take another width
        self.refresh_view()
        self.show_training()

    def _status_text(self, width: int) -> Text:
        """The status line's text, made again only when what it says changes."""
        e, tr, score = self.engine, self.tr, self.quiz and self.score()
        key = e, e.position, self.full_precision, self.changed, score, tr, width
        if self._status is None or self._status[0] != key:
            marks = [tr("full precision")] * self.full_precision + [tr("edited (s saves)")] * self.changed
            if score:
                marks.append(tr("quiz {right}/{asked}", right=score[0], asked=score[1]))
            self._status = key, status_text(e, marks, tr, width)
        return self._status[1]

    # -- the panes ------------------------------------------------------------
    def watch_position(self) -> None:
        self.refresh_view()

    def watch_full_precision(self) -> None:
        self.arrange_graph()  # full precision gives the drawing's numbers more room
        self.refresh_view()

    def refresh_view(self) -> None:
        self._status_line.refresh()
        self._prepare_view()
        key = self._view_key()
        # the current layer in view in the graph pane, and what it writes in the values pane
        places = {"graph": self.place_in_graph, "values": self._place_in_values}
        for pane in self.panes.values():
            pane.show(key, places.get(pane.id))
        if key != self._prefetched:  # (not again for the same step, as after a resize)
            if self._prefetch_timer is not None:
                self._prefetch_timer.stop()  # one prefetch, after the last key
            self._prefetch_timer = self.set_timer(PREFETCH_DELAY, self._prefetch)

    def _place_in_values(self, values: Pane) -> tuple[None, int]:
        """Where the values pane scrolls to keep in view what the current step
        writes: the output forward, the gradients of its inputs backward."""
        step = self.engine.current
        if step is None:
            return None, 0
        names = ([step.layer.output] if step.phase != BACKWARD else
                 [n for n, g in zip(step.layer.inputs, step.input_grads) if g is not None])
        rows = [values.line_where(lambda text, n=n: text.startswith(n + " ")) for n in names]
        rows = [r for r in rows if r is not None]
        if step.phase == BACKWARD:  # an array's gradient has rows of its own, under its value's
            rows = [self._gradient_row(values, r) for r in rows]
        # where depends on the step alone, not on where the pane was: the top
        # when they are in view from there, else the first of them under the header
        fits = all(r < values.view_size.height for r in rows)
        return None, 0 if fits or not rows else min(rows) - values.pinned

    def _gradient_row(self, values: Pane, row: int) -> int:
        """Where to scroll for the gradient of the value named at ``row``: the
        name, if the value and its gradient fit in the pane, else the gradient's
        first row (an array's rows come before its gradient's)."""
        grad = self.tr("grad")
        first = values.line_where(lambda text: text.split(maxsplit=1)[:1] == [grad], row + 1)
        following = values.line_where(lambda text: text[:1] not in ("", " "), row + 1)  # the next value's name
        if first is None or (following is not None and following < first):
            return row  # a scalar: its gradient is on its own row
        end = following if following is not None else first + 1
        return row if end - row <= values.view_size.height - values.pinned else first

    def _view_key(self) -> tuple:
        """Everything the panes' content depends on: the same key, the same content."""
        return self.engine, self.engine.position, self.precision, self.tr, self.drawing, self.sample

    def _views(self) -> dict[str, RenderableType]:
        """What the panes show at the engine's position."""
        e, p, tr = self.engine, self.precision, self.tr
        step = e.current
        if step is None:
            sc = e.scenario
            shown = Text.assemble((tr.own(sc.title) + "\n", "bold"), (tr.own(sc.reference) + "\n\n", "dim"),
                                  paragraphs(tr.own(sc.description)) + "\n\n",
                                  (tr("Press n, → or space to run the first layer forward."), "bold"))
        else:
            shown = Group(Text(step_title(step, len(e), tr), style="bold"), step_view(step, tr, p, e.scenario.layers))
        sample = self.sample_block()
        if sample is not None:
            shown = Group(sample, Text(), shown)
        if e.at_end and e.scenario.ops:  # --layers: each layer's verdict
            shown = Group(shown, Text(), rich_sections(summary_sections(e.scenario, e.steps(), tr), tr, p))
        graph = draw(layout(e.scenario, p), e, tr, p) if self.drawing else graph_view(e, tr, p)
        return {"graph": graph, "step": shown, "values": values_table(e, tr, p)}

    def _prepare_view(self) -> None:
        """Render the panes for the engine's position, unless done before."""
        key, panes = self._view_key(), self.panes
        if not all(pane.prepared(key) for pane in panes.values()):
            for pane_id, content in self._views().items():
                panes[pane_id].prepare(content, key)

    def _prefetch(self) -> None:
        """Render the panes of the steps next to this one while the learner
        reads it, so that n and p only swap lines."""
        key = self._view_key()
        if key == self._prefetched:
            return  # a stopped timer's tick that was already queued: done for this step
        self._prefetched = key
        e, here = self.engine, self.engine.position
        # with --layers, only steps already computed: a new one runs the learner's code
        last = len(e) if self.app.learner is None else len(e.steps())
        try:
            for there in (here + 1, here - 1):
                if 0 <= there <= last:
                    e.seek(there)
                    self._prepare_view()
        finally:
            e.seek(here)

    # -- which keys work now ----------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        if self.app.screen is not self:
            return False  # under a dialog: its keys are the ones that work, and the footer shows none of these
        if action == "stop_learner":
            return self.moving  # else escape is the app's (it closes the note)
        if action in ("next", "end"):
            return None if self.engine.at_end else True
        if action in ("previous", "start"):
            return None if self.engine.at_start else True
        if action in WAIT_FOR_TRAINING and self.training:
            return None  # wait for the training to finish (a check would show the old numbers)
        if action == "nudge" and not self.engine.scenario.params:
            return None  # no [values] to nudge
        return True  # (without [data], v , and . say why they do nothing)

    def offers(self, action: str) -> bool:
        """Whether the help lists the action: v , . only with [data]; escape's stop with --layers."""
        if action == "stop_learner":
            return self.app.learner is not None
        return action not in ("sample", "training_view") or self.engine.scenario.data is not None

    # -- a narrow footer --------------------------------------------------------------
    # The footer shows the keys in order, the app's (? q o) last, and cuts what
    # has no room: where they do not all fit, this screen's last keys leave the
    # footer, whole, until ? Help and q Quit fit (they still work; the help lists them).
    def _cells(self, b: Binding) -> int:
        """The cells a key takes in the (compact) footer: "n Next " in this language."""
        return cell_len(b.key_display or b.key.split(",")[0]) + cell_len(self.tr(b.description)) + 2

    def fit_footer(self) -> None:
        mine = [b for b in type(self).BINDINGS if b.show]
        room = self.app.size.width + 1 - sum(self._cells(b) for b in type(self.app).BINDINGS if b.show)
        hidden = set()
        while mine and sum(map(self._cells, mine)) > room:
            hidden.add(mine.pop().action)
        footer = self.tr, frozenset(hidden)
        if footer != self._footer:  # (a resize mostly leaves it as it is: no new footer then)
            self._footer = footer
            translate_bindings(self, *footer)

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
        Binding("escape", "stop_learner", "Stop", show=False, priority=True,
                tooltip="with --layers: stop your layer's code while it runs"),
    ]

    def move(self, move) -> None:
        """Make the move; with --layers, in a thread: the learner's code may
        take long or hang, and the keys must answer meanwhile (escape stops it)."""
        if self.app.learner is None:
            move()
            self._moved()
            return
        if self.moving:
            self._queued.append(move)  # n pressed twice: the second after the first
            return
        self.moving = True
        said = self.tr("waiting for your layer's code (the file given to --layers); escape stops it")
        waiting = self.set_timer(WAIT_NOTE_AFTER, lambda: self.notify(said, timeout=30))

        def in_thread() -> None:
            try:
                move()
            finally:
                self.app.call_from_thread(done)

        def done() -> None:
            waiting.stop()
            notes = self.query_one(NoteBar)
            if notes.said and notes.said[-1].message == said:
                notes.clear()  # it waits no more
            self.moving = False
            self._moved()
            if self._queued:
                self.move(self._queued.pop(0))

        self.run_worker(in_thread, thread=True, group="move")

    def _moved(self) -> None:
        self.position = self.engine.position
        self.ends = self.engine.at_start, self.engine.at_end
        self.panes["step"].scroll_home(animate=False)  # a new step from its title

    def action_stop_learner(self) -> None:
        """escape while the learner's code runs: stop it (the step goes on with the built-in layer),
        and the moves asked meanwhile."""
        self._queued.clear()
        self.app.learner.interrupt()

    def action_next(self) -> None:
        if not self.asks_first():
            self.move(self.engine.next)

    def action_previous(self) -> None:
        self.move(self.engine.back)

    def action_start(self) -> None:
        self.move(self.engine.to_start)

    def action_end(self) -> None:
        self.move(self.engine.to_end)

    # -- precision ---------------------------------------------------------------
    BINDINGS += [Binding("f", "toggle_precision", "Full",
                         tooltip="toggle full precision (220 / 220.00000000000003)"),
                 *GraphKeys.KEYS]

    def action_toggle_precision(self) -> None:
        if self.app.precision is FULL:  # nothing to toggle: say so, not a label that changes nothing
            self.notify(self.tr(ALREADY_FULL), title=self.tr("Full precision"))
            return
        self.full_precision = not self.full_precision
        if self.full_precision and not self._explained_floats:
            self._explained_floats = True  # once per session
            self.notify(self._float_note(), title=self.tr("Full precision"), timeout=20)

    def _float_note(self) -> str:
        """About the first number on screen whose full form differs from the rounded one."""
        digits, e = self.app.precision, self.engine
        names = list(e.scenario.leaves) + [l.output for l in e.scenario.layers]
        shown = [(n, e.values[n]) for n in names if n in e.values] + [(f"∂L/∂{n}", e.grads[n]) for n in names
                                                                     if n in e.grads]
        found = first_rounded(shown, digits)
        if found is None:
            return self.tr(EXACT_NOTE, digits=digits)
        name, full, short = found
        return self.tr(FLOAT_NOTE, name=name, full=full, short=short, digits=digits)

    # the keys of the mixins, in the footer's order
    BINDINGS += [*UnderstandingKeys.KEYS, *PracticeKeys.KEYS, *SampleKeys.KEYS]

    # -- what the App asks of a main screen ---------------------------------------------
    def leave(self, question: str, then) -> None:
        if not self.changed:
            then()
            return
        self.app.push_screen(ConfirmDialog(self.tr("The edits are not saved (s saves them).") + " " + question),
                             lambda yes: then() if yes else None)

    def open_scenario(self, scenario: Scenario, keep_position: bool = False) -> None:
        """Show a scenario read from a file: nothing edited, no quiz answers, no training."""
        self.show_error("")
        self.changed = False
        self.answers = {}  # a quiz starts over with another file
        self.sample = 0  # another batch: from its first sample
        self.training_run = TrainingRun(self, self._to_train)
        self.show_training()
        self.lr = scenario.lr
        self.use(scenario, keep_position)

    def _to_train(self) -> tuple[Scenario, float]:
        """What the training run trains when a worker starts: this scenario, at this learning rate."""
        return self.engine.scenario, self.lr

    def use(self, scenario: Scenario, keep_position: bool) -> None:
        self._queued.clear()  # moves asked of the engine this one replaces
        engine = Engine(scenario)
        target = min(self.engine.position, len(engine)) if keep_position else 0
        self.engine = engine
        self.arrange_graph()  # another graph may be drawn at another size
        for pane in self.query(Pane):
            pane.forget()  # what was rendered for the old engine
        engine.seek(target)
        self.position = engine.position
        self.ends = engine.at_start, engine.at_end
        self.refresh_view()  # position may be unchanged (reload at the same step)
        self.refresh_bindings()
