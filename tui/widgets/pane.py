"""A scrolling pane for one Rich renderable, on Textual's line API.

As Textual's ``RichLog``: the content is rendered once into lines at the
pane's width, ``virtual_size`` says how big they are, and ``render_line``
hands them out; Textual draws the scrollbars and scrolls.

Rendering is the costly part of a step, so the pane keeps what it rendered
under a key the caller gives (the same key: the same content): ``prepare``
renders content ahead (a step the learner is about to reach) and ``show``
puts it on screen, which for content prepared at this width only swaps lines
and repaints the rows that now show something else.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from itertools import groupby

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .lines import render_strips

KEPT = 32  # contents kept per pane; the one shown or prepared least recently goes first


class Pane(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows one renderable; scrolls when it is taller (or wider) than the pane."""

    # Up, down and the page keys scroll a focused pane. Left, right, home and
    # end are the app's steps: when a step is not possible (next at the end)
    # they must do nothing, not scroll the pane.
    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    DEFAULT_CSS = """
    Pane {
        scrollbar-gutter: stable;  /* a scrollbar appearing must not change the width the lines are made for */
    }
    """

    def __init__(self, *, id: str | None = None, pinned: int = 0):
        """``pinned``: the first lines stay on top when the rest scrolls (a table's header)."""
        super().__init__(id=id)
        self.pinned = pinned
        self.content_width = 0  # content this wide is drawn whole and scrolls sideways (a drawing)
        self._key: Hashable = None
        self._content: RenderableType = Text("")
        self._lines: list[Strip] = []
        self._texts: list[str] | None = None  # the lines' text, once asked for (line_where)
        self._form: tuple[int, Style, int] | None = None  # what _lines were made for (see _current_form)
        self._style: Style | None = None  # the pane's rich_style, until its styles change
        # key -> [content, form, lines]; a prepared entry's lines may be for an old form
        self._kept: OrderedDict[Hashable, list] = OrderedDict()

    @property
    def view_size(self) -> Size:
        """The size of the content in view (within the border, less the scrollbars)."""
        return self.scrollable_content_region.size

    @property
    def content(self) -> RenderableType:
        return self._content

    def update(self, content: RenderableType) -> None:
        """Show ``content`` (not kept for later)."""
        self._kept.pop(None, None)
        self.prepare(content, None)
        self.show(None)
        self._kept.pop(None, None)

    def forget(self) -> None:
        """Drop everything kept for later (what is on screen stays)."""
        self._kept.clear()

    def prepared(self, key: Hashable) -> bool:
        """Whether ``key``'s lines are ready for the pane as it is now (its
        width and style: after a resize, kept content must render again)."""
        entry = self._kept.get(key)
        return entry is not None and entry[1] == self._current_form()

    def prepare(self, content: RenderableType, key: Hashable) -> None:
        """Keep ``content`` under ``key`` and render it now, if the pane has a
        size, for ``show`` to put on screen later without rendering."""
        if not self.prepared(key):
            form = self._current_form()
            self._kept[key] = [content, form, self._render(content, form) if form else []]
            self._kept.move_to_end(key)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)

    def show(self, key: Hashable, place=None) -> None:
        """Put the content prepared under ``key`` on screen. ``place(pane)``,
        if given, says where to scroll to, (x, y) (None: where it is); it is
        asked once the new lines are in, so that it can look at them."""
        self._kept.move_to_end(key)
        before, form, size = self._rows(), self._form, self.virtual_size
        self._key, self._content, self._form = key, self._kept[key][0], None
        self._fit_lines()
        offset = self.scroll_offset
        if place is not None:
            x, y = place(self)
            self.scroll_to(x, y, animate=False)
        if self.virtual_size != size or self.scroll_offset != offset:
            return  # (Textual repaints the whole pane for each of these)
        if self._form != form:  # lines made anew (a content width), the pane as large as it was
            self.refresh()
            return
        # Only the rows that show something else: a step changes a few lines
        # of the graph and of the values table.
        row, regions = 0, []
        for differs, rows in groupby(a != b for a, b in zip(before, self._rows())):
            n = len(list(rows))
            if differs:
                regions.append(Region(0, row, self.size.width, n))
            row += n
        if regions:
            self.refresh(*regions)

    def _rows(self) -> list[Strip | None]:
        """The line each row of the pane shows (None: none), as ``render_line`` draws it."""
        top, lines = self.scroll_offset.y, self._lines
        return [lines[y] if y < len(lines) else None
                for y in (row if row < self.pinned else top + row for row in range(self.view_size.height))]

    def line_where(self, test, start: int = 0) -> int | None:
        """The first line from ``start`` of what is on screen whose text passes ``test``, if any."""
        self._fit_lines()
        if self._texts is None:
            self._texts = [line.text for line in self._lines]
        return next((y for y in range(start, len(self._texts)) if test(self._texts[y])), None)

    def _current_form(self) -> tuple[int, Style, int] | None:
        """What rendered lines are made for: the pane's width, its style, and the content's own width."""
        width = self.view_size.width
        if width <= 0:
            return None
        if self._style is None:  # (rich_style walks the ancestors' styles)
            self._style = self.rich_style
        return width, self._style, self.content_width

    def _render(self, content: RenderableType, form: tuple[int, Style, int]) -> list[Strip]:
        """The content's lines at the form's width, in its style: what the screen shows."""
        return render_strips(self.app.console, content, max(form[0], form[2]), form[1])

    def _fit_lines(self) -> None:
        """Make the lines fit the pane's current width and style, and tell Textual their size."""
        form = self._current_form()
        if form is None or form == self._form:
            return
        entry = self._kept.get(self._key)
        if entry is not None and entry[1] == form:
            lines = entry[2]
        else:
            lines = self._render(self._content, form)
            if entry is not None:
                entry[1:] = form, lines
        self._lines, self._form, self._texts = lines, form, None
        size = Size(max(form[0], form[2]), len(lines))
        if size != self.virtual_size:
            self.virtual_size = size

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = self._form = None  # (the lines' colours come from the pane's style)

    def on_resize(self) -> None:
        self._fit_lines()

    # Textual moves a scrollbar's thumb only while the scrollbar is shown: one
    # shown again (the content grew back) must start where the pane is scrolled.
    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        if shown:
            self.vertical_scrollbar.position = self.scroll_y

    def watch_show_horizontal_scrollbar(self, shown: bool) -> None:
        if shown:
            self.horizontal_scrollbar.position = self.scroll_x

    class Clicked(Message):
        """A click on the pane's content, at (x, y) in the content (scrolling included)."""

        def __init__(self, pane: "Pane", x: int, y: int):
            super().__init__()
            self.pane, self.x, self.y = pane, x, y

        @property
        def control(self) -> "Pane":  # for @on(Pane.Clicked, "#graph")
            return self.pane

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.post_message(self.Clicked(self, offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y))

    def render_lines(self, crop: Region) -> list[Strip]:
        self._fit_lines()  # once per repaint, not for each of its lines
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        if y < self.pinned:
            scroll_y = 0  # the pinned lines do not scroll
        width, style = self._form[:2] if self._form else (self.view_size.width, Style())
        if scroll_y + y >= len(self._lines):
            return Strip.blank(width, style)
        line = self._lines[scroll_y + y]
        if scroll_x == 0 and line.cell_length == width:
            return line
        return line.crop_extend(scroll_x, scroll_x + width, style)  # scrolled sideways, or wider than the pane
