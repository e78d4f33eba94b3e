"""Scenario files: TOML in, a checked ``Scenario`` out (contract section 1).

A scenario file is data. The loader reads it with ``tomllib`` and nothing
else: no eval, no pickle, no includes. Everything that would stop a run is
found here, before any array is computed, and reported as one line per
problem; ``ScenarioError.lines`` holds them.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from .layers import ALIASES, LAYER_TYPES, Layer, ShapeError

MAX_ELEMENTS = 10_000_000
TOP_KEYS = ("title", "description", "reference", "seed", "values", "constants",
            "layers", "backward", "train", "expect")
LAYER_KEYS = ("name", "type", "inputs", "output")
INIT_KEYS = {  # the keys each init takes besides init, shape and seed
    "normal": ("mean", "std"), "uniform": ("low", "high"), "randint": ("low", "high"),
    "zeros": (), "ones": (),
}
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HERE = Path(__file__).parent
# Inside an installed wheel the scenarios sit in the package; in a checkout, beside it.
BUNDLED_DIR = _HERE / "scenarios" if (_HERE / "scenarios").is_dir() else _HERE.parent / "scenarios"


def frozen(a) -> np.ndarray:
    """``a`` as a read-only ndarray (0-d for a scalar), without copying an ndarray."""
    if type(a) is not np.ndarray:
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

    @property
    def op(self) -> Layer:
        return LAYER_TYPES[self.type]


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

    def __post_init__(self):
        for name, value in self.leaves.items():  # scenario data is read-only from here on
            self.leaves[name] = frozen(value)
        object.__setattr__(self, "dout", frozen(self.dout))

    @property
    def params(self) -> list[str]:
        """The ``[values]`` names: the leaves that receive gradients."""
        return [n for n in self.leaves if n not in self.constants]

    @property
    def output(self) -> str:
        return self.layers[-1].output

    def with_leaves(self, **leaves: np.ndarray) -> "Scenario":
        """The same scenario with some leaves replaced (same shapes)."""
        return replace(self, leaves={**self.leaves, **leaves})


# -- reading values -------------------------------------------------------------

def _shape_of(v, where: str) -> tuple:
    """The shape of a nested list of numbers; raises ValueError if ragged or not numeric."""
    if isinstance(v, bool) or not isinstance(v, (int, float, list)):
        raise ValueError(f"{where}: {v!r} is not a number")
    if not isinstance(v, list):
        return ()
    if not v:
        raise ValueError(f"{where}: an empty list: a value needs at least one number")
    shapes = [_shape_of(e, where) for e in v]
    for k, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ValueError(f"{where}: ragged list: row 0 has shape {shapes[0]}, row {k} has shape {shape}")
    return (len(v), *shapes[0])


def _too_big(shape: tuple, where: str) -> None:
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(f"{where}: shape {shape} has {math.prod(shape):,} elements, "
                         f"more than the limit of {MAX_ELEMENTS:,}")


def _whole(v) -> bool:
    """A whole number >= 0 (a TOML boolean is not one)."""
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _number(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{where}: {v!r} is not a number")
    return float(v)


def _init(table: dict, where: str, rng: Callable[[], np.random.Generator]) -> np.ndarray:
    kind = table.get("init")
    if kind not in INIT_KEYS:
        raise ValueError(f"{where}: init must be one of {', '.join(INIT_KEYS)}, got {kind!r}")
    extra = set(table) - {"init", "shape", "seed", *INIT_KEYS[kind]}
    if extra:
        raise ValueError(f"{where}: unknown key {sorted(extra)[0]!r} for init {kind!r} "
                         f"(allowed: shape, seed, {', '.join(INIT_KEYS[kind]) or '-'})")
    shape = table.get("shape", [])
    if (not isinstance(shape, list)
            or not all(_whole(n) for n in shape)):
        raise ValueError(f"{where}: shape must be a list of whole numbers >= 0, got {shape!r}")
    shape = tuple(shape)
    if 0 in shape:
        raise ValueError(f"{where}: shape {shape} has no entries: a value needs at least one number")
    _too_big(shape, where)  # before anything is drawn
    if "seed" in table:
        if not _whole(table["seed"]):
            raise ValueError(f"{where}: seed must be a whole number >= 0, got {table['seed']!r}")
        draw = np.random.default_rng(table["seed"])
    else:
        draw = rng()  # the file's generator, shared in file order
    p = {k: _number(table[k], f"{where}: {k}") for k in INIT_KEYS[kind] if k in table}
    if kind == "normal":
        if p.get("std", 1.0) < 0:
            raise ValueError(f"{where}: std must be >= 0, got {p['std']:g}")
        return draw.normal(p.get("mean", 0.0), p.get("std", 1.0), shape)
    if kind == "uniform":
        return draw.uniform(p.get("low", 0.0), p.get("high", 1.0), shape)
    if kind == "randint":
        if "high" not in p:
            raise ValueError(f"{where}: randint needs high (exclusive)")
        low, high = p.get("low", 0.0), p["high"]
        if low != int(low) or high != int(high) or high <= low:
            raise ValueError(f"{where}: randint needs whole numbers low < high, got {low:g}, {high:g}")
        return draw.integers(int(low), int(high), shape).astype(np.float64)
    return (np.zeros if kind == "zeros" else np.ones)(shape)


def parse_value(v, where: str, rng: Callable[[], np.random.Generator] | None = None) -> np.ndarray:
    """A number, a nested list or an init table, as a float64 array. ``rng``
    gives the generator an init table without a seed of its own draws from."""
    if isinstance(v, dict):
        if rng is None:
            raise ValueError(f"{where}: an init table is not allowed here")
        return _init(v, where, rng)
    shape = _shape_of(v, where)
    _too_big(shape, where)
    return np.array(v, dtype=np.float64)


# -- the loader -----------------------------------------------------------------

def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _closest(word: str, options) -> str:
    options = list(options)
    folded = {o.lower(): o for o in options}
    import difflib  # only for a message: not imported for files that load
    match = folded.get(word.lower()) or next(iter(difflib.get_close_matches(word, options, 1, 0.5)), None)
    return f" (did you mean {match!r}?)" if match else ""


def _toml_error(e: tomllib.TOMLDecodeError) -> str:
    m = re.match(r"(.*) \(at line (\d+), column (\d+)\)$", str(e))
    if m:
        return f"line {m[2]}, column {m[3]}: TOML syntax error: {m[1]}"
    m = re.match(r"(.*) \(at end of document\)$", str(e))
    return f"end of file: TOML syntax error: {m[1] if m else e}"


def read_toml(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, ["no such file"]) from None
    except IsADirectoryError:
        raise ScenarioError(path, ["is a directory, not a scenario file"]) from None
    except UnicodeDecodeError as e:
        raise ScenarioError(path, [f"not UTF-8 text (byte {e.start})"]) from None
    except OSError as e:
        raise ScenarioError(path, [f"cannot read: {e.strerror}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, [_toml_error(e)]) from None
    except RecursionError:
        raise ScenarioError(path, ["lists nested too deeply to read"]) from None


def load(path) -> Scenario:
    """Read and check one scenario file; raises ``ScenarioError``."""
    path = Path(path)
    return from_dict(read_toml(path), path)


def from_dict(doc: dict, path) -> Scenario:
    """Check a parsed scenario document; raises ``ScenarioError`` listing every problem."""
    problems: list[str] = []
    for key in doc:
        if key not in TOP_KEYS:
            problems.append(f"unknown key {key!r} at the top level{_closest(key, TOP_KEYS)}")
    title = doc.get("title")
    if title is None or isinstance(title, str) and not title.strip():
        problems.append("title is required: a line of text")
    elif not isinstance(title, str):
        problems.append(f"title must be text, got {title!r}")
    texts = {k: doc.get(k, "") for k in ("description", "reference")}
    for k, v in texts.items():
        if not isinstance(v, str):
            problems.append(f"{k} must be text, got {v!r}")
    seed = doc.get("seed", 0)
    if not _whole(seed):
        problems.append(f"seed must be a whole number >= 0, got {seed!r}")
        seed = 0
    # made when first drawn from: importing numpy.random takes ~15 ms, and most
    # scenarios draw nothing
    rng = cache(lambda: np.random.default_rng(seed))

    # Leaves, in file order: an init table without its own seed draws from rng in this order.
    leaves: dict[str, np.ndarray] = {}
    constants: set[str] = set()
    unknown: set[str] = set()  # names defined, but refused: no second problem about them
    for section in (k for k in doc if k in ("values", "constants")):
        table = doc[section]
        if not isinstance(table, dict):
            problems.append(f"[{section}] must be a table of name = value")
            continue
        for name, raw in table.items():
            where = f"{section}.{name}"
            if not NAME.match(name):
                problems.append(f"{where}: a name must be ASCII letters, digits and _ (not starting with a digit)")
            elif name in leaves:
                problems.append(f"{where}: duplicate name {name!r}")
                continue
            try:
                leaves[name] = parse_value(raw, where, rng)
            except ValueError as e:
                problems.append(str(e))
                unknown.add(name)
                continue
            if section == "constants":
                constants.add(name)

    shapes = {n: a.shape for n, a in leaves.items()}
    raw_layers = doc.get("layers")
    layers = _layers(raw_layers, shapes, leaves, constants, unknown, problems)
    complete = bool(layers) and not unknown and isinstance(raw_layers, list) and len(layers) == len(raw_layers)
    dout, lr, expect = np.float64(1.0), 0.1, {}
    backward, train = doc.get("backward", {}), doc.get("train", {})
    for section, table, keys in (("backward", backward, ("dout",)), ("train", train, ("lr",))):
        if not isinstance(table, dict):
            problems.append(f"[{section}] must be a table")
            continue
        for k in table:
            if k not in keys:
                problems.append(f"unknown key {k!r} in [{section}]{_closest(k, keys)}")
    if isinstance(backward, dict) and "dout" in backward:
        try:
            dout = parse_value(backward["dout"], "backward.dout", rng)
        except ValueError as e:
            problems.append(str(e))
        else:
            final = shapes[layers[-1].output] if complete else dout.shape  # else: no second problem
            if not _broadcasts_to(dout.shape, final):
                problems.append(f"backward.dout: shape {dout.shape} does not fit the final output "
                                f"{layers[-1].output!r} of shape {final}")
    if isinstance(train, dict) and "lr" in train:
        lr = train["lr"]
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
            problems.append(f"train.lr: the learning rate must be a number > 0, got {lr!r}")
        lr = float(lr) if isinstance(lr, (int, float)) else 0.1
    expect_table = doc.get("expect", {})
    if not isinstance(expect_table, dict):
        problems.append("[expect] must be a table")
        expect_table = {}
    for key, raw in expect_table.items():
        where = f"expect.{key}"
        name = key.removeprefix("grad.")
        if name in unknown:
            continue
        if name not in shapes:
            problems.append(f"{where}: no value named {name!r}{_closest(name, shapes)}")
            continue
        if key != name and name in constants:
            problems.append(f"{where}: {name!r} is a constant and has no gradient")
            continue
        try:
            expect[key] = parse_value(raw, where)
        except ValueError as e:
            problems.append(str(e))
            continue
        if expect[key].shape != shapes[name]:
            problems.append(f"{where}: shape {expect[key].shape} but {name!r} has shape {shapes[name]}")
    if problems:
        raise ScenarioError(path, problems)
    return Scenario(str(path), title.strip(), leaves, frozenset(constants), tuple(layers), shapes,
                    dout, lr, expect, texts["description"].strip(), texts["reference"].strip())


def _layers(raw, shapes: dict, leaves: dict, constants: set, unknown: set,
            problems: list[str]) -> list[LayerSpec]:
    """Check ``[[layers]]``; adds each output's shape to ``shapes``. The output
    of a layer that is refused, or that reads a refused name, goes into
    ``unknown``, so later layers do not call it undefined."""
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        problems.append("at least one [[layers]] table is required")
        return []
    layers: list[LayerSpec] = []
    names: set[str] = set()
    types = list(LAYER_TYPES) + list(ALIASES)
    for i, table in enumerate(raw):
        where = f"layer {i}" + (f" {table['name']!r}" if isinstance(table.get("name"), str) else "")
        start = len(problems)
        if isinstance(table.get("output"), str):
            unknown.add(table["output"])  # until the layer is accepted below
        for k in table:
            if k not in LAYER_KEYS:
                problems.append(f"{where}: unknown key {k!r}{_closest(k, LAYER_KEYS)}")
        type_ = table.get("type")
        if not isinstance(type_, str):
            problems.append(f"{where}: type is required, one of {', '.join(LAYER_TYPES)}")
            continue
        canonical = ALIASES.get(type_, type_)
        if canonical not in LAYER_TYPES:
            problems.append(f"{where}: unknown layer type {type_!r}{_closest(type_, types)}")
            continue
        op = LAYER_TYPES[canonical]
        name = table.get("name", f"{canonical.lower()}{i}")
        where = f"layer {i} {name!r} ({canonical})"
        if not isinstance(name, str) or not name:
            problems.append(f"layer {i}: name must be text")
        elif name in names:
            problems.append(f"{where}: duplicate layer name {name!r}")
        names.add(name)
        inputs = table.get("inputs")
        if not isinstance(inputs, list) or not all(isinstance(n, str) for n in inputs):
            problems.append(f"{where}: inputs must be a list of value names")
            continue
        if len(inputs) != len(op.inputs):
            problems.append(f"{where}: takes {len(op.inputs)} input{'s' * (len(op.inputs) > 1)} "
                            f"({', '.join(op.inputs)}), got {len(inputs)}")
            continue
        for n in inputs:
            if n not in shapes and n not in unknown:
                problems.append(f"{where}: input {n!r} is not defined earlier{_closest(n, shapes)}")
        output = table.get("output")
        if output is None:
            problems.append(f"{where}: output is required: a new name (ASCII letters, digits and _)")
        elif not isinstance(output, str) or not NAME.match(output):
            problems.append(f"{where}: output {output!r} is not a valid name: use ASCII letters, "
                            f"digits and _, not starting with a digit")
        elif output in shapes or output in leaves:
            problems.append(f"{where}: duplicate name: output {output!r} is already defined")
        if len(problems) > start or any(n in unknown for n in inputs):
            continue
        if canonical == "SoftmaxWithLoss":
            t = inputs[1]
            if t not in constants:
                problems.append(f"{where}: the labels t ({t!r}) must come from [constants]")
                continue
        try:
            shape = op.shape(*(shapes[n] for n in inputs))
            _too_big(shape, f"{where}: output {output!r}")
        except (ShapeError, ValueError) as e:
            problems.append(f"{where}: {e}" if isinstance(e, ShapeError) else str(e))
            continue
        if canonical == "SoftmaxWithLoss" and shapes[inputs[1]] != shapes[inputs[0]]:
            problem = label_problem(leaves[inputs[1]], inputs[1], shapes[inputs[0]][-1])
            if problem:
                problems.append(f"{where}: {problem}")
                continue
        shapes[output] = shape
        unknown.discard(output)
        layers.append(LayerSpec(len(layers), name, canonical, tuple(inputs), output))
    return layers


def label_problem(labels: np.ndarray, name: str, classes: int) -> str | None:
    """What is wrong with integer class labels for ``classes`` classes, if anything."""
    bad = labels[(labels != np.round(labels)) | (labels < 0) | (labels >= classes)]
    if bad.size:
        return (f"label {bad.flat[0]:g} in {name!r} is out of range: "
                f"labels are whole numbers 0 to {classes - 1}")
    return None


def leaf_problem(sc: "Scenario", name: str, value: np.ndarray) -> str | None:
    """Why ``value``, of leaf ``name``'s shape, cannot replace it (labels out
    of range, as the loader refuses them), if it cannot."""
    for spec in sc.layers:
        x, t = spec.inputs[0], spec.inputs[-1]
        if spec.type == "SoftmaxWithLoss" and t == name and sc.shapes[t] != sc.shapes[x]:
            return label_problem(value, name, sc.shapes[x][-1])
    return None


# -- bundled scenarios ----------------------------------------------------------

def bundled() -> dict[str, Path]:
    """The scenarios that ship with the package, by name (file stem)."""
    return {p.stem: p for p in sorted(BUNDLED_DIR.glob("*.toml"))}


def resolve(arg: str) -> Path:
    """A path as given, or the bundled scenario of that name."""
    path = Path(arg)
    if path.exists() or path.suffix == ".toml" or "/" in arg:
        return path
    found = bundled().get(arg)
    if found is None:
        raise ScenarioError(arg, [f"no such file, and no bundled scenario of that name "
                                  f"(bundled: {', '.join(bundled())})"])
    return found


# -- writing a scenario back ----------------------------------------------------

def toml_value(a, one_line: bool = False) -> str:
    """A float64 array as a TOML number or nested array (full precision; inf and
    nan as TOML writes them). A matrix gets a line a row unless ``one_line``."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        v = float(a)
        return "nan" if v != v else repr(v)  # repr gives 'inf', '-inf', '1e-05': all TOML
    sep = ",\n    " if a.ndim == 2 and not one_line else ", "
    return "[" + sep.join(toml_value(row, one_line) for row in a) + "]"


