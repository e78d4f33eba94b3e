"""The step screen's graph pane: the graph drawn as the book draws it where
there is room (g chooses), the list of layers elsewhere; the current node kept
in view; a click on a node goes to its step. A part of ``StepScreen``: its key
is in ``KEYS``, beside its action."""

from __future__ import annotations

from textual.binding import Binding

from ...views.drawing import height as drawing_height, layout, width as drawing_width
from ...views.layer_list import current_line
from ...widgets.pane import Pane
from .base import StepBase


class GraphKeys(StepBase):
    KEYS = [Binding("g", "toggle_drawing", "Graph", show=False,
                    tooltip="the graph drawn as in the book, or as a list (at first, drawn where there "
                            "are 70 columns and 20 rows)")]

    def action_toggle_drawing(self) -> None:
        self.drawn = not self.drawing  # from now on, at any size

    @property
    def drawing(self) -> bool:
        """Whether the graph pane shows the drawing now: as g chose, or else
        where there is room for it (70 columns, 20 rows)."""
        if self.drawn is not None:
            return self.drawn
        return self.app.size.width >= 70 and self.app.size.height >= 20

    def mark_drawing(self) -> None:
        """The -drawn class, set before the screen is mounted (the app's first
        screen): its widgets are then styled once, with it, rather than
        restyled when ``arrange_graph`` sets it on mount (some 3-7 ms of the start)."""
        self.set_class(self.drawing, "-drawn", update=False)

    def watch_drawn(self) -> None:
        self.arrange_graph()
        self.refresh_view()

    def on_resize(self) -> None:
        self.arrange_graph()  # the drawing or the list, by the room there is
        self.refresh_view()
        self.fit_footer()

    def arrange_graph(self) -> None:
        """(When the scenario, the size or g changes; not at every step.)
        The drawing across the top, as tall as it is (where there is room;
        else it scrolls), step | values beneath it; or the list's layout."""
        drawing, graph, main = self.drawing, self.query_one("#graph", Pane), self.query_one("#main")
        self.set_class(drawing, "-drawn")
        if drawing:
            lay = layout(self.engine.scenario, self.precision)
            graph.content_width = drawing_width(lay)
            # 13 rows stay for the status, footer, and step | values (at least 9 rows with their
            # borders); in a short terminal (g chose the drawing there) half the screen
            tall = self.app.size.height
            rows = min(drawing_height(lay) + 2, tall - 13 if tall >= 24 else tall // 2)
            stacked = self.app.size.width < 70 and self.app.size.height >= 20  # graph, step, values in a column
            main.styles.grid_rows = f"{rows} 1fr 1fr" if stacked else f"{rows} 1fr"
        else:
            graph.content_width = 0
            main.styles.clear_rule("grid_rows")

    def on_pane_clicked(self, event: Pane.Clicked) -> None:
        """A click on a node of the drawing goes to that layer's step: forward,
        or backward once backward has begun."""
        if event.pane.id != "graph" or not self.drawing:
            return
        sc = self.engine.scenario
        boxes = layout(sc, self.precision).boxes
        box = next((b for b in boxes if b.x <= event.x < b.x + b.w and b.y <= event.y < b.y + b.h), None)
        if box is not None:
            n = len(sc.layers)
            target = 2 * n - box.index if self.engine.position > n else box.index + 1
            self.move(lambda: self.engine.seek(target))

    def place_in_graph(self, graph: Pane) -> tuple[int | None, int]:
        """Where the graph pane scrolls to. The list: the current layer's block
        at the top. The drawing: the current node in view (where depends on
        the step alone)."""
        step = self.engine.current
        if not self.drawing:
            return None, current_line(self.engine)
        boxes = layout(self.engine.scenario, self.precision).boxes
        box = next((b for b in boxes if step and b.index == step.layer.index), None)
        view = graph.view_size
        if box is None:
            return 0, 0
        x = 0 if box.x + box.w + 12 <= view.width else box.x - 4  # 12: room for the numbers after it
        y = 0 if box.y + box.h <= view.height else box.y - 1
        return max(0, x), max(0, y)
