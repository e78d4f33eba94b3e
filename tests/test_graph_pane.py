"""The graph pane in the app (issue 12): the drawing where it fits, the list
where it does not, g to switch; the current node kept in view."""

from __future__ import annotations

import pytest

from backprop_engine import bundled, load
from tests.conftest import SIZE, steps, text
from tui.app import BackpropApp


@pytest.mark.parametrize("name", ["apple", "fruit", "relu", "fanout", "sigmoid"])
async def test_the_small_graphs_are_drawn_whole_at_100x30(name):
    app = BackpropApp(load(bundled()[name]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.pause()
        graph = steps(app).query_one("#graph")
        region = graph.scrollable_content_region
        assert steps(app).drawing and graph.virtual_size.height <= region.height
        assert graph.virtual_size.width <= region.width and graph.scroll_offset == (0, 0)
        assert "╭───╮" in text(app, "graph") or "╭────╮" in text(app, "graph")


async def test_g_switches_between_the_drawing_and_the_list():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        assert "──▶ price" in text(app, "graph") and "mul_apple" not in text(app, "graph")
        await pilot.press("g")
        assert not steps(app).drawing and "◀  mul_apple  Mul" in text(app, "graph")
        await pilot.press("g")
        assert steps(app).drawing and "──▶ price" in text(app, "graph")


@pytest.mark.parametrize("size", [(50, 16), (40, 12)])
async def test_a_small_terminal_falls_back_to_the_list(size):
    app = BackpropApp(load(bundled()["fruit"]))
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        assert not steps(app).drawing and "▶  mul_apple" in text(app, "graph")


async def test_at_80x24_the_current_node_stays_in_view():
    """affine_softmax is 84 columns and 18 rows drawn: the pane scrolls to the
    node of the current step."""
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=(80, 24)) as pilot:
        from tui.views.drawing import layout
        boxes = {b.index: b for b in layout(steps(app).engine.scenario).boxes}
        for _ in range(len(steps(app).engine)):
            await pilot.press("n")
            await pilot.pause()
            graph, step = steps(app).query_one("#graph"), steps(app).engine.current
            box, (x, y), region = boxes[step.layer.index], graph.scroll_offset, graph.scrollable_content_region
            assert x <= box.x and box.x + box.w <= x + region.width, step.layer.name
            assert y <= box.out < y + region.height, step.layer.name  # the row of its symbol


def test_print_and_markdown_start_with_the_drawing_never_wrapped():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "tui.cli", "sigmoid", "--print"], capture_output=True, text=True,
                         check=True).stdout  # a pipe: 80 columns, and the drawing is 93 wide
    first = out.split("Step 1/12")[0]
    assert "│ + ├──▶ both" in first and max(len(l.rstrip()) for l in first.splitlines()) > 80
    md = subprocess.run([sys.executable, "-m", "tui.cli", "fruit", "--markdown"], capture_output=True, text=True,
                        check=True).stdout
    drawing = md.split("```text\n")[1].split("```")[0]
    assert "│ × ├──▶ price" in drawing and "650" in drawing and "3.3" in drawing
    assert md.index("```text") < md.index("## Step 1/8")


async def test_a_click_on_a_node_goes_to_its_step():
    """Forward first; once backward has begun, a click goes to that layer's backward step."""
    from tui.views.drawing import layout
    sc = load(bundled()["fruit"])
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        boxes = {b.name: b for b in layout(sc).boxes}
        add = boxes["add_apple_orange"]
        await pilot.click("#graph", offset=(add.x + 1 + 1, add.y + 1 + 1))  # + 1: the pane's border
        step = steps(app).engine.current
        assert (step.phase, step.layer.name) == ("forward", "add_apple_orange")
        await pilot.press("end")
        mul = boxes["mul_apple"]
        await pilot.click("#graph", offset=(mul.x + 2, mul.y + 2))
        step = steps(app).engine.current
        assert (step.phase, step.layer.name) == ("backward", "mul_apple") and steps(app).engine.at_end
        await pilot.click("#graph", offset=(add.x + 2, add.y + 2))
        assert (steps(app).engine.current.phase, steps(app).engine.current.layer.name) == ("backward",
                                                                                           "add_apple_orange")


@pytest.mark.parametrize("size", [(50, 16), (40, 12)])
async def test_g_draws_the_graph_at_any_size(size):
    """In a small terminal the list comes first; g draws the graph there too
    (it scrolls), and the step pane keeps rows of its own."""
    app = BackpropApp(load(bundled()["fruit"]))
    async with app.run_test(size=size) as pilot:
        await pilot.press("n", "g")
        await pilot.pause()
        assert steps(app).drawing and "╭───╮" in text(app, "graph")
        assert steps(app).query_one("#step").scrollable_content_region.height >= 2
        await pilot.press("g")
        assert not steps(app).drawing and "▶  mul_apple" in text(app, "graph")
