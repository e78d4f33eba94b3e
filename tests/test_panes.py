"""The panes as a user sees them: after any walk through the app the screen
is the one a fresh start at the same place shows (text, colours, scrollbars);
scrollbars come when the content is taller or wider than the pane; the wheel,
the keys and the scrollbars scroll; the table's header stays on top."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from textual import events

from backprop_engine import bundled, load
from tests.conftest import SIZE, fresh_screen, settled_screen, steps, terminal
from tui.app import BackpropApp
from tui.screens.step import StepScreen


async def _walked(scenario, size, keys) -> tuple[list[str], list[str]]:
    """The screen after ``keys`` (a tuple: a new terminal size), and a fresh start's there."""
    app = BackpropApp(scenario)
    async with app.run_test(size=size) as pilot:
        for key in keys:
            if isinstance(key, tuple):
                await pilot.resize_terminal(*key)
                size = key
            else:
                await pilot.press(key)
            await pilot.pause()
        app.clear_notifications()  # (f and L say what they did, in a toast or the note bar)
        app.action_dismiss_notes()
        shown, s = await settled_screen(app, pilot), steps(app)
        focused = app.focused.id if app.focused is not None else None
        there = dict(lang=app.catalog.code, full=s.full_precision, focused=focused)
        position, drawn = s.engine.position, s.drawn
    return shown, await fresh_screen(scenario, size, position, drawn, **there)


WALKS = [("affine_one", (80, 24), ["g", "n", "n", "p", "g", "n"]),
         ("fanout", (60, 30), ["g", "n", "n", "n", "n", "n", "p", "g", "n"]),
         ("relu", (60, 30), ["n", "n", "tab", "tab", "down", "down", "pagedown", "n", "p", "tab", "down", "n"])]


@pytest.mark.parametrize("name,size,keys", WALKS, ids=[w[0] for w in WALKS])
async def test_after_g_and_scrolling_by_hand_a_step_shows_a_fresh_start(name, size, keys):
    """The graph switched to the list and back, a pane scrolled with the keys:
    the next step's screen, scrollbars included, is the first screen of an app
    started at that step (no thumb left where the pane was scrolled before)."""
    walked, fresh = await _walked(load(bundled()[name]), size, keys)
    assert walked == fresh


SIZES = [(100, 30), (80, 24), (60, 30), (120, 40)]
KEYS = st.sampled_from(["n", "n", "n", "p", "home", "end", "g", "f", "L", "tab", "down", "pagedown", "up"])
STEPS = st.sampled_from(["n", "p", "home", "end"])


# (few examples, the same every run, not shrunk: each is two apps started)
@settings(max_examples=6, derandomize=True, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(["mnist_size", "affine_softmax", "apple", "fanout"]),
       keys=st.lists(st.one_of(KEYS, st.sampled_from(SIZES)), max_size=10), last=STEPS)
@example(name="affine_softmax", keys=["n", "n", "L", "tab", "down", "g", "n", "L", "p"], last="n")
@example(name="mnist_size", keys=["end", "tab", "tab", "pagedown", (80, 24), "L", "f", "g"], last="p")
def test_after_any_walk_a_step_shows_a_fresh_start(name, keys, last):
    """Any walk (steps, the ends, g, f, the language, the focus, scrolling by
    hand, a resize) that ends with a step key shows what an app started
    there shows: nothing left over from the way there."""
    walked, fresh = asyncio.run(_walked(load(bundled()[name]), SIZE, [*keys, last]))
    assert walked == fresh


