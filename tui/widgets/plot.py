"""A widget that draws what a function makes for its size: a plot made again
on every repaint and resize, so that it always fills the room it has."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widget import Widget


class Plot(Widget):
    """Shows ``make(width, height)``."""

    DEFAULT_CSS = "Plot { height: 1fr; }"

    def __init__(self, make: Callable[[int, int], Text], *, id: str | None = None):
        super().__init__(id=id)
        self._make = make

    @property
    def content(self) -> Text:
        region = self.content_region
        return self._make(region.width or self.app.size.width, region.height or 10)

    def render(self) -> Text:
        return self.content
