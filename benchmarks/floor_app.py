"""The fair floor for ``app_latency.py``: the app's own screens, shown by the
least Textual code that can show them.

It is given (a JSON file written by ``app_latency.py``) what tmux showed of
``backprop-tui SCENARIO`` at every step, colours included, and where the
app's status line and three panes are. It has the app's layout -- the status
line, the graph pane across the top, the step and values panes beneath it, each
with its rounded border and title, Textual's compact ``Footer`` with the app's
keys -- and for every key (``n``: the next step, ``home``: back to the start)
it repaints exactly the rows of each pane that differ between the app's
screens, and nothing else: no rendering (the rows are ready-made strips), no
scrolling, no layout. The keys that the app greys out at the start and at the
end are greyed out here too, the same way (Textual's footer recomposes).

Its start is the layout plus ``import numpy`` (which the app needs whatever it
shows): the first screen is drawn from the first step's rows; the rows of the
other steps are made after it.

    python benchmarks/floor_app.py SCREENS.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy  # noqa: F401  (the app's start includes it)
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer

KEY_NAMES = {"?": "question_mark"}
ACTIONS = {"n": "next", "p": "previous", "q": "quit"}


class Rows(Widget):
    """One region of the app's screen: its rows at the step shown. ``show``
    repaints only the rows that differ from those on screen."""

    def __init__(self, region: tuple[int, int, int, int], *, id: str):
        super().__init__(id=id)
        self.x, self.y, self.w, self.h = region
        self._strips: list[Strip] = []

    def cut(self, screen: list[Text]) -> list[Strip]:
        """This region of a screen (its lines read from ANSI), as strips."""
        console = self.app.console
        return [Strip(line[self.x:self.x + self.w].render(console, end=""), self.w).simplify()
                for line in screen[self.y:self.y + self.h]]

    def show(self, strips: list[Strip]) -> None:
        for y, (old, new) in enumerate(zip(self._strips, strips)):
            if old != new:
                self.refresh(Region(0, y, self.w, 1))
        self._strips = strips

    def render_line(self, y: int) -> Strip:
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width)


class Floor(App):
    """Made with its CSS (the screens' geometry) and its BINDINGS (the app's
    footer) by ``main()``: Textual reads both when the class is made."""

    ENABLE_COMMAND_PALETTE = False

    def __init__(self, data: dict):
        super().__init__()
        self.data = data
        self.screens = data["screens"]  # step k's screen; the last: after home
        self.last = len(self.screens) - 2
        self.step = 0
        self.made: dict[int, dict[str, list[Strip]]] = {}

    def compose(self) -> ComposeResult:
        regions = self.data["regions"]
        yield Rows(regions["status"], id="status")
        with Grid(id="main"):
            for name in ("graph", "step", "values"):
                pane = Rows(regions[name], id=name)
                pane.border_title = self.data["titles"][name]
                yield pane
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show(0)
        self.refresh_bindings()  # the footer now (the app's translates its keys on mount)
        self.call_after_refresh(self._make_all)

    def _made(self, index: int) -> dict[str, list[Strip]]:
        if index not in self.made:
            screen = [Text.from_ansi(line) for line in self.screens[index]]  # (each line read once)
            self.made[index] = {w.id: w.cut(screen) for w in self.query(Rows)}
        return self.made[index]

    def _make_all(self) -> None:
        for index in range(len(self.screens)):
            self._made(index)

    def _show(self, index: int) -> None:
        for widget in self.query(Rows):
            widget.show(self._made(index)[widget.id])

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "next":
            return None if self.step == self.last else True
        if action in ("previous", "start"):
            return None if self.step == 0 else True
        return True

    def action_next(self) -> None:
        if self.step < self.last:
            self._go(self.step + 1, self.step + 1)

    def action_start(self) -> None:
        self._go(0, len(self.screens) - 1)

    def action_nothing(self, key: str) -> None:
        """The app's other keys: in the footer (one action each, or it shows them as one)."""

    def _go(self, step: int, index: int) -> None:
        ends = (self.step == 0, self.step == self.last)
        self.step = step
        self._show(index)
        if ends != (step == 0, step == self.last):
            self.refresh_bindings()  # as the app's reactive with bindings=True does


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    graph, step, values = (data["regions"][n] for n in ("graph", "step", "values"))
    # the panes' outer sizes (the regions are their insides, within the borders)
    css = f"""
    Screen {{ layout: vertical; }}
    #status {{ height: 1; }}
    #main {{ layout: grid; grid-size: 2 2; height: 1fr;
             grid-columns: {step[2] + 2} {values[2] + 2}; grid-rows: {graph[3] + 2} {step[3] + 2}; }}
    #graph {{ column-span: 2; border: round $accent; border-title-color: $text; }}
    #step, #values {{ border: round $primary 50%; border-title-color: $text-muted; }}
    """
    bindings = [Binding(KEY_NAMES.get(key, key), ACTIONS.get(key, f"nothing({key!r})"), description,
                        key_display=key, priority=key in ("n", "p"))
                for key, description in data["footer"]]
    bindings.append(Binding("home", "start", "Start", show=False, priority=True))
    type("FloorApp", (Floor,), {"CSS": css, "BINDINGS": bindings})(data).run()


if __name__ == "__main__":
    main()