async def test_scrollbars_come_when_the_content_is_taller_or_wider():
    """mnist_size at 100x30: the drawn graph is wider and taller than its
    pane (both scrollbars), the values table taller (one); apple's graph
    fits (none)."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        graph, values = steps(app).panes["graph"], steps(app).panes["values"]
        assert graph.scrollbars_enabled == (True, True) and graph.max_scroll_x > 0 and graph.max_scroll_y > 0
        assert values.scrollbars_enabled == (True, False) and values.max_scroll_y == 36 - 9
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        graph = steps(app).panes["graph"]
        assert graph.scrollbars_enabled == (False, False) and graph.max_scroll_y == 0


async def test_the_wheel_and_the_keys_scroll_and_the_header_stays():
    """The mouse wheel scrolls the pane under it; up, down and the page keys
    the focused one; the values table's header and rule stay on top."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        values = steps(app).panes["values"]
        header = [values.render_line(y).text for y in range(values.pinned)]
        for _ in range(2):
            values.post_message(events.MouseScrollDown(values, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert values.scroll_offset.y > 0
        assert [values.render_line(y).text for y in range(values.pinned)] == header
        assert header[0].split()[:2] == ["name", "value"] and set(header[1].strip()) == {"─"}
        values.scroll_home(animate=False)
        await pilot.press("tab", "tab")  # graph -> step -> values
        assert app.focused is values
        await pilot.press("down")
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 1
        await pilot.press("pagedown")
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 1 + values.scrollable_content_region.height
        await pilot.press("up", "pageup")
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 0


async def test_a_press_on_the_track_pages():
    """Below the thumb pages down by the pane's height, above it pages back up."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        values = steps(app).panes["values"]
        assert values.virtual_size.height == 36 and values.scrollable_content_region.height == 9
        bar_x = values.outer_size.width - 3
        await pilot.click(values, offset=(bar_x, 8))
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 9
        await pilot.click(values, offset=(bar_x, 1))
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 0


async def test_the_thumb_drags():
    """Dragged 3 rows down, the thumb scrolls 3 x 36/9 = 12 lines; let go,
    the mouse is free again."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        values = steps(app).panes["values"]
        bar_x = values.outer_size.width - 3
        await pilot.mouse_down(values, offset=(bar_x, 1))
        await pilot.hover(values, offset=(bar_x, 4))
        await pilot.pause()
        await pilot.wait_for_animation()
        assert values.scroll_offset.y == 12
        await pilot.mouse_up(values, offset=(bar_x, 4))
        await pilot.pause()
        assert app.mouse_captured is None


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


async def test_a_moment_after_a_key_the_steps_next_to_it_are_rendered_once():
    """A moment after a key (PREFETCH_DELAY), the panes of the steps before
    and after the one shown are rendered, so that n and p only swap lines;
    then the timer waits for the next key (one prefetch per key, none while
    idle)."""
    from tui.screens.step import PREFETCH_DELAY

    app = BackpropApp(load(bundled()["mnist_size"]))
    calls = []
    real = StepScreen._prefetch

    def counted(self):
        before = self._prefetched
        real(self)
        if self._prefetched is not before:  # rendered (a stopped timer's queued tick renders nothing)
            calls.append(self.engine.position)

    StepScreen._prefetch = counted

    async def prefetched(pilot, position):
        """Wait for the prefetch around ``position`` (a loaded machine may take
        longer than PREFETCH_DELAY to get there), then as long again for any other."""
        for _ in range(500):
            if position in calls:
                break
            await pilot.pause(PREFETCH_DELAY)
        await pilot.pause(PREFETCH_DELAY * 10)

    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = steps(app)
            await prefetched(pilot, 0)
            assert calls == [0]
            calls.clear()
            for position in (1, 2):
                await pilot.press("n")
                await prefetched(pilot, position)
            assert calls == [1, 2]
            e = screen.engine
            for there in (1, 3):
                e.seek(there)
                assert all(pane.prepared(screen._view_key()) for pane in screen.panes.values()), there
            e.seek(2)
            await pilot.pause(PREFETCH_DELAY * 10)
            assert calls == [1, 2]
            screen._prefetch()  # as a stopped timer's tick that was queued before the key
            assert calls == [1, 2]
    finally:
        StepScreen._prefetch = real


async def test_f_puts_every_digit_on_the_terminal_where_the_number_has_room(monkeypatch):
    """apple at its end, then f: the terminal (not only the pane's lines) shows 220.00000000000003
    and 110.00000000000001 in the drawn graph, which gives a scalar room for 17 digits; a second f
    rounds them again. (The pane kept the lines of the new width but asked Textual for no repaint.)"""
    screen = terminal(monkeypatch, SIZE)
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.pause(0.1)
        await pilot.press("f")
        await pilot.pause(0.2)
        full = "\n".join(screen.display[5:16])  # the graph pane, under the toast
        await pilot.press("f")
        await pilot.pause(0.2)
        rounded = "\n".join(screen.display[5:16])
    assert "│ 220.00000000000003" in full and "110.00000000000001" in full and "100.0 " in full
    assert "│ 220 " in rounded and "110 " in rounded and "220.0" not in rounded
