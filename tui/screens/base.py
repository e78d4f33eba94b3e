"""What the App's own keys (open, quit) ask of the screen they act on."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from backprop_engine import Scenario

from ..widgets.error_bar import ErrorBar
from ..widgets.note_bar import NoteBar


class MainScreen(Screen):
    """The screen under the dialogs: the welcome screen or a step screen."""

    HELP_NOTES = ""
    """What the help says of this screen's panes (a catalog key)."""

    busy = False
    """Work is running that a new scenario would disown (training): open waits."""

    def offers(self, action: str) -> bool:
        """Whether this screen's key for ``action`` applies to what it shows
        (the help lists only those)."""
        return True

    def leave(self, question: str, then: Callable[[], None]) -> None:
        """Call ``then``, which drops what this screen shows; a screen with
        unsaved work asks ``question`` first."""
        then()

    def open_scenario(self, scenario: Scenario, keep_position: bool = False) -> None:
        raise NotImplementedError

    def notify(self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """A note in this screen's bar under the status line (never over a pane or a dialog)."""
        self.query_one(NoteBar).say(message, title, severity, timeout or 8)

    def show_error(self, error: str) -> None:
        """Say why a file did not load ("" clears it)."""
        self.query_one(ErrorBar).say(error)
