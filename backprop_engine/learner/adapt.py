"""The child's side of a call: the book's interface adapted to the engine's.

The engine's layers are stateless (``forward`` returns what the book keeps on
``self``); the learner's classes keep state. So every call makes one fresh
object, runs ``forward`` on the inputs and, for a backward call, ``backward``
on the same object. Every array handed to the learner's code is a fresh,
writable copy and is compared afterwards with the value it was given, so a
write into it (the book's ``dout[self.mask] = 0``) is reported, never passed on.

This module runs only in the child process (see ``child.py``); nothing here
is sent back but plain float64 arrays, numbers and strings.
"""

from __future__ import annotations

import io
import os
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import numpy as np

# the engine's inputs of each layer type, by the book's names, in the engine's order
INPUTS = {"Mul": ("x", "y"), "Add": ("x", "y"), "Relu": ("x",), "Sigmoid": ("x",),
          "Affine": ("x", "W", "b"), "SoftmaxWithLoss": ("x", "t")}
BOOK_NAMES = {"Mul": "MulLayer", "Add": "AddLayer", "Relu": "Relu", "Sigmoid": "Sigmoid",
              "Affine": "Affine", "SoftmaxWithLoss": "SoftmaxWithLoss"}
_MATCHES = {**{n.lower(): t for t, n in BOOK_NAMES.items()}, "mul": "Mul", "add": "Add"}
PRINT_LIMIT = 10_000  # characters of the learner's prints kept per call
FRAME_LIMIT = 10  # the last frames of a traceback kept (a RecursionError has ~1000)


class Failure(Exception):
    """A return value the engine cannot use: one line that names class and method."""


def find_classes(namespace: dict) -> dict[str, str]:
    """Canonical type -> the class name found, matched case-insensitively.

    With several candidates (``MulLayer`` and ``Mul``, ``Sigmoid`` and
    ``sigmoid``), the book's spelling wins, then ``Mul``/``Add``, then the
    first in alphabetical order. Only classes count (the book's
    ``common/functions.py`` has a *function* ``sigmoid``)."""
    def rank(name):
        return (name not in BOOK_NAMES.values(), name not in ("Mul", "Add"), name)

    found: dict[str, str] = {}
    for name, obj in namespace.items():
        kind = _MATCHES.get(name.lower()) if isinstance(obj, type) else None
        if kind and (kind not in found or rank(name) < rank(found[kind])):
            found[kind] = name
    return {t: found[t] for t in INPUTS if t in found}


# -- describing what went wrong ----------------------------------------------------

def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def describe_exception(e: BaseException, path: str = "") -> str:
    """``ZeroDivisionError: division by zero``; a SyntaxError by its line, the
    path left out when it is the learner's own file."""
    if isinstance(e, SyntaxError):
        where = f"line {e.lineno}"
        if e.filename and path and os.path.abspath(e.filename) != path:
            where = f"{os.path.basename(e.filename)}, {where}"
        return f"{type(e).__name__}: {one_line(str(e.msg))} ({where})"
    try:
        text = one_line(str(e))
    except Exception:  # a learner's exception whose __str__ fails
        text = ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def learner_frames(tb, path: str) -> tuple[tuple[str, int, str, str], ...]:
    """The traceback's frames in the learner's file: (file name, line,
    function, code line), the last ``FRAME_LIMIT`` of them, last frames last."""
    name = os.path.basename(path)
    frames = [(name, f.lineno or 0, f.name, (f.line or "").strip())
              for f in traceback.extract_tb(tb) if f.filename == path]
    return tuple(frames[-FRAME_LIMIT:])


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        n = len(value)
        return f"a {type(value).__name__} of {n} value{'s' * (n != 1)}"
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype}"
    return f"a {type(value).__name__}"


def as_array(value, where: str) -> np.ndarray:
    """A number or a numeric array as a new plain float64 ndarray; anything
    else is a Failure: ``<where> a str, not an array``."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return np.array(value, dtype=np.float64)
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        try:
            return np.array(value, dtype=np.float64)
        except OverflowError:
            raise Failure(f"{where} a number too large for a float") from None
    raise Failure(f"{where} {_kind(value)}, not an array")


# -- the call ----------------------------------------------------------------------

class Capture(io.TextIOBase):
    """stdout and stderr of the learner's code during one call, the first
    PRINT_LIMIT characters kept."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        if self.size < PRINT_LIMIT:
            self.parts.append(s[:PRINT_LIMIT - self.size])
        self.size += len(s)
        return len(s)

    def text(self) -> str:
        more = self.size - PRINT_LIMIT
        return "".join(self.parts) + (f"\n… ({more} more characters)" if more > 0 else "")


@dataclass
class Handed:
    """What the learner's code gets: constructor and forward arguments, dout,
    every one of them by its book name, and whether a 1-D x was made one row."""

    init: tuple
    args: tuple
    dout: np.ndarray | None
    named: dict
    one_row: bool = False


def _one_hot(t: np.ndarray, x2d: np.ndarray, x_shape: tuple) -> np.ndarray:
    if t.shape == x_shape:
        return t.reshape(x2d.shape)
    onehot = np.zeros_like(x2d)
    onehot[np.arange(len(x2d)), t.reshape(-1).astype(np.intp)] = 1.0
    return onehot


