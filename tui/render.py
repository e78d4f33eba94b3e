"""Rich renderables for steps and values, shared by ``--print`` and the app.

Only presentation lives here: every number comes from the engine's records.
Large arrays are elided like numpy's printing (first and last rows and
columns around an ellipsis), so a 100×784 batch costs no more to show than a
2×2 one.
"""

from __future__ import annotations

import numpy as np
from rich import box
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from backprop_engine import BACKWARD, Engine, Step
from backprop_engine.layers import sigmoid_decomposed_backward

from .i18n import _, layer_name

GRAD = "bold magenta"      # every gradient, everywhere
VALUE = "cyan"             # forward values
MASKED = "bold black on yellow"   # Relu entries whose gradient dies
DIM = "dim"
EDGE = 3                   # entries kept at each end of an elided axis
FULL = None                # precision for "full": the shortest repr that round-trips


def num(v: float, precision: int | None) -> str:
    """One number at ``precision`` significant digits (220.00000000000003 -> 220)."""
    v = float(v)
    if precision is FULL or not np.isfinite(v):
        return repr(v)
    s = f"{v:.{precision}g}".replace("e-0", "e-").replace("e+0", "e+")  # 1e-5, not 1e-05
    return "0" if s == "-0" else s


def shape_str(shape: tuple) -> str:
    return _("scalar") if shape == () else "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def short(a, precision: int | None) -> str:
    """A scalar's number, or an array's shape: what fits on an arrow or a line."""
    a = np.asarray(a)
    return num(a, precision) if a.ndim == 0 else shape_str(a.shape)


def keep(n: int, edge: int = EDGE) -> list[int | None]:
    """Indices to show along an axis of length n; None marks the ellipsis."""
    if n <= 2 * edge + 1:
        return list(range(n))
    return [*range(edge), None, *range(n - edge, n)]


def array_text(a, precision: int | None, style: str = "") -> Text:
    """A compact one-or-more-line text of an array, elided when large."""
    a = np.asarray(a)
    if a.ndim == 0:
        return Text(num(a, precision) if a.dtype != bool else str(bool(a)), style=style)
    fmt = {"float_kind": lambda v: num(v, precision), "bool": lambda v: "T" if v else "F"}
    s = np.array2string(a, formatter=fmt, threshold=2 * EDGE * EDGE, edgeitems=EDGE,
                        max_line_width=60)
    return Text(s, style=style)


def elided(a, highlight=None) -> tuple[list[int | None], list[list]]:
    """The cells of an array shown as a table (1-D: one row; more axes: one row
    per first index), numpy-style elided: the column indices kept (None: the
    ellipsis column) and the rows of cells, each (value, highlighted) or a
    marker string, "⋮" or "…", where rows or columns are left out."""
    a = np.asarray(a)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], -1)
    h2 = None if highlight is None else np.asarray(highlight).reshape(a2.shape)
    cols = keep(a2.shape[1], EDGE - 1)  # columns cost more width than rows
    return cols, [["⋮" if i is None else "…" if j is None else
                   (a2[i, j], h2 is not None and bool(h2[i, j])) for j in cols]
                  for i in keep(a2.shape[0])]


def cell_text(value, precision: int | None) -> str:
    return str(bool(value)) if isinstance(value, (bool, np.bool_)) else num(value, precision)


def grid(a, precision: int | None, style: str = "", highlight=None) -> Text:
    """An array as right-aligned columns (2-D; 1-D as one row), elided when
    large. ``highlight``: a bool array of a's shape whose True cells get
    MASKED. One Text, not a nested Table: it is measured and drawn quickly."""
    a = np.asarray(a)
    if a.ndim == 0 or a.ndim > 2:
        return array_text(a, precision, style)
    cols, rows = elided(a, highlight)
    cells = [[(c, DIM) if isinstance(c, str) else
              (cell_text(c[0], precision), MASKED if c[1] else style) for c in row] for row in rows]
    widths = [max(len(row[k][0]) for row in cells) for k in range(len(cols))]
    text = Text(no_wrap=True, overflow="ignore")
    for r, row in enumerate(cells):
        if r:
            text.append("\n")
        for k, (cell, cell_style) in enumerate(row):
            # the gap takes the grid's style (a coloured space looks like any
            # other), so that a row of numbers is one run of text, drawn with
            # one colour code rather than one per number
            text.append("  " if k else "", style)
            text.append(" " * (widths[k] - len(cell)) + cell, cell_style)
    return text


