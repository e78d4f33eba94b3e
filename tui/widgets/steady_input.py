"""An input whose cursor does not blink."""

from textual.widgets import Input


class SteadyInput(Input):
    """Calmer to read, and snapshots stay still."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
