"""Helpers shared by the tests: one terminal size, screen-to-text helpers,
the way to the step screen and the notes on screen, a fresh start's screen
to compare a walked one with, and a terminal that shows what Textual wrote."""

from __future__ import annotations

import io
import re
import textwrap

import pyte
import pytest
from rich.console import Console
from textual.drivers.headless_driver import HeadlessDriver

from tui.app import BackpropApp
from tui.screens.step import StepScreen
from tui.widgets.note_bar import Note, NoteBar

SIZE = (100, 30)  # the terminal the README's capture and most tests use


def steps(app) -> StepScreen:
    """The app's step screen, under any dialog that is open."""
    return next(s for s in reversed(app.screen_stack) if isinstance(s, StepScreen))


def notifications(app) -> list[Note]:
    """Every note the app's main screen has shown, in order."""
    return app.main.query_one(NoteBar).said


def rendered(renderable, width: int = 200) -> str:
    """A Rich renderable as plain text."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def text(app, widget_id: str) -> str:
    """What a pane (or the status line) of the step screen shows, as plain text."""
    return rendered(steps(app).query_one(f"#{widget_id}").content)


def terminal(monkeypatch, size: tuple[int, int]) -> pyte.Screen:
    """A terminal for the apps the test starts: what Textual writes to it (at
    each frame, only the regions it repaints) is fed to a pyte screen, whose
    ``display`` is then what a learner sees. A repaint that Textual is never
    asked for shows here, where ``export_screenshot``, which renders every
    widget afresh, hides it."""
    screen = pyte.Screen(*size)
    stream = pyte.Stream(screen)
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: stream.feed(data))
    monkeypatch.setattr(BackpropApp, "is_headless", property(lambda self: False))  # (else nothing is written)
    return screen


async def press(pilot, *keys: str) -> None:
    """Each key, then what it started run to its end: with --layers a step
    runs the learner's code in a worker thread, and a key pressed while it
    runs is not taken."""
    for key in keys:
        await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(app) -> str:
    """The open dialog's text (its first Static), as plain text."""
    from textual.widgets import Static
    return rendered(app.screen.query_one(Static).content)


async def settled_screen(app, pilot, still: int = 3, limit: int = 100) -> list[str]:
    """The whole screen as exported, text and styles, row by row, once it has
    settled: the footer showing its keys (Textual fills it in a few frames
    after a screen starts) and nothing changed for ``still`` pauses in a row (a
    pane whose content's height changed is laid out again in a later frame; a
    loaded machine takes longer to get there). The export's id, a hash of the
    whole, is left out so that a difference shows as the rows that differ."""
    def shot() -> list[str]:
        svg = app.export_screenshot()
        return svg.replace(re.search(r"terminal-\d+", svg).group(), "terminal").splitlines()

    now, same = shot(), 0
    for _ in range(limit):
        await pilot.pause(0.02)
        now, before = shot(), now
        footer_ready = not app.screen.query("Footer") or app.screen.query("FooterKey")
        same = same + 1 if now == before and footer_ready else 0
        if same == still:
            break
    return now


async def fresh_screen(scenario, size, position: int, drawn: bool | None = None, *, lang: str = "en",
                       full: bool = False, focused: str | None = None) -> list[str]:
    """The settled screen of an app started at ``position`` (and as a walked
    one was left: the graph drawn or not, the language, full precision, the
    pane with the focus)."""
    class StartingThere(BackpropApp):
        def get_default_screen(self):
            screen = super().get_default_screen()
            screen.engine.seek(position)
            screen.set_reactive(StepScreen.full_precision, full)  # (before the screen's panes exist)
            return screen

    app = StartingThere(scenario, drawn=drawn, lang=lang)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        steps(app).refresh_view()  # the graph scrolls to the current layer once it has a size
        if focused is not None:
            steps(app).query_one(f"#{focused}").focus()
        return await settled_screen(app, pilot)


@pytest.fixture(autouse=True)
def _in_a_folder_of_its_own(tmp_path_factory, monkeypatch):
    """Each test runs in an empty folder: the picker lists the current
    folder's *.toml and s saves there, so a user's files (a scenario saved in
    the clone) must not change what a test sees."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture
def write_toml(tmp_path):
    """Write a TOML text (dedented) to a file under tmp_path and return its path."""

    def write(text: str, name: str = "scenario.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def pytest_configure(config):
    config.addinivalue_line("markers", "snapshot: compares the screen with a stored snapshot (snap_compare)")


def pytest_collection_modifyitems(items):
    """Every test that takes a snapshot is marked ``snapshot``: .ci/run's job on
    the lowest Textual deselects them, taken as they are with 8.2.8."""
    for item in items:
        if "snap_compare" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.snapshot)
