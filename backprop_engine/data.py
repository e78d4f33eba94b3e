"""Real data for mini-batch training (5.7.4): the scenario's ``[data]`` table.

A data set fills one value (the inputs x) and one constant (the labels t)
batch by batch. Its arrays come from a ``.npz`` file, read with
``allow_pickle=False``: the bundled 8×8 digits, or a file such as the book's
MNIST (``mnist.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test``).
Everything a file could get wrong is found from the arrays' headers before
an array is read, so a 10 GB file is refused without reading it.

Rows stay in the file's dtype; a batch is gathered, then converted to float64
and scaled (integer pixels to [0, 1]), so the data set is never copied whole.
Batches are a function of the iteration number: epoch ``e`` is a permutation
of the training rows drawn from the generator seeded ``[seed, e]``, so
training that stops anywhere can be replayed to the same batch.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASETS = Path(__file__).parent / "datasets"
BUNDLED_SETS = {"digits": DATASETS / "digits.npz"}  # name -> file, arrays x and t
DIGITS_MAX = 16                 # the digits set counts ink in 0-16, not 0-255
MAX_DATA_ELEMENTS = 100_000_000  # per array of a data file (MNIST's x_train: 47 million)
MAX_BATCH = 10_000_000          # elements in a batch, as for any value (scenario.values.MAX_ELEMENTS)
DATA_KEYS = ("source", "x", "t", "batch", "test", "one_hot", "arrays", "sampling")
SAMPLINGS = ("epoch", "choice")  # a fresh permutation per epoch; the book's np.random.choice per iteration
ARRAY_KEYS = ("x", "t", "x_test", "t_test")


class DataError(ValueError):
    """A ``[data]`` table or file that cannot be used: one line; ``key``, the
    key of ``[data]`` it is about."""

    def __init__(self, message: str, key: str = "source"):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class DataSpec:
    """The ``[data]`` table, checked: what the writer writes back."""

    source: str                       # a bundled set's name, or a path as written
    x: str = "x"
    t: str = "t"
    batch: int = 100
    test: float = 0.2
    one_hot: bool = False
    arrays: tuple[tuple[str, str], ...] = tuple((k, k) for k in ARRAY_KEYS)  # role -> name in the file
    sampling: str = "epoch"           # one of SAMPLINGS

    @property
    def names(self) -> dict[str, str]:
        return dict(self.arrays)


def _header(zf: zipfile.ZipFile, member: str) -> tuple[tuple, np.dtype]:
    """The shape and dtype an ``.npy`` member declares, read from its header only."""
    with zf.open(member) as f:
        version = np.lib.format.read_magic(f)
        read = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read is None:
            raise DataError(f"array {member[:-4]!r}: .npy format version {version[0]}.{version[1]} "
                            f"is not supported (1.0 and 2.0 are)")
        shape, _, dtype = read(f)
    return shape, dtype


def _headers(path: Path) -> dict[str, tuple[tuple, np.dtype]]:
    try:
        with zipfile.ZipFile(path) as zf:
            return {m[:-4]: _header(zf, m) for m in zf.namelist() if m.endswith(".npy")}
    except DataError:  # a ValueError too: said as it is, not as "not a .npz file"
        raise
    except FileNotFoundError:
        raise DataError(f"no such data file {str(path)!r}") from None
    except IsADirectoryError:
        raise DataError(f"{str(path)!r} is a directory, not a .npz file") from None
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise DataError(f"{str(path)!r} is not a .npz file (a zip of .npy arrays): {e}") from None
    except OSError as e:
        raise DataError(f"cannot read {str(path)!r}: {e.strerror}") from None


def _check_array(role: str, name: str, shape: tuple, dtype: np.dtype) -> None:
    where = f"array {name!r} ({role})"
    if dtype.hasobject:
        raise DataError(f"{where} holds Python objects (a pickled array): refused; "
                        f"only arrays of numbers are read (allow_pickle=False)")
    if dtype.kind not in "buif":
        raise DataError(f"{where} has dtype {dtype}: only integers and floats are data")
    if math.prod(shape) > MAX_DATA_ELEMENTS:
        raise DataError(f"{where}: shape {shape} has {math.prod(shape):,} elements, "
                        f"more than the limit of {MAX_DATA_ELEMENTS:,} for a data array")
    if role.startswith("t") and len(shape) != 1:
        raise DataError(f"{where}: labels must be one whole number per row, shape (N,), got {shape}")
    if role.startswith("x") and len(shape) < 2:
        raise DataError(f"{where}: inputs need a row per sample, shape (N, ...), got {shape}")


def _finite(x: np.ndarray, name: str) -> np.ndarray:
    """Inputs refused if a float is nan or infinite, as any value of a scenario is."""
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        at = np.unravel_index(np.flatnonzero(~np.isfinite(x))[0], x.shape)
        raise DataError(f"array {name!r}: not finite ({float(x[at])!r} at [{', '.join(map(str, at))}]): "
                        f"every number must be finite")
    return x


def _labels(t: np.ndarray, name: str) -> np.ndarray:
    """Labels as int64, refused unless whole numbers >= 0."""
    if t.dtype.kind == "f":
        bad = t[(t != np.round(t)) | ~np.isfinite(t)]
        if bad.size:
            raise DataError(f"array {name!r}: label {bad[0].item()!r} is not a whole number")
    if t.size and t.min() < 0:
        raise DataError(f"array {name!r}: label {t.min().item()!r} is out of range: labels are whole numbers >= 0")
    return t.astype(np.int64)


def _declared(spec: DataSpec, path: Path) -> dict[str, tuple]:
    """The shapes of the arrays the data set uses, by role (x, t and, when the
    file has them, x_test and t_test), every refusal found from the headers."""
    names, headers = spec.names, _headers(path)
    have = {role: names[role] for role in ARRAY_KEYS if names[role] in headers}
    for role in ("x_test", "t_test"):  # optional, unless the scenario names them
        if names[role] != role and role not in have:
            raise DataError(f"{str(path)!r} has no array {names[role]!r} ({role}); it has "
                            f"{', '.join(map(repr, headers)) or 'none'}", "arrays")
    for role in ("x", "t"):
        if role not in have:
            raise DataError(f"{str(path)!r} has no array {names[role]!r} ({role}); it has "
                            f"{', '.join(map(repr, headers)) or 'none'}", "arrays" if names[role] != role else "source")
    if ("x_test" in have) != ("t_test" in have):
        has, missing = ("x_test", "t_test") if "x_test" in have else ("t_test", "x_test")
        raise DataError(f"{str(path)!r} has no array {names[missing]!r} ({missing}), "
                        f"though it has {names[has]!r} ({has})")
    for role, name in have.items():
        _check_array(role, name, *headers[name])
    shapes = {role: headers[name][0] for role, name in have.items()}
    for x, t in (("x", "t"), ("x_test", "t_test")):
        if x in shapes and shapes[x][0] != shapes[t][0]:
            raise DataError(f"arrays {names[x]!r} and {names[t]!r}: inputs and labels of different "
                            f"lengths ({shapes[x][0]:,} and {shapes[t][0]:,} rows)")
    if "x_test" in shapes and shapes["x_test"][1:] != shapes["x"][1:]:
        raise DataError(f"arrays {names['x']!r} and {names['x_test']!r}: rows of different shapes "
                        f"({shapes['x'][1:]} and {shapes['x_test'][1:]})")
    return shapes


def _read(path: Path, names: dict[str, str], has_test: bool) -> tuple:
    """x, the labels and (x_test, labels) or None, read from the file; a file
    whose headers were fine but whose data is cut or corrupt is one line."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            x, t = _finite(npz[names["x"]], names["x"]), _labels(npz[names["t"]], names["t"])
            test = None if not has_test else (
                _finite(npz[names["x_test"]], names["x_test"]), _labels(npz[names["t_test"]], names["t_test"]))
    except DataError:
        raise
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as e:
        raise DataError(f"{str(path)!r}: cannot read its arrays: {e}") from None
    return x, t, test


