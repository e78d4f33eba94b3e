"""Yes or no."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from .base import Dialog


class ConfirmDialog(Dialog[bool]):
    DEFAULT_CSS = "#confirm-box { width: 60; }"
    BINDINGS = [Binding("y", "dismiss(True)", "Yes"), Binding("n,escape", "dismiss(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with self.box("confirm-box"):
            yield Static(Text.assemble((self.question, "bold"), "\n\n" + self.tr("y: yes    n or escape: no")))
