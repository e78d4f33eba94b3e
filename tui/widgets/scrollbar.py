"""The panes' scrollbars: Textual's own, with the lines of each look kept.

Stepping through a scenario shows the same few scrollbars again and again (a
step's content has its height, its scroll offset), and Textual renders a
scrollbar anew whenever it changes: as many lines as the pane is tall, through
its whole styling pipeline, on most keys. This one keeps what it rendered for
each look (its size, the content's and the window's size, the position, the
mouse over it or dragging it) and hands that back when the look comes again.
"""

from __future__ import annotations

from collections import OrderedDict

from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip

KEPT = 64  # looks kept per scrollbar; the one used least recently goes first


class KeptScrollBar(ScrollBar):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._looks: OrderedDict[tuple, list[Strip]] = OrderedDict()

    def forget(self) -> None:
        """Drop the kept lines (the pane's styles changed: a theme, a class)."""
        self._looks.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.forget()

    def render_lines(self, crop: Region) -> list[Strip]:
        look = (crop, self.size, self.window_virtual_size, self.window_size, self.position,
                self.grabbed, self.mouse_over)
        lines = self._looks.get(look)
        if lines is None:
            lines = self._looks[look] = super().render_lines(crop)
            while len(self._looks) > KEPT:
                self._looks.popitem(last=False)
        else:
            self._looks.move_to_end(look)
        return lines
