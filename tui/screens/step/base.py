"""What the step screen's parts share: its state, and the three things the
screen does for them. Each part (``graph_keys``, ``understanding``,
``practice``, ``sample_keys``) is a ``StepBase`` and reads nothing else of
the screen; ``screen.StepScreen`` is all of them."""

from __future__ import annotations

from collections.abc import Callable

from textual.reactive import reactive

from backprop_engine import Engine, Scenario

from ...format import FULL
from ...training_run import TrainingRun
from ..base import MainScreen


class StepBase(MainScreen):
    """The step screen as each of its parts sees it."""

    # repaint=False: the watchers update just what changed.
    position: reactive[int] = reactive(0, repaint=False)
    """Steps done in the engine's plan; drives every pane."""
    ends: reactive[tuple[bool, bool]] = reactive((True, False), repaint=False, bindings=True)
    moving: reactive[bool] = reactive(False, repaint=False, bindings=True)
    """With --layers: a move is running the learner's code in a thread (escape stops it)."""
    """At the start, at the end: Previous and Next are greyed there."""
    training: reactive[bool] = reactive(False, repaint=False, bindings=True)
    """A training worker is running: the keys that change the scenario wait."""
    full_precision: reactive[bool] = reactive(False, repaint=False)
    """Show every digit of a float (the f key) instead of --precision digits."""
    lr: reactive[float] = reactive(0.1, repaint=False)
    """The learning rate of the t key: the scenario's [train] lr, then [ and ]."""
    quiz: reactive[bool] = reactive(False, repaint=False)
    """Quiz mode: each backward step asks for its gradients before it shows them."""
    drawn: reactive[bool | None] = reactive(None, repaint=False)
    """The graph drawn as the book draws it (True) or as the list (False); None:
    drawn where it fits, the list where it does not. g chooses."""
    sample: reactive[int] = reactive(0, repaint=False)
    """With [data]: the sample of the batch the step pane shows (, and .)."""

    engine: Engine
    """The scenario shown, stepped; another one (``use``) when the scenario changes."""
    changed: bool
    """Values edited or trained since the file was read (s saves them)."""
    answers: dict[int, list[bool]]
    """Quiz: step index -> right or wrong per gradient."""
    training_run: TrainingRun
    """The training since the file was read: its history, its worker, its pause."""

    @property
    def tr(self):
        return self.app.catalog

    @property
    def precision(self) -> int | None:
        return FULL if self.full_precision else self.app.precision

    def refresh_view(self) -> None:
        """Show the engine's position in every pane and the status line."""
        raise NotImplementedError

    def move(self, move: Callable[[], object]) -> None:
        """Call ``move`` (one of the engine's moves), then show where it went."""
        raise NotImplementedError

    def use(self, scenario: Scenario, keep_position: bool) -> None:
        """Show ``scenario``, at the same step if asked (after a reload, an edit or training)."""
        raise NotImplementedError