def _flat(x: np.ndarray, rows: int, features: int, path: Path) -> tuple[np.ndarray, float]:
    """Inputs as (rows, features) in the file's dtype, and what a batch of
    them is divided by: integers by their dtype's maximum (the bundled digits,
    counts 0-16, by 16), floats by 1."""
    if x.dtype.kind == "b":
        x = x.view(np.uint8)
    scale = 1.0
    if x.dtype.kind in "ui":
        scale = float(DIGITS_MAX if path == BUNDLED_SETS["digits"] else np.iinfo(x.dtype).max)
    return x.reshape(rows, features), scale


class DataSet:
    """The arrays of a data set, split into training and test rows, and the
    batch each training iteration draws."""

    def __init__(self, spec: DataSpec, path: Path, seed: int):
        self.spec, self.path, self.seed = spec, path, seed
        names, shapes = spec.names, _declared(spec, path)  # every refusal from the headers, first
        rows, self.image_shape = shapes["x"][0], shapes["x"][1:]
        self.features = math.prod(self.image_shape)
        n_test = 0 if "x_test" in shapes else round(rows * spec.test)
        if rows - n_test < spec.batch:
            raise DataError(f"batch {spec.batch} is more than the {rows - n_test:,} training rows"
                            + (f" ({rows:,} rows, {n_test:,} held out for test)" if n_test else ""), "batch")
        if spec.batch * self.features > MAX_BATCH:
            raise DataError(f"batch {spec.batch} of {self.features:,} features is "
                            f"{spec.batch * self.features:,} elements, more than the limit of {MAX_BATCH:,}", "batch")
        x, self.t, test = _read(path, names, "x_test" in shapes)
        self.x, self.scale = _flat(x, rows, self.features, path)
        if test is None:
            order = np.random.default_rng(seed).permutation(rows)
            self.test_rows, self.train_rows = np.sort(order[:n_test]), np.sort(order[n_test:])
            (self.x_test, self.test_scale), self.t_test = (self.x, self.scale), self.t
        else:
            self.train_rows, self.test_rows = np.arange(rows), np.arange(len(test[1]))
            (self.x_test, self.test_scale), self.t_test = _flat(test[0], len(test[1]), self.features, path), test[1]
        labels = [self.t[self.train_rows], self.t_test[self.test_rows]]
        self.classes = int(max(int(a.max()) for a in labels if a.size)) + 1
        if spec.one_hot and spec.batch * self.classes > MAX_BATCH:  # refused before allocating
            raise DataError(f"label {self.classes - 1:,} needs one-hot rows of {self.classes:,} entries: a batch "
                            f"of them is more than the limit of {MAX_BATCH:,} elements", "one_hot")
        for a in (self.x, self.t, self.x_test, self.t_test, self.train_rows, self.test_rows):
            a.setflags(write=False)  # handed out (sets, rows): nobody writes into them
        self._epoch: tuple[int, np.ndarray | None] = (-1, None)


    # -- sizes -------------------------------------------------------------
    @property
    def per_epoch(self) -> int:
        """Iterations per epoch: whole batches only (a last partial one is left out)."""
        return len(self.train_rows) // self.spec.batch

    def epoch(self, iteration: int) -> int:
        """The epoch (from 0) that iteration ``iteration`` (from 0) belongs to."""
        return iteration // self.per_epoch

    # -- batches -----------------------------------------------------------
    def _order(self, epoch: int) -> np.ndarray:
        """The training rows in epoch ``epoch``'s order (the last epoch asked is kept)."""
        if self._epoch[0] != epoch:
            order = np.random.default_rng([self.seed, epoch]).permutation(len(self.train_rows))
            rows = self.train_rows[order]
            rows.setflags(write=False)  # rows() hands out views of it
            self._epoch = (epoch, rows)
        return self._epoch[1]

    def rows(self, iteration: int) -> np.ndarray:
        """The data rows of iteration ``iteration``'s batch (from 0: the first batch of epoch 1).
        ``sampling = "choice"``: as the book's train_neuralnet.py, ``batch``
        training rows drawn with replacement each iteration, seeded by it."""
        if self.spec.sampling == "choice":
            picked = np.random.default_rng([self.seed, iteration]).choice(len(self.train_rows), self.spec.batch)
            return self.train_rows[picked]
        k = iteration % self.per_epoch * self.spec.batch
        return self._order(self.epoch(iteration))[k:k + self.spec.batch]

    def inputs(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Rows of ``x`` (the training or the test array) as float64, scaled."""
        scale = self.scale if x is self.x else self.test_scale
        out = x[rows].astype(np.float64, copy=False)  # x[rows] is a new array of our own
        if scale != 1.0:
            out /= scale  # in place into that new array: no second copy
        return out

    def targets(self, t: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Labels of ``rows`` as float64: whole numbers, or one-hot rows."""
        labels = t[rows]
        if not self.spec.one_hot:
            return labels.astype(np.float64)
        onehot = np.zeros((len(labels), self.classes))
        onehot[np.arange(len(labels)), labels] = 1.0
        return onehot

    def batch(self, iteration: int) -> tuple[np.ndarray, np.ndarray]:
        """x and t of iteration ``iteration``'s batch."""
        rows = self.rows(iteration)
        return self.inputs(self.x, rows), self.targets(self.t, rows)

    def sets(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """For accuracy: "train" and "test", each (raw inputs, labels, row
        indices); no test set when ``test = 0``."""
        out = {"train": (self.x, self.t, self.train_rows)}
        if len(self.test_rows):
            out["test"] = (self.x_test, self.t_test, self.test_rows)
        return out
