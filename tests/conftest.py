"""Helpers shared by the tests: one terminal size, one screen-to-text helper,
and the way to the step screen and the notes on screen."""

from __future__ import annotations

import io
import textwrap

import pytest
from rich.console import Console

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


def screen_text(app) -> str:
    """The open dialog's text (its first Static), as plain text."""
    from textual.widgets import Static
    return rendered(app.screen.query_one(Static).content)


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