def _toml_str(s: str) -> str:
    import json  # only for writing a scenario
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a TOML basic string


def to_toml(sc: Scenario, expect: dict[str, np.ndarray] | None = None) -> str:
    """The scenario as a TOML file that loads back to the same numbers. Init
    tables are written out as the arrays they drew. ``expect``: the golden
    numbers to keep (default: the scenario's own)."""
    expect = sc.expect if expect is None else expect
    out = [f"title = {_toml_str(sc.title)}"]
    out += [f"{k} = {_toml_str(v)}" for k, v in (("description", sc.description),
                                                  ("reference", sc.reference)) if v]
    for section, names in (("values", sc.params), ("constants", [n for n in sc.leaves if n in sc.constants])):
        if names:
            out += ["", f"[{section}]"] + [f"{n} = {toml_value(sc.leaves[n])}" for n in names]
    for spec in sc.layers:
        out += ["", "[[layers]]", f"name = {_toml_str(spec.name)}", f"type = {_toml_str(spec.type)}",
                f"inputs = [{', '.join(map(_toml_str, spec.inputs))}]", f"output = {_toml_str(spec.output)}"]
    out += ["", "[backward]", f"dout = {toml_value(sc.dout)}", "", "[train]", f"lr = {sc.lr!r}"]
    if expect:
        out += ["", "[expect]"] + [f"{_toml_str(k)} = {toml_value(v)}" for k, v in expect.items()]
    return "\n".join(out) + "\n"
