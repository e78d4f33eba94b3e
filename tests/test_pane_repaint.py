"""The panes repaint only what a step changes on screen, and what they show
after any walk equals a fresh start there; the app's start leaves the report
modules (the gradient check, training) unread."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.geometry import Region
from textual.widget import Widget

from backprop_engine import Engine, bundled, load
from tests.conftest import SIZE, steps
from tui.app import BackpropApp
from tui.widgets.pane import Pane


def shown(pane: Pane) -> list:
    """Each row of the pane as drawn (its strip), scrolling and scrollbars included."""
    return [pane.render_line(y) for y in range(pane.content_region.height)]


@pytest.mark.parametrize("name, keys, grows", [("mnist_size", 8, 5), ("apple", 4, 1)])
async def test_a_step_repaints_exactly_the_rows_that_differ(name, keys, grows):
    """On every key of a walk, each pane asks Textual to repaint exactly the
    rows whose drawing differs from before the key -- also when the content's
    height changes (the values table grows, the step text changes length),
    when it scrolls (the drawing follows the current layer) and when a
    scrollbar comes (apple's step pane at step 3): not the whole pane."""
    app = BackpropApp(load(bundled()[name]))
    asked: dict[str, set[int]] = {}
    real = Widget.refresh

    def refresh(self, *regions, **kw):  # what reaches Textual
        if isinstance(self, Pane):
            rows = asked.setdefault(self.id, set())
            if not regions:
                rows.add("the whole pane, its border too")
            for r in regions:
                rows.update(range(r.y, r.bottom))
        return real(self, *regions, **kw)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panes = steps(app).panes
        grown = 0
        for key in ["n"] * keys + ["home"]:
            before = {p.id: (shown(p), p.virtual_size.height) for p in panes.values()}
            asked.clear()
            Widget.refresh = refresh
            try:
                await pilot.press(key)
                await pilot.pause()
            finally:
                Widget.refresh = real
            for pane in panes.values():
                old, lines = before[pane.id]
                differ = {y for y, (a, b) in enumerate(zip(old, shown(pane))) if a != b}
                assert asked.get(pane.id, set()) == differ, (key, pane.id)
                grown += pane.virtual_size.height != lines and len(differ) < len(old)
        assert grown >= grows  # the content's height changed, and less than the pane was repainted


WALKS = [("affine_one", (80, 24), ["g", "n", "n", "p", "g", "n"]),
         ("fanout", (60, 30), ["g", "n", "n", "n", "n", "n", "p", "g", "n"]),
         ("relu", (60, 30), ["n", "n", "tab", "tab", "down", "down", "pagedown", "n", "p", "tab", "down", "n"])]


async def _fresh(scenario, size, position: int, drawn: bool | None) -> str:
    class StartingThere(BackpropApp):
        def get_default_screen(self):
            screen = super().get_default_screen()
            screen.engine.seek(position)
            return screen

    app = StartingThere(scenario, drawn=drawn)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        steps(app).refresh_view()  # the graph scrolls to the current layer once it has a size
        await pilot.pause()
        return app.export_screenshot()


@pytest.mark.parametrize("name,size,keys", WALKS, ids=[w[0] for w in WALKS])
async def test_after_g_and_scrolling_by_hand_a_step_shows_a_fresh_start(name, size, keys):
    """The graph switched to the list and back, a pane scrolled with the keys:
    the next step's screen, scrollbars included, is the first screen of an app
    started at that step (no thumb left where the pane was scrolled before)."""
    scenario = load(bundled()[name])
    app = BackpropApp(scenario)
    async with app.run_test(size=size) as pilot:
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        screen = app.export_screenshot()
        position, drawn = steps(app).engine.position, steps(app).drawn
    assert screen == await _fresh(scenario, size, position, drawn)


def test_the_app_starts_without_reading_the_report_modules():
    """backprop-tui SCENARIO (the app) does not import tui.views.report, which
    brings in the gradient check and training: --check, --train and --print do."""
    code = ("import sys; from tui import cli; cli._app = lambda *a, **k: 0; cli.main(['apple']); "
            "print(sorted(m for m in ('tui.views.report', 'backprop_engine.gradcheck', 'backprop_engine.train') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = code.replace("cli.main(['apple'])", "cli.main(['apple', '--print'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['backprop_engine.gradcheck', 'backprop_engine.train', 'tui.views.report']"


async def test_a_moment_after_a_key_the_steps_next_to_it_are_rendered_once():
    """A moment after a key (PREFETCH_DELAY, once the panes are drawn), the
    panes of the steps before and after the one shown are rendered, so that
    n and p only swap lines; then the timer waits for the next key (one
    prefetch per key, none while idle)."""
    from tui.screens.step import PREFETCH_DELAY, StepScreen

    app = BackpropApp(load(bundled()["mnist_size"]))
    calls = []
    real = StepScreen._prefetch

    def counted(self):
        real(self)
        calls.append(self.engine.position)

    StepScreen._prefetch = counted
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = steps(app)
            await pilot.pause(PREFETCH_DELAY * 10)
            calls.clear()
            for _ in range(2):
                await pilot.press("n")
                await pilot.pause(PREFETCH_DELAY * 10)
            assert calls == [1, 2]
            e = screen.engine
            for there in (1, 3):
                e.seek(there)
                assert all(pane.prepared(screen._view_key()) for pane in screen.panes.values()), there
            e.seek(2)
            await pilot.pause(PREFETCH_DELAY * 10)
            assert calls == [1, 2]
    finally:
        StepScreen._prefetch = real
