"""The app's dialogs: help, the scenario picker, the gradient check and the nudge."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

import tomllib

import numpy as np

from backprop_engine import Engine, Scenario, ScenarioError, bundled, load
from backprop_engine.scenario import TOP_KEYS, leaf_problem, parse_value, toml_value
from backprop_engine.gradcheck import H, SAMPLE, check_gradients, nudge

from .i18n import _, layer_name
from .render import GRAD, grid, gradcheck_table, num, shape_str, short

KEYS = [  # (keys, what they do): the help screen's table
    ("n  →  space", "next step: forward one layer, then backward one layer"),
    ("p  ←", "previous step"),
    ("home / end", "to the start / to the end"),
    ("tab  ↑ ↓  pgup pgdn", "move to a pane (graph, step, values), then scroll it"),
    ("r", "reload the scenario file from disk"),
    ("f", "toggle full precision (220 / 220.00000000000003)"),
    ("c", "gradient check: backprop beside the numerical gradient (+ and - change h)"),
    ("u", "nudge a value by ε: the change the gradient predicts beside the real one"),
    ("e", "edit a value (a number or an array literal of the same shape)"),
    ("s", "save the scenario as edited or trained to a new file"),
    ("x", "export the whole step-by-step run as Markdown to a file"),
    ("z", "quiz: before each backward step, predict its gradients; scored"),
    ("t / T", "train: one / 100 steps of gradient descent on [values]; the loss is plotted"),
    ("[ / ]", "halve / double the learning rate"),
    ("L", "switch the language: English, 中文, 日本語"),
    ("o", "open another scenario"),
    ("escape", "close the notes (the boxes at the bottom right)"),
    ("?", "this help"),
    ("q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    """The keys and what the panels show."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", justify="right", no_wrap=True)
        keys.add_column()
        for key, what in KEYS:
            keys.add_row(key, Text(_(what)))  # Text: "[values]" is not markup
        with VerticalScroll(id="help-box"):  # scrolls in a short terminal
            yield Static(Group(Text(_("backprop-tui: keys") + "\n", style="bold"), keys, Text(
                "\n" + _("Left: the graph. Values ride the arrows forward; gradients (magenta) come "
                         "back beneath them. ▶ marks the layer just run forward, ◀ the one just run "
                         "backward, ✓ a layer done forward, ✓✓ done backward. Right: what the current "
                         "step did. Bottom: every value with its gradient.")
                + "\n\n" + _("Press escape or ? to close."))))


