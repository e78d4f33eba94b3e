"""The step screen's keys for understanding a step: the gradient check (c),
nudge and predict (u) and the quiz (z). A part of ``StepScreen``: its keys
are listed in ``KEYS``, each beside its action."""

from __future__ import annotations

from textual.binding import Binding

from backprop_engine import BACKWARD
from backprop_engine.quiz import quiz_entries

from ...dialogs.quiz import QuizDialog
from .base import StepBase


class UnderstandingKeys(StepBase):
    KEYS = [
        Binding("c", "gradcheck", "Check",
                tooltip="gradient check: backprop beside the numerical gradient (+ and - change h)"),
        Binding("u", "nudge", "Nudge", tooltip="nudge a value by ε: the change the gradient predicts beside the real one"),
        Binding("z", "toggle_quiz", "Quiz", tooltip="quiz: before each backward step, predict its gradients; scored"),
    ]

    def action_gradcheck(self) -> None:
        from ...dialogs.gradcheck import GradCheckDialog  # (at first use: the start does without the gradient check)
        self.app.push_screen(GradCheckDialog(self.engine))

    def action_nudge(self) -> None:
        from ...dialogs.nudge import NudgeDialog  # (at first use: the start does without the gradient check)
        self.app.push_screen(NudgeDialog(self.engine))

    def action_toggle_quiz(self) -> None:
        self.quiz = not self.quiz
        self.answers = {}
        self.refresh_view()

    def asks_first(self) -> bool:
        """Whether the quiz asks for the next step's gradients before it is shown
        (a backward step not answered yet, with gradients to ask for): the
        dialog is then open, and its answer moves on."""
        e = self.engine
        if not (self.quiz and e.phase == BACKWARD and e.position not in self.answers):
            return False
        step = e.next()  # computed now, shown only once the learner has answered
        e.back()
        if not quiz_entries(step):
            return False
        self.app.push_screen(QuizDialog(step, self.precision), self._answered)
        return True

    def _answered(self, results: list[bool]) -> None:
        self.answers[self.engine.position] = results
        self.move(self.engine.next)
        if self.engine.at_end:
            right, asked = self.score()
            self.notify(self.tr("{right} of {asked} gradients right.", right=right, asked=asked),
                        title=self.tr("Quiz"), timeout=15)

    def score(self) -> tuple[int, int]:
        """Quiz: the gradients answered right, and those asked."""
        return sum(sum(r) for r in self.answers.values()), sum(len(r) for r in self.answers.values())
