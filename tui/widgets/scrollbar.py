"""The panes' scrollbars, drawn into the pane's own lines.

Textual places a scrollbar on screen as a widget of its own, beside the
content: every row of a pane with a scrollbar is then two pieces for the
screen to cut, join and move the terminal's cursor to, on every repaint
(measured on a mnist_size step: 129 pieces on screen against 62 without, and
about 1.3 ms of the 4.3 ms the screen's update takes). So a pane keeps
Textual's scrollbar widgets for what they are and how they look (their
``render``: Textual's glyphs and colours, hover and drag included), but they
are not placed on screen (``scrollbar-visibility: hidden``: Textual keeps the
gutter and the scrolling), and the pane draws them into its rows and handles
the mouse on them as Textual's own do: a click above or below the thumb pages,
the thumb drags, the bar lights up under the mouse.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from textual import events
from textual.geometry import Offset, Region
from textual.scrollbar import ScrollBar, ScrollBarCorner
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

KEPT = 64  # looks kept per scrollbar; the one used least recently goes first


def _lines(widget: Widget, width: int, height: int) -> list[Strip]:
    """What ``widget`` draws at this size, as Textual draws a widget with no
    border or padding (``Widget.render_lines`` of a widget on screen)."""
    visual = visualize(widget, widget.render())
    strips = Visual.to_strips(widget, visual, width, height, widget.visual_style)
    style = widget.visual_style.rich_style
    # (simplified: Textual's scrollbar makes a piece per cell, and each piece
    # is a colour change written to the terminal: 95 where one will do)
    return [strip.adjust_cell_length(width, style).simplify() for strip in strips[:height]] + \
        [Strip.blank(width, style)] * (height - len(strips))


class KeptScrollBar(ScrollBar):
    """A scrollbar that its pane draws. It keeps the lines of each look (its
    size, the content's and the window's size, the position, the mouse over
    it or dragging it): stepping through a scenario shows the same few again
    and again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._looks: OrderedDict[tuple, list[Strip]] = OrderedDict()

    def forget(self) -> None:
        """Drop the kept lines (the pane's styles changed: a theme, a class)."""
        self._looks.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.forget()

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> ScrollBar:
        """Textual changed this scrollbar (shown, moved, resized): it is drawn
        in its pane's rows, so the pane repaints what changed (and the screen
        needs no new layout)."""
        refresh_bars = getattr(self.parent, "refresh_bars", None)
        if refresh_bars is not None:
            refresh_bars()
        return self

    def lines(self, width: int, height: int, virtual: int, window: int, position: float) -> list[Strip]:
        """The scrollbar's rows at this size, for content of ``virtual`` cells
        seen through a window of ``window``, scrolled to ``position``."""
        # (set quietly: what render() and a drag read, not a change to repaint)
        self.set_reactive(ScrollBar.window_virtual_size, virtual)
        self.set_reactive(ScrollBar.window_size, window)
        self.set_reactive(ScrollBar.position, self.validate_position(position))
        look = (width, height, virtual, window, position, self.grabbed is not None, self.mouse_over)
        lines = self._looks.get(look)
        if lines is None:
            lines = self._looks[look] = _lines(self, width, height)
            while len(self._looks) > KEPT:
                self._looks.popitem(last=False)
        else:
            self._looks.move_to_end(look)
        return lines


class Bars(NamedTuple):
    """A pane's scrollbars as drawn: the cells right of each content row (the
    vertical scrollbar; None where there is none), and the last row instead of
    content when there is a horizontal scrollbar (None if not)."""

    right: tuple[Strip | None, ...]
    bottom: Strip | None


class Grab(NamedTuple):
    """A scrollbar's thumb being dragged: where the mouse and the scroll were when it was grabbed."""

    bar: KeptScrollBar
    mouse: Offset
    position: float


def place_bars(width: int, height: int, vertical: int, horizontal: int) -> tuple[Region | None, Region | None]:
    """Where the vertical and the horizontal scrollbar go in a content region
    of ``width`` x ``height``, given their thicknesses (0: not shown); the
    corner between them is what is left. As ``Widget._arrange_scrollbars``."""
    v = Region(width - vertical, 0, vertical, height - horizontal) if vertical else None
    h = Region(0, height - horizontal, width - vertical, horizontal) if horizontal else None
    return v, h


def corner_line(corner: ScrollBarCorner, width: int) -> Strip:
    """The corner between the two scrollbars (one row), as Textual draws it."""
    return _lines(corner, width, 1)[0]


