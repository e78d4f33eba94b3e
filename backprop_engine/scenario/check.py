"""Checking a parsed scenario document, one TOML section at a time.

Each section's check reports to one ``Problems`` collector and returns what
it worked out; the next check reads that. ``from_dict`` runs them in file
reading order, so the messages come in the order a reader meets their causes.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..layers import ALIASES, LAYER_TYPES, Layer, ShapeError
from .model import LayerSpec
from .values import _too_big, _whole, label_problem, parse_value

if TYPE_CHECKING:
    from ..data import DataSet

TOP_KEYS = ("title", "description", "reference", "seed", "values", "constants", "data",
            "layers", "backward", "train", "expect")
LAYER_KEYS = ("name", "type", "inputs", "output")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Problems:
    """Every problem found so far, in the order found: one line each."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, message: str) -> None:
        self.lines.append(message)

    def __len__(self) -> int:
        return len(self.lines)

    def value(self, raw, where: str, rng=None, finite: bool = True) -> np.ndarray | None:
        """``parse_value``, its refusal added here instead of raised (then None)."""
        try:
            return parse_value(raw, where, rng, finite)
        except ValueError as e:
            self.add(str(e))
            return None


class Header(NamedTuple):
    title: object            # text when no problem was added
    description: object
    reference: object
    seed: int


class Leaves(NamedTuple):
    values: dict[str, np.ndarray]  # [values] and [constants], in file order
    constants: frozenset[str]
    unknown: frozenset[str]        # names defined, but refused: no second problem about them


class Graph(NamedTuple):
    layers: tuple[LayerSpec, ...]  # the layers accepted
    shapes: dict[str, tuple]       # the leaves' and the accepted outputs' shapes
    unknown: frozenset[str]        # the leaves' unknown names and the refused layers' outputs
    complete: bool                 # every layer and every leaf accepted


def _closest(word: str, options) -> str:
    options = list(options)
    folded = {o.lower(): o for o in options}
    import difflib  # only for a message: not imported for files that load
    match = folded.get(word.lower()) or next(iter(difflib.get_close_matches(word, options, 1, 0.5)), None)
    return f" (did you mean {match!r}?)" if match else ""


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


# -- the top level: keys, title, texts, seed -----------------------------------

def check_top(doc: dict, problems: Problems) -> Header:
    for key in doc:
        if key not in TOP_KEYS:
            problems.add(f"unknown key {key!r} at the top level{_closest(key, TOP_KEYS)}")
    title = doc.get("title")
    if title is None or isinstance(title, str) and not title.strip():
        problems.add("title is required: a line of text")
    elif not isinstance(title, str):
        problems.add(f"title must be text, got {title!r}")
    texts = {k: doc.get(k, "") for k in ("description", "reference")}
    for k, v in texts.items():
        if not isinstance(v, str):
            problems.add(f"{k} must be text, got {v!r}")
    seed = doc.get("seed", 0)
    if not _whole(seed):
        problems.add(f"seed must be a whole number >= 0, got {seed!r}")
        seed = 0
    return Header(title, texts["description"], texts["reference"], seed)


# -- [values] and [constants] ---------------------------------------------------

def check_leaves(doc: dict, problems: Problems, rng) -> Leaves:
    """The leaves in file order: an init table without its own seed draws
    from ``rng`` in this order."""
    values: dict[str, np.ndarray] = {}
    constants: set[str] = set()
    unknown: set[str] = set()
    for section in (k for k in doc if k in ("values", "constants")):
        table = doc[section]
        if not isinstance(table, dict):
            problems.add(f"[{section}] must be a table of name = value")
            continue
        for name, raw in table.items():
            where = f"{section}.{name}"
            if not NAME.match(name):
                problems.add(f"{where}: a name must be ASCII letters, digits and _ (not starting with a digit)")
            elif name in values:
                problems.add(f"{where}: duplicate name {name!r}")
                continue
            value = problems.value(raw, where, rng)
            if value is None:
                unknown.add(name)
                continue
            values[name] = value
            if section == "constants":
                constants.add(name)
    return Leaves(values, frozenset(constants), frozenset(unknown))


# -- [[layers]] -----------------------------------------------------------------

