"""The step screen: walk a scenario one layer at a time, forward then backward.

``screen.py`` holds the screen; ``base.py`` what its parts share; each other
module one concern of its keys (the graph pane, understanding a step,
practice, a data batch's samples) or of what it shows (the status line).
"""

from .screen import PREFETCH_DELAY, StepScreen

__all__ = ["PREFETCH_DELAY", "StepScreen"]
