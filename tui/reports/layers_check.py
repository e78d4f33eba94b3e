"""--check --layers: a verdict per layer of the learner's own classes, each
checked beside the built-in layer on every step (contract section 2)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from backprop_engine import Scenario, run
from backprop_engine.learner.beside import layer_checks, worst

from ..explain.learner import problem_lines


def check_layers(scenario: Scenario, learner, tr, precision: int | None) -> int:
    """A table per layer that runs the learner's class (each step's verdict,
    the first difference, the likely cause), the layers left built-in, and
    the verdict: exit 1 when any layer differs, writes in place or fails."""
    rows = layer_checks(scenario, run(scenario).steps())
    if not rows:
        sys.stderr.write(f"error: {learner.path}: " + tr("no layer of this scenario is of a type your file "
                                                          "has a class for: nothing to check") + "\n")
        return 2
    out = Console(highlight=False)
    out.print(Text(tr("Your layers from {file} beside the built-in ones (rtol 1e-9, atol 1e-12)",
                      file=Path(learner.path).name), style="bold"))
    for spec, checks in rows:
        verdict = worst(checks.values())
        cls = next(iter(checks.values())).cls
        out.print(Text.assemble((f"{spec.name} · {tr('your {cls}', cls=cls)}: ", "bold"),
                                (tr(verdict), "bold green" if verdict == "agrees" else "bold red")))
        t = Table()
        t.add_column(tr("step"))
        t.add_column(tr("result"))
        t.add_column(tr("what"), overflow="fold")
        for phase, check in checks.items():
            t.add_row(tr(phase), Text(tr(check.verdict), "green" if check.ok else "red"),
                      Text("\n".join(problem_lines(check, tr)) or "-"))  # their text: never markup
        out.print(t)
    mine = {spec.name for spec, _ in rows}
    builtin = [spec.name for spec in scenario.layers if spec.name not in mine]
    if builtin:
        out.print(Text(tr("built-in (no class of its type in the file): {names}", names=", ".join(builtin)), "dim"))
    failed = [spec.name for spec, checks in rows if worst(checks.values()) != "agrees"]
    out.print(Text(tr("FAILED: {names}", names=", ".join(failed)), "bold red") if failed else
              Text(tr("every layer agrees ({n})", n=len(rows)), "green"))
    return 1 if failed else 0
