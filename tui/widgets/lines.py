"""Rich renderables made into a widget's lines, once, to be handed out as they are."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def render_strips(console: Console, content: RenderableType, width: int, style: Style) -> list[Strip]:
    """``content``'s lines at ``width`` cells, over ``style`` (the widget's
    colours), as the screen shows them: one piece per look."""
    options = console.options.update_width(width).update(highlight=False)
    lines = Segment.split_and_crop_lines(console.render(content, options), width, include_new_lines=False)
    return [Strip(line, width).apply_style(style).simplify() for line in lines]
