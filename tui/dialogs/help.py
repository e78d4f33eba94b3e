"""Help: every key with what it does, made from the bindings themselves."""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from .base import Dialog

# In a browser tab of --serve, s and x download the file (tui/screens/step/practice.py).
SERVED_TOOLTIPS = {"save": "download the scenario as edited or trained (nothing is written on the server)",
                   "export": "download the whole step-by-step run as Markdown"}


class HelpDialog(Dialog[None]):
    """The keys of the screen below and of the app, and what the panes show."""

    DEFAULT_CSS = "#help-box { width: 92; }"
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, bindings: list[Binding], notes: str = ""):
        """``notes``: what the screen below shows, a catalog key ("" for nothing)."""
        super().__init__()
        self.bindings, self.notes = bindings, notes

    def keys(self, binding: Binding) -> str:
        """"n  →  space": the keys of a binding as the footer writes them."""
        if binding.key_display:
            return binding.key_display
        return "  ".join(self.app.get_key_display(replace(binding, key=k.strip()))
                         for k in binding.key.split(","))

    def rows(self) -> list[tuple[str, str]]:
        """A line per binding, or per group of bindings ("t / T"): the keys and what they do."""
        rows = []
        for group, members in groupby(self.bindings, key=lambda b: b.group or id(b)):
            members = list(members)
            if isinstance(group, Binding.Group):
                rows.append((" / ".join(map(self.keys, members)), group.description))
            elif members[0].tooltip:  # a binding without one is not for the learner
                served = getattr(self.app, "served", None) and SERVED_TOOLTIPS.get(members[0].action)
                rows.append((self.keys(members[0]), served or members[0].tooltip))
        return rows

    def compose(self) -> ComposeResult:
        tr = self.tr
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", justify="right", no_wrap=True)
        keys.add_column()
        for keys_, what in self.rows():
            keys.add_row(keys_, Text(tr(what)))  # Text: "[values]" is not markup
        with self.box("help-box", scroll=True):
            notes = "\n" + tr(self.notes) + "\n" if self.notes else ""
            if getattr(self.app, "served", None):  # --serve: the page closes the app without asking
                notes += "\n" + tr("In the browser: closing this tab ends the app, and edits not downloaded are "
                                   "lost, without a question. Press s first to download the scenario as edited "
                                   "(x: the step-by-step run).") + "\n"
            yield Static(Group(Text(tr("backprop-tui: keys") + "\n", style="bold"), keys,
                               Text(notes + "\n" + tr("Press escape or ? to close."))))
