"""The step screen's status line: title, phase, step k/n, marks, and the next key's hint."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from backprop_engine import Engine


def whole_words(text: str, room: int) -> str:
    """``text`` in ``room`` cells: whole, or up to its last whole word that
    fits, then "…" (never a word cut in two; text without spaces, as CJK
    is, is cut between characters, which are its own break points)."""
    if cell_len(text) <= room:
        return text
    cut = set_cell_size(text, max(room - 1, 0)).rstrip()
    if " " in text and text[len(cut):len(cut) + 1] not in (" ", ""):  # mid-word: back to the last space
        cut = cut.rsplit(" ", 1)[0] if " " in cut else ""
    return cut.rstrip(" :·,") + "…" if cut else ""


def status_text(engine: Engine, marks: list[str], tr, width: int) -> Text:
    """Made for ``width``: the title gives way first (at most 40 cells, and no
    more than leaves room for the phase, the step and the marks: an unsaved
    edit must show), cut after a whole word; then the hint for the next key
    shows whole or not at all."""
    e = engine
    phase = e.current.phase if e.current else "start"
    if e.at_end:
        phase, nxt = "done", tr("p steps back, home starts over")
    else:
        kind, spec = e.plan[e.position]
        nxt = tr("n: {phase} through {layer}", phase=tr(kind), layer=spec.name)
    where = Text.assemble("  │  ", (tr(phase), "bold cyan"), "  │  ", tr("step {k}/{n}", k=e.position, n=len(e)),
                          *[("  " + m, "yellow") for m in marks])
    own = tr.own(e.scenario.title)
    room = width - where.cell_len - 5 - cell_len(nxt)  # 5: "  │  "; what the title has beside the hint
    if room >= min(12, cell_len(own)):  # the title gives way to the hint, down to a word or two
        return Text.assemble((whole_words(own, min(40, room)), "bold"), where, "  │  ", (nxt, "dim"))
    return Text.assemble((whole_words(own, max(8, min(40, width - where.cell_len))), "bold"), where)
