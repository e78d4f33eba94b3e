"""The Textual app: walk a scenario one layer at a time, forward then backward.

The engine computes; the app only shows what the engine's records hold.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Static

from backprop_engine import Engine, Scenario, ScenarioError, load

from .graph import current_line, graph_view
from .render import FULL, paragraphs, step_title, step_view, values_table
from .widgets.pane import Pane
from .screens import GradCheckScreen, HelpScreen, NudgeScreen, PickerScreen

NAVIGATION = {"next", "previous", "start", "end"}  # the priority bindings
FLOAT_NOTE = (
    "Floats are binary fractions. 1.1 has no exact binary form: the nearest float is "
    "1.100000000000000088817841970012523…, so 200 × 1.1 (like 2.2 × 100) rounds to the float "
    "just above 220, which prints in full as 220.00000000000003. The book prints these full "
    "floats; 6 significant digits hide the last-bit error.")

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
        Binding("r", "reload", "Reload"),
        Binding("f", "toggle_precision", "Full prec."),
        Binding("c", "gradcheck", "Grad check"),
        Binding("u", "nudge", "Nudge"),
        Binding("o", "open", "Open"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    position: reactive[int] = reactive(0)
    """Steps done in the engine's plan; drives every panel."""
    full_precision: reactive[bool] = reactive(False)
    """Show every digit of a float (the f key) instead of --precision digits."""
    error: reactive[str] = reactive("")
    """The last load error, shown in the app until the next successful load."""

    def __init__(self, scenario: Scenario | None = None, precision: int = 6):
        super().__init__()
        self.engine: Engine | None = Engine(scenario) if scenario else None
        self.precision_digits = precision
        self._explained_floats = False

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="error")
        with Horizontal(id="main"):
            yield Pane(id="graph")
            yield Pane(id="step")
        yield Pane(id="values")
        yield Footer()

    def on_mount(self) -> None:
        for pane in self.query(Pane):
            pane.border_title = pane.id
        self.refresh_view()
        if self.engine is None:
            self.action_open()

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
        status = self.query_one("#status", Static)
        if self.engine is None:
            status.update(Text("No scenario open. Press o to open one, q to quit.", style="bold"))
            for w in ("#graph", "#step", "#values"):
                self.query_one(w, Pane).update(Text(""))
            return
        e, p = self.engine, self.precision
        status.update(self._status_text(), layout=False)
        self.query_one("#graph", Pane).update(graph_view(e, p))
        # the current layer's block at the top of the graph pane
        self.query_one("#graph", Pane).scroll_to(y=current_line(e), animate=False)
        step = e.current
        if step is None:
            sc = e.scenario
            intro = Text.assemble((sc.title + "\n", "bold"), (sc.reference + "\n\n", "dim"),
                                  paragraphs(sc.description) + "\n\n",
                                  ("Press n, → or space to run the first layer forward.", "bold"))
            self.query_one("#step", Pane).update(intro)
        else:
            self.query_one("#step", Pane).update(
                Group(Text(step_title(step, len(e)), style="bold"), step_view(step, p)))
        self.query_one("#values", Pane).update(values_table(e, p))

    def _status_text(self) -> Text:
        e = self.engine
        phase = e.current.phase if e.current else "start"
        if e.at_end:
            phase, nxt = "done", "p steps back, home starts over"
        else:
            kind, spec = e.plan[e.position]
            nxt = f"n: {kind} through {spec.name}"
        prec = "  full precision" if self.full_precision else ""
        return Text.assemble((e.scenario.title, "bold"), "  │  ", (phase, "bold cyan"),
                             f"  │  step {e.position}/{len(e)}  │  ", (nxt, "dim"), (prec, "yellow"))

    # -- actions ------------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        if action in NAVIGATION and len(self.screen_stack) > 1:
            return False  # a dialog is open: its own keys come first
        if action in ("next", "end"):
            return None if self.engine is None or self.engine.at_end else True
        if action in ("previous", "start"):
            return None if self.engine is None or self.engine.at_start else True
        if action in ("reload", "toggle_precision", "gradcheck", "nudge"):
            return None if self.engine is None else True
        return True

    def _move(self, move) -> None:
        ends = self.engine.at_start, self.engine.at_end
        move()
        self.position = self.engine.position
        if (self.engine.at_start, self.engine.at_end) != ends:
            self.refresh_bindings()  # Next or Previous greyed or back: the footer changes

    def action_next(self) -> None:
        self._move(self.engine.next)

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
            self.notify(FLOAT_NOTE, title="Why 220.00000000000003?", timeout=20)

    def action_gradcheck(self) -> None:
        self.push_screen(GradCheckScreen(self.engine))

    def action_nudge(self) -> None:
        self.push_screen(NudgeScreen(self.engine))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_open(self) -> None:
        self.push_screen(PickerScreen(), self.open_path)

    def action_reload(self) -> None:
        self.open_path(Path(self.engine.scenario.path), keep_position=True)

    def open_path(self, path: Path | None, keep_position: bool = False) -> None:
        """Load a scenario; on failure show the error and keep what is open."""
        if path is None:
            return
        try:
            engine = Engine(load(path))
        except ScenarioError as e:
            self.error = "\n".join(e.lines)
            return
        target = min(self.engine.position, len(engine)) if keep_position and self.engine else 0
        self.engine = engine
        self.error = ""
        while engine.position < target:
            engine.next()
        # position may be unchanged (reload at the same step): refresh explicitly
        self.position = engine.position
        self.refresh_view()
        self.refresh_bindings()
