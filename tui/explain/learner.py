"""--layers: what a step says of the learner's layer beside the built-in one.

It agrees (one green line), with a warning where it wrote into an array it
was handed, and why that matters; or it differs: the first differing entry,
the likely cause, and both arrays side by side with the differing entries
marked; or their code failed: the error and where in their file.
"""

from __future__ import annotations

from backprop_engine.learner.beside import layer_checks, worst

from .sections import BAD, BOLD, DIM, GOOD, WARN, Arrays, Beside, Run, Section, line

WHY = {  # why a write into a handed array matters, by what was written into
    "dout": ("dout is the upstream gradient. In the book's TwoLayerNet this is harmless, because each "
             "Affine.backward returns a new array; but where a value feeds several layers the other branches "
             "still need dout, and a kept history (this tool keeps every step) would change under you. Make a "
             "new array instead (dx = dout.copy(); dx[self.mask] = 0). The engine kept its own copy, so its "
             "numbers are intact."),
}


def verdict_run(checks, tr) -> Run:
    """A layer's verdict over its steps' checks, as a run of text: "agrees";
    "⚠ dx agrees; writes into dout" (a warning); "differs" or "fails"."""
    verdict = worst(checks)
    if verdict != "writes in place":
        return tr(verdict), GOOD if verdict == "agrees" else BAD
    check = next(c for c in checks if c.warned)
    text = ("{outputs} agrees; writes into {names}" if len(check.outputs) == 1 else
            "{outputs} agree; writes into {names}")
    return "⚠ " + tr(text, outputs=", ".join(check.outputs), names=", ".join(check.changed)), WARN


def _written(check, what: str, tr) -> list[Section]:
    """A warning per array the call wrote into, and why that matters."""
    return [section for name in check.changed for section in (
        line(("⚠ " + tr("{what} wrote into {name}, an array it was handed", what=what, name=name), WARN)),
        line(tr(WHY[name]) if name in WHY else tr(WHY_INPUT, name=name), indent=1))]
WHY_INPUT = ("{name} is this layer's input: the layer before it, and the backward pass, still read it. "
             "Make a new array instead. The engine kept its own copy, so its numbers are intact.")


def learner_sections(check, tr, precision: int | None) -> list[Section]:
    """The sections of a step's ``StepCheck`` (backprop_engine.learner.beside)."""
    what = tr("your {cls}.{method}", cls=check.cls, method=check.phase)
    printed = [line((tr("your code printed: {text}", text=check.printed.strip()[:300]), DIM))] * bool(
        check.printed.strip())
    if check.ok:
        return [line(("✓ " + tr("{what} agrees with the built-in layer (rtol 1e-9, atol 1e-12)", what=what), GOOD)),
                *_written(check, what, tr), *printed]
    out: list[Section] = []
    if check.probed:
        out.append(line((tr("The dout that reached this layer is 0 (from a layer after it), and 0 × anything is "
                            "right, so the step also tried dout = 1:"), DIM)))
    if check.error:
        out.append(line(("✗ " + tr("{what} failed: {error}", what=what, error=check.error), BAD)))
        out += [line((f"{file}, line {number}, in {function}: {code}", DIM), indent=1)
                for file, number, function, code in check.frames]
        out.append(line((tr("The run goes on with the built-in layer's numbers for this step."), DIM)))
    for d in check.differences:
        out.append(line(("✗ " + tr("{what} differs: {first}", what=what, first=d.line()), BAD)))
        if d.cause:
            out.append(line(tr("likely cause: {cause}", cause=d.cause), indent=1))
        if d.differs is not None:
            n = int(d.differs.sum())
            mine = tr("yours (1 entry differs, marked)") if n == 1 else tr("yours ({n} entries differ, marked)", n=n)
            out.append(Beside((Arrays(mine, ((d.name, d.yours),),
                                      highlight=d.differs),
                               Arrays(tr("expected (the built-in layer)"), ((d.name, d.expected),)))))
    if check.replaced:
        out.append(line((tr("{names}: of a shape the run cannot use, so it goes on with the built-in layer's.",
                            names=", ".join(check.replaced)), DIM)))
    elif check.differences:
        out.append(line((tr("The run goes on with your numbers, so the later layers show the consequences."), DIM)))
    return out + _written(check, what, tr) + printed


def summary_sections(scenario, steps, tr) -> list[Section]:
    """Each layer that ran the learner's class, with its verdict and, where
    it is not "agrees", what went wrong first (the end of a --layers run)."""
    rows = layer_checks(scenario, steps)
    if not rows:
        return []
    out: list[Section] = [line((tr("Your layers beside the built-in ones:"), BOLD))]
    for spec, checks in rows:
        cls = next(iter(checks.values())).cls
        first = next((f" · {tr(phase)}: {' '.join(problem_lines(c, tr)[:1 + c.probed])}"
                      for phase, c in checks.items() if not c.ok), "")
        out.append(line(f"{spec.name} ({cls}): ", verdict_run(list(checks.values()), tr), (first, DIM), indent=1))
    return out


def problem_lines(check, tr) -> list[str]:
    """What went wrong in one step, a line each: the error and where, each
    differing output with its likely cause, each array written into."""
    out = [tr("with dout = 1 (the run's dout here is 0, which hides any mistake):")] if check.probed else []
    if check.error:
        out.append(tr("failed: {error}", error=check.error))
        out += [f"  {file}, line {number}, in {function}: {code}" for file, number, function, code in check.frames]
    for d in check.differences:
        out.append(d.line() + (f"; {tr('likely cause: {cause}', cause=d.cause)}" if d.cause else ""))
    if check.changed:
        out.append(tr("wrote into {names}, an array it was handed", names=", ".join(check.changed)))
    return out