def draw_bars(view, vbar: KeptScrollBar, hbar: KeptScrollBar, corner: Callable[[int], Strip]) -> Bars:
    """The scrollbars of ``view`` (a Pane) as they are now, in its rows;
    ``corner(width)``: the corner between them."""
    height = view.inner_size.height
    v, h = _placed(view)
    virtual = view.virtual_size
    right: list[Strip | None] = [None] * height
    bottom = None
    if v is not None:
        right[:v.height] = vbar.lines(v.width, v.height, virtual.height, v.height, view.scroll_y)
    if h is not None:
        bottom = hbar.lines(h.width, 1, virtual.width, h.width, view.scroll_x)[0]
        if v is not None:
            bottom = Strip.join([bottom, corner(v.width)])
    return Bars(tuple(right), bottom)


def _placed(view) -> tuple[Region | None, Region | None]:
    """Where ``view``'s vertical and horizontal scrollbar are, within its content region (None: not shown)."""
    show_v, show_h = view.scrollbars_enabled
    return place_bars(*view.inner_size, view.scrollbar_size_vertical if show_v else 0,
                      view.scrollbar_size_horizontal if show_h else 0)


def bar_at(view, bars: tuple[KeptScrollBar, KeptScrollBar], drawn: Bars,
           offset: Offset) -> tuple[KeptScrollBar, str] | None:
    """The scrollbar of ``view`` under ``offset`` (in its content region) and
    what a press there does: "grab" (the thumb), "scroll_up" or "scroll_down"
    (the track before or after it), as Textual's scrollbars mark their cells."""
    v, h = _placed(view)
    for bar, region in zip(bars, (v, h)):
        if region is not None and region.contains_point(offset):
            strip = drawn.right[offset.y] if bar.vertical else drawn.bottom
            if strip is None:
                return None
            x = offset.x - region.x
            meta = next((s.style.meta for s in strip.crop(x, x + 1) if s.style), {})
            return bar, meta.get("@mouse.down", "grab")
    return None


def dragged_to(grab: Grab, event: events.MouseMove) -> tuple[float | None, float | None]:
    """Where dragging the thumb to the mouse's place scrolls to, as Textual's scrollbar works it out."""
    bar = grab.bar
    if bar.vertical:
        return None, grab.position + (event.screen_y - grab.mouse.y) * (bar.window_virtual_size / bar.window_size)
    return grab.position + (event.screen_x - grab.mouse.x) * (bar.window_virtual_size / bar.window_size), None


class BarsMouse:
    """The mouse on the scrollbars that a view (a Pane) draws in its rows, as
    on Textual's own: a press on the track pages, the thumb drags, a bar
    lights up under the mouse and while dragged. A press on a scrollbar is no
    click on the content: ``_pressed_bar`` says so to the view's ``on_click``."""

    _grab: Grab | None = None  # a scrollbar's thumb being dragged
    _pressed_bar = False  # the mouse went down on a scrollbar

    def _bar_under(self, event: events.MouseEvent) -> tuple[KeptScrollBar, str] | None:
        offset = event.get_content_offset(self)
        return None if offset is None or self._bars is None else bar_at(self, self._bars, self._draw_bars(), offset)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        found = self._bar_under(event)
        self._pressed_bar = found is not None
        if found is None:
            return
        event.prevent_default()  # (Textual's own handling reads the bar's marks as the pane's actions)
        event.stop()
        self._hover(found)
        bar, press = found
        if press == "grab":
            self._grab = Grab(bar, event.screen_offset, self.scroll_y if bar.vertical else self.scroll_x)
            bar.grabbed = event.screen_offset
            self.capture_mouse()
        elif press == "scroll_up":
            (self.scroll_page_up if bar.vertical else self.scroll_page_left)()
        else:
            (self.scroll_page_down if bar.vertical else self.scroll_page_right)()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._grab is not None:
            if self._grab.bar.window_size:
                x, y = dragged_to(self._grab, event)
                self.scroll_to(x, y, animate=not self.app.supports_smooth_scrolling, duration=0.1)
            event.stop()
            return
        self._hover(self._bar_under(event))

    def on_leave(self) -> None:
        if self._grab is None:
            self._hover(None)

    def _hover(self, found: tuple[KeptScrollBar, str] | None) -> None:
        for bar in self._bars or ():
            bar.mouse_over = found is not None and found[0] is bar

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._grab is not None:
            self.release_mouse()
            event.stop()

    def on_mouse_release(self) -> None:
        if self._grab is not None:
            self._grab.bar.grabbed = None
            self._grab = None