class PickerScreen(ModalScreen[Path | None]):
    """Choose a bundled scenario or a *.toml file in the current folder."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, folder: Path | None = None):
        super().__init__()
        self.folder = folder or Path(".")  # relative: paths and errors read "broken.toml"

    def compose(self) -> ComposeResult:
        rows = [(name, path, _title(path)) for name, path in bundled().items()]
        rows += [("./" + path.name, path, _title(path)) for path in sorted(self.folder.glob("*.toml"))]
        rows = [row for row in rows if row[2] is not None]  # None: not a scenario at all
        width = max(16, *(len(row[0]) for row in rows))
        # a title is text, not markup
        options = [Option(Text(f"{name:{width}} {title}")) for name, _path, title in rows]
        self.paths = [row[1] for row in rows]
        with Vertical(id="picker-box"):
            yield Static(_("Open a scenario (↑↓ to choose, enter to open, escape to cancel)"))
            yield OptionList(*options, id="picker-list")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.paths[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def _title(path: Path) -> str | None:
    """A scenario's title for the picker (the file is read again when opened),
    or None for a TOML file that is no scenario at all, such as pyproject.toml:
    one without a single scenario key. A broken scenario is listed, so that
    opening it shows what is wrong."""
    try:
        return load(path).title
    except ScenarioError:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return _("(cannot be loaded)")
        return _("(cannot be loaded)") if data.keys() & set(TOP_KEYS) else None




def _at(entry: int | None, shape: tuple) -> str:
    """A flat entry as an index into ``shape``: "[0, 1]" ("" for a scalar's None)."""
    return "" if entry is None else f"[{', '.join(map(str, np.unravel_index(entry, shape)))}]"


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
        self.checks = None  # for h; made on mount

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="check-box"):  # scrolls in a short terminal
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
        sc, checks = self.engine.scenario, self.checks
        sampled = [c.name for c in checks if c.sampled]
        notes = Text(
            _("(f(x + h) − f(x − h)) / 2h with h = {h}.  + makes h 10× larger, − 10× smaller: the "
              "error first falls (the difference's own error shrinks like h²), then rises again "
              "(rounding: about 1e-16 × |f| / h).", h=f"{self.h:.0e}") + "\n"
            + _("Where they differ for another reason: a Relu input within h of 0 puts the two "
                "points on both sides of the kink; the loss's log(y + 1e-7) is what the numeric "
                "gradient differentiates, while backprop's (y − t)/N leaves the 1e-7 out."), style="dim")
        if sampled:
            notes.append("\n" + _("{names}: a fixed sample of {n} entries (seed 0); the row shows the "
                                  "entry where the two differ most.", names=", ".join(sampled), n=SAMPLE))
        self.query_one("#check", Static).update(Group(
            Text(_("Gradient check: {title}", title=sc.title), style="bold"),
            gradcheck_table(checks, stacked=self.app.size.width < 70), notes,
            Text(_("+/− change h, escape closes"), style="bold")))


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
        at = _at(None if value.ndim == 0 else self.entry, value.shape)
        out = sc.output
        text = Text.assemble(
            (_("Nudge and predict"), "bold"),
            (_("   (L = {out}, the final output)", out=out) if out != "L" else "") + "\n\n",
            f"{name}{at} = {num(value.flat[self.entry], 8)}  →  + ε = {self.eps:g}\n\n",
            _("predicted ΔL = ∂L/∂{at} × ε = ", at=f"{name}{at}"), (num(n.grad, 8), GRAD),
            f" × {self.eps:g} = ", (num(n.predicted, 8), "bold"), "\n",
            _("actual    ΔL = L after − L before = "), f"{num(n.after, 12)} − {num(n.before, 12)} = ",
            (num(n.actual, 8), "bold"), "\n\n",
            (_("difference {diff}: the gradient is the slope at this point; the smaller ε, the closer "
               "the straight-line prediction (until rounding takes over).",
               diff=f"{abs(n.actual - n.predicted):.2e}") + "\n", "dim"),
            (_("↑↓ value  ←→ entry  +/− ε  escape closes"), "bold"))
        self.query_one("#nudge", Static).update(text)


EDITABLE = 100  # entries: a larger array is edited in its file, not in one input line


