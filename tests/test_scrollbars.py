"""The panes draw their scrollbars in their own rows (tui/widgets/scrollbar.py)
and the mouse works on them as on Textual's own: a press on the track pages, the
thumb drags, the bar lights up under the mouse and while dragged. The colours
are the default theme's, as in the snapshots."""

from __future__ import annotations

from textual.scrollbar import ScrollBar

from backprop_engine import bundled, load
from tests.conftest import SIZE, steps
from tui.app import BackpropApp

NORMAL, HOVER, DRAGGED = "#003054", "#003c6a", "#0178d4"  # the thumb's colour (textual-dark)


def thumb_colour(app, pane, row: int) -> str | None:
    """The colour of the thumb at ``row`` of ``pane``'s vertical scrollbar, as on
    screen (None where the track is)."""
    x = pane.content_region.right - 1
    segment = next(iter(app.screen._compositor.render_strips()[pane.content_region.y + row].crop(x, x + 1)))
    return segment.style.color.name if segment.style.reverse else None


async def test_a_press_on_the_track_pages_and_no_scrollbar_widget_is_on_screen():
    """Below the thumb pages down by the pane's height, above it pages back up;
    the screen holds no scrollbar widget (the pane draws them in its rows)."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        values = steps(app).panes["values"]
        assert values.virtual_size.height == 36 and values.scrollable_content_region.height == 9
        assert not [w for w in app.screen._compositor.visible_widgets if isinstance(w, ScrollBar)]
        bar_x = values.outer_size.width - 3
        await pilot.click(values, offset=(bar_x, 8))
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 9
        await pilot.click(values, offset=(bar_x, 1))
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 0


async def test_the_thumb_drags_and_lights_up():
    """The thumb lights up under the mouse and goes back when the mouse leaves
    it (to the table, or out of the pane); dragged
    3 rows down it scrolls 3 x 36/9 = 12 lines, in the dragging colour; let go,
    the mouse is free again."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        values = steps(app).panes["values"]
        bar_x = values.outer_size.width - 3
        assert thumb_colour(app, values, 0) == NORMAL
        await pilot.hover(values, offset=(bar_x, 1))
        await pilot.pause()
        assert thumb_colour(app, values, 0) == HOVER
        await pilot.hover(values, offset=(5, 5))  # on the table
        await pilot.pause()
        assert thumb_colour(app, values, 0) == NORMAL
        await pilot.hover(values, offset=(bar_x, 1))
        await pilot.hover(steps(app).panes["step"], offset=(5, 5))  # out of the pane
        await pilot.pause()
        assert thumb_colour(app, values, 0) == NORMAL
        await pilot.mouse_down(values, offset=(bar_x, 1))
        await pilot.hover(values, offset=(bar_x, 4))
        await pilot.pause()
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 12
        assert thumb_colour(app, values, 3) == DRAGGED
        await pilot.mouse_up(values, offset=(bar_x, 4))
        await pilot.pause()
        assert app.mouse_captured is None
        assert thumb_colour(app, values, 3) == HOVER


async def test_a_press_on_the_graphs_scrollbar_scrolls_and_does_not_step():
    """A press on the drawn graph's scrollbar scrolls the graph; it is not a
    click on the drawing (which would go to a layer's step)."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        graph = steps(app).panes["graph"]
        assert steps(app).drawing and graph.scroll_offset.y == 0 and graph.max_scroll_y == 4
        await pilot.click(graph, offset=(graph.outer_size.width - 3, graph.outer_size.height - 3))
        await pilot.wait_for_animation()
        assert graph.scroll_offset.y == 4
        assert steps(app).engine.position == 0


async def test_a_scrollbar_is_drawn_in_one_piece_per_look():
    """Textual's scrollbar makes a piece per cell, and the terminal is sent a
    colour change per piece (95 on mnist_size's horizontal scrollbar); the
    pane sends one per look: the thumb, the track, the corner."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        graph = steps(app).panes["graph"]
        region = graph.content_region
        assert graph.scrollbars_enabled == (True, True)
        row = app.screen._compositor.render_strips()[region.bottom - 1].crop(region.x, region.right)
        assert [len(segment.text) for segment in row] == [region.width - 3, 1, 2]  # thumb, track, corner
