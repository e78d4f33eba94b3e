"""The status line: one line of text made for the width it has."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    """Shows ``make(width)``, made again on every repaint and resize, so that
    the text can choose what gives way in a narrow terminal."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    def __init__(self, make: Callable[[int], Text], *, id: str | None = None):
        super().__init__(id=id)
        self._make = make

    @property
    def content(self) -> Text:
        return self._make(self.size.width or self.app.size.width)

    def render(self) -> Text:
        return self.content
