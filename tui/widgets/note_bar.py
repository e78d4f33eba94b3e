"""The notes: a bar under the status line, not boxes over the panes.

Textual's notifications are drawn over the bottom right of the screen, which
is the values pane here, and over any dialog. A note in this bar covers
nothing; escape or its timeout clears it.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

STYLES = {"information": "", "warning": "bold yellow", "error": "bold red"}


class Note(NamedTuple):
    message: str
    title: str
    severity: str


class NoteBar(Static):
    """Shows the latest note; ``said`` keeps every note given (tests read it)."""

    DEFAULT_CSS = """
    NoteBar {
        display: none;
        height: auto;
        max-height: 5;
        padding: 0 1;
        background: $primary 20%;
    }
    NoteBar.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.said: list[Note] = []
        self._timer: Timer | None = None

    def say(self, message: str, title: str = "", severity: str = "information", timeout: float = 8) -> None:
        self.said.append(Note(message, title, severity))
        self.update(Text.assemble((title + ": " if title else "", "bold"), (message, STYLES.get(severity, ""))))
        self.add_class("-shown")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(timeout, self.clear)

    def clear(self) -> None:
        self.remove_class("-shown")