def check_layers(raw, leaves: Leaves, problems: Problems) -> Graph:
    """Check ``[[layers]]`` in order. The output of a layer that is refused,
    or that reads a refused name, stays unknown, so later layers do not call
    it undefined."""
    shapes = {n: a.shape for n, a in leaves.values.items()}
    unknown = set(leaves.unknown)
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        problems.add("at least one [[layers]] table is required")
        return Graph((), shapes, frozenset(unknown), False)
    layers: list[LayerSpec] = []
    names: set[str] = set()
    for i, table in enumerate(raw):
        start = len(problems)
        output = table.get("output")
        if isinstance(output, str):
            unknown.add(output)  # until the layer is accepted below
        head = _layer_head(i, table, names, problems)
        if head is None:
            continue
        canonical, name, where = head
        if isinstance(name, str):  # a name that is no text was refused above (and may be unhashable)
            names.add(name)
        inputs = _layer_inputs(table.get("inputs"), LAYER_TYPES[canonical], where, shapes, unknown, problems)
        if inputs is None:
            continue
        _check_output(output, where, shapes, problems)
        if len(problems) > start or unknown.intersection(inputs):
            continue
        shape = _output_shape(canonical, inputs, output, where, leaves, shapes, problems)
        if shape is None:
            continue
        shapes[output] = shape
        unknown.discard(output)
        layers.append(LayerSpec(len(layers), name, canonical, tuple(inputs), output))
    complete = not unknown and len(layers) == len(raw)
    return Graph(tuple(layers), shapes, frozenset(unknown), complete)


def _layer_head(i: int, table: dict, names: set[str], problems: Problems) -> tuple[str, object, str] | None:
    """A layer's keys, type and name: (canonical type, name, where), or None
    when its type is missing or unknown."""
    number = f"layer {i + 1}"  # counted from 1, as the app counts layers
    where = number + (f" {table['name']!r}" if isinstance(table.get("name"), str) else "")
    for k in table:
        if k not in LAYER_KEYS:
            problems.add(f"{where}: unknown key {k!r}{_closest(k, LAYER_KEYS)}")
    type_ = table.get("type")
    if not isinstance(type_, str):
        problems.add(f"{where}: type is required, one of {', '.join(LAYER_TYPES)}")
        return None
    canonical = ALIASES.get(type_, type_)
    if canonical not in LAYER_TYPES:
        problems.add(f"{where}: unknown layer type {type_!r}{_closest(type_, [*LAYER_TYPES, *ALIASES])}")
        return None
    name = table.get("name", f"{canonical.lower()}{i}")  # as before: mul0, relu1 (names in saved files)
    where = f"{number} {name!r} ({canonical})"
    if not isinstance(name, str) or not name:
        problems.add(f"{number}: name must be text")
    elif name in names:
        problems.add(f"{where}: duplicate layer name {name!r}")
    return canonical, name, where


def _layer_inputs(inputs, op: Layer, where: str, shapes: dict, unknown: set,
                  problems: Problems) -> list[str] | None:
    """The input names, or None when they are not a list of the right length.
    A name neither defined nor refused earlier is a problem."""
    if not isinstance(inputs, list) or not all(isinstance(n, str) for n in inputs):
        problems.add(f"{where}: inputs must be a list of value names")
        return None
    if len(inputs) != len(op.inputs):
        problems.add(f"{where}: takes {len(op.inputs)} input{'s' * (len(op.inputs) > 1)} "
                     f"({', '.join(op.inputs)}), got {len(inputs)}")
        return None
    for n in inputs:
        if n not in shapes and n not in unknown:
            problems.add(f"{where}: input {n!r} is not defined earlier{_closest(n, shapes)}")
    return inputs


def _check_output(output, where: str, shapes: dict, problems: Problems) -> None:
    if output is None:
        problems.add(f"{where}: output is required: a new name (ASCII letters, digits and _)")
    elif not isinstance(output, str) or not NAME.match(output):
        problems.add(f"{where}: output {output!r} is not a valid name: use ASCII letters, "
                     f"digits and _, not starting with a digit")
    elif output in shapes:  # the leaves' names and earlier outputs
        problems.add(f"{where}: duplicate name: output {output!r} is already defined")


