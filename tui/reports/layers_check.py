"""--check --layers: a verdict per layer of the learner's own classes, each
checked beside the built-in layer on every step (contract section 2)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from backprop_engine import Scenario, run
from backprop_engine.learner.beside import FAILING, layer_checks, worst

from ..explain.learner import problem_lines, verdict_run
from ..views.rich import STYLES


def check_layers(scenario: Scenario, learner, tr, precision: int | None) -> int:
    """A table per layer that runs the learner's class (each step's verdict,
    the first difference, the likely cause), the layers left built-in, and
    the verdict: exit 1 when any layer differs or fails (one that agrees but
    writes into an array it was handed is warned, not failed)."""
    rows = layer_checks(scenario, run(scenario).steps())
    if not rows:
        sys.stderr.write(f"error: {learner.path}: " + tr("no layer of this scenario is of a type your file "
                                                          "has a class for: nothing to check") + "\n")
        return 2
    out = Console(highlight=False)
    out.print(Text(tr("Your layers from {file} beside the built-in ones (rtol 1e-9, atol 1e-12)",
                      file=Path(learner.path).name), style="bold"))
    for spec, checks in rows:
        cls = next(iter(checks.values())).cls
        text, role = verdict_run(list(checks.values()), tr)
        out.print(Text.assemble((f"{spec.name} · {tr('your {cls}', cls=cls)}: ", "bold"), (text, STYLES[role])))
        t = Table()
        t.add_column(tr("step"))
        t.add_column(tr("result"))
        t.add_column(tr("what"), overflow="fold")
        for phase, check in checks.items():
            result = (Text(tr(check.verdict), "red") if not check.ok else
                      Text("⚠ " + tr("agrees"), "yellow") if check.warned else Text(tr("agrees"), "green"))
            t.add_row(tr(phase), result,
                      Text("\n".join(problem_lines(check, tr)) or "-"))  # their text: never markup
        out.print(t)
    mine = {spec.name for spec, _ in rows}
    builtin = [spec.name for spec in scenario.layers if spec.name not in mine]
    if builtin:
        out.print(Text(tr("built-in (no class of its type in the file): {names}", names=", ".join(builtin)), "dim"))
    failed = [spec.name for spec, checks in rows if worst(checks.values()) in FAILING]
    warned = [spec.name for spec, checks in rows if worst(checks.values()) == "writes in place"]
    out.print(Text(tr("FAILED: {names}", names=", ".join(failed)), "bold red") if failed else
              Text(tr("every layer agrees ({n})", n=len(rows)), "green"))
    if warned:
        out.print(Text("⚠ " + tr("{names}: wrote into an array it was handed (above): a warning, not a failure",
                                 names=", ".join(warned)), "yellow"))
    return 1 if failed else 0
