"""The ``[data]`` table (book 5.7.4): checked like the other sections, into
the same ``Problems``; its x and t join the leaves before the layers are checked.
``backprop_engine.data`` (with ``zipfile``) is imported only for a scenario
that has the table: most have none, and the app's start does without it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .check import NAME, Graph, Leaves, Problems, _closest, check_keys
from .values import _whole

if TYPE_CHECKING:
    from ..data import DataSet, DataSpec


def check_data(doc: dict, leaves: Leaves, seed: int, path, problems: Problems) -> tuple[DataSet | None, Leaves]:
    """The data set, and the leaves with its x (a value) and t (a constant)
    holding the first batch of epoch 1, ahead of the file's own leaves."""
    if "data" not in doc:
        return None, leaves
    from ..data import DATA_KEYS
    table = check_keys(doc, "data", DATA_KEYS, problems)
    spec = _data_spec(table, leaves, problems)
    data = spec and _data_set(spec, path, seed, problems)
    if not data:  # x and t are refused: no second problem about them
        named = {n for n in (table.get("x", "x"), table.get("t", "t")) if isinstance(n, str)}
        return None, leaves._replace(unknown=leaves.unknown | named)
    x, t = data.batch(0)
    return data, Leaves({spec.x: x, spec.t: t, **leaves.values}, leaves.constants | {spec.t}, leaves.unknown)


def _data_set(spec: DataSpec, path, seed: int, problems: Problems) -> DataSet | None:
    from ..data import BUNDLED_SETS, DataError, DataSet
    file = BUNDLED_SETS.get(spec.source)
    if file is None and not spec.source.endswith(".npz"):
        problems.add(f"data.source: unknown bundled data set {spec.source!r}{_closest(spec.source, BUNDLED_SETS)} "
                     f"(bundled: {', '.join(BUNDLED_SETS)}; a file needs a path ending in .npz)")
        return None
    try:
        return DataSet(spec, file or Path(path).parent / spec.source, seed)
    except DataError as e:
        problems.add(f"data.{e.key}: {e}")
        return None


def check_data_labels(data: DataSet | None, graph: Graph, problems: Problems) -> None:
    """Every label of the data set in range of the classes of the
    SoftmaxWithLoss that reads t (the first batch alone was checked with the layers)."""
    for spec in graph.layers if data else ():
        if spec.type == "SoftmaxWithLoss" and spec.inputs[1] == data.spec.t and not data.spec.one_hot:
            classes = graph.shapes[spec.inputs[0]][-1]
            if data.classes > classes:
                problems.add(f"data.source: label {data.classes - 1} is out of range for {spec.name!r}: "
                             f"its input {spec.inputs[0]!r} has {classes} classes (labels 0 to {classes - 1})")


def _data_spec(table: dict, leaves: Leaves, problems: Problems) -> DataSpec | None:
    from ..data import ARRAY_KEYS, BUNDLED_SETS, SAMPLINGS, DataSpec
    start = len(problems)
    source = table.get("source")
    if not isinstance(source, str) or not source:
        problems.add(f"data.source is required: a bundled set ({', '.join(BUNDLED_SETS)}) or a path to a .npz file")
        return None
    names = {}
    for k in ("x", "t"):
        name = table.get(k, k)
        if not isinstance(name, str) or not NAME.match(name):
            problems.add(f"data.{k}: {name!r} is not a valid name: use ASCII letters, digits and _")
        elif name in leaves.values or name in leaves.unknown:
            problems.add(f"data.{k}: {name!r} is filled by [data], so it must not also be in "
                         f"[values] or [constants]")
        names[k] = name
    if names.get("x") == names.get("t"):
        problems.add(f"data: x and t must be two different names, got {names['x']!r} for both")
    batch, test, one_hot = table.get("batch", 100), table.get("test", 0.2), table.get("one_hot", False)
    if not _whole(batch) or batch < 1:
        problems.add(f"data.batch must be a whole number >= 1, got {batch!r}")
    if isinstance(test, bool) or not isinstance(test, (int, float)) or not 0 <= test < 1:
        problems.add(f"data.test: the share held out for test must be a number from 0 up to 1 (not 1), got {test!r}")
    if not isinstance(one_hot, bool):
        problems.add(f"data.one_hot must be true or false, got {one_hot!r}")
    sampling = table.get("sampling", "epoch")
    if sampling not in SAMPLINGS:
        problems.add(f"data.sampling must be \"epoch\" (a fresh permutation per epoch) or \"choice\" (the book's "
                     f"np.random.choice per iteration), got {sampling!r}")
    arrays = table.get("arrays", {})
    if not isinstance(arrays, dict) or not all(isinstance(v, str) for v in arrays.values()):
        problems.add("data.arrays must be a table of role = array name, such as { x = \"x_train\", t = \"y_train\" }")
        arrays = {}
    for k in arrays:
        if k not in ARRAY_KEYS:
            problems.add(f"data.arrays: unknown key {k!r}{_closest(k, ARRAY_KEYS)} (keys: {', '.join(ARRAY_KEYS)})")
    if len(problems) > start:
        return None
    return DataSpec(source, names["x"], names["t"], batch, float(test), one_hot,
                    tuple((k, arrays.get(k, k)) for k in ARRAY_KEYS), sampling)
