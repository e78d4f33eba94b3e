"""The picker: a bundled scenario or a scenario file of the current folder
(served, --serve: of the folder the teacher named, if any). It lists files;
nothing in it takes a typed path."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from backprop_engine import bundled
from backprop_engine.scenario import sniff

from .base import Dialog


class PickerDialog(Dialog[Path | None]):
    """Lists the scenario files (a broken one too, so that opening it says
    what is wrong), not other TOML files such as pyproject.toml."""

    DEFAULT_CSS = """
    #picker-box { width: 76; }
    /* one line each, cut with an ellipsis: a wrapped title looks like another entry */
    #picker-list { height: auto; max-height: 20; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, folder: Path | None = None):
        super().__init__()
        self.folder = folder or Path(".")  # relative: paths and errors read "broken.toml"

    def folders(self) -> list[Path]:
        """Where the listed scenario files are, beside the bundled ones."""
        served = getattr(self.app, "served", None)
        if served is None:
            return [self.folder]
        return [served.folder] if served.folder else []  # never the server's current folder

    def compose(self) -> ComposeResult:
        files = [(name, path) for name, path in bundled().items()]
        files += [("./" + path.name, path) for folder in self.folders() for path in sorted(folder.glob("*.toml"))]
        rows = []
        for name, path in files:
            kind, title = sniff(path)
            if kind != "other":
                rows.append((name, path, self.tr.own(title) if kind == "scenario" else self.tr("(cannot be loaded)")))
        width = max(16, *(len(row[0]) for row in rows))
        self.paths = [row[1] for row in rows]
        with self.box("picker-box"):
            yield Static(self.tr("Open a scenario (↑↓ to choose, enter to open, escape to cancel)"))
            # a title is text, not markup
            yield OptionList(*(Option(Text(f"{name:{width}} {title}")) for name, _path, title in rows),
                             id="picker-list")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.paths[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