def _kv_table(title: str, rows, precision, style: str, highlight=None) -> RenderableType:
    """(label, array) rows under a title. Scalars as a table of name, shape,
    value; arrays each as a heading line with the grid of numbers beneath,
    which leaves the numbers the whole width."""
    rows = list(rows)
    heading = Text(title, style="bold")
    if all(np.ndim(a) == 0 for _label, a in rows):
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column(_("name"))
        t.add_column(_("shape"), style=DIM)
        t.add_column(_("value"))
        for label, a in rows:
            t.add_row(label, _("scalar"), grid(a, precision, style))
        return Group(heading, t)
    parts: list[RenderableType] = [heading]
    for label, a in rows:
        parts.append(Text.assemble("  ", label, "  ", (shape_str(np.shape(a)), DIM)))
        parts.append(Padding(grid(a, precision, style, highlight), (0, 0, 0, 2)))
    return Group(*parts)


def affine_shapes(step: Step) -> str:
    """The shapes of the forward product, as the book writes them beside 5.6.2."""
    x, W, b = (shape_str(s.shape) for s in step.inputs)
    x2d = step.saved["x2d"].shape
    flat = f" (x reshaped to {shape_str(x2d)})" if x2d != step.inputs[0].shape else ""
    return f"{shape_str(x2d)}·{W} + {b} → {shape_str(step.output.shape)}{flat}"


def role_label(name: str, role: str) -> str:
    """"apple (x)": a value's name with its role in the layer, unless they are the same."""
    return name if name == role else f"{name} ({role})"


