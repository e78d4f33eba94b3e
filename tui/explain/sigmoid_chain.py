"""The sigmoid built from four nodes (5.5.2, figures 5-19 to 5-22): ×(−1),
exp, +1 and "/". Each of their backward steps carries the book's derivation
one node further, with numbers: −∂L/∂y × y², then × exp(−x), until
∂L/∂y × y² × exp(−x) = ∂L/∂y × y(1 − y) (⊙ for arrays). At the end of the chain, and not before,
it is compared with a fused Sigmoid layer on the same input, if there is one.
The nodes are Mul, Exp, Add and Reciprocal layers that know nothing of it:
``step_sections`` asks ``chain_sections`` of every backward step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from backprop_engine import Step
from backprop_engine.scenario import LayerSpec

from ..format import d, num
from .base import equals
from .sections import BOLD, DIM, GRAD, Line, line

NODE_TYPES = ("Mul", "Exp", "Add", "Reciprocal")


class Chain(NamedTuple):
    mul: LayerSpec   # a = x × (−1)
    exp: LayerSpec   # b = exp(a)
    add: LayerSpec   # c = b + 1
    rec: LayerSpec   # y = 1 / c
    x: str


def _other(layer: LayerSpec, name: str) -> str | None:
    """The input of a two-input layer that is not ``name``."""
    rest = [n for n in layer.inputs if n != name]
    return rest[0] if len(rest) == 1 else None


def find_chain(layer: LayerSpec, layers: tuple[LayerSpec, ...], values) -> Chain | None:
    """The four-node sigmoid that ``layer`` is a node of, if it is one."""
    made_by = {l.output: l for l in layers}
    for rec in (l for l in layers if l.type == "Reciprocal"):
        add = made_by.get(rec.inputs[0])
        if add is None or add.type != "Add":
            continue
        for b in add.inputs:
            exp, one = made_by.get(b), _other(add, b)
            if exp is None or exp.type != "Exp" or one is None or not np.all(values[one] == 1):
                continue
            mul = made_by.get(exp.inputs[0])
            if mul is None or mul.type != "Mul":
                continue
            x = next((n for n in mul.inputs if (m := _other(mul, n)) is not None and np.all(values[m] == -1)), None)
            if x is not None and layer in (mul, exp, add, rec):
                return Chain(mul, exp, add, rec, x)
    return None


def chain_line(step: Step, chain: Chain, tr, precision: int | None) -> Line:
    """This node's part of the derivation, with numbers where the values are scalars."""
    y, x = chain.rec.output, chain.x
    vals, grads = step.values, step.grads
    Y, X, dY = vals[y], vals[x], grads.get(y)
    dy, n = d(y), lambda v: num(v, precision)  # noqa: E731
    scalar = dY is not None and np.ndim(Y) == 0 and np.ndim(dY) == 0
    layer, times = step.layer, "×" if scalar else "⊙"
    if layer is chain.rec or layer is chain.add:
        name = chain.rec.inputs[0] if layer is chain.rec else chain.exp.output
        expr = f"−{dy} {times} {y}²"
        numbers = lambda: (f"−{n(dY)} × {n(Y)}²", -dY * Y ** 2)  # noqa: E731
    elif layer is chain.exp:
        name = chain.mul.output
        expr = f"−{dy} {times} {y}² {times} exp(−{x})"
        numbers = lambda: (f"−{n(dY)} × {n(Y)}² × {n(np.exp(-X))}", -dY * Y ** 2 * np.exp(-X))  # noqa: E731
    else:
        name = x
        expr = f"{dy} {times} {y}² {times} exp(−{x}) = {dy} {times} {y}(1 − {y})"
        numbers = lambda: (f"{n(dY)} × {n(Y)} × {n(1 - Y)}", dY * Y * (1 - Y))  # noqa: E731
    runs = [(tr("the sigmoid, node by node: "), BOLD), (d(name), GRAD), f" = {expr}"]
    if scalar:
        shown, product = numbers()
        runs += [f" = {shown}", *equals(product, grads[name], tr, precision)]
    return line(*runs)


def fused_comparison(fused: LayerSpec, chain: Chain, step: Step, tr, precision: int | None) -> Line:
    """The fused layer's local derivative y(1 − y) beside the four nodes' y² × exp(−x)."""
    y_f = step.values[fused.output]
    y_c, x_c = step.values[chain.rec.output], step.values[chain.x]
    f, c = y_f * (1.0 - y_f), y_c ** 2 * np.exp(-x_c)
    diff = float(np.max(np.abs(f - c)))
    show = lambda v: num(v, precision) if np.ndim(v) == 0 else tr("an array")  # noqa: E731
    return line((tr("fused vs decomposed: "), BOLD),
                tr("y(1 − y) = {a} in {fused}; y² × exp(−x) = {b} through the four nodes; max difference {diff}",
                   a=show(f), fused=fused.name, b=show(c), diff=f"{diff:.3g}"),
                (tr(" (they agree to the last bits)") if diff < 1e-12 else "", DIM))


def fused_partner(chain: Chain, layers: tuple[LayerSpec, ...], values) -> LayerSpec | None:
    """A fused Sigmoid layer on the same input value as the chain."""
    return next((l for l in layers if l.type == "Sigmoid"
                 and np.shape(values[l.inputs[0]]) == np.shape(values[chain.x])
                 and np.array_equal(values[l.inputs[0]], values[chain.x])), None)


def chain_sections(step: Step, layers: tuple[LayerSpec, ...], tr, precision: int | None) -> list[Line]:
    """A backward step's part of the derivation if its layer is a node of a
    decomposed sigmoid (and, at the chain's end, the comparison with a fused
    Sigmoid on the same input); nothing for any other step."""
    if step.layer.type not in NODE_TYPES:
        return []
    chain = find_chain(step.layer, layers, step.values)
    if chain is None:
        return []
    lines = [chain_line(step, chain, tr, precision)]
    fused = fused_partner(chain, layers, step.values)
    # backward runs the layers in reverse: the fused layer has run if it comes later in the file
    if step.layer is chain.mul and fused is not None and fused.index > chain.mul.index:
        lines.append(fused_comparison(fused, chain, step, tr, precision))
    return lines
