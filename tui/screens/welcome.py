"""The screen under the picker when the app starts without a scenario."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Static

from backprop_engine import Scenario

from ..textual_compat import translate_bindings
from ..widgets.error_bar import ErrorBar
from ..widgets.note_bar import NoteBar
from .base import MainScreen
from .step import StepScreen


class WelcomeScreen(MainScreen):
    DEFAULT_CSS = "WelcomeScreen > #welcome { height: auto; padding: 0 1; }"

    def compose(self) -> ComposeResult:
        yield Static(id="welcome")
        yield ErrorBar(id="error")
        yield NoteBar(id="note")
        yield Footer(compact=True)

    def open_scenario(self, scenario: Scenario, keep_position: bool = False) -> None:
        self.app.push_screen(StepScreen(scenario, self.app.drawn))

    def on_mount(self) -> None:
        self.watch(self.app, "catalog", self._translate)  # also now

    def _translate(self) -> None:
        translate_bindings(self, self.app.catalog)
        self.query_one("#welcome", Static).update(
            Text(self.app.catalog("No scenario open. Press o to open one, q to quit."), style="bold"))
