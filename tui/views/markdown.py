"""Sections as Markdown, the back end beside ``rich.py``: lines as paragraphs
or list items, arrays as tables with the highlighted cells in bold. Arrays
are elided like the app's grids, so an mnist_size export stays readable.
The whole run as Markdown (--markdown, the export) is ``tui/reports/markdown.py``.
"""

from __future__ import annotations

import numpy as np

from ..explain.sections import Arrays, Line, Section
from ..format import shape_str
from .rich import cell_text, elided


def _cell(v, precision, strong: bool = False) -> str:
    s = cell_text(v, precision)
    return f"**{s}**" if strong else s


def md_array(a, precision: int | None, highlight=None) -> str:
    """A scalar inline; an array as a Markdown table (bold: highlighted cells)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return f"`{_cell(a[()], precision)}`"
    cols, rows = elided(a, highlight)
    lines = ["| " + " | ".join("…" if j is None else str(j) for j in cols) + " |",
             "|" + "---:|" * len(cols)]
    for row in rows:
        lines.append("| " + " | ".join(c if isinstance(c, str) else _cell(c[0], precision, c[1])
                                      for c in row) + " |")
    return "\n".join(lines)


def _named(label: str, a, tr, precision, highlight=None) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return f"- {label} = {md_array(a, precision)}"
    return (f"- {label}, {tr('shape {shape}', shape=shape_str(a.shape, tr))}:\n\n"
            f"{md_array(a, precision, highlight)}\n")


def md_sections(sections: list[Section], tr, precision: int | None) -> str:
    """Lines under a heading as a list, other lines as paragraphs, tables
    under their title in bold; blocks apart by one blank line."""
    blocks: list[str] = []
    items: list[str] = []  # list items waiting for the end of their list
    for s in sections:
        if isinstance(s, Line) and s.indent:
            items.append(f"- {s.plain}")
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        if isinstance(s, Line):
            blocks.append(s.plain)
            continue
        for arrays in (s,) if isinstance(s, Arrays) else s.parts:
            rows = [_named(label, a, tr, precision, arrays.highlight).strip() for label, a in arrays.rows]
            sep = "\n" if all(np.ndim(a) == 0 for _label, a in arrays.rows) else "\n\n"  # a table ends a list
            blocks.append(f"**{arrays.title}**\n\n" + sep.join(rows))
    return "\n\n".join(blocks + ["\n".join(items)] * bool(items))

