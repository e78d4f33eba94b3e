"""Stepping through a scenario: forward one layer at a time, then backward.

A run of n layers is a plan of 2n steps: the n layers forward in file order,
then the same layers backward in reverse. ``Engine`` walks that plan. Each step
it computes becomes a ``Step`` record that is never changed again: its arrays
are read-only and later steps make new arrays instead of writing into old
ones, so stepping back and forth shows the same numbers every time.

One layer's forward and backward are ``forward_layer`` and ``backward_layer``;
``forward`` and ``backward`` run them over every layer without records, for
training and the numerical gradient. The layer that computes a spec is
``scenario.op(spec)``; what a layer keeps in ``saved`` is its own business
(``--layers`` keeps its checks there, see learner/beside.py).
"""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType
from typing import Mapping, NamedTuple

import numpy as np

from .layers import Layer
from .scenario import LayerSpec, Scenario, frozen

FORWARD, BACKWARD = "forward", "backward"
NO_GRADS: Mapping[str, np.ndarray] = MappingProxyType({})


def sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo numpy broadcasting: sum ``grad`` back down to ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


# -- one layer ------------------------------------------------------------------

def forward_layer(op: Layer, spec: LayerSpec, values: Mapping[str, np.ndarray]) -> tuple[tuple, np.ndarray, dict]:
    """One layer forward: its inputs (from ``values``), its output and what it
    keeps for backward (the book's ``self.x``, ``self.mask`` ...)."""
    inputs = tuple(values[n] for n in spec.inputs)
    out, saved = op.forward(*inputs)
    return inputs, out, saved


def first_dout(scenario: Scenario, output: np.ndarray) -> np.ndarray:
    """The gradient backward starts from: ``[backward] dout``, in the final output's shape."""
    dout = scenario.dout
    return dout if dout.shape == output.shape else frozen(np.broadcast_to(dout, output.shape))


def backward_layer(op: Layer, spec: LayerSpec, saved: Mapping, values: Mapping[str, np.ndarray],
                   grads: dict[str, np.ndarray], constants=frozenset()) -> tuple[np.ndarray | None, ...]:
    """One layer backward from ``grads[spec.output]``: what it sends to each
    input, read-only float64 in the input's shape (broadcasting undone), or
    None (a constant, or nothing sent); each added into ``grads`` (fan-out:
    the parts add up)."""
    sent = []
    for name, g in zip(spec.inputs, op.backward(grads[spec.output], saved)):
        if g is not None and name not in constants:
            g = frozen(sum_to(np.asarray(g, dtype=np.float64), values[name].shape))
            grads[name] = frozen(grads[name] + g) if name in grads else g
        sent.append(None if name in constants else g)
    return tuple(sent) + (None,) * (len(spec.inputs) - len(sent))  # a layer that sent fewer


# -- every layer, no records (training, the numerical gradient) --------------

def forward(scenario: Scenario, values: dict[str, np.ndarray], layers: int | None = None) -> list[dict]:
    """The layers (the first ``layers`` of them) forward in file order, each
    output put into ``values``; what each layer keeps for its backward."""
    saved = []
    for spec in scenario.layers[:layers]:
        _, values[spec.output], kept = forward_layer(scenario.op(spec), spec, values)
        saved.append(kept)
    return saved


def backward(scenario: Scenario, values: Mapping[str, np.ndarray], saved: list) -> dict[str, np.ndarray]:
    """Each layer backward in reverse file order, as the book's
    ``TwoLayerNet.gradient``: the gradient of every value reached (constants get none)."""
    grads = {scenario.output: first_dout(scenario, values[scenario.output])}
    for spec, kept in zip(reversed(scenario.layers), reversed(saved)):
        if spec.output in grads:  # else the layer does not lead to the output
            backward_layer(scenario.op(spec), spec, kept, values, grads, scenario.constants)
    return grads


def loss(scenario: Scenario, output) -> float:
    """The number backward differentiates: the final output itself when it is a
    scalar, else sum(output * dout) (so its gradient is what dout starts)."""
    return float(np.sum(output * scenario.dout))


def loss_at(scenario: Scenario, leaves: Mapping[str, np.ndarray]) -> float:
    """The loss for these leaves, by the forward pass alone."""
    values = dict(leaves)
    forward(scenario, values)
    return loss(scenario, values[scenario.output])


# -- stepping -----------------------------------------------------------------

class Step(NamedTuple):
    """What one step did. Forward fields are set on both phases; the backward
    fields (``dout``, ``input_grads`` ...) only on backward steps. A record,
    immutable like a tuple."""

    index: int                      # position in the plan, 0-based
    phase: str                      # FORWARD or BACKWARD
    layer: LayerSpec
    inputs: tuple[np.ndarray, ...]  # the layer's input values, in order
    output: np.ndarray
    saved: Mapping[str, object]     # what the layer keeps for backward (the book's self.x, self.mask ...)
    values: Mapping[str, np.ndarray]  # every value known after this step
    grads: Mapping[str, np.ndarray]   # every gradient known after this step (fan-out sums so far)
    dout: np.ndarray | None = None    # backward: the upstream gradient; None if nothing flows back here
    input_grads: tuple[np.ndarray | None, ...] = ()  # backward: what this step sends to each input
                                                     # (None for a constant)
    grads_before: Mapping[str, np.ndarray] | None = None  # backward: the gradients before this step
    partial: frozenset[str] = frozenset()  # gradients still waiting for a fan-out contribution

    def is_part(self, name: str) -> bool:
        """Whether what this backward step sends to ``name`` is only a part of
        its gradient: other branches add to it, before or after, or the layer
        uses ``name`` twice."""
        return (name in self.partial or name in (self.grads_before or {})
                or self.layer.inputs.count(name) > 1)

    @property
    def mask(self) -> np.ndarray | None:
        """The Relu mask (True where x <= 0), or None for other layers."""
        return self.saved.get("mask")


