"""The status line: one line of text made for the width it has."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from .lines import render_strips

KEPT = 64  # lines kept; then they are dropped all at once


class StatusLine(Widget):
    """Shows ``make(width)``, made again on every repaint and resize, so that
    the text can choose what gives way in a narrow terminal.

    The line is drawn from the text as a pane draws its lines, not through
    Textual's content pipeline (which took 0.3-0.4 ms of every step), and each
    text's line is kept: stepping through a scenario shows the same few again."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    def __init__(self, make: Callable[[int], Text], *, id: str | None = None):
        super().__init__(id=id)
        self._make = make
        self._style: Style | None = None  # the widget's rich_style, until the styles change
        self._kept: dict[tuple, Strip] = {}  # (text, its spans, width, style) -> line

    @property
    def content(self) -> Text:
        return self._make(self._width() or self.app.size.width)

    def _width(self) -> int:
        """The width within the padding: content_region's, without its look-up of the widget on screen."""
        return max(0, self.outer_size.width - self.styles.gutter.width)

    def render(self) -> Text:
        return self.content

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None

    def render_line(self, y: int) -> Strip:
        width = self._width()
        if self._style is None:
            self._style = self.rich_style
        text = self._make(width)
        key = text.plain, tuple(text.spans), text.style, width, self._style
        line = self._kept.get(key)
        if line is None:
            if len(self._kept) >= KEPT:
                self._kept.clear()
            # (the blank cells after the text: the background alone, as Textual fills a line)
            lines = render_strips(self.app.console, text, width, self._style, pad=Style(bgcolor=self._style.bgcolor))
            line = self._kept[key] = lines[0] if lines else Strip.blank(width, self._style)
        return line if y == 0 else Strip.blank(width, self._style)
