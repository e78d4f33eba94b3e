"""The learner's layer beside the built-in one (``--layers``).

``Beside`` is a layer type like those of ``layers.py``: the engine calls its
``forward`` and ``backward`` as any other's. Each call runs the built-in layer
and the learner's class (in the child process of ``Learner``) on the same
inputs, compares what they return, and goes on with the learner's numbers,
so that later layers show the consequences. Where the learner's code fails
or returns a shape the run cannot use, it goes on with the built-in's.
The comparison is a ``StepCheck`` that the layer records in what it keeps
for backward (``saved``, the layer's own, held by the step record), one per
phase, each written once by that phase's call: ``check_of(step)`` gives it
back, the same record each time a step is shown. The engine does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..layers import LAYER_TYPES, Layer
from .compare import Difference, compare


@dataclass(frozen=True)
class StepCheck:
    """The learner's layer beside the built-in one, for one step."""

    type: str                                 # the layer type ("Affine")
    cls: str                                  # the learner's class ("Affine", "MulLayer", "sigmoid")
    phase: str                                # "forward" or "backward"
    differences: tuple[Difference, ...] = ()  # the outputs that differ
    changed: tuple[str, ...] = ()             # the arrays the learner's code wrote into
    error: str | None = None                  # the learner's call failed: the run used the built-in's numbers
    frames: tuple[tuple[str, int, str, str], ...] = ()  # where, in the learner's file
    printed: str = ""                         # what the learner's code printed
    probed: bool = False                      # found with dout = 1: the run's dout was 0 and hid it
    replaced: tuple[str, ...] = ()            # outputs of a shape the run cannot use: it took the built-in's

    @property
    def ok(self) -> bool:
        """What the learner's call returned agrees with the built-in layer (it
        may still have written into an array it was handed: ``warned``)."""
        return not (self.differences or self.error)

    @property
    def warned(self) -> bool:
        """It agrees, but wrote into an array it was handed: worth a warning,
        not a failure (the book's own Relu.backward does ``dout[mask] = 0``)."""
        return self.ok and bool(self.changed)

    @property
    def outputs(self) -> tuple[str, ...]:
        """The names of what the call returns: ("out",), or ("dx",), ("dx", "dy"), ..."""
        return output_names(self.type, self.phase)

    @property
    def verdict(self) -> str:
        """"agrees", "differs", "writes in place" or "fails" (the worst first)."""
        return ("fails" if self.error else "differs" if self.differences
                else "writes in place" if self.changed else "agrees")


def output_names(type_: str, phase: str) -> tuple[str, ...]:
    """What a layer's call returns, by name: ("out",) forward; ("dx",), ("dx", "dy"), ... backward."""
    return ("out",) if phase == "forward" else tuple("d" + n for n in LAYER_TYPES[type_].inputs)


SAVED_INPUTS = "learner inputs"  # the forward inputs, kept in ``saved`` for the learner's backward
CHECKS = "learner checks"  # in ``saved``: each phase's StepCheck, by phase


def recorded(saved, phase: str) -> StepCheck | None:
    """The check a Beside layer recorded in ``saved`` for ``phase`` (None for a built-in layer)."""
    return saved.get(CHECKS, {}).get(phase)


def check_of(step) -> StepCheck | None:
    """The step's check: the learner's layer beside the built-in one, or None
    (a built-in layer, or a backward step that nothing flows back to)."""
    return recorded(step.saved, step.phase)


def _fits(a: np.ndarray | None, shapes: tuple[tuple, ...]) -> bool:
    return a is not None and a.shape in shapes


