"""The gradient check (5.7.3): backprop beside the central difference, h adjustable."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Static

from backprop_engine import Engine
from backprop_engine.gradcheck import H, SAMPLE, check_gradients

from ..views.tables import gradcheck_table
from .base import Dialog


class GradCheckDialog(Dialog[None]):
    DEFAULT_CSS = "#check-box { width: 90%; }"
    BINDINGS = [
        Binding("plus,equals_sign", "scale_h(10)", "h × 10", key_display="+"),
        Binding("minus", "scale_h(0.1)", "h ÷ 10", key_display="-"),
        Binding("escape,c,q", "dismiss", "Close"),
    ]
    h: reactive[float] = reactive(H)
    """The central-difference step."""

    def __init__(self, engine: Engine):
        super().__init__()
        self.engine = engine
        self.checks = None  # for h; made on mount

    def compose(self) -> ComposeResult:
        with self.box("check-box", scroll=True):
            yield Static(id="check")

    def action_scale_h(self, factor: float) -> None:
        self.h = min(max(self.h * factor, 1e-15), 1.0)

    def watch_h(self) -> None:  # also called once on mount (reactive init)
        self.checks = check_gradients(self.engine.scenario, h=self.h)
        self._show()

    def on_resize(self) -> None:
        if self.checks is not None:
            self._show()  # a row per value, or a block per value when narrow

    def _show(self) -> None:
        tr, checks = self.tr, self.checks
        sampled = [c.name for c in checks if c.sampled]
        notes = Text(
            tr("(f(x + h) − f(x − h)) / 2h with h = {h}.  + makes h 10× larger, − 10× smaller: the "
               "error first falls (the difference's own error shrinks like h²), then rises again "
               "(rounding: about 1e-16 × |f| / h).", h=f"{self.h:.0e}") + "\n"
            + tr("Where they differ for another reason: a Relu input within h of 0 puts the two "
                 "points on both sides of the kink; the loss's log(y + 1e-7) is what the numeric "
                 "gradient differentiates, while backprop's (y − t)/N leaves the 1e-7 out."), style="dim")
        if sampled:
            notes.append("\n" + tr("{names}: a fixed sample of {n} entries (seed 0); the row shows the "
                                   "entry where the two differ most.", names=", ".join(sampled), n=SAMPLE))
        self.query_one("#check", Static).update(Group(
            Text(tr("Gradient check (5.7.3): {title}", title=self.engine.scenario.title), style="bold"),
            gradcheck_table(checks, tr, stacked=self.app.size.width < 70), notes,
            Text(tr("+/− change h, escape closes"), style="bold")))
