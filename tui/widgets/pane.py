"""A scrolling pane for one Rich renderable.

A ``Static`` in a scroll container renders its content twice on every update
(once to measure its height, once to draw it). The pane renders it once into
lines at its width and then only hands out those lines, so a step of the
mnist_size scenario costs one render of its tables, not two or three.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class Pane(ScrollView, can_focus=True):
    """Shows ``content``; scrolls when it is taller or wider than the pane."""

    DEFAULT_CSS = """
    Pane {
        scrollbar-gutter: stable;  /* a scrollbar appearing must not change the width */
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._content: RenderableType = Text("")
        self._lines: list[Strip] = []
        self._width = -1  # the width the lines were rendered at; -1: render again

    @property
    def content(self) -> RenderableType:
        return self._content

    def update(self, content: RenderableType) -> None:
        self._content = content
        self._width = -1
        self._render_lines()
        self.refresh()

    def _render_lines(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False)
        lines = Segment.split_and_crop_lines(console.render(self._content, options), width, pad=True,
                                             include_new_lines=False)
        self._lines = [Strip(line, width) for line in lines]
        self._width = width
        self.virtual_size = Size(width, len(self._lines))

    def on_resize(self) -> None:
        self._width = -1
        self._render_lines()

    def render_line(self, y: int) -> Strip:
        self._render_lines()
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if scroll_y + y >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        return self._lines[scroll_y + y].crop_extend(scroll_x, scroll_x + width, self.rich_style) \
            .apply_style(self.rich_style)
