"""Rich renderables made into a widget's lines, once, to be handed out as they are."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def render_strips(console: Console, content: RenderableType, width: int, style: Style,
                  pad: Style | None = None) -> list[Strip]:
    """``content``'s lines at ``width`` cells, over ``style`` (the widget's
    colours), as the screen shows them: one piece per look. ``pad``: the
    style of the blank cells that fill a short line (default: ``style``)."""
    options = console.options.update_width(width).update(highlight=False)
    lines = Segment.split_and_crop_lines(console.render(content, options), width, pad=pad is None,
                                         include_new_lines=False)
    strips = (Strip(line, width if pad is None else None).apply_style(style) for line in lines)
    return [(strip if pad is None else strip.extend_cell_length(width, pad)).simplify() for strip in strips]
