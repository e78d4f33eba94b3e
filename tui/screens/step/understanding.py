"""The step screen's keys for understanding a step: the gradient check (c),
nudge and predict (u) and the quiz (z). A mixin of ``StepScreen``: its keys
are listed in ``KEYS``, each beside its action."""

from __future__ import annotations

from textual.binding import Binding


class UnderstandingKeys:
    """Needs ``engine``, ``answers``, ``quiz``, ``tr``, ``_move`` and ``refresh_view`` of the step screen."""

    KEYS = [
        Binding("c", "gradcheck", "Check",
                tooltip="gradient check: backprop beside the numerical gradient (+ and - change h)"),
        Binding("u", "nudge", "Nudge", tooltip="nudge a value by ε: the change the gradient predicts beside the real one"),
        Binding("z", "toggle_quiz", "Quiz", tooltip="quiz: before each backward step, predict its gradients; scored"),
    ]

    def action_gradcheck(self) -> None:
        from ...dialogs.gradcheck import GradCheckDialog
        self.app.push_screen(GradCheckDialog(self.engine))

    def action_nudge(self) -> None:
        from ...dialogs.nudge import NudgeDialog
        self.app.push_screen(NudgeDialog(self.engine))

    def action_toggle_quiz(self) -> None:
        self.quiz = not self.quiz
        self.answers = {}
        self.refresh_view()

    def _answered(self, results: list[bool]) -> None:
        self.answers[self.engine.position] = results
        self._move(self.engine.next)
        if self.engine.at_end:
            right, asked = self._score()
            self.notify(self.tr("Quiz done: {right} of {asked} gradients right.", right=right, asked=asked),
                        title=self.tr("Quiz"), timeout=15)

    def _score(self) -> tuple[int, int]:
        return sum(sum(r) for r in self.answers.values()), sum(len(r) for r in self.answers.values())
