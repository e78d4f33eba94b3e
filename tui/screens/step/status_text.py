"""The step screen's status line: title, phase, step k/n, marks, and the next key's hint."""

from __future__ import annotations

from rich.text import Text

from backprop_engine import Engine


def status_text(engine: Engine, marks: list[str], tr, width: int) -> Text:
    """Made for ``width``: the title gives way first (at most 40 cells, and no
    more than leaves room for the phase, the step and the marks: an unsaved
    edit must show); then the hint for the next key is cut, with an ellipsis."""
    e = engine
    phase = e.current.phase if e.current else "start"
    if e.at_end:
        phase, nxt = "done", tr("p steps back, home starts over")
    else:
        kind, spec = e.plan[e.position]
        nxt = tr("n: {phase} through {layer}", phase=tr(kind), layer=spec.name)
    where = Text.assemble("  │  ", (tr(phase), "bold cyan"), "  │  ", tr("step {k}/{n}", k=e.position, n=len(e)),
                          *[("  " + m, "yellow") for m in marks])
    title = Text(tr.own(e.scenario.title), style="bold")
    title.truncate(max(8, min(40, width - where.cell_len)), overflow="ellipsis")
    hint = Text(nxt, style="dim")
    room = width - title.cell_len - where.cell_len - 5  # 5: "  │  "
    if room < 4:
        return Text.assemble(title, where)
    hint.truncate(room, overflow="ellipsis")
    return Text.assemble(title, where, "  │  ", hint)