def plan_of(layers: tuple[LayerSpec, ...]) -> tuple[tuple[str, LayerSpec], ...]:
    """The 2n steps: the layers forward in file order, then backward in reverse."""
    return tuple([(FORWARD, l) for l in layers] + [(BACKWARD, l) for l in reversed(layers)])


def _used_later(layers: tuple[LayerSpec, ...]) -> tuple[frozenset[str], ...]:
    """For each step of the plan, the names that backward steps after it still
    send a gradient to: a gradient is partial until its last fan-out part
    arrives. Only live layers (whose output leads to the final output) send
    any, and only names that more than one live layer takes have parts."""
    live, needed = set(), {layers[-1].output}
    for layer in reversed(layers):
        if layer.output in needed:
            live.add(layer.name)
            needed.update(layer.inputs)
    takers = Counter(n for layer in layers if layer.name in live for n in set(layer.inputs))
    fan_out = {n for n, k in takers.items() if k > 1}
    used_later: list[frozenset[str]] = []
    later: frozenset[str] = frozenset()
    for phase, layer in reversed(plan_of(layers)):
        used_later.append(later)
        if phase == BACKWARD and layer.name in live:
            later = later | fan_out.intersection(layer.inputs)
    return tuple(reversed(used_later))


class Engine:
    """Walks a scenario's plan. ``position`` is the number of steps done."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.plan = plan_of(scenario.layers)
        self._used_later = _used_later(scenario.layers)
        self.position = 0
        self._steps: list[Step] = []  # computed steps; kept when stepping back
        self._leaves = MappingProxyType(dict(scenario.leaves))  # read-only arrays (see Scenario)

    # -- where we are -----------------------------------------------------
    def __len__(self) -> int:
        return len(self.plan)

    @property
    def current(self) -> Step | None:
        """The step done last, or None at the start."""
        return self._steps[self.position - 1] if self.position else None

    @property
    def values(self) -> Mapping[str, np.ndarray]:
        return self.current.values if self.position else self._leaves

    @property
    def grads(self) -> Mapping[str, np.ndarray]:
        return self.current.grads if self.position else NO_GRADS

    @property
    def at_start(self) -> bool:
        return self.position == 0

    @property
    def at_end(self) -> bool:
        return self.position == len(self.plan)

    @property
    def phase(self) -> str:
        """The phase of the next step, or "done" at the end."""
        return "done" if self.at_end else self.plan[self.position][0]

    # -- moving -------------------------------------------------------------
    def seek(self, position: int) -> Step | None:
        """Go to ``position`` (steps done), computing the steps up to it if
        they are not yet; the step done last, or None at the start."""
        if not 0 <= position <= len(self.plan):
            raise IndexError(f"position {position} is outside the plan (0 to {len(self.plan)})")
        steps = self._steps
        while len(steps) < position:
            steps.append(self._compute(len(steps)))
        self.position = position
        return steps[position - 1] if position else None

    def next(self) -> Step:
        if self.at_end:
            raise IndexError("already at the end of the plan")
        return self.seek(self.position + 1)

    def back(self) -> Step | None:
        if self.at_start:
            raise IndexError("already at the start of the plan")
        return self.seek(self.position - 1)

    def to_start(self) -> None:
        self.seek(0)

    def to_end(self) -> Step:
        return self.seek(len(self.plan))

    def backward_step(self, index: int) -> Step | None:
        """The backward step of layer ``index``, once it has run (backward runs
        the layers in reverse, after all n forward): what it sent to each input."""
        k = 2 * len(self.scenario.layers) - 1 - index  # its place in the plan
        return self._steps[k] if k < self.position else None

    def steps(self) -> list[Step]:
        """Every step computed so far, in plan order: more than ``position``
        after stepping back, or once a client has looked ahead with ``seek``."""
        return list(self._steps)

    # -- computing ----------------------------------------------------------
    def _compute(self, i: int) -> Step:
        phase, spec = self.plan[i]
        prev = self._steps[i - 1] if i else None
        values = prev.values if prev else self._leaves
        grads = prev.grads if prev else NO_GRADS
        op = self.scenario.op(spec)
        if phase == FORWARD:
            inputs, out, saved = forward_layer(op, spec, values)
            for v in saved.values():  # the layer's own new dict: freeze what it keeps
                if isinstance(v, np.ndarray):
                    v.setflags(write=False)
            out = frozen(out)
            # forward leaves the gradients as they were: the same read-only mapping
            return Step(i, phase, spec, inputs, out, MappingProxyType(saved),
                        MappingProxyType({**values, spec.output: out}), grads)
        fwd = self._steps[spec.index]  # the same layer's forward step
        before, grads = grads, dict(grads)
        if i == len(self.plan) // 2:  # first backward step: feed dout into the final output
            grads[spec.output] = first_dout(self.scenario, fwd.output)
        dout = grads.get(spec.output)
        sent = ((None,) * len(spec.inputs) if dout is None else
                backward_layer(op, spec, fwd.saved, values, grads, self.scenario.constants))
        return Step(i, phase, spec, fwd.inputs, fwd.output, fwd.saved, values,
                    MappingProxyType(grads), dout, sent, before,
                    self._used_later[i].intersection(grads))


def run(scenario: Scenario) -> Engine:
    """An engine stepped to the end: every value and every gradient."""
    engine = Engine(scenario)
    engine.to_end()
    return engine