class SteadyInput(Input):
    """An input whose cursor does not blink: calmer, and snapshots stay still."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_blink = False


def parse_literal(text: str, name: str, scenario: Scenario) -> np.ndarray:
    """A number or an array literal typed by the learner, as the loader reads
    values; raises ValueError with a one-line reason."""
    try:
        raw = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        raise ValueError(_("not a number or an array literal: {text}", text=repr(text.strip()))) from None
    value = parse_value(raw, name)
    if value.shape != scenario.shapes[name]:
        raise ValueError(_("shape {got}, but {name} has shape {want}", got=shape_str(value.shape), name=name,
                           want=shape_str(scenario.shapes[name])))
    problem = leaf_problem(scenario, name, value)  # labels out of range, as the loader refuses them
    if problem:
        raise ValueError(problem)
    return value


class EditScreen(ModalScreen[tuple[str, np.ndarray] | None]):
    """Choose a leaf, type its new value; refused in place when it does not fit."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario
        self.names = list(scenario.leaves)

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Static(_("Edit a value.  ↑↓ choose · tab: to the input · enter: apply · escape: cancel"))
            yield OptionList(*(Option(f"{n:14} {shape_str(self.scenario.shapes[n])}")
                               for n in self.names), id="edit-list")
            yield SteadyInput(id="edit-input")
            yield Static(id="edit-error")

    @on(OptionList.OptionHighlighted)
    def _chosen(self, event: OptionList.OptionHighlighted) -> None:
        value = self.scenario.leaves[self.names[event.option_index]]
        box = self.query_one(Input)
        box.disabled = value.size > EDITABLE
        box.value = "" if box.disabled else toml_value(value, one_line=True)
        self._say(_("{n} entries: edit this one in the scenario file", n=f"{value.size:,}")
                  if box.disabled else "")

    @on(OptionList.OptionSelected)
    def _to_input(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _apply(self, event: Input.Submitted) -> None:
        name = self.names[self.query_one(OptionList).highlighted or 0]
        try:
            value = parse_literal(event.value, name, self.scenario)
        except ValueError as e:
            self._say(_("refused: {reason}", reason=e))
            return
        self.dismiss((name, value))

    def _say(self, message: str) -> None:
        self.query_one("#edit-error", Static).update(Text(message, style="bold red"))


class SaveScreen(ModalScreen[Path | None]):
    """Ask for a file name and write ``text()`` to it; a file that exists is
    only replaced after a yes. A name that cannot be written stays in the
    dialog with the reason, to be corrected; the path written is the result."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, default: str, text: Callable[[], str], what: str | None = None):
        super().__init__()
        self.default, self.text, self.what = default, text, what or _("the scenario")

    def compose(self) -> ComposeResult:
        with Vertical(id="save-box"):
            yield Static(_("Save {what} as (enter saves, escape cancels):", what=self.what))
            yield SteadyInput(self.default, id="save-input")
            yield Static(id="save-error")

    def _say(self, message: str) -> None:
        self.query_one("#save-error", Static).update(Text(message, style="bold red"))

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        path = Path(typed).expanduser()
        try:
            self._check_and_write(typed, path)
        except OSError as e:  # the questions asked of the file system fail too (a name too long)
            self._say(_("not saved: {path}: {reason}", path=path, reason=e.strerror))

    def _check_and_write(self, typed: str, path: Path) -> None:
        if not typed or typed.endswith(("/", os.sep)) or path.is_dir():
            self._say(_("name a file"))
        elif not path.parent.is_dir():
            self._say(_("not saved: no folder {folder}", folder=path.parent))
        elif path.exists():
            def answered(yes: bool) -> None:
                if yes:
                    self._write(path)
                else:
                    self._say(_("not replaced: choose another name"))
            self.app.push_screen(ConfirmScreen(_("{path} exists. Replace it?", path=path)), answered)
        else:
            self._write(path)

    def _write(self, path: Path) -> None:
        try:
            path.write_text(self.text(), encoding="utf-8")
        except OSError as e:
            self._say(_("not saved: {path}: {reason}", path=path, reason=e.strerror))
            return
        self.dismiss(path)


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no."""

    BINDINGS = [Binding("y", "dismiss(True)", "Yes"), Binding("n,escape", "dismiss(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text.assemble((self.question, "bold"), "\n\n" + _("y: yes    n or escape: no")))


QUIZ_RTOL, QUIZ_ATOL = 1e-3, 1e-6  # a prediction within 0.1 % counts as right


def quiz_entries(step) -> list[tuple[str, int | None, float]]:
    """What the quiz asks at a backward step: for each input that gets a
    gradient, its name, the entry asked (None for a scalar; for an array one
    entry, drawn with the step's index as seed) and the true value."""
    asks = []
    for name, g in zip(step.layer.inputs, step.input_grads):
        if g is None:
            continue
        entry = None if g.ndim == 0 else int(np.random.default_rng(step.index).integers(g.size))
        asks.append((name, entry, float(g if entry is None else g.flat[entry])))
    return asks


class QuizScreen(ModalScreen[list[bool]]):
    """Predict each gradient of the coming backward step, then see the truth."""

    BINDINGS = [Binding("escape", "give_up", "Skip")]

    def __init__(self, step, precision: int | None):
        super().__init__()
        self.step, self.precision = step, precision
        self.asks = quiz_entries(step)
        self.results: list[bool] | None = None

    def compose(self) -> ComposeResult:
        spec = self.step.layer
        with Vertical(id="quiz-box"):
            dout = self.step.dout
            yield Static(Text.assemble((_("Quiz: "), "bold"),
                                       _("backward through {name} ({type}). ", name=spec.name,
                                         type=layer_name(spec.type)),
                                       f"dout = ∂L/∂{spec.output}: ",
                                       (short(dout, self.precision), GRAD)))
            if dout.ndim:  # the numbers themselves, not only the shape: they are not on screen yet
                yield Static(grid(dout, self.precision, GRAD), id="quiz-dout")
            yield Static(_("local rule: ") + _(spec.op.rule))
            for k, (name, entry, _truth) in enumerate(self.asks):
                at = _at(entry, self.step.grads[name].shape)
                part = self.step.is_part(name)  # a fan-out part is asked for as a part, not the whole
                yield Label(Text.assemble(f"∂L/∂{name}{at}" + (_(" (this branch's part)") if part else "") + " = ?",
                                          ("   " + self._at_entry(name, entry), "dim")))
                yield SteadyInput(placeholder=_("a number"), id=f"quiz-{k}")
            yield Static(Text(_("enter: next box; on the last, check.  escape: skip (counts as wrong)"),
                              style="dim"))
            yield Static(id="quiz-result")

    def _at_entry(self, name: str, entry: int | None) -> str:
        """For an elementwise layer, what the asked entry's gradient needs: the
        inputs and dout at that entry ("x[0, 1] = -0.5, dout[0, 1] = 2")."""
        step = self.step
        shape = step.grads[name].shape
        if entry is None or step.layer.op.local_formulas is None:
            return ""
        index, at = np.unravel_index(entry, shape), _at(entry, shape)
        known = [(n, v) for n, v in zip(step.layer.inputs, step.inputs) if v.shape == shape]
        known += [("dout", step.dout)] if step.dout.shape == shape else []
        return ", ".join(dict.fromkeys(f"{n}{at} = {num(v[index], self.precision)}" for n, v in known))

    @on(Input.Submitted)
    def _next_or_check(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        empty = [i for i in inputs if not i.value.strip()]
        if empty:
            empty[0].focus()
            return
        if self.results is not None:
            self.dismiss(self.results)
            return
        guesses = []
        for box in inputs:
            try:
                guesses.append(float(box.value))
            except ValueError:
                self._say(Text(_("not a number: {text}", text=repr(box.value)), style="bold red"))
                box.focus()
                return
        self.results = [abs(g - t) <= QUIZ_ATOL + QUIZ_RTOL * abs(t)
                        for g, (*_where, t) in zip(guesses, self.asks)]
        report = Text()
        for ok, guess, (name, _entry, truth) in zip(self.results, guesses, self.asks):
            report.append(_("right ") if ok else _("wrong "), style="bold green" if ok else "bold red")
            report.append(_("{d}: you said {guess}, it is ", d=f"∂L/∂{name}", guess=f"{guess:g}"))
            report.append(num(truth, self.precision), style=GRAD)
            report.append("\n")
        report.append(_("enter: on to the step"), style="bold")
        for box in inputs:
            box.disabled = True
        self._say(report)
        self.focus()

    def key_enter(self) -> None:
        if self.results is not None:
            self.dismiss(self.results)

    def action_give_up(self) -> None:
        self.dismiss(self.results if self.results is not None else [False] * len(self.asks))

    def _say(self, message: Text) -> None:
        self.query_one("#quiz-result", Static).update(message)