def hand(type_: str, inputs: tuple, dout) -> Handed:
    """Fresh writable float64 copies of the inputs (and dout), adapted to the
    book's interface: Affine and SoftmaxWithLoss take a 1-D x as one row,
    SoftmaxWithLoss takes t one-hot."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    d = None if dout is None else np.array(dout, dtype=np.float64)
    x = arrays[0]
    one_row = type_ in ("Affine", "SoftmaxWithLoss") and x.ndim == 1
    if one_row:
        x = x.reshape(1, -1)
        if d is not None and d.ndim == 1:
            d = d.reshape(1, -1)
    if type_ == "SoftmaxWithLoss":
        t = _one_hot(arrays[1], x, arrays[0].shape)
        return Handed((), (x, t), d, {"x": x, "t": t, "dout": d}, one_row)
    named = dict(zip(INPUTS[type_], [x, *arrays[1:]]), dout=d)
    if type_ == "Affine":
        return Handed(tuple(arrays[1:]), (x,), d, named, one_row)
    return Handed((), (x, *arrays[1:]), d, named, one_row)


def _unrow(a: np.ndarray, one_row: bool) -> np.ndarray:
    return a[0] if one_row and a.ndim == 2 and a.shape[0] == 1 else a


def _gradients(type_: str, name: str, obj, raw, one_row: bool) -> tuple:
    """backward's return (and Affine's dW, db) as one gradient per engine input."""
    where = f"{name}.backward"
    if type_ in ("Mul", "Add"):
        if not isinstance(raw, (tuple, list)) or len(raw) != 2:
            raise Failure(f"{where} returned {_kind(raw)}, not 2 values (dx, dy)")
        return tuple(as_array(g, f"{where}: {n} is") for g, n in zip(raw, ("dx", "dy")))
    if isinstance(raw, (tuple, list)):
        if type_ == "Affine":
            raise Failure(f"{where} returned {_kind(raw)}; Affine.backward returns dx "
                          "(dW and db are set on self)")
        raise Failure(f"{where} returned {_kind(raw)}, not one array (dx)")
    dx = _unrow(as_array(raw, f"{where} returned"), one_row)
    if type_ == "Affine":
        params = []
        for attr in ("dW", "db"):
            if not hasattr(obj, attr):
                raise Failure(f"{where} did not set self.{attr}")
            params.append(as_array(getattr(obj, attr), f"{where}: self.{attr} is"))
        params[1] = _unrow(params[1], one_row)  # db of a one-row dout (5.6.1's db = dout) back to (M,)
        return (dx, *params)
    return (dx, None) if type_ == "SoftmaxWithLoss" else (dx,)


def _run(cls, type_: str, handed: Handed, result: dict, printed: Capture) -> None:
    """The learner's code itself: the object, forward and (with dout) backward.
    A backward call judges backward alone: what forward wrote or printed
    was said at the forward step, so the arrays are copied, and the prints
    dropped, between the two."""
    name = cls.__name__
    obj = cls(*handed.init)
    out = obj.forward(*handed.args)
    if handed.dout is not None:
        result["before"] = {k: v.copy() for k, v in handed.named.items() if v is not None}
        printed.__init__()
    mask = getattr(obj, "mask", None) if type_ == "Relu" else None
    if isinstance(mask, np.ndarray) and mask.dtype.kind in "biuf":
        result["mask"] = np.array(mask)
    if handed.dout is None:
        result["outputs"] = (_unrow(as_array(out, f"{name}.forward returned"), handed.one_row),)
        return
    raw = obj.backward(handed.dout)
    result["outputs"] = _gradients(type_, name, obj, raw, handed.one_row)


def call(cls, type_: str, inputs: tuple, dout, path: str) -> dict:
    """One call of the learner's class, as the fields of ``runner.Call``."""
    try:
        handed = hand(type_, inputs, dout)
    except Exception as e:  # inputs the adapter cannot pass (the engine checks shapes first)
        return {"outputs": None, "error": f"cannot pass the inputs: {describe_exception(e)}"}
    before = {k: v.copy() for k, v in handed.named.items() if v is not None}
    result: dict = {"outputs": None}
    printed = Capture()
    try:
        with redirect_stdout(printed), redirect_stderr(printed):
            _run(cls, type_, handed, result, printed)
    except Failure as e:
        result["error"] = str(e)
    except BaseException as e:  # the learner's code: SystemExit too
        result["outputs"] = None
        result["error"] = describe_exception(e, path) + (
            " (t was handed as one-hot rows, as the notebook's SoftmaxWithLoss expects)"
            if type_ == "SoftmaxWithLoss" and isinstance(e, (IndexError, ValueError)) else "")
        result["frames"] = learner_frames(e.__traceback__, path)
    if result.get("error"):
        result["outputs"] = None
    result["printed"] = printed.text()
    before = result.pop("before", before)
    result["changed"] = tuple(k for k, v in before.items()
                              if not np.array_equal(handed.named[k], v, equal_nan=True))
    return result
