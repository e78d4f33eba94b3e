"""Save to a file: the name asked, a file that exists replaced only after a
yes to a question that says what replacing it loses (its comments, [expect]
numbers no longer true, init tables), and a name that cannot be written kept
in the dialog with the reason."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from backprop_engine.scenario.writer import lost_in_replacing

from ..widgets.steady_input import SteadyInput
from .base import Dialog
from .confirm import ConfirmDialog


class SaveDialog(Dialog[Path | None]):
    """Writes ``text(path)`` to the file named; dismissed with the path written, or None."""

    DEFAULT_CSS = "#save-box { width: 80; }"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, default: str, text: Callable[[Path], str], what: str | None = None):
        super().__init__()
        self.default, self.text, self.what = default, text, what

    def compose(self) -> ComposeResult:
        with self.box("save-box"):
            yield Static(self.tr("Save {what} as (enter saves, escape cancels):",
                                 what=self.what or self.tr("the scenario")))
            yield SteadyInput(self.default, id="save-input")
            yield Static(id="save-error")

    def _say(self, message: str) -> None:
        self.query_one("#save-error", Static).update(Text(message, style="bold red"))

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        path = Path(typed).expanduser()
        try:
            self._check_and_write(typed, path)
        except OSError as e:  # the questions asked of the file system fail too (a name too long)
            self._say(self.tr("not saved: {path}: {reason}", path=path, reason=e.strerror))

    def _check_and_write(self, typed: str, path: Path) -> None:
        if not typed or typed.endswith(("/", os.sep)) or path.is_dir():
            self._say(self.tr("name a file"))
        elif not path.parent.is_dir():
            self._say(self.tr("not saved: no folder {folder}", folder=path.parent))
        elif path.exists():
            text = self.text(path)  # once: the question and the write are about the same text

            def answered(yes: bool) -> None:
                if yes:
                    self._write(path, text)
                else:
                    self._say(self.tr("not replaced: choose another name"))
            self.app.push_screen(ConfirmDialog(self._replace_question(path, text)), answered)
        else:
            self._write(path, self.text(path))

    def _replace_question(self, path: Path, text: str) -> str:
        """"Replace it?", after what the file holds that ``text`` would lose."""
        tr = self.tr
        try:
            lost = lost_in_replacing(path.read_text(encoding="utf-8"), text)
        except (OSError, UnicodeDecodeError):
            lost = {}
        parts = []
        if lost.get("comments"):
            parts.append(tr("its {n} comment lines", n=lost["comments"]))
        if lost.get("dropped"):
            parts.append(tr("[expect] {keys} (no longer true)", keys=", ".join(lost["dropped"])))
        if lost.get("drawn"):
            parts.append(tr("the init tables of {names} (written out as the numbers they drew)",
                            names=", ".join(lost["drawn"])))
        if not parts and not lost.get("added"):
            return tr("{path} exists. Replace it?", path=path)
        said = [tr("{path} exists.", path=path)] + [tr("Replacing it loses {what}.", what="; ".join(parts))] * bool(parts)
        if lost.get("added"):
            said.append(tr("It adds {tables}.", tables=", ".join(f"[{t}]" for t in lost["added"])))
        return " ".join([*said, tr("Replace it?")])

    def _write(self, path: Path, text: str) -> None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            self._say(self.tr("not saved: {path}: {reason}", path=path, reason=e.strerror))
            return
        self.dismiss(path)
