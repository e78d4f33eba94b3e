"""The quiz: predict each gradient of the coming backward step, then see the truth."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from backprop_engine import Step
from backprop_engine.quiz import entry_context, index_text, is_right, quiz_entries

from ..explain import explanation
from ..format import array_str, num, short
from ..views.rich import GRAD_STYLE, grid
from ..widgets.steady_input import SteadyInput
from .base import Dialog


class QuizDialog(Dialog[list[bool]]):
    """Dismissed with right or wrong per gradient asked."""

    DEFAULT_CSS = "#quiz-box { width: 80; }"
    BINDINGS = [Binding("escape", "give_up", "Skip")]

    def __init__(self, step: Step, precision: int | None):
        super().__init__()
        self.step, self.precision = step, precision
        self.asks = quiz_entries(step)
        self.results: list[bool] | None = None

    def compose(self) -> ComposeResult:
        spec, tr, p = self.step.layer, self.tr, self.precision
        dout = self.step.dout
        with self.box("quiz-box", scroll=True):  # the verdict scrolls into view in a short terminal
            yield Static(Text.assemble((tr("Quiz: "), "bold"),
                                       tr("backward through {name} ({type}). ", name=spec.name,
                                          type=tr.layer(spec.type)),
                                       f"dout = ∂L/∂{spec.output}: ", (short(dout, p, tr), GRAD_STYLE)))
            if dout.ndim:  # the numbers themselves, not only the shape: they are not on screen yet
                yield Static(grid(dout, p, GRAD_STYLE), id="quiz-dout")
            yield Static(Text("\n".join(l.plain for l in explanation(spec.type).rule_lines(self.step, tr))))
            for k, (name, entry, _truth) in enumerate(self.asks):
                at = index_text(entry, self.step.grads[name].shape)
                part = self.step.is_part(name)  # a fan-out part is asked for as a part, not the whole
                # what the entry's gradient needs: "x[0, 1] = -0.5, dout[0, 1] = 2"
                context = entry_context(self.step, name, entry)
                needs = [f"{label} = {array_str(v, p)}" for label, v in context]
                # numbers on the question's line; rows and columns (Affine) one a line beneath it
                needs = ("   " + ", ".join(needs) if all(" " not in n.split(" = ")[1] for n in needs)
                         else "".join(f"\n  {n}" for n in needs))
                yield Static(Text.assemble(f"∂L/∂{name}{at}" + (tr(" (this branch's part)") if part else "") + " = ?",
                                           (needs, "dim")), classes="quiz-question")
                yield SteadyInput(placeholder=tr("a number"), id=f"quiz-{k}")
            yield Static(Text(tr("enter: next box; on the last, check.  escape: skip (counts as wrong)") + "\n"
                              + tr("right: within 0.1 % of the true value, or within 1e-6 of it"), style="dim"))
            yield Static(id="quiz-result")

    def on_mount(self) -> None:
        self.query_one(Input).focus()  # the box scrolls, but the first answer is typed first

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
                self._say(Text(self.tr("not a number: {text}", text=repr(box.value)), style="bold red"))
                box.focus()
                return
        self.results = [is_right(g, t) for g, (*_where, t) in zip(guesses, self.asks)]
        self._say(self._report(guesses))
        for box in inputs:
            box.disabled = True
        scroll = self.query_one("#quiz-box")
        scroll.focus()  # the page keys scroll it; enter goes on
        self.call_after_refresh(scroll.scroll_end, animate=False)  # the verdict in view

    def _report(self, guesses: list[float]) -> Text:
        tr, report = self.tr, Text()
        for ok, guess, (name, entry, truth) in zip(self.results, guesses, self.asks):
            at = index_text(entry, self.step.grads[name].shape)
            report.append(tr("right ") if ok else tr("wrong "), style="bold green" if ok else "bold red")
            report.append(tr("{d}: you said {guess}, it is ", d=f"∂L/∂{name}{at}", guess=f"{guess:g}"))
            report.append(num(truth, self.precision), style=GRAD_STYLE)
            report.append("\n")
        report.append(tr("enter: on to the step"), style="bold")
        return report

    def key_enter(self) -> None:
        if self.results is not None:
            self.dismiss(self.results)

    def action_give_up(self) -> None:
        self.dismiss(self.results if self.results is not None else [False] * len(self.asks))

    def _say(self, message: Text) -> None:
        self.query_one("#quiz-result", Static).update(message)
