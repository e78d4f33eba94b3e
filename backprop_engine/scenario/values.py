"""Reading one value: a number, a nested list or an init table, as float64.

Also the checks a value must pass beyond its form: the element limit, and
class labels in range (which the app's edit dialog applies too).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .model import Scenario

MAX_ELEMENTS = 10_000_000
INIT_KEYS = {  # the keys each init takes besides init, shape and seed
    "normal": ("mean", "std"), "uniform": ("low", "high"), "randint": ("low", "high"),
    "zeros": (), "ones": (),
}


class NotFinite(ValueError):
    """A number that is nan or infinite (a literal such as 1e400 overflows to
    inf): the loader and the edit dialog refuse it."""


def not_finite(a: np.ndarray) -> str | None:
    """Which number of ``a`` is not finite, the first one ("inf", "nan at
    [0, 1]"), or None when every number is finite."""
    bad = np.flatnonzero(~np.isfinite(a))
    if not bad.size:
        return None
    at = np.unravel_index(bad[0], a.shape)
    first = repr(float(a[at]))
    return first + (f" at [{', '.join(map(str, at))}]" if a.ndim else "")


def _finite(a: np.ndarray, where: str, drawn: bool = False) -> np.ndarray:
    which = not_finite(a)
    if which:
        hint = ("" if "inf" not in which else " (a draw beyond ±1.8e308: try a smaller mean or std)"
                if drawn else " (a literal beyond ±1.8e308, such as 1e400, reads as inf)")
        raise NotFinite(f"{where}: not finite ({which}): every number must be finite{hint}")
    return a


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
    """An init table's parameter: a finite number."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{where}: {v!r} is not a number")
    try:
        x = float(v)
    except OverflowError:  # a whole number of more than 308 digits
        x = math.inf if v > 0 else -math.inf
    if not math.isfinite(x):
        raise NotFinite(f"{where} must be a finite number, got {x!r}")
    return x


def _init(table: dict, where: str, rng: Callable[[], np.random.Generator]) -> np.ndarray:
    kind = table.get("init")
    if not isinstance(kind, str) or kind not in INIT_KEYS:  # a list or a table is unhashable
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
    return _finite(_draw(kind, p, draw, shape, where), where, drawn=True)  # a huge std can draw inf


def _draw(kind: str, p: dict[str, float], draw: np.random.Generator, shape: tuple, where: str) -> np.ndarray:
    if kind == "normal":
        if p.get("std", 1.0) < 0:
            raise ValueError(f"{where}: std must be >= 0, got {p['std']:g}")
        return draw.normal(p.get("mean", 0.0), p.get("std", 1.0), shape)
    if kind == "uniform":
        low, high = p.get("low", 0.0), p.get("high", 1.0)
        if not math.isfinite(high - low):
            raise NotFinite(f"{where}: high - low is not finite ({high:g} - {low:g} overflows): "
                            f"keep it within ±1.8e308")
        return draw.uniform(low, high, shape)
    if kind == "randint":
        if "high" not in p:
            raise ValueError(f"{where}: randint needs high (exclusive)")
        low, high = p.get("low", 0.0), p["high"]
        if low != int(low) or high != int(high) or high <= low:
            raise ValueError(f"{where}: randint needs whole numbers low < high, got {low:g}, {high:g}")
        try:
            return draw.integers(int(low), int(high), shape).astype(np.float64)
        except ValueError as e:  # beyond int64: "high is out of bounds for int64"
            raise ValueError(f"{where}: randint: {e}") from None
    return (np.zeros if kind == "zeros" else np.ones)(shape)


def parse_value(v, where: str, rng: Callable[[], np.random.Generator] | None = None,
                finite: bool = True) -> np.ndarray:
    """A number, a nested list or an init table, as a float64 array. ``rng``
    gives the generator an init table without a seed of its own draws from.
    A number that is nan or infinite raises ``NotFinite`` unless not ``finite``
    (``[expect]`` may name inf: the check then fails, as inf - inf is nan)."""
    if isinstance(v, dict):
        if rng is None:
            raise ValueError(f"{where}: an init table is not allowed here")
        return _init(v, where, rng)
    shape = _shape_of(v, where)
    _too_big(shape, where)
    try:
        a = np.array(v, dtype=np.float64)
    except OverflowError:  # a whole number of more than 308 digits: float64 has no room for it
        raise NotFinite(f"{where}: not finite (a whole number beyond ±1.8e308): "
                        f"every number must be finite") from None
    return _finite(a, where) if finite else a


def label_problem(labels: np.ndarray, name: str, x_shape: tuple) -> str | None:
    """What is wrong with the labels of SoftmaxWithLoss for an x of ``x_shape``,
    if anything: one-hot rows of x's shape (0s and one 1), else whole numbers 0
    to C - 1, C being x's last axis."""
    classes = x_shape[-1]
    if labels.shape == tuple(x_shape):
        rows = labels.reshape(-1, classes)
        bad = np.flatnonzero(~(((rows == 0) | (rows == 1)).all(axis=1) & (rows.sum(axis=1) == 1)))
        if bad.size:
            row = ", ".join(f"{v:g}" for v in rows[bad[0]][:8]) + (", ..." if classes > 8 else "")
            return (f"row {bad[0]} of {name!r} ([{row}]) is not one-hot: "
                    f"a label row is 0s and one 1 (or give whole-number labels, one per row)")
        return None
    bad = labels[(labels != np.round(labels)) | (labels < 0) | (labels >= classes)]
    if bad.size:
        return (f"label {bad.flat[0]:g} in {name!r} is out of range: "
                f"labels are whole numbers 0 to {classes - 1}")
    return None


def leaf_problem(sc: Scenario, name: str, value: np.ndarray) -> str | None:
    """Why ``value``, of leaf ``name``'s shape, cannot replace it (labels out
    of range or rows not one-hot, as the loader refuses them), if it cannot."""
    for spec in sc.layers:
        x, t = spec.inputs[0], spec.inputs[-1]
        if spec.type == "SoftmaxWithLoss" and t == name:
            return label_problem(value, name, sc.shapes[x])
    return None
