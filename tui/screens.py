"""The app's dialogs: help, the scenario picker, the gradient check and the nudge."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from backprop_engine import Engine, ScenarioError, bundled, load
from backprop_engine.gradcheck import H, SAMPLE, check_gradients, nudge

from .render import GRAD, gradcheck_table, num

KEYS = [  # (keys, what they do): the help screen's table
    ("n  →  space", "next step: forward one layer, then backward one layer"),
    ("p  ←", "previous step"),
    ("home / end", "to the start / to the end"),
    ("r", "reload the scenario file from disk"),
    ("f", "toggle full precision (220 / 220.00000000000003)"),
    ("c", "gradient check: backprop beside the numerical gradient (+ and - change h)"),
    ("u", "nudge a value by ε: the change the gradient predicts beside the real one"),
    ("o", "open another scenario"),
    ("?", "this help"),
    ("q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    """The keys and what the panels show."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("backprop-tui: keys\n\n", style="bold")
        for keys, what in KEYS:
            text.append(f"{keys:>12}  ", style="bold cyan")
            text.append(what + "\n")
        text.append(
            "\nLeft: the graph. Values ride the arrows forward; gradients (magenta) come back\n"
            "beneath them. ▶ marks the layer just run forward, ◀ the one just run backward,\n"
            "✓ a layer done forward, ✓✓ done backward.\n"
            "Right: what the current step did. Bottom: every value with its gradient.\n\n"
            "Press escape or ? to close.", style="")
        with Vertical(id="help-box"):
            yield Static(text)


class PickerScreen(ModalScreen[Path | None]):
    """Choose a bundled scenario or a *.toml file in the current folder."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, folder: Path | None = None):
        super().__init__()
        self.folder = folder or Path(".")  # relative: paths and errors read "broken.toml"

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        self.paths: list[Path] = []
        for name, path in bundled().items():
            options.append(Option(f"{name:16} {_title(path)}"))
            self.paths.append(path)
        local = sorted(self.folder.glob("*.toml"))
        for path in local:
            options.append(Option(f"{'./' + path.name:16} {_title(path)}"))
            self.paths.append(path)
        with Vertical(id="picker-box"):
            yield Label("Open a scenario (↑↓ to choose, enter to open, escape to cancel)")
            yield OptionList(*options, id="picker-list")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.paths[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def _title(path: Path) -> str:
    """A scenario's title for the picker; the file is read again when opened."""
    try:
        return load(path).title
    except ScenarioError:
        return "(cannot be loaded)"




class GradCheckScreen(ModalScreen[None]):
    """Backprop beside the central difference, with the step h adjustable."""

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

    def compose(self) -> ComposeResult:
        with Vertical(id="check-box"):
            yield Static(id="check")

    def action_scale_h(self, factor: float) -> None:
        self.h = min(max(self.h * factor, 1e-15), 1.0)

    def watch_h(self) -> None:  # also called once on mount (reactive init)
        sc = self.engine.scenario
        checks = check_gradients(sc, h=self.h)
        sampled = [c.name for c in checks if c.sampled]
        notes = Text(
            f"(f(x + h) − f(x − h)) / 2h with h = {self.h:.0e}.  + makes h 10× larger, − 10× "
            "smaller: the error first falls (the difference's own error shrinks like h²), then "
            "rises again (rounding: about 1e-16 × |f| / h).\n"
            "Where they differ for another reason: a Relu input within h of 0 puts the two "
            "points on both sides of the kink; the loss's log(y + 1e-7) is what the numeric "
            "gradient differentiates, while backprop's (y − t)/N leaves the 1e-7 out.", style="dim")
        if sampled:
            notes.append(f"\n{', '.join(sampled)}: a fixed sample of {SAMPLE} entries "
                         "(seed 0); the row shows the entry where the two differ most.")
        self.query_one("#check", Static).update(Group(
            Text(f"Gradient check: {sc.title}", style="bold"),
            gradcheck_table(checks), notes, Text("+/− change h, escape closes", style="bold")))


class NudgeScreen(ModalScreen[None]):
    """Add ε to one entry of a leaf: the gradient predicts the change of the
    final output, the forward pass measures it."""

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
        with Vertical(id="nudge-box"):
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
        sc = self.engine.scenario
        name = self.params[self.leaf]
        value = sc.leaves[name]
        n = nudge(sc, name, self.entry, self.eps)
        at = "" if value.ndim == 0 else f"[{', '.join(map(str, _unravel(self.entry, value.shape)))}]"
        out = sc.output
        text = Text.assemble(
            ("Nudge and predict", "bold"), f"   (L = {out}, the final output)\n\n" if out != "L" else "\n\n",
            f"{name}{at} = {num(value.flat[self.entry], 8)}  →  + ε = {self.eps:g}\n\n",
            "predicted ΔL = ∂L/∂", f"{name}{at}", " × ε = ", (num(n.grad, 8), GRAD),
            f" × {self.eps:g} = ", (num(n.predicted, 8), "bold"), "\n",
            f"actual    ΔL = L after − L before = {num(n.after, 12)} − {num(n.before, 12)} = ",
            (num(n.actual, 8), "bold"), "\n\n",
            (f"difference {abs(n.actual - n.predicted):.2e}: the gradient is the slope at this point; "
             "the smaller ε, the closer the straight-line prediction (until rounding takes over).\n",
             "dim"),
            ("↑↓ value  ←→ entry  +/− ε  escape closes", "bold"))
        self.query_one("#nudge", Static).update(text)


def _unravel(index: int, shape: tuple) -> tuple:
    out = []
    for n in reversed(shape):
        out.append(index % n)
        index //= n
    return tuple(reversed(out))
