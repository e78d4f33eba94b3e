"""What an explanation is made of, independent of how it is shown: lines of
text runs with a role each, and titled tables of arrays. The Rich view and
the Markdown writer each turn them into their own form."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Roles of a run of text: what it is, not how it looks (the views decide).
PLAIN, GRAD, VALUE, DIM, BOLD = "", "grad", "value", "dim", "bold"
GOOD, BAD = "good", "bad"  # --layers: the learner's layer agrees with the built-in one, or not
WARN = "warn"  # --layers: it agrees, but wrote into an array it was handed

Run = tuple[str, str]  # (text, role)


class Line(NamedTuple):
    """One line of text; ``indent`` 1 for a line under a heading (a list item in Markdown)."""

    runs: tuple[Run, ...]
    indent: int = 0

    @property
    def plain(self) -> str:
        return "".join(text for text, _role in self.runs)


def line(*parts: str | Run, indent: int = 0) -> Line:
    """A Line from plain strings and (text, role) pairs."""
    return Line(tuple((p, PLAIN) if isinstance(p, str) else p for p in parts), indent)


class Arrays(NamedTuple):
    """Named arrays under a title, in one role; ``highlight``, a bool array of
    the arrays' shape, marks the cells that matter (the Relu mask)."""

    title: str
    rows: tuple[tuple[str, np.ndarray], ...]
    role: str = PLAIN
    highlight: np.ndarray | None = None


class Beside(NamedTuple):
    """Tables meant to be read side by side (dout before the mask, dx after it)."""

    parts: tuple[Arrays, ...]


Section = Line | Arrays | Beside