class Beside(Layer):
    """The learner's class of one layer type, run beside the built-in one."""

    def __init__(self, type_: str, learner):
        self.type, self.learner, self.cls = type_, learner, learner.classes[type_]
        self.builtin = LAYER_TYPES[type_]
        self.inputs, self.elementwise = self.builtin.inputs, self.builtin.elementwise

    def shape(self, *shapes):
        return self.builtin.shape(*shapes)

    def forward(self, *inputs):
        expected, saved = self.builtin.forward(*inputs)
        call = self.learner.call(self.type, inputs)
        check, outputs = self._check("forward", call, (np.asarray(expected, dtype=np.float64),),
                                     inputs, None, [(np.shape(expected),)])
        return outputs[0], {**saved, SAVED_INPUTS: inputs, CHECKS: {"forward": check}}

    def _expected(self, dout, saved) -> tuple:
        return tuple(None if g is None else np.asarray(g, dtype=np.float64)
                     for g in self.builtin.backward(dout, saved))

    def backward(self, dout, saved):
        expected = self._expected(dout, saved)
        inputs = saved[SAVED_INPUTS]
        call = self.learner.call(self.type, inputs, dout)
        # a gradient of the input's shape, or of the built-in's (broadcast) shape, which the engine sums back
        shapes = [(np.shape(x),) + (() if g is None else (g.shape,)) for x, g in zip(inputs, expected)]
        check, outputs = self._check("backward", call, expected, inputs, dout, shapes)
        if check.ok and not np.any(dout):
            check = self._probe(inputs, saved, np.ones_like(dout), shapes) or check
        saved[CHECKS]["backward"] = check
        return outputs

    def _probe(self, inputs: tuple, saved, dout: np.ndarray, shapes: list) -> StepCheck | None:
        """A dout of 0 hides any mistake (0 × anything is 0): the learner's
        backward tried again with ``dout`` (ones), its check if that shows one."""
        expected = self._expected(dout, saved)
        check, _ = self._check("backward", self.learner.call(self.type, inputs, dout), expected, inputs, dout,
                               shapes)
        return None if check.ok else replace(check, probed=True)

    def _check(self, phase: str, call, expected: tuple, inputs: tuple, dout, shapes: list) -> tuple[StepCheck, tuple]:
        """The step's check, and the outputs the run goes on with: the
        learner's, each where it has a usable shape, else the built-in's."""
        names = output_names(self.type, phase)
        if call.error is not None:
            return StepCheck(self.type, self.cls, phase, (), call.changed, call.error, call.frames,
                             call.printed), expected
        named = dict(zip(self.builtin.inputs, inputs))
        batch = len(inputs[0]) if np.ndim(inputs[0]) > 1 else 1
        differences, outputs = [], []
        for name, yours, want, fits in zip(names, call.outputs, expected, shapes):
            if want is None:
                outputs.append(None)
                continue
            d = compare(name, yours, want, layer_type=self.type, inputs=named, dout=dout, batch=batch)
            if d is not None:
                differences.append(d)
            outputs.append(yours if _fits(yours, fits) else want)
        replaced = tuple(n for n, yours, o in zip(names, call.outputs, outputs) if o is not None and o is not yours)
        check = StepCheck(self.type, self.cls, phase, tuple(differences), call.changed, None, (), call.printed,
                          replaced=replaced)
        return check, tuple(outputs)


def own_layers(scenario, learner):
    """The scenario with the learner's classes in place of the built-in layers
    of the same types (the types the file lacks stay built-in)."""
    return replace(scenario, ops={t: Beside(t, learner) for t in learner.classes})


VERDICTS = ("agrees", "writes in place", "differs", "fails")  # from best to worst
FAILING = ("differs", "fails")  # "writes in place" agrees: a warning


def layer_checks(scenario, steps) -> list[tuple[object, dict[str, StepCheck]]]:
    """For each of the scenario's layers that runs the learner's class: the
    layer and its steps' checks by phase (those run so far)."""
    found: dict[str, dict[str, StepCheck]] = {}
    for step in steps:
        if (check := check_of(step)) is not None:
            found.setdefault(step.layer.name, {})[step.phase] = check
    return [(spec, found[spec.name]) for spec in scenario.layers if spec.name in found]


def worst(checks) -> str:
    """The worst verdict of some steps' checks."""
    return max((c.verdict for c in checks), key=VERDICTS.index)
