"""Writing a scenario back as TOML: the app's save, with full precision."""

from __future__ import annotations

import os
from pathlib import Path

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


def _data_lines(sc: Scenario, folder: Path | None) -> list[str]:
    """The ``[data]`` table as read, its defaults left out; a file source as a
    path relative to ``folder``, where the scenario is written (without one,
    an absolute path), so that the saved scenario finds its data."""
    from ..data import BUNDLED_SETS, DataSpec  # (imported with [data])
    spec, data = sc.data.spec, sc.data
    source = spec.source
    if source not in BUNDLED_SETS:
        file = Path(data.path).resolve()
        source = str(file) if folder is None else os.path.relpath(file, Path(folder).resolve())
    lines = [f"source = {_toml_str(source)}"]
    defaults = DataSpec(spec.source)
    for key in ("x", "t", "batch", "test", "one_hot", "sampling"):
        v = getattr(spec, key)
        if v != getattr(defaults, key):  # a string quoted, a bool as TOML's true/false, a number as it is
            lines.append(f"{key} = {_toml_str(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else repr(v)}")
    renamed = [(k, v) for k, v in spec.arrays if k != v]
    if renamed:
        lines.append(f"arrays = {{ {', '.join(f'{k} = {_toml_str(v)}' for k, v in renamed)} }}")
    return lines


def to_toml(sc: Scenario, expect: dict[str, np.ndarray] | None = None, folder: Path | None = None) -> str:
    """The scenario as a TOML file that loads back to the same numbers. Init
    tables are written out as the arrays they drew. ``expect``: the golden
    numbers to keep (default: the scenario's own); ``folder``: where the file
    goes (a data file's path is written relative to it). Raises ``ValueError``,
    naming the value, when a leaf or dout is not finite."""
    for name, a in (*sc.leaves.items(), ("[backward] dout", sc.dout)):
        which = not_finite(a)
        if which:  # the loader would refuse the file: training that diverged, say
            raise ValueError(f"{name} is not finite ({which}): a scenario file holds finite numbers only")
    expect = sc.expect if expect is None else expect
    out = [f"title = {_toml_str(sc.title)}"]
    out += [f"{k} = {_toml_str(v)}" for k, v in (("description", sc.description),
                                                  ("reference", sc.reference)) if v]
    filled = (sc.data.spec.x, sc.data.spec.t) if sc.data else ()  # [data] fills them: never written
    if sc.data:
        out += [f"seed = {sc.data.seed}"] if sc.data.seed else []  # it draws the split and the batches
        out += ["", "[data]", *_data_lines(sc, folder)]
    for section, names in (("values", [n for n in sc.params if n not in filled]),
                           ("constants", [n for n in sc.leaves if n in sc.constants and n not in filled])):
        if names:
            out += ["", f"[{section}]"] + [f"{n} = {toml_value(sc.leaves[n])}" for n in names]
    for spec in sc.layers:
        out += ["", "[[layers]]", f"name = {_toml_str(spec.name)}", f"type = {_toml_str(spec.type)}",
                f"inputs = [{', '.join(map(_toml_str, spec.inputs))}]", f"output = {_toml_str(spec.output)}"]
    # [backward] and [train] only where they differ from the defaults (dout 1, lr 0.1, all of [values])
    if not (np.ndim(sc.dout) == 0 and float(sc.dout) == 1.0):
        out += ["", "[backward]", f"dout = {toml_value(sc.dout)}"]
    train = [f"lr = {sc.lr!r}"] * (sc.lr != 0.1)
    if set(sc.trained) != set(sc.params) - set(filled):
        train += [f"params = [{', '.join(map(_toml_str, sc.trained))}]"]
    out += ["", "[train]", *train] if train else []
    if expect:
        out += ["", "[expect]"] + [f"{_toml_str(k)} = {toml_value(v)}" for k, v in expect.items()]
    return "\n".join(out) + "\n"


# -- what replacing a file loses ---------------------------------------------------

def comment_lines(text: str) -> int:
    """How many lines of a TOML text hold a comment: a # outside any string."""
    count, quote = 0, None  # quote: the string being read ('"', "'", '\"\"\"' or "'''"), if any
    for line in text.splitlines():
        k, commented = 0, False
        while k < len(line) and not commented:
            if quote is None:
                if line.startswith(('"""', "'''"), k):
                    quote, k = line[k:k + 3], k + 3
                    continue
                if line[k] in "\"'":
                    quote = line[k]
                elif line[k] == "#":
                    commented = True
            elif line.startswith(quote, k):
                k, quote = k + len(quote), None
                continue
            elif line[k] == "\\" and quote in ('"', '"""'):
                k += 1  # an escaped character
            k += 1
        if quote in ('"', "'"):
            quote = None  # a one-line string ends with its line
        count += commented
    return count


def _keys(doc: dict, prefix: str = "") -> dict[str, object]:
    """Every dotted key of a parsed TOML document and its value (tables opened)."""
    out = {}
    for k, v in doc.items():
        name = f"{prefix}{k}"
        out[name] = v
        if isinstance(v, dict):
            out.update(_keys(v, name + "."))
    return out


def lost_in_replacing(old: str, new: str) -> dict[str, object]:
    """What writing ``new`` over a scenario file holding ``old`` would lose or
    change, for the question asked before: ``comments`` (lines), ``dropped``
    ([expect] keys the new file leaves out: no longer true), ``drawn`` (values
    given as an init table, written out as the numbers they drew), ``added``
    (tables only the new one has). Keys left out because they hold their
    default (seed 0, batch 100) mean the same and are not listed. Empty when
    ``old`` is no TOML: it is not a scenario, and it is replaced whole."""
    import tomllib  # only for a save over a file
    try:
        before, after = _keys(tomllib.loads(old)), _keys(tomllib.loads(new))
    except tomllib.TOMLDecodeError:
        return {}
    drawn = sorted(k.split(".", 1)[1] for k, v in before.items()
                   if k.startswith("values.") and k.count(".") == 1 and isinstance(v, dict) and "init" in v)
    return {"comments": comment_lines(old),
            "dropped": [k.removeprefix("expect.") for k in before if k.startswith("expect.") and k not in after],
            "drawn": drawn,
            "added": [k for k, v in after.items() if isinstance(v, dict) and "." not in k and k not in before]}
