"""Edit a value: choose a leaf, type its new value; refused in place when it does not fit."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from backprop_engine import Scenario
from backprop_engine.literal import LiteralError, parse_literal
from backprop_engine.scenario import toml_value

from ..format import shape_str
from ..widgets.steady_input import SteadyInput
from .base import Dialog

EDITABLE = 100  # entries: a larger array is edited in its file, not in one input line


class EditDialog(Dialog):
    """Dismissed with (name, new value), or None."""

    DEFAULT_CSS = """
    #edit-box { width: 80; }
    #edit-list { height: auto; max-height: 10; }
    EditDialog.-short #edit-list { max-height: 3; }  /* the input stays on screen */
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario
        self.names = list(scenario.leaves)

    def compose(self) -> ComposeResult:
        tr = self.tr
        with self.box("edit-box"):
            yield Static(tr("Edit a value.  ↑↓ choose · tab: to the input · enter: apply · escape: cancel"))
            yield OptionList(*(Option(f"{n:14} {shape_str(self.scenario.shapes[n], tr)}") for n in self.names),
                             id="edit-list")
            yield SteadyInput(id="edit-input")
            yield Static(id="edit-error")

    @on(OptionList.OptionHighlighted)
    def _chosen(self, event: OptionList.OptionHighlighted) -> None:
        value = self.scenario.leaves[self.names[event.option_index]]
        box = self.query_one(Input)
        box.disabled = value.size > EDITABLE
        box.value = "" if box.disabled else toml_value(value, one_line=True)
        self._say(self.tr("{n} entries: edit this one in the scenario file", n=f"{value.size:,}")
                  if box.disabled else "")

    @on(OptionList.OptionSelected)
    def _to_input(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _apply(self, event: Input.Submitted) -> None:
        name = self.names[self.query_one(OptionList).highlighted or 0]
        try:
            value = parse_literal(event.value, name, self.scenario)
        except LiteralError as e:
            # the loader's own messages ("{reason}") stay English, like load errors
            fields = {k: shape_str(v, self.tr) if isinstance(v, tuple) else v for k, v in e.fields.items()}
            reason = str(e) if e.template == "{reason}" else self.tr(e.template, **fields)
            self._say(self.tr("refused: {reason}", reason=reason))
            return
        self.dismiss((name, value))

    def _say(self, message: str) -> None:
        self.query_one("#edit-error", Static).update(Text(message, style="bold red"))