def paragraphs(text: str) -> str:
    """Rejoin the lines of each paragraph, so the reader's width wraps them."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def _d(name: str) -> str:
    return f"∂L/∂{name}"


def chain_lines(step: Step, precision: int | None) -> list[Text]:
    """The chain rule for each input, with this step's numbers (scalars) or
    shapes (arrays): ∂L/∂tax = ∂L/∂price · ∂price/∂tax = 1 × 200 = 200."""
    spec, op, out = step.layer, step.layer.op, step.layer.output
    dout = step.dout
    lines = []
    if spec.type == "Affine":  # 5.6.2: the products, with their shapes
        (x, W, b), s = spec.inputs, shape_str
        xs, ws, bs = (a.shape for a in step.inputs)
        dy = f"{_d(out)} {s(dout.shape)}"
        lines = [Text.assemble((f"{_d(x)} {s(xs)}", GRAD), f" = {dy} · {W}ᵀ {s(ws[::-1])}"),
                 Text.assemble((f"{_d(W)} {s(ws)}", GRAD),
                               f" = {x}ᵀ {s(step.saved['x2d'].shape[::-1])} · {dy}"),
                 Text.assemble((f"{_d(b)} {s(bs)}", GRAD), f" = {_('Σ over the batch rows of')} {dy}")]
        return [line for line, g in zip(lines, step.input_grads) if g is not None]  # not for constants
    if spec.type == "SoftmaxWithLoss":
        x, t = spec.inputs
        n = step.saved["N"]
        return [Text.assemble((f"{_d(x)} {shape_str(step.inputs[0].shape)}", GRAD),
                              f" = (softmax({x}) − {t}) / N · {_d(out)}"
                              f" = (y − t) / {n} × {num(dout, precision)}")]
    local = op.local(step.saved)
    for k, (name, g) in enumerate(zip(spec.inputs, step.input_grads)):
        if g is None:
            continue
        head = Text.assemble((_d(name) + (_(" (this branch's part)") if step.is_part(name) else ""), GRAD),
                             f" = {_d(out)} · ∂{out}/∂{name}")
        l = np.asarray(local[k])
        if dout.ndim == 0 and l.ndim == 0 and g.ndim == 0:
            head.append(f" = {num(dout, precision)} × {num(l, precision)} = ")
            head.append(num(g, precision), style=GRAD)
        else:
            head.append(f"   ({shape_str(dout.shape)} ⊙ {_(op.local_formulas[k])}")
            head.append(f", {_('summed back to {shape}', shape=shape_str(g.shape))})"
                        if g.shape != dout.shape else ")")
        lines.append(head)
    return lines


def fan_in_lines(step: Step, precision: int | None) -> list[Text]:
    """For a value used by several layers (or twice by this one): what arrived
    before, what this step adds, the running sum, and whether more is to come."""
    lines = []
    inputs = step.layer.inputs
    for name in dict.fromkeys(inputs):  # each name once, in order
        parts = [g for n, g in zip(inputs, step.input_grads) if n == name and g is not None]
        before = step.grads_before.get(name)
        if not parts or (before is None and len(parts) == 1 and name not in step.partial):
            continue  # a single contribution: nothing to add up
        more = _(" (partial: more branches to come)") if name in step.partial else _(" (complete)")
        total = step.grads[name]
        if before is None and len(parts) == 1:
            lines.append(Text.assemble((_("fan-out: "), "bold"),
                                       _("{d} gets its first part here", d=_d(name)), (more, DIM)))
        elif all(g.ndim == 0 for g in parts):
            line = Text.assemble((_("fan-out: "), "bold"), f"{_d(name)} = ")
            if before is not None:
                line.append_text(Text.assemble((num(before, precision), GRAD), _(" (so far) + ")))
            for k, g in enumerate(parts):
                line.append_text(Text.assemble(" + " if k else "", (num(g, precision), GRAD)))
            this = _(" (this branch) = ") if len(parts) == 1 else _(" (this layer, one part per use) = ")
            line.append_text(Text.assemble(this, (num(total, precision), GRAD), (more, DIM)))
            lines.append(line)
        else:
            lines.append(Text.assemble((_("fan-out: "), "bold"), _(
                "{d} = the sum so far + this branch's part {shape}", d=_d(name),
                shape=shape_str(parts[0].shape)), (more, DIM)))
    return lines


def fused_vs_decomposed(step: Step) -> Text | None:
    """The fused Sigmoid's gradient beside the four-node chain's (5.5.2);
    None when x is a constant and gets no gradient."""
    fused = step.input_grads[0]
    if fused is None:
        return None
    chain = sigmoid_decomposed_backward(step.inputs[0], step.dout)
    diff = float(np.max(np.abs(fused - chain)))
    return Text.assemble(
        (_("fused vs decomposed: "), "bold"), "dout·y·(1 − y) = ", (array_text(fused, FULL).plain, GRAD),
        _("; through ×(−1), exp, +1, 1/x = "), (array_text(chain, FULL).plain, GRAD),
        _("; max difference {diff}", diff=f"{diff:.3g}"),
        (_(" (they agree to the last bits)") if diff < 1e-12 else "", DIM))


def step_title(step: Step, total: int) -> str:
    return _("Step {k}/{n} · {phase} · {name} ({type})", k=step.index + 1, n=total, phase=_(step.phase),
             name=step.layer.name, type=layer_name(step.layer.type))


def step_view(step: Step, precision: int | None) -> RenderableType:
    """What one step did, as Rich tables."""
    spec, op = step.layer, step.layer.op
    roles = [role_label(n, r) for r, n in zip(op.inputs, spec.inputs)]
    parts: list[RenderableType] = []
    if step.phase != BACKWARD:
        parts.append(_kv_table(_("inputs"), zip(roles, step.inputs), precision, VALUE))
        parts.append(_kv_table(_("output"), [(spec.output, step.output)], precision, VALUE))
        if spec.type == "Affine":
            parts.append(Text(_("shapes: ") + affine_shapes(step)))
        if step.mask is not None:
            parts.append(_kv_table(_("mask = (x <= 0), kept for backward; highlighted: True"),
                                   [("mask", step.mask)], precision, "", step.mask))
        return Group(*parts)
    if step.dout is None:
        return Text(_("No gradient reaches {output}: it does not lead to the final output, so "
                      "nothing flows back through {layer}.", output=repr(spec.output), layer=spec.name),
                    style=DIM)
    parts.append(Text.assemble((_("local rule: "), DIM), _(op.rule)))
    chain = chain_lines(step, precision)
    if chain:
        parts.append(Text.assemble((_("chain rule, L = the final output:"), DIM)))
        parts.extend(Padding(line, (0, 0, 0, 2)) for line in chain)
    parts.extend(fan_in_lines(step, precision))
    if spec.type == "Sigmoid" and step.input_grads[0] is not None:
        parts.append(fused_vs_decomposed(step))
    if step.mask is not None:
        # side by side where the width allows, one above the other where not
        parts.append(Columns([
            _kv_table(_("dout (before mask)"), [(f"d{spec.output} (dout)", step.dout)], precision, GRAD,
                      step.mask),
            _kv_table(_("dx (after mask)"), [(f"d{spec.inputs[0]} (dx)", step.input_grads[0])],
                      precision, GRAD, step.mask)], padding=(0, 3)))
        parts.append(Text(_("highlighted: mask True (x <= 0), where the gradient dies"), style=DIM))
    else:
        parts.append(_kv_table(_("upstream gradient"), [(f"d{spec.output} (dout)", step.dout)], precision, GRAD))
        rows = [(role_label(f"d{n}", f"d{r}"), g)
                for r, n, g in zip(op.inputs, spec.inputs, step.input_grads) if g is not None]
        consts = [n for n, g in zip(spec.inputs, step.input_grads) if g is None]
        if rows:
            parts.append(_kv_table(_("gradients to the inputs"), rows, precision, GRAD))
        if consts:
            parts.append(Text(_("no gradient for {names}: constant", names=", ".join(consts)), style=DIM))
    return Group(*parts)


def gradcheck_table(checks, title: str | None = None, numbers: bool = True,
                    stacked: bool = False) -> RenderableType:
    """Backprop against the central difference, a row per leaf: the entries
    checked and the largest absolute difference (or, with ``numbers``, both
    gradients at the entry where they differ most, to 8 digits), and the
    largest relative difference. ``stacked``: for a narrow screen, a block
    of lines per leaf instead of one wide row."""
    cols = ["name", "shape"] + (["backprop", "numeric"] if numbers else ["entries", "max abs diff"]) + [
        "max rel error", "result"]
    rows = []
    for g in checks:
        worst = int(np.argmax(np.abs(g.analytic - g.numeric))) if len(g.entries) else 0
        where = f"[{int(g.entries[worst])}] " if g.shape != () else ""
        entries = _("{k} of {n}", k=len(g.entries), n=int(np.prod(g.shape))) if g.sampled else _("all")
        rows.append([g.name, shape_str(g.shape),
                     *([Text(where + num(g.analytic[worst], 8), style=GRAD), num(g.numeric[worst], 8)]
                       if numbers else [entries, f"{g.abs_diff:.2e}"]),
                     f"{g.rel_err:.2e}", verdict(g.ok)])
    if stacked:
        t = Table.grid(padding=(0, 1))
        t.add_column(style="dim", no_wrap=True)
        t.add_column()
        for name, shape, *middle, result in rows:
            t.add_row(Text(name, style="bold"), Text.assemble(shape, "  ", result))
            for col, cell in zip(cols[2:-1], middle):
                t.add_row("  " + _(col), cell)
        return Group(Text(title), t) if title else t
    t = Table(title=Text(title) if title else None, title_justify="left", box=box.SIMPLE_HEAD,
              show_edge=False, pad_edge=False)
    for k, col in enumerate(cols):
        # name and shape keep their width; the numbers are cut first when space is short
        t.add_column(_(col), no_wrap=True,
                     min_width=max([len(_(col))] + [len(str(r[k])) for r in rows]) if k < 2 else None)
    for row in rows:
        t.add_row(*row)
    return t


def verdict(ok: bool) -> Text:
    return Text(_("ok"), "green") if ok else Text(_("FAIL"), "bold red")


def values_table(engine: Engine, precision: int | None) -> Table:
    """Every named value with its shape, value and gradient (blank until
    computed). All scalars: value and gradient side by side. Arrays: the
    gradient's grid beneath the value's, so each gets the whole width."""
    sc = engine.scenario
    values, grads = engine.values, engine.grads
    names = list(sc.leaves) + [l.output for l in sc.layers]
    scalars = all(sc.shapes[n] == () for n in names)
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True, pad_edge=False)
    t.add_column(_("name"), no_wrap=True)
    t.add_column(_("shape"), style=DIM, no_wrap=True)
    if scalars:
        t.add_column(_("value"), ratio=1)
        t.add_column(_("gradient"), ratio=1)
    else:
        t.add_column("", style=DIM, no_wrap=True)
        t.add_column(_("value / gradient"), ratio=1)
    partial = engine.current.partial if engine.current else frozenset()
    for name in names:
        label = Text(name + (_(" (const)") if name in sc.constants else ""))
        v, g = values.get(name), grads.get(name)
        v = grid(v, precision, VALUE) if v is not None else ""
        g = grid(g, precision, GRAD) if g is not None else ""
        mark = Text(_(" partial: more to come") if name in partial else "", style="italic " + DIM)
        if scalars:
            t.add_row(label, _("scalar"), v, Group(Text.assemble(g, mark)) if g != "" else "")
        elif g == "":
            t.add_row(label, shape_str(sc.shapes[name]), _("value") if v != "" else "", v)
        else:
            t.add_row(label, shape_str(sc.shapes[name]), _("value"), v)
            t.add_row("", "", Text.assemble((_("grad"), GRAD), mark), g)
    return t
