"""The bar under the status line that says why a file did not load."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class ErrorBar(Static):
    """Hidden while there is nothing to say."""

    DEFAULT_CSS = """
    ErrorBar {
        display: none;
        height: auto;
        max-height: 4;
        padding: 0 1;
        background: $error 30%;
        color: $text;
    }
    ErrorBar.-shown {
        display: block;
    }
    """

    def say(self, error: str) -> None:
        self.update(Text(error, style="bold"))
        self.set_class(bool(error), "-shown")
