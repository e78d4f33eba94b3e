"""Writing a scenario back as TOML: the app's save, with full precision."""

from __future__ import annotations

import numpy as np

from .model import Scenario
from .values import not_finite


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
    numbers to keep (default: the scenario's own). Raises ``ValueError``,
    naming the value, when a leaf or dout is not finite."""
    for name, a in (*sc.leaves.items(), ("[backward] dout", sc.dout)):
        which = not_finite(a)
        if which:  # the loader would refuse the file: training that diverged, say
            raise ValueError(f"{name} is not finite ({which}): a scenario file holds finite numbers only")
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
    if set(sc.trained) != set(sc.params):  # the default, all of [values], is not written
        out += [f"params = [{', '.join(map(_toml_str, sc.trained))}]"]
    if expect:
        out += ["", "[expect]"] + [f"{_toml_str(k)} = {toml_value(v)}" for k, v in expect.items()]
    return "\n".join(out) + "\n"