def _output_shape(canonical: str, inputs: list[str], output: str, where: str, leaves: Leaves,
                  shapes: dict, problems: Problems) -> tuple | None:
    """The layer's output shape, or None when the inputs do not fit it."""
    softmax = canonical == "SoftmaxWithLoss"
    if softmax and inputs[1] not in leaves.constants:
        problems.add(f"{where}: the labels t ({inputs[1]!r}) must come from [constants]")
        return None
    try:
        shape = LAYER_TYPES[canonical].shape(*(shapes[n] for n in inputs))
        _too_big(shape, f"{where}: output {output!r}")
    except ShapeError as e:
        problems.add(f"{where}: {e}")
        return None
    except ValueError as e:
        problems.add(str(e))
        return None
    if softmax:
        problem = label_problem(leaves.values[inputs[1]], inputs[1], shapes[inputs[0]])
        if problem:
            problems.add(f"{where}: {problem}")
            return None
    return shape


# -- [backward], [train] --------------------------------------------------------

def check_keys(doc: dict, section: str, keys: tuple[str, ...], problems: Problems) -> dict:
    """A section's table ({} when absent or not a table), its unknown keys reported."""
    table = doc.get(section, {})
    if not isinstance(table, dict):
        problems.add(f"[{section}] must be a table")
        return {}
    for k in table:
        if k not in keys:
            problems.add(f"unknown key {k!r} in [{section}]{_closest(k, keys)}")
    return table


def check_dout(backward: dict, graph: Graph, problems: Problems, rng) -> np.ndarray:
    if "dout" not in backward:
        return np.float64(1.0)
    dout = problems.value(backward["dout"], "backward.dout", rng)
    if dout is None:
        return np.float64(1.0)
    # with a layer or a leaf refused, the final shape is not known: no second problem
    final = graph.shapes[graph.layers[-1].output] if graph.complete else dout.shape
    if not _broadcasts_to(dout.shape, final):
        problems.add(f"backward.dout: shape {dout.shape} does not fit the final output "
                     f"{graph.layers[-1].output!r} of shape {final}")
    return dout


def check_lr(train: dict, problems: Problems) -> float:
    lr = train.get("lr", 0.1)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        problems.add(f"train.lr: the learning rate must be a number > 0, got {lr!r}")
    elif lr == math.inf or isinstance(lr, int) and lr > 1e308:  # 1e400 reads as inf
        problems.add("train.lr: not finite (inf): the learning rate must be a finite number > 0")
        return 0.1
    return float(lr) if isinstance(lr, (int, float)) else 0.1


def check_params(train: dict, leaves: Leaves, data: DataSet | None, problems: Problems) -> tuple[str, ...] | None:
    """The [values] names that training updates, or None: all of them (but
    never the inputs a data set fills)."""
    if "params" not in train:
        return None if data is None else tuple(n for n in leaves.values
                                               if n not in leaves.constants and n != data.spec.x)
    names = train["params"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.add(f"train.params must be a list of names from [values], got {names!r}")
        return None
    if not names:
        problems.add("train.params: an empty list trains nothing: name values from [values], "
                     "or leave params out to train all of them")
    values = [n for n in leaves.values if n not in leaves.constants]
    for k, name in enumerate(names):
        if name in names[:k]:
            problems.add(f"train.params: duplicate name {name!r}")
        elif data and name == data.spec.x:
            problems.add(f"train.params: {name!r} holds the inputs of [data]: it gets a gradient, "
                         f"but inputs are never trained")
        elif name in leaves.constants:
            problems.add(f"train.params: {name!r} is in [constants]: only [values] get a gradient to train")
        elif name not in values and name not in leaves.unknown:
            problems.add(f"train.params: no value named {name!r} in [values]{_closest(name, values)}")
    return tuple(names)


# -- [expect] -------------------------------------------------------------------

def check_expect(table, graph: Graph, constants: frozenset[str], problems: Problems) -> dict[str, np.ndarray]:
    if not isinstance(table, dict):
        problems.add("[expect] must be a table")
        return {}
    expect: dict[str, np.ndarray] = {}
    for key, raw in table.items():
        where = f"expect.{key}"
        name = key.removeprefix("grad.")
        if name in graph.unknown:
            continue
        if name not in graph.shapes:
            problems.add(f"{where}: no value named {name!r}{_closest(name, graph.shapes)}")
            continue
        if key != name and name in constants:
            problems.add(f"{where}: {name!r} is a constant and has no gradient")
            continue
        value = problems.value(raw, where, finite=False)
        if value is None:
            continue
        expect[key] = value
        if value.shape != graph.shapes[name]:
            problems.add(f"{where}: shape {value.shape} but {name!r} has shape {graph.shapes[name]}")
    return expect
