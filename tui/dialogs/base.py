"""What every dialog shares: a box in the middle of the screen, and in a
short terminal (under 20 rows) no blank rows inside it, so the dialog stays
on screen. A dialog composes its content in ``self.box(id=...)``; its own
sizes go in its DEFAULT_CSS, by that id."""

from __future__ import annotations

from typing import TypeVar

from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from ..i18n import Catalog

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }
    Dialog > .dialog-box {
        width: auto;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    Dialog.-short > .dialog-box {
        padding: 0 1;
        max-height: 100%;
    }
    """

    @property
    def tr(self) -> Catalog:
        return self.app.catalog

    def box(self, id: str, scroll: bool = False) -> Vertical:
        """The dialog's box; ``scroll``: it scrolls when the terminal is too short for it."""
        return (VerticalScroll if scroll else Vertical)(id=id, classes="dialog-box")
