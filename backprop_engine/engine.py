"""Stepping through a scenario: forward one layer at a time, then backward.

A run of n layers is a plan of 2n steps: the n layers forward in file order,
then the same layers backward in reverse. ``Engine`` walks that plan. Each step
it computes becomes a ``Step`` record that is never changed again: its arrays
are read-only and later steps make new arrays instead of writing into old
ones, so stepping back and forth shows the same numbers every time.
"""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType
from typing import Mapping, NamedTuple

import numpy as np

from .scenario import LayerSpec, Scenario, frozen

FORWARD, BACKWARD = "forward", "backward"
NO_GRADS: Mapping[str, np.ndarray] = MappingProxyType({})
FLOAT64 = np.dtype(np.float64)


def sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo numpy broadcasting: sum ``grad`` back down to ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


class Step(NamedTuple):
    """What one step did. Forward fields are set on both phases; the backward
    fields (``dout``, ``input_grads`` ...) only on backward steps. A record,
    immutable like a tuple (which makes it cheap to build)."""

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
    check: object = None  # --layers: the learner's layer beside the built-in (learner.beside.StepCheck)

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
    any, and only names that more than one live layer takes have parts (so a
    plan without fan-out has only empty sets). It depends on the layers alone
    (see ``_planned``)."""
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


_PLANNED: dict[int, tuple] = {}


def _planned(layers: tuple[LayerSpec, ...]) -> tuple:
    """``plan_of(layers)`` and ``_used_later(layers)``, worked out once per
    layers tuple (scenarios made with ``replace`` share theirs), not once per
    engine. Found by the tuple's identity: hashing its LayerSpecs would cost as
    much as the rest of starting an engine, and the plan is made of the
    scenario's own LayerSpec objects. An entry keeps its tuple alive, so the id
    stays that tuple's."""
    planned = _PLANNED.get(id(layers))
    if planned is None:
        if len(_PLANNED) >= 64:
            _PLANNED.clear()
        planned = _PLANNED[id(layers)] = (layers, plan_of(layers), _used_later(layers))
    return planned[1], planned[2]


class Engine:
    """Walks a scenario's plan. ``position`` is the number of steps done."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.plan, self._used_later = _planned(scenario.layers)  # the scenario's own LayerSpec objects
        self.position = 0
        self._steps: list[Step] = []  # computed steps; kept when stepping back
        self._leaves = MappingProxyType(scenario.leaves.copy())  # read-only arrays (see Scenario)
        self._ops = [scenario.op(spec) for spec in scenario.layers]  # what computes each layer

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
    # _compute runs once per step, so it is written for speed: a MappingProxyType's .copy() is its
    # dict's own copy (far quicker than dict(proxy)); setflags(False) is setflags(write=False), as
    # numpy parses the keyword at twice the cost.
    def _compute(self, i: int) -> Step:
        phase, spec = self.plan[i]
        prev = self._steps[i - 1] if i else None
        values = prev.values if prev else self._leaves
        grads = prev.grads if prev else NO_GRADS
        op = self._ops[spec.index]
        if phase == FORWARD:
            inputs = tuple([values[n] for n in spec.inputs])
            out, saved = op.forward(*inputs)
            check = saved.pop("check", None)  # the layer's own new dict
            for v in saved.values():  # the layer's own new dict: freeze what it keeps
                if isinstance(v, np.ndarray):
                    v.setflags(False)
            out = frozen(out)
            values = values.copy()
            values[spec.output] = out
            # forward leaves the gradients as they were: the same read-only mapping
            return Step(i, phase, spec, inputs, out, MappingProxyType(saved),
                        MappingProxyType(values), grads, check=check)
        fwd = self._steps[spec.index]  # the same layer's forward step
        before, grads = grads, grads.copy()
        if i == len(self.plan) // 2:  # first backward step: feed dout into the final output
            dout = self.scenario.dout  # read-only (see Scenario)
            grads[spec.output] = (dout if dout.shape == fwd.output.shape
                                  else frozen(np.broadcast_to(dout, fwd.output.shape)))
        dout = grads.get(spec.output)
        sent: list[np.ndarray | None] = []
        check = None
        if dout is not None:
            local = op.backward(dout, fwd.saved)
            check = getattr(local, "check", None)
            constants = self.scenario.constants
            for name, g, x in zip(spec.inputs, local, fwd.inputs):
                if g is None or name in constants:
                    g = None
                else:
                    if type(g) is not np.ndarray or g.dtype is not FLOAT64:
                        g = np.asarray(g, dtype=FLOAT64)
                    if g.shape != x.shape:
                        g = sum_to(g, x.shape)
                    g.setflags(False)
                    grads[name] = frozen(grads[name] + g) if name in grads else g
                sent.append(g)
        sent += [None] * (len(spec.inputs) - len(sent))  # nothing sent, or a layer that sent fewer
        later = self._used_later[i]
        return Step(i, phase, spec, fwd.inputs, fwd.output, fwd.saved, values,
                    MappingProxyType(grads), dout, tuple(sent), before,
                    later.intersection(grads) if later else later, check)


def run(scenario: Scenario) -> Engine:
    """An engine stepped to the end: every value and every gradient."""
    engine = Engine(scenario)
    engine.to_end()
    return engine


def loss(scenario: Scenario, output) -> float:
    """The number backward differentiates: the final output itself when it is a
    scalar, else sum(output * dout) (so its gradient is what dout starts)."""
    return float(np.sum(output * scenario.dout))


def forward_output(scenario: Scenario, leaves: Mapping[str, np.ndarray]) -> np.ndarray:
    """The final output for the given leaves: the forward pass alone, no records.
    Used by the numerical gradient."""
    values = dict(leaves)
    for spec in scenario.layers:
        values[spec.output] = scenario.op(spec).forward(*(values[n] for n in spec.inputs))[0]
    return values[scenario.layers[-1].output]
