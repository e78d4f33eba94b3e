"""The step screen's keys for a data batch: move between its samples (, and .).
A part of ``StepScreen``: its keys are listed in ``KEYS``, each beside its action."""

from __future__ import annotations

from textual.binding import Binding

from ...views.sample import at_loss, sample_view, shows_sample
from .base import StepBase

SAMPLES = Binding.Group("previous / next sample of the batch (data scenarios: its image, label, y and y − t)")


class SampleKeys(StepBase):
    KEYS = [
        Binding("comma", "sample(-1)", "Sample −", show=False, key_display=",", group=SAMPLES),
        Binding("full_stop", "sample(1)", "Sample +", show=False, key_display=".", group=SAMPLES),
    ]

    def action_sample(self, delta: int) -> None:
        if self.engine.scenario.data is None:
            self.notify(self.tr("no [data] here: , and . move through the samples of a data set's batch "
                                "(the digits scenario has one)"), timeout=6)
            return
        rows = len(self.engine.scenario.leaves[self.engine.scenario.data.spec.x])
        self.sample = (self.sample + delta) % rows
        if not shows_sample(self.engine.scenario, self.engine.current):
            self.notify(self.tr("sample {k} of {n}: its image shows at the steps that read x, its y at the loss layer",
                                k=self.sample + 1, n=rows), timeout=4)
        self.refresh_view()

    def sample_block(self):
        """The sample's view for the step pane, or None where this step does not
        show it; y from the loss layer's step once that has run."""
        e = self.engine
        if e.scenario.data is None:
            return None
        if not shows_sample(e.scenario, e.current):
            return None
        loss = next((s for s in reversed(e.steps()[:e.position]) if at_loss(s, e.scenario)), None)
        return sample_view(e.scenario, e.current, self.sample, self.tr, self.precision, loss)
