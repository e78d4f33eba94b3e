"""The checked scenario: what the loader hands to the engine and the app."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Mapping

import numpy as np

from ..layers import LAYER_TYPES, Layer

if TYPE_CHECKING:
    from ..data import DataSet


def frozen(a) -> np.ndarray:
    """``a`` as a read-only ndarray (0-d for a scalar), without copying an ndarray."""
    a = np.asarray(a)
    a.setflags(write=False)
    return a


class ScenarioError(Exception):
    """A scenario that cannot be loaded; one message per problem."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        return [f"error: {self.path}: {p}" for p in self.problems]


@dataclass(frozen=True)
class LayerSpec:
    """One ``[[layers]]`` entry, checked."""

    index: int
    name: str
    type: str                 # canonical type name (aliases resolved)
    inputs: tuple[str, ...]
    output: str


@dataclass(frozen=True)
class Scenario:
    path: str
    title: str
    leaves: dict[str, np.ndarray]      # [values] and [constants], in file order
    constants: frozenset[str]           # the leaves that get no gradient
    layers: tuple[LayerSpec, ...]
    shapes: dict[str, tuple]            # every value's shape, leaves and outputs
    dout: np.ndarray = field(default_factory=lambda: np.float64(1.0))
    lr: float = 0.1
    expect: dict[str, np.ndarray] = field(default_factory=dict)
    description: str = ""
    reference: str = ""
    trained: tuple[str, ...] | None = None  # [train] params; None: all of [values]
    data: DataSet | None = None       # [data]: fills x and t batch by batch
    iteration: int = 0                  # [data]: training iterations done; x and t hold the next one's batch
    ops: Mapping[str, Layer] = field(default_factory=dict)  # --layers: the learner's layers, by type

    def __post_init__(self):
        for name, value in self.leaves.items():  # scenario data is read-only from here on
            self.leaves[name] = frozen(value)
        object.__setattr__(self, "dout", frozen(self.dout))
        if self.trained is None:
            object.__setattr__(self, "trained", tuple(self.params))

    @property
    def params(self) -> list[str]:
        """The ``[values]`` names: the leaves that receive gradients. Training
        updates only those in ``trained`` (``[train] params``)."""
        return [n for n in self.leaves if n not in self.constants]

    def op(self, spec: LayerSpec) -> Layer:
        """The layer that computes ``spec``: the learner's (``--layers``) or the built-in one."""
        return self.ops.get(spec.type) or LAYER_TYPES[spec.type]

    @property
    def output(self) -> str:
        return self.layers[-1].output

    def at_iteration(self, iteration: int, **leaves: np.ndarray) -> Scenario:
        """With ``[data]``: the scenario after ``iteration`` training iterations,
        x and t holding the batch of the next one; ``leaves`` replace others."""
        x, t = self.data.batch(iteration)
        return replace(self, iteration=iteration, leaves={**self.leaves, **leaves,
                                                          self.data.spec.x: x, self.data.spec.t: t})

    def with_leaves(self, **leaves: np.ndarray) -> Scenario:
        """The same scenario with some leaves replaced (same shapes)."""
        return replace(self, leaves={**self.leaves, **leaves})
