"""A scrolling pane for one Rich renderable.

A ``Static`` in a scroll container renders its content twice on every update
(once to measure its height, once to draw it). The pane renders it once into
lines at its width and then only hands out those lines.

Rendering is still the costly part of a step, so the pane keeps what it
rendered under a key the caller gives (the same key: the same content):
``prepare`` renders content ahead (a step the learner is about to reach) and
``show`` puts it on screen, which for content prepared at this width only
swaps lines, and asks Textual to repaint only the rows that now show
something else (also when the content's height changes, and when it scrolls
to keep the current layer in view: it scrolls without Textual's scrolling,
which repaints the whole pane). Its scrollbars are drawn in its rows
(see scrollbar.py).
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
from textual.message import Message
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..textual_compat import update_scrollbars, use_scrollbars
from .lines import render_strips
from .scrollbar import Bars, BarsMouse, KeptScrollBar, corner_line, draw_bars

KEPT = 32  # contents kept per pane; the one shown or prepared least recently goes first
JOINED = 1024  # rows of a line and a scrollbar's cells kept per pane, then dropped all at once


class Pane(BarsMouse, ScrollView, can_focus=True, inherit_bindings=False):
    """Shows one renderable; scrolls when it is taller than the pane."""

    # Up, down and the page keys scroll a focused pane. Left, right, home and
    # end are the app's steps: when a step is not possible (next at the end)
    # they must do nothing, not scroll the pane.
    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    _rows_compared = False  # show is putting new lines in (see refresh)
    awaiting_repaint = False  # a repaint was asked for (see refresh) and is not drawn yet

    DEFAULT_CSS = """
    Pane {
        scrollbar-gutter: stable;  /* a scrollbar appearing must not change the width */
        scrollbar-visibility: hidden;  /* Textual's: the pane draws them in its rows */
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
        self._style: Style | None = None  # the pane's rich_style, until the styles change
        self._sized: tuple[Size, Size, Size] | None = None  # see _sizes
        self._rows: tuple[tuple, tuple, list] | None = None  # the last _on_screen, and for what
        self._bars: tuple[KeptScrollBar, KeptScrollBar] | None = None  # vertical, horizontal
        self._drawn = Bars((), None)  # the scrollbars as drawn by the last repaint
        self._corner: Strip | None = None  # between the two scrollbars, until the styles change
        self._bars_look: tuple[tuple, Bars] | None = None  # the scrollbars drawn last, and for what
        self._joined: dict[tuple[int, int], tuple[Strip, Strip, Strip]] = {}  # (line, scrollbar) -> row
        # key -> [content, form, lines(, their texts)]; a prepared entry's lines may be for an old form
        self._kept: OrderedDict[Hashable, list] = OrderedDict()

    @property
    def inner_size(self) -> Size:
        """The size within the border: ``content_region``'s, without its look-up
        of the pane on screen (asked several times a step)."""
        return self._sizes()[1]

    @property
    def view_size(self) -> Size:
        """The size of the content in view (within the border, less the
        scrollbars): ``scrollable_content_region``'s, as ``inner_size``."""
        return self._sizes()[2]

    def _sizes(self) -> tuple[Size, Size, Size]:
        """(the pane's size, inner_size, view_size): worked out again for a
        new size, a scrollbar shown or hidden, new styles (the border's, the
        scrollbars' thickness); asked about 30 times a step."""
        size = self.outer_size
        if self._sized is None or self._sized[0] != size:
            gutter = self.styles.gutter
            inner = Size(max(0, size.width - gutter.width), max(0, size.height - gutter.height))
            self._sized = size, inner, Size(max(0, inner.width - self.scrollbar_size_vertical),
                                            max(0, inner.height - self.scrollbar_size_horizontal))
        return self._sized

    def watch_show_vertical_scrollbar(self) -> None:
        self._sized = None  # (the view is narrower or wider: see _sizes)

    watch_show_horizontal_scrollbar = watch_show_vertical_scrollbar

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
        before, form = self._on_screen(self._drawn), self._form
        self._key = key
        self._content = self._kept[key][0]
        self._form = None  # take the kept lines, or render them for this form
        self._rows_compared = True  # (a scrollbar shown or hidden now: its rows are compared below)
        try:
            self._render_lines()
            if place is not None:
                self._scroll_quietly(*place(self))
        finally:
            self._rows_compared = False
        after = self._on_screen(self._draw_bars())
        if self._form is None or self._form != form or len(after) != len(before):
            self.refresh()  # a new width or style (or nothing drawn yet): every line is new
            return
        # Repaint only the rows that show something else now: a step changes a
        # few lines of the graph and of the values table, and the screen's work
        # (borders, colours, the terminal's update) grows with the rows
        # repainted. Also when the content's height or the scrolling changed.
        # (The scrollbars are part of the rows.)
        width = self.view_size.width
        wide = self.content_width > width  # (lines wider than the pane: compare the part in view)
        changed = (old != new and (not wide or old[1] is None or new[1] is None or old[2] != new[2] or
                                   old[1].crop(old[0], old[0] + width) != new[1].crop(new[0], new[0] + width))
                   for old, new in zip(before, after))
        self._refresh_rows(changed, 0, self.inner_size.width)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Pane:
        """As Textual's, and it marks the pane ``awaiting_repaint``; but while
        ``show`` puts new lines in, a request to repaint the whole pane
        (Textual's, when a scrollbar is shown or hidden) is left to ``show``,
        which repaints the rows that differ."""
        if self._rows_compared and not regions and not recompose:
            return self
        if repaint:
            self.awaiting_repaint = True  # (until render_lines draws it)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _refresh_rows(self, changed, x: int, width: int) -> None:
        """Repaint the rows that ``changed`` (a bool per row) says differ, ``width`` cells from ``x``."""
        row, regions = 0, []
        for differs, rows in groupby(changed):
            n = len(list(rows))
            if differs:
                regions.append(Region(x, row, width, n))
            row += n
        if regions:
            self.refresh(*regions)  # (at once: each refresh also clears the pane's cached styles and sizes)

    def refresh_bars(self) -> None:
        """Textual changed a scrollbar (shown, moved, resized): repaint the
        scrollbar cells that now look different, and nothing else."""
        if self._bars is None or not self.is_mounted:
            return
        old, new = self._drawn, self._draw_bars()
        if len(old.right) != len(new.right) or (old.bottom is None) != (new.bottom is None):
            self.refresh()  # (a new size, or the horizontal scrollbar came or went: the rows move)
            return
        width = self.inner_size.width
        self._refresh_rows((a != b for a, b in zip(old.right, new.right)), width - self.scrollbar_size_vertical,
                           self.scrollbar_size_vertical)
        if old.bottom != new.bottom:
            self.refresh(Region(0, len(new.right) - 1, width, 1))

    def _on_screen(self, bars: Bars) -> list[tuple[int, Strip | None, Strip | None]]:
        """What each row of the pane shows with these scrollbars, as
        ``render_line`` draws it: how far it is scrolled sideways, its line
        (None: blank) and its scrollbar cells (the last row: the horizontal
        scrollbar, if there is one)."""
        x, top = self.scroll_offset
        height = self.view_size.height
        key = x, top, height, id(self._lines), id(bars)  # (the entry keeps both alive: ids are theirs)
        if self._rows is not None and self._rows[0] == key:
            return self._rows[2]  # (show asks again for the rows it saw after the last step)
        rows = []
        for row, right in enumerate(bars.right):
            y = row if row < self.pinned else top + row
            if row >= height:
                rows.append((0, bars.bottom, None))
            else:
                rows.append((x, self._lines[y] if y < len(self._lines) else None, right))
        self._rows = key, (self._lines, bars), rows
        return rows

    def _scroll_quietly(self, x: int | None, y: int | None) -> None:
        """Scroll to (x, y) (None: where it is) without Textual's scrolling,
        which repaints the whole pane: ``show`` repaints the rows that change."""
        x = round(self.validate_scroll_x(self.scroll_x if x is None else x))
        y = round(self.validate_scroll_y(self.scroll_y if y is None else y))
        for name in ("scroll_x", "scroll_y"):
            if self.app.animator.is_being_animated(self, name):
                self.app.animator.force_stop_animation(self, name)
        self.set_reactive(Pane.scroll_x, x)
        self.set_reactive(Pane.scroll_target_x, x)
        self.set_reactive(Pane.scroll_y, y)
        self.set_reactive(Pane.scroll_target_y, y)

    def line_where(self, test, start: int = 0) -> int | None:
        """The first line from ``start`` of what is on screen whose text passes ``test``, if any."""
        self._render_lines()
        if self._texts is None:  # (asked a few times per step: the text of each line once, kept with them)
            entry = self._kept.get(self._key)
            if entry is None or entry[2] is not self._lines:
                self._texts = [line.text for line in self._lines]
            else:
                if len(entry) == 3:
                    entry.append([line.text for line in self._lines])
                self._texts = entry[3]
        return next((y for y in range(start, len(self._texts)) if test(self._texts[y])), None)

    def _current_form(self) -> tuple[int, Style, int] | None:
        """What rendered lines are made for: the pane's width, its style, and the content's own width."""
        width = self.view_size.width
        if width <= 0:
            return None
        if self._style is None:  # (rich_style walks the ancestors' styles: asked often, it costs)
            self._style = self.rich_style
        return width, self._style, self.content_width

    def notify_style_update(self) -> None:
        """Textual calls this when the stylesheet is applied to the pane again
        (a class or a pseudo-class of it or of an ancestor changed, a theme)."""
        super().notify_style_update()
        self._style = self._corner = self._bars_look = self._sized = None
        for bar in self._bars or ():
            bar.forget()  # (their colours come from the pane's styles)

    def on_mount(self) -> None:
        use_scrollbars(self, KeptScrollBar)
        self._bars = (self.vertical_scrollbar, self.horizontal_scrollbar)

    def _draw_bars(self) -> Bars:
        """The scrollbars as they are now, in the pane's rows."""
        if self._bars is None or not self.inner_size:
            return Bars((None,) * self.inner_size.height, None)
        look = (self.outer_size, self.scrollbars_enabled, self.virtual_size, self.scroll_x, self.scroll_y,
                *((bar.grabbed, bar.mouse_over) for bar in self._bars))
        if self._bars_look is None or self._bars_look[0] != look:  # (asked several times a step)
            self._bars_look = look, draw_bars(self, *self._bars, self._corner_line)
        return self._bars_look[1]

    def _corner_line(self, width: int) -> Strip:
        if self._corner is None or self._corner.cell_length != width:
            self._corner = corner_line(self.scrollbar_corner, width)
        return self._corner

    def _render(self, content: RenderableType, form: tuple[int, Style]) -> list[Strip]:
        """The content's lines at the form's width, in its style: what the screen shows."""
        return render_strips(self.app.console, content, max(form[0], form[2]), form[1])

    def _render_lines(self) -> None:
        """Make ``_lines`` fit the pane's current width and style."""
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
        # The pane's size is set by the layout, never by its content, so a new
        # content height needs no new layout of the screen (setting
        # virtual_size would ask for one): only the scrollbars and the scroll
        # range change. (Textual re-decides the scrollbars on a new widget
        # size, not on a new content size; without this, content that shrinks
        # to fit would keep an empty scrollbar.)
        # (Only when it changes: it repaints the scrollbar.)
        size = Size(max(form[0], form[2]), len(lines))
        if size != self.virtual_size:
            self.set_reactive(Pane.virtual_size, size)
            self._scroll_quietly(None, None)  # within the new size (Textual's own clamp repaints all)
            update_scrollbars(self)

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
        if self._pressed_bar:  # (a press on a scrollbar, or a drag of its thumb)
            self._pressed_bar = False
        elif offset is not None:
            self.post_message(self.Clicked(self, offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y))

    def on_resize(self) -> None:
        self._render_lines()

    def render_lines(self, crop: Region) -> list[Strip]:
        self.awaiting_repaint = False
        self._render_lines()  # once per repaint: render_line below is called for every line
        self._drawn = self._draw_bars()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        bars = self._drawn
        if y >= len(bars.right):
            return self._content_line(y)
        if bars.bottom is not None and y == len(bars.right) - 1:
            return bars.bottom
        line, right = self._content_line(y), bars.right[y]
        if right is None:
            return line
        key = id(line), id(right)  # (an entry holds its line and cells: no other object has their ids)
        joined = self._joined.get(key)
        if joined is None:
            if len(self._joined) >= JOINED:
                self._joined.clear()
            # (as the screen joined a line and a scrollbar beside it: without the line's empty pieces)
            joined = self._joined[key] = line, right, Strip([*(s for s in line if s.text), *right],
                                                             line.cell_length + right.cell_length)
        return joined[2]

    def _content_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        if y < self.pinned:
            scroll_y = 0  # the pinned lines do not scroll
        width, style = self._form[:2] if self._form else (self.view_size.width, self.rich_style)
        if scroll_y + y >= len(self._lines):
            return Strip.blank(width, style)
        line = self._lines[scroll_y + y]
        if scroll_x == 0 and line.cell_length == width:
            return line
        return line.crop_extend(scroll_x, scroll_x + width, style)  # scrolled sideways, or wider than the pane
