"""Numbers and shapes as the explanations write them."""

from __future__ import annotations

import numpy as np

FULL = None  # precision for "full": the shortest repr that round-trips


def num(v: float, precision: int | None) -> str:
    """One number at ``precision`` significant digits (220.00000000000003 -> 220)."""
    v = float(v)
    if precision is FULL or not np.isfinite(v):
        return repr(v)
    s = f"{v:.{precision}g}".replace("e-0", "e-").replace("e+0", "e+")  # 1e-5, not 1e-05
    return "0" if s == "-0" else s


def shape_str(shape: tuple, tr) -> str:
    """(2, 3), (3,) or the word for a scalar in the catalog ``tr``'s language."""
    return tr("scalar") if shape == () else "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def short(a, precision: int | None, tr) -> str:
    """A scalar's number, or an array's shape: what fits on an arrow or a line."""
    a = np.asarray(a)
    return num(a, precision) if a.ndim == 0 else shape_str(a.shape, tr)


def d(name: str) -> str:
    """The gradient of the final output L with respect to ``name``."""
    return f"∂L/∂{name}"


EDGE = 3  # entries kept at each end of an elided axis


def array_str(a, precision: int | None) -> str:
    """A compact one-or-more-line text of an array (a scalar's number), elided
    like numpy's printing when large."""
    a = np.asarray(a)
    if a.ndim == 0:
        return num(a, precision) if a.dtype != bool else str(bool(a))
    fmt = {"float_kind": lambda v: num(v, precision), "bool": lambda v: "T" if v else "F"}
    return np.array2string(a, formatter=fmt, threshold=2 * EDGE * EDGE, edgeitems=EDGE, max_line_width=60)


def first_rounded(named, precision: int) -> tuple[str, str, str] | None:
    """The first of ``named`` ((name, array) pairs, in the order shown) with an
    entry whose full repr differs from its ``precision``-digit form: (the
    name and entry, in full, as shown), or None when every number is exact."""
    for name, a in named:
        a = np.asarray(a)
        if a.dtype == bool:
            continue
        for index, v in np.ndenumerate(a):
            rounded = num(v, precision)
            if np.isfinite(v) and float(rounded) != v:  # the digits shown are another number
                full = num(v, FULL)
                at = "" if a.ndim == 0 else "[" + ", ".join(map(str, index)) + "]"
                return f"{name}{at}", full, rounded
    return None
