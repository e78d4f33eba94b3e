"""Nudge and predict: add ε to one entry of a value; the gradient predicts the
change of the final output, the forward pass measures it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Static

from backprop_engine import Engine
from backprop_engine.gradcheck import nudge
from backprop_engine.quiz import index_text

from ..format import num
from ..views.rich import GRAD_STYLE
from .base import Dialog


class NudgeDialog(Dialog[None]):
    DEFAULT_CSS = "#nudge-box { width: 90%; }"
    BINDINGS = [
        Binding("up,k", "leaf(-1)", "Prev value", key_display="↑"),
        Binding("down,j", "leaf(1)", "Next value", key_display="↓"),
        Binding("left", "entry(-1)", "Prev entry", key_display="←"),
        Binding("right", "entry(1)", "Next entry", key_display="→"),
        Binding("plus,equals_sign", "scale_eps(10)", "ε × 10", key_display="+"),
        Binding("minus", "scale_eps(0.1)", "ε ÷ 10", key_display="-"),
        Binding("escape,u,q", "dismiss", "Close"),
    ]
    leaf: reactive[int] = reactive(0)
    """Which ``[values]`` leaf is nudged."""
    entry: reactive[int] = reactive(0)
    """Which entry of it (flat index)."""
    eps: reactive[float] = reactive(1e-3)
    """The nudge."""

    def __init__(self, engine: Engine):
        super().__init__()
        self.engine = engine
        self.params = engine.scenario.params

    def compose(self) -> ComposeResult:
        with self.box("nudge-box"):
            yield Static(id="nudge")

    def action_leaf(self, delta: int) -> None:
        self.entry = 0
        self.leaf = (self.leaf + delta) % len(self.params)

    def action_entry(self, delta: int) -> None:
        size = self.engine.scenario.leaves[self.params[self.leaf]].size
        self.entry = (self.entry + delta) % size

    def action_scale_eps(self, factor: float) -> None:
        self.eps = min(max(self.eps * factor, 1e-12), 1e3)

    def watch_leaf(self) -> None:
        self._show()

    def watch_entry(self) -> None:
        self._show()

    def watch_eps(self) -> None:
        self._show()

    def _show(self) -> None:
        sc, tr = self.engine.scenario, self.tr
        name = self.params[self.leaf]
        value = sc.leaves[name]
        n = nudge(sc, name, self.entry, self.eps)
        at = index_text(None if value.ndim == 0 else self.entry, value.shape)
        out = sc.output
        self.query_one("#nudge", Static).update(Text.assemble(
            (tr("Nudge and predict"), "bold"),
            (tr("   (L = {out}, the final output)", out=out) if out != "L" else "") + "\n\n",
            f"{name}{at} = {num(value.flat[self.entry], 8)}  →  + ε = {self.eps:g}\n\n",
            tr("predicted ΔL = ∂L/∂{at} × ε = ", at=f"{name}{at}"), (num(n.grad, 8), GRAD_STYLE),
            f" × {self.eps:g} = ", (num(n.predicted, 8), "bold"), "\n",
            tr("actual    ΔL = L after − L before = "), f"{num(n.after, 12)} − {num(n.before, 12)} = ",
            (num(n.actual, 8), "bold"), "\n\n",
            (tr("difference {diff}: the gradient is the slope at this point; the smaller ε, the closer "
                "the straight-line prediction (until rounding takes over).",
                diff=f"{abs(n.actual - n.predicted):.2e}") + "\n", "dim"),
            (tr("↑↓ value  ←→ entry  +/− ε  escape closes"), "bold")))
