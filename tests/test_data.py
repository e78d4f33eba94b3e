"""The [data] table (5.7.4): its refusals through the command line, the seeded
split and the batches, the book's MNIST layout, the bundled digits learning,
--train over [data] as a table; the same refusals in this process (where the
mutation score sees them), each fault of the table and of the file's arrays,
training over [data], and a [data] scenario saved and loaded back."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from backprop_engine import ScenarioError, bundled, load
from backprop_engine.data import DataSet, DataSpec
from backprop_engine.scenario import from_dict, sniff, to_toml
from backprop_engine.train import MiniBatchSGD, accuracy, label_classes
from tests.test_cli import cli
from tui.i18n import ENGLISH
from tui.reports.train import BAR_AFTER, train_data

NET = """\
title = "A net on a data file"
[data]
source = "{source}"
batch = {batch}
{data}
[values]
W = {{ init = "normal", shape = [4, 3], std = 0.1 }}
b = {{ init = "zeros", shape = [3] }}
{values}
[[layers]]
type = "Affine"
inputs = ["x", "W", "b"]
output = "a"

[[layers]]
type = "SoftmaxWithLoss"
inputs = ["a", "t"]
output = "L"
{tail}
"""


def net(source: str, batch: int = 10, data: str = "", values: str = "", tail: str = "") -> str:
    """A scenario: x (4 features) from ``source`` through Affine into 3 classes."""
    return NET.format(source=source, batch=batch, data=data, values=values, tail=tail)


def header_only(path: Path, arrays: dict[str, tuple[tuple, str]]) -> None:
    """A .npz whose .npy members hold only a header declaring each shape: no data
    behind it, so reading any array fails, and the file is a few hundred bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, (shape, dtype) in arrays.items():
            with zf.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array_header_1_0(
                    f, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                        "shape": shape})


@pytest.fixture
def files(tmp_path) -> Path:
    """The data files the refusals read, in tmp_path."""
    rng = np.random.default_rng(0)
    x, t = rng.random((50, 4)), rng.integers(0, 3, 50)
    np.savez(tmp_path / "ok.npz", x=x, t=t)
    np.savez(tmp_path / "lengths.npz", x=x, t=t[:49])
    np.savez(tmp_path / "labels.npz", x=x, t=np.full(50, 5))
    np.savez(tmp_path / "test_labels.npz", x=x, t=t, x_test=x[:5], t_test=[0, 1, 2, 5, 0])
    np.savez(tmp_path / "pickled.npz", x=np.array([[1, 2, 3, 4]] * 50, dtype=object), t=t)
    (tmp_path / "text.npz").write_text("x,t\n1,2\n")
    np.savez(tmp_path / "negative.npz", x=x, t=np.where(np.arange(50) == 7, -1, t))
    np.savez(tmp_path / "fraction.npz", x=x, t=np.where(np.arange(50) == 7, 2.5, t))
    np.savez(tmp_path / "huge_label.npz", x=x, t=np.where(np.arange(50) == 7, 10**12, t))
    header_only(tmp_path / "cut.npz", {"x": ((20, 4), "<f8"), "t": ((20,), "<i8")})
    np.savez(tmp_path / "nan.npz", x=np.where(np.arange(200).reshape(50, 4) == 13, np.nan, x), t=t)
    header_only(tmp_path / "big_batch.npz", {"x": ((200, 100_001), "<f8"), "t": ((200,), "<i8")})
    header_only(tmp_path / "big_array.npz", {"x": ((10_001, 10_000), "|u1"), "t": ((10_001,), "<i8")})
    return tmp_path


LAYER2 = "layer 2 'softmaxwithloss1' (SoftmaxWithLoss)"
REFUSALS = {  # case: (the scenario, the one line after "error: <path>: "; {dir} is the files' folder)
    "missing file": (net("missing.npz"), "data.source: no such data file '{dir}/missing.npz'"),
    "missing array": (net("ok.npz", data='arrays = { x = "inputs" }'),
                      "data.arrays: '{dir}/ok.npz' has no array 'inputs' (x); it has 'x', 't'"),
    "named test array missing": (net("ok.npz", data='arrays = { x_test = "x_tst", t_test = "t_tst" }'),
                                 "data.arrays: '{dir}/ok.npz' has no array 'x_tst' (x_test); it has 'x', 't'"),
    "negative label": (net("negative.npz"), ("data.source: array 't': label -1 is out of range: labels are whole "
                                             "numbers >= 0")),
    "fractional label": (net("fraction.npz"), "data.source: array 't': label 2.5 is not a whole number"),
    "cut data": (net("cut.npz"), ("data.source: '{dir}/cut.npz': cannot read its arrays: EOF: reading array "
                                  "data, expected 640 bytes got 0")),
    "one-hot rows too wide": (net("huge_label.npz", data="one_hot = true"), (
        "data.one_hot: label 1,000,000,000,000 needs one-hot rows of 1,000,000,000,001 entries: a batch of them "
        "is more than the limit of 10,000,000 elements")),
    "lengths differ": (net("lengths.npz"), ("data.source: arrays 'x' and 't': inputs and labels of "
                                            "different lengths (50 and 49 rows)")),
    "labels out of range": (net("labels.npz"), (f"{LAYER2}: label 5 in 't' is out of range: labels are "
                                                "whole numbers 0 to 2")),
    "test labels out of range": (net("test_labels.npz"), ("data.source: label 5 is out of range for "
                                 "'softmaxwithloss1': its input 'a' has 3 classes (labels 0 to 2)")),
    "pickled array": (net("pickled.npz"), ("data.source: array 'x' (x) holds Python objects (a pickled "
                                           "array): refused; only arrays of numbers are read (allow_pickle=False)")),
    "not finite": (net("nan.npz"), ("data.source: array 'x': not finite (nan at [3, 1]): every number "
                                     "must be finite")),
    "not a npz": (net("text.npz"), ("data.source: '{dir}/text.npz' is not a .npz file (a zip of .npy "
                                    "arrays): File is not a zip file")),
    "not a npz path": (net("data.csv"), ("data.source: unknown bundled data set 'data.csv' (bundled: digits; "
                                         "a file needs a path ending in .npz)")),
    "unknown bundled set": (net("digit"), ("data.source: unknown bundled data set 'digit' (did you mean "
                                           "'digits'?) (bundled: digits; a file needs a path ending in .npz)")),
    "x in [values]": (net("ok.npz", values="x = [[1.0, 2.0, 3.0, 4.0]]"),
                      "data.x: 'x' is filled by [data], so it must not also be in [values] or [constants]"),
    "t in [constants]": (net("ok.npz", values="[constants]\nt = [0]"),
                         "data.t: 't' is filled by [data], so it must not also be in [values] or [constants]"),
    "params name x": (net("ok.npz", tail='[train]\nparams = ["W", "x"]'),
                      ("train.params: 'x' holds the inputs of [data]: it gets a gradient, but inputs are "
                       "never trained")),
    "batch over the training rows": (net("ok.npz", batch=41), ("data.batch: batch 41 is more than the 40 "
                                     "training rows (50 rows, 10 held out for test)")),
    "batch over 10,000,000": (net("big_batch.npz", batch=100), ("data.batch: batch 100 of 100,001 features "
                              "is 10,000,100 elements, more than the limit of 10,000,000")),
    "array over 100,000,000": (net("big_array.npz"), ("data.source: array 'x' (x): shape (10001, 10000) has "
                               "100,010,000 elements, more than the limit of 100,000,000 for a data array")),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_each_data_refusal_is_one_error_line_and_exit_2(files, case):
    """Every way [data] can be wrong is refused by the CLI with exactly one line, no traceback."""
    text, message = REFUSALS[case]
    path = files / "net.toml"
    path.write_text(text, encoding="utf-8")
    r = cli(path, "--train", "3")
    assert (r.returncode, r.stdout) == (2, ""), r.stdout
    assert r.stderr == f"error: {path}: {message.format(dir=files)}\n"


@pytest.mark.engine
def test_the_data_sets_arrays_are_read_only(files):
    """The arrays a data set hands out (sets, rows) cannot be written into, so
    no caller can corrupt later batches."""
    data = load(files / _write(files, net("ok.npz"))).data
    arrays = [data.rows(0), data.x, data.t, data.train_rows, data.test_rows]
    arrays += [a for _x, labels, rows in data.sets().values() for a in (labels, rows)]
    for a in arrays:
        with pytest.raises(ValueError, match="read-only"):
            a[0] = a[1]


def _write(folder: Path, text: str) -> str:
    (folder / "net.toml").write_text(text, encoding="utf-8")
    return "net.toml"


@pytest.mark.engine
def test_the_same_files_without_their_fault_load(files):
    """The refusals above are about the fault alone: ok.npz and its net load and train."""
    path = files / "net.toml"
    path.write_text(net("ok.npz", batch=40), encoding="utf-8")
    assert cli(path, "--train", "3").returncode == 0


@pytest.mark.engine
@pytest.mark.parametrize("source", ["big_batch.npz", "big_array.npz"])
def test_the_size_caps_refuse_before_reading_an_array(files, monkeypatch, source):
    """The 10,000,000-element batch and 100,000,000-element array caps come from the headers: no array is read."""
    def no_reading(*args, **kwargs):
        raise AssertionError("an array was read")
    monkeypatch.setattr(np, "load", no_reading)
    monkeypatch.setattr(np.lib.format, "read_array", no_reading)
    with pytest.raises(ScenarioError, match="more than the limit of"):
        from_dict(tomllib.loads(net(source, batch=100)), files / "net.toml")
    assert (files / source).stat().st_size < 1000  # the test wrote no big file


# -- the split and the batches ---------------------------------------------------

def data_set(files: Path, seed: int, batch: int = 10) -> DataSet:
    return DataSet(DataSpec("ok.npz", batch=batch), files / "ok.npz", seed)


@pytest.mark.engine
def test_the_split_is_seeded_disjoint_and_covers_every_row(files):
    """Same seed, same test rows; another seed, others; train and test rows never overlap and cover all 50."""
    a, again, other = data_set(files, 0), data_set(files, 0), data_set(files, 1)
    assert len(a.test_rows) == 10 and len(a.train_rows) == 40  # test = 0.2 of 50
    assert np.array_equal(a.test_rows, again.test_rows) and np.array_equal(a.train_rows, again.train_rows)
    assert not np.array_equal(a.test_rows, other.test_rows)
    for d in (a, other):
        assert not set(d.test_rows) & set(d.train_rows)
        assert sorted([*d.test_rows, *d.train_rows]) == list(range(50))


@pytest.mark.engine
def test_the_batches_of_an_epoch_are_disjoint_training_rows(files):
    """An epoch's 4 batches of 10 are 40 different training rows; the next epoch draws a new order."""
    d = data_set(files, 0)
    assert d.per_epoch == 4
    epoch1 = np.concatenate([d.rows(i) for i in range(4)])
    assert len(set(epoch1)) == 40 and set(epoch1) == set(d.train_rows)
    epoch2 = np.concatenate([d.rows(i) for i in range(4, 8)])
    assert set(epoch2) == set(epoch1) and not np.array_equal(epoch2, epoch1)
    x, t = d.batch(5)
    assert np.array_equal(x, d.x[d.rows(5)]) and np.array_equal(t, d.t[d.rows(5)])


@pytest.mark.engine
def test_the_books_sampling_draws_a_batch_with_replacement_each_iteration(files):
    """sampling = "choice": each iteration's rows are train_rows[np.random.choice(40, 10)] with a generator
    seeded by (seed, iteration), as train_neuralnet.py draws them (with replacement; the same run twice
    gives the same batches); an epoch stays floor(40 / 10) = 4 iterations."""
    d = DataSet(DataSpec("ok.npz", batch=10, sampling="choice"), files / "ok.npz", 0)
    assert d.per_epoch == 4
    for i in (0, 1, 7):
        want = d.train_rows[np.random.default_rng([0, i]).choice(40, 10)]
        np.testing.assert_array_equal(d.rows(i), want)
    assert not np.array_equal(d.rows(0), d.rows(1))
    drawn = np.concatenate([d.rows(i) for i in range(40)])
    assert set(drawn) <= set(d.train_rows) and any(len(set(d.rows(i))) < 10 for i in range(40))  # repeats
    again = DataSet(DataSpec("ok.npz", batch=10, sampling="choice"), files / "ok.npz", 0)
    np.testing.assert_array_equal(again.rows(3), d.rows(3))


def test_sampling_is_refused_unless_epoch_or_choice_and_saved_back(files):
    """An unknown sampling is one line that names both; "choice" is written back by the writer and --train
    says which sampling runs."""
    bad = str(files / _write(files, net("ok.npz", data='sampling = "random"')))
    r = cli(bad, "--print")
    assert r.returncode == 2
    assert 'data.sampling must be "epoch" (a fresh permutation per epoch) or "choice"' in r.stderr and "'random'" in r.stderr
    good = str(files / _write(files, net("ok.npz", data='sampling = "choice"')))
    sc = load(good)
    assert sc.data.spec.sampling == "choice" and 'sampling = "choice"' in to_toml(sc, folder=files)
    out = cli(good, "--train", "2").stdout
    assert "batches: the book's np.random.choice each iteration" in " ".join(out.split())
    plain = str(files / _write(files, net("ok.npz")))
    assert "batches: a new order of the training rows each epoch" in " ".join(cli(plain, "--train", "2").stdout.split())


# -- the book's mnist.npz layout ----------------------------------------------------

MNIST_NET = """\
title = "MNIST layout"
[data]
source = "mnist.npz"
arrays = { x = "x_train", t = "y_train", x_test = "x_test", t_test = "y_test" }
batch = 10
test = 0.5            # ignored: the file has its own test set
[values]
W = { init = "normal", shape = [784, 10], std = 0.01 }
b = { init = "zeros", shape = [10] }
[[layers]]
type = "Affine"
inputs = ["x", "W", "b"]
output = "a"
[[layers]]
type = "SoftmaxWithLoss"
inputs = ["a", "t"]
output = "L"
"""


@pytest.mark.engine
def test_the_books_mnist_layout_loads_scaled_with_its_own_test_set(tmp_path):
    """x_train uint8 (N, 28, 28) is flattened and divided by 255; x_test, y_test are the test set."""
    rng = np.random.default_rng(3)
    arrays = {"x_train": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), "y_train": np.arange(30) % 10,
              "x_test": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), "y_test": np.arange(12) % 10}
    arrays["x_train"][0, 0, 0] = 255
    np.savez(tmp_path / "mnist.npz", **arrays)
    (tmp_path / "mnist.toml").write_text(MNIST_NET, encoding="utf-8")
    sc = load(tmp_path / "mnist.toml")
    data, x = sc.data, sc.leaves["x"]
    assert x.shape == (10, 784) and x.dtype == np.float64 and 0 <= x.min() and x.max() <= 1
    rows = data.rows(0)
    assert np.array_equal(x, arrays["x_train"][rows].reshape(10, 784) / 255)
    assert np.array_equal(sc.leaves["t"], arrays["y_train"][rows])
    assert len(data.train_rows) == 30 and list(data.test_rows) == list(range(12))  # test = 0.5 ignored
    test_x, test_t, test_rows = data.sets()["test"]
    assert np.array_equal(data.inputs(test_x, test_rows), arrays["x_test"].reshape(12, 784) / 255)
    assert np.array_equal(test_t, arrays["y_test"])
    share = MiniBatchSGD(sc).accuracy()["test"]
    assert share * 12 == round(share * 12)  # counted over the file's 12 test rows


# -- learning ----------------------------------------------------------------------------

@pytest.mark.engine
def test_the_bundled_digits_learn_above_93_percent_in_300_iterations():
    """300 iterations of mini-batch SGD on digits reach over 93 % test accuracy (measured: 95.5 %)."""
    sgd = MiniBatchSGD(load(bundled()["digits"]))
    before = sgd.accuracy()["test"]
    for _ in range(300):
        sgd.step()
    after = sgd.accuracy()
    assert before < 0.2 and after["test"] > 0.93 and after["train"] > 0.93, (before, after)


ROW = re.compile(r"^│\s*(\d+) │\s*(\S+) │\s*(\S*) │\s*(\S*) │$", flags=re.M)


def expected_rows(steps: int, shown) -> list[tuple[str, str, str, str]]:
    """The table --train ``steps`` should print for digits, worked out in-process."""
    sgd = MiniBatchSGD(load(bundled()["digits"]))
    rows = [("0", f"{sgd.loss():.6g}", "", "")]
    for k in range(1, steps + 1):
        loss = sgd.step()
        if k % 14 == 0 or k == steps:  # 1,438 training rows / batch 100: 14 iterations an epoch
            a = sgd.accuracy()
            rows.append((str(k), f"{loss:.6g}", f"{a['train']:.2%}", f"{a['test']:.2%}"))
        elif k in shown:
            rows.append((str(k), f"{loss:.6g}", "", ""))
    return rows


@pytest.mark.engine
def test_train_30_on_digits_prints_every_step_and_accuracy_at_epoch_ends():
    """--train 30: steps 0-30, the loss on each batch, accuracy at steps 14, 28 (epoch ends) and 30 (last)."""
    r = cli("digits", "--train", "30")
    assert (r.returncode, r.stderr) == (0, "")
    lines = r.stdout.splitlines()
    assert lines[:2] == ["mini-batch SGD on W1, b1, W2, b2: 30 iterations, lr = 0.1, batch 100",
                         "digits: 1,438 training rows, 359 test rows; an epoch is 14 iterations; batches: a new order of "
                         "the training rows each epoch"]
    assert re.search(r"┃ step ┃ loss \(L\) ┃ train accuracy ┃ test accuracy ┃", r.stdout)
    rows = ROW.findall(r.stdout)
    assert [int(k) for k, *_ in rows] == list(range(31))
    assert [k for k, _, train, test in rows if train and test] == ["14", "28", "30"]
    assert rows == expected_rows(30, range(31))
    _, loss, train, test = rows[-1]
    assert re.fullmatch(rf"final loss \(L\) after 30 iterations: {loss}; train accuracy {re.escape(train)}, "
                        rf"test accuracy {re.escape(test)}; \d+\.\d\d s", lines[-1]), lines[-1]


@pytest.mark.engine
def test_train_beyond_100_steps_on_digits_shows_every_kth_each_epoch_end_and_the_last():
    """--train 250: k = 3, so steps 0, 3, 6 ..., plus every epoch's end (14, 28 ...) and 250."""
    r = cli("digits", "--train", "250")
    assert r.returncode == 0, r.stderr
    rows = ROW.findall(r.stdout)
    steps = sorted({*range(0, 251, 3), *range(14, 251, 14), 250})
    assert [int(k) for k, *_ in rows] == steps
    assert [int(k) for k, _, train, _ in rows if train] == [*range(14, 251, 14), 250]
    assert rows == expected_rows(250, set(steps))


def run_with_bar(steps: int, terminal: bool, after: float) -> str:
    """What --train over digits writes to a stderr console of its own."""
    err = io.StringIO()
    console = Console(file=err, force_terminal=terminal, width=100)
    train_data(load(bundled()["digits"]), steps, ENGLISH, 6, bar_console=console, bar_after=after)
    return err.getvalue()


@pytest.mark.engine
def test_the_progress_bar_shows_only_on_a_terminal_after_its_delay_and_is_erased():
    """A run shorter than the delay writes nothing to stderr; a longer one draws the bar there, then erases it."""
    assert run_with_bar(20, terminal=True, after=BAR_AFTER) == ""
    assert run_with_bar(20, terminal=False, after=0) == ""
    drawn = run_with_bar(20, terminal=True, after=0)
    assert "mini-batch SGD" in drawn and "20/20" in drawn
    assert drawn.endswith("\x1b[2K")  # transient: the bar's line is cleared at the end


@pytest.mark.engine
def test_accuracy_keeps_the_batch_shape_for_values_of_the_batchs_size(tmp_path):
    """A constant with a row per sample (batch, 3) still fits when accuracy
    runs the last, short chunk of rows: it is filled up to a batch, and each
    row is counted once (18 rows in batches of 4: the last chunk has 2)."""
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "d.npz", x=rng.random((18, 4)), t=rng.integers(0, 3, 18))
    text = net("d.npz", batch=4, data="test = 0", values='[constants]\nm = { init = "uniform", shape = [4, 3] }')
    text = text.replace('inputs = ["a", "t"]', 'inputs = ["am", "t"]').replace(
        '[[layers]]\ntype = "SoftmaxWithLoss"',
        '[[layers]]\ntype = "Mul"\ninputs = ["a", "m"]\noutput = "am"\n\n[[layers]]\ntype = "SoftmaxWithLoss"')
    (tmp_path / "net.toml").write_text(text, encoding="utf-8")
    sc = load(tmp_path / "net.toml")
    from backprop_engine.train import accuracy
    got = accuracy(sc, sc.leaves)["train"]
    x = sc.data.inputs(sc.data.x, sc.data.train_rows)
    m = np.resize(sc.leaves["m"], (20, 3))[:18]  # row k of the data meets row k % 4 of m
    scores = (x @ sc.leaves["W"] + sc.leaves["b"]) * m
    assert got == np.count_nonzero(scores.argmax(axis=1) == sc.data.t[sc.data.train_rows]) / 18
    assert cli(tmp_path / "net.toml", "--train", "5").returncode == 0


@pytest.mark.engine
def test_a_saved_scenario_names_its_data_file_relative_to_where_it_is_written(tmp_path):
    """Saving into another folder writes the .npz path relative to that folder
    (never x or t), and the saved file loads the same data from there."""
    (tmp_path / "data").mkdir()
    (tmp_path / "saved").mkdir()
    np.savez(tmp_path / "data" / "d.npz", x=np.random.default_rng(0).random((20, 4)), t=np.arange(20) % 3)
    (tmp_path / "data" / "net.toml").write_text(net("d.npz", batch=5), encoding="utf-8")
    sc = load(tmp_path / "data" / "net.toml")
    from backprop_engine.scenario import to_toml
    text = to_toml(sc, folder=tmp_path / "saved")
    assert 'source = "../data/d.npz"' in text and "\nx = " not in text and "\nt = " not in text
    (tmp_path / "saved" / "copy.toml").write_text(text, encoding="utf-8")
    again = load(tmp_path / "saved" / "copy.toml")
    np.testing.assert_array_equal(again.leaves["x"], sc.leaves["x"])


# -- the refusals in this process: the command line's one line, raised by load() -----------

@pytest.mark.engine
@pytest.mark.parametrize("case", REFUSALS)
def test_each_data_refusal_is_the_command_lines_line_in_process(files, case):  # noqa: F811
    """load() raises ScenarioError whose one problem is the line the command line prints."""
    text, message = REFUSALS[case]
    path = files / "net.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        load(path)
    assert raised.value.problems == [message.format(dir=files)]


# -- training over [data]: the nets the bundled digits do not exercise -------------------

BASE = """
title = "a data net"
[data]
source = "ok.npz"
batch = {batch}
[values]
W = [[0.5, -0.4, 0.3], [0.2, 0.6, -0.8], [0.1, 0.1, 0.1], [-0.3, 0.2, 0.4]]
b = [0.0, 0.1, -0.1]
V = [[0.5, -0.4, 0.3, 1.0], [0.2, 0.6, -0.8, 1.0], [0.1, 0.1, 0.1, 1.0], [-0.3, 0.2, 0.4, 1.0]]
c = [0.0, 0.1, -0.1, 0.0]
{rest}
"""


def affine(x, w, b, out):
    return f'[[layers]]\ntype = "Affine"\ninputs = ["{x}", "{w}", "{b}"]\noutput = "{out}"\n'


def typed(kind, inputs, out):
    return f'[[layers]]\ntype = "{kind}"\ninputs = {list(inputs)!r}\noutput = "{out}"\n'.replace("'", '"')


NETS = {
    "rows": BASE.format(batch=4, rest="[backward]\ndout = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], "
                                      "[1.0, 1.0, 1.0]]\n" + affine("x", "W", "b", "a")),
    "two losses": BASE.format(batch=4, rest=affine("x", "W", "b", "a") + affine("x", "V", "c", "e")
                              + typed("SoftmaxWithLoss", ["a", "t"], "L1") + typed("SoftmaxWithLoss", ["e", "t"], "L2")
                              + typed("Add", ["L1", "L2"], "L")),
    "t in a Mul": BASE.format(batch=3, rest="[constants]\nk = [1.0, 2.0, 3.0]\n" + typed("Mul", ["k", "t"], "kt")
                              + affine("x", "W", "b", "a") + typed("SoftmaxWithLoss", ["a", "t"], "L")),
    "other labels": BASE.format(batch=4, rest="[constants]\nlabels = [0, 1, 2, 0]\n" + typed("Mul", ["t", "t"], "tt")
                                + affine("x", "W", "b", "a") + typed("SoftmaxWithLoss", ["a", "labels"], "L")),
}


@pytest.fixture
def nets(tmp_path):
    """NETS loaded, over tmp_path/ok.npz (20 rows of 4 features, labels 0-2)."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "ok.npz", x=rng.random((20, 4)), t=rng.integers(0, 3, 20))
    return {name: from_dict(tomllib.loads(text), tmp_path / "net.toml") for name, text in NETS.items()}


@pytest.mark.engine
def test_labels_are_made_one_hot_once_a_batch_only_for_a_single_softmax_size(nets):
    """label_classes: 10 for digits; None when t feeds two losses of 3 and 4 classes, or also a Mul."""
    assert label_classes(load_digits()) == 10
    assert label_classes(nets["two losses"]) is None and label_classes(nets["t in a Mul"]) is None
    assert MiniBatchSGD(nets["two losses"]).leaves["t"].shape == (4,)


def load_digits():
    return load(bundled()["digits"])


@pytest.mark.engine
def test_the_trainer_holds_digits_labels_as_one_hot_rows_before_and_after_a_step():
    """MiniBatchSGD on digits: t is (100, 10) one-hot rows of the batch's labels, then of the next batch's."""
    sc = load_digits()
    trainer = MiniBatchSGD(sc)
    t = trainer.leaves["t"]
    assert t.shape == (100, 10) and t.argmax(axis=1).tolist() == sc.leaves["t"].astype(int).tolist()
    trainer.step()
    _, labels = sc.data.batch(1)
    assert trainer.leaves["t"].shape == (100, 10)
    assert trainer.leaves["t"].argmax(axis=1).tolist() == labels.astype(int).tolist()


@pytest.mark.engine
def test_the_trainer_takes_its_own_rate_and_refuses_none_or_no_data():
    """lr given wins over the scenario's; 0 is refused with its value; a scenario without [data] is refused."""
    sc = load_digits()
    assert MiniBatchSGD(sc, lr=0.5).lr == 0.5 and MiniBatchSGD(sc).lr == sc.lr
    with pytest.raises(ValueError, match=r"^the learning rate must be > 0, got 0$"):
        MiniBatchSGD(sc, lr=0)
    with pytest.raises(ValueError, match=r"^mini-batch SGD needs a scenario with \[data\]$"):
        MiniBatchSGD(load(bundled()["apple"]))


@pytest.mark.engine
def test_the_loss_of_a_net_without_a_loss_layer_is_its_output_times_dout(nets):
    """rows: the loss on the batch is Σ a·dout over the 4×3 output, a number."""
    sc = nets["rows"]
    a = sc.leaves["x"] @ sc.leaves["W"] + sc.leaves["b"]
    assert MiniBatchSGD(sc).loss() == pytest.approx(float(np.sum(a * sc.dout)), rel=1e-15)


@pytest.mark.engine
def test_accuracy_is_only_for_a_net_ending_in_softmax_on_the_datas_labels(nets):
    """A net ending in Affine, or in a loss on other labels: no accuracy, train and test both None."""
    assert accuracy(nets["rows"], nets["rows"].leaves) == {"train": None, "test": None}
    assert accuracy(nets["other labels"], nets["other labels"].leaves) == {"train": None, "test": None}


# -- each fault of the [data] table, and of the data file ---------------------------------

NO_SOURCE = ('title = "n"\n[data]\n{data}\n[values]\nW = [[1.0]]\n'
             '[[layers]]\ntype = "Relu"\ninputs = ["W"]\noutput = "o"\n')


REQUIRED = "data.source is required: a bundled set (digits) or a path to a .npz file"


UNDEFINED_X = "layer 1 'affine0' (Affine): input 'x' is not defined earlier"


TEST_SHARE = "data.test: the share held out for test must be a number from 0 up to 1 (not 1), got "


TABLE_REFUSALS = {
    "no source": (NO_SOURCE.format(data='x = "x"'), [REQUIRED]),
    "an empty source": (net(""), [REQUIRED]),
    "a number for source": (NO_SOURCE.format(data="source = 5"), [REQUIRED]),
    "x not a name": (net("digits", data='x = "1x"'),
                     ["data.x: '1x' is not a valid name: use ASCII letters, digits and _", UNDEFINED_X]),
    "x a number": (net("digits", data="x = 3"),
                   ["data.x: 3 is not a valid name: use ASCII letters, digits and _", UNDEFINED_X]),
    "x and t one name": (net("digits", data='x = "t"'),
                         ["data: x and t must be two different names, got 't' for both", UNDEFINED_X]),
    "x a bad value": (net("digits", values='x = "abc"'),
                      ["values.x: 'abc' is not a number",
                       "data.x: 'x' is filled by [data], so it must not also be in [values] or [constants]"]),
    "t a bad constant": (net("digits", values='[constants]\nt = "abc"'),
                         ["constants.t: 'abc' is not a number",
                          "data.t: 't' is filled by [data], so it must not also be in [values] or [constants]"]),
    "batch 0": (net("digits", batch=0), ["data.batch must be a whole number >= 1, got 0"]),
    "batch 2.5": (net("digits", batch=2.5), ["data.batch must be a whole number >= 1, got 2.5"]),
    "test 1": (net("digits", data="test = 1"), [TEST_SHARE + "1"]),
    "test true": (net("digits", data="test = true"), [TEST_SHARE + "True"]),
    "test a string": (net("digits", data='test = "a"'), [TEST_SHARE + "'a'"]),
    "test below 0": (net("digits", data="test = -0.1"), [TEST_SHARE + "-0.1"]),
    "one_hot 1": (net("digits", data="one_hot = 1"), ["data.one_hot must be true or false, got 1"]),
    "arrays a list": (net("digits", data="arrays = [1]"),
                      ['data.arrays must be a table of role = array name, such as { x = "x_train", t = "y_train" }']),
    "arrays of a number": (net("digits", data="arrays = { x = 1 }"),
                           ['data.arrays must be a table of role = array name, such as '
                            '{ x = "x_train", t = "y_train" }']),
    "arrays an unknown role": (net("digits", data='arrays = { x_tst = "a" }'),
                               ["data.arrays: unknown key 'x_tst' (did you mean 'x_test'?) "
                                "(keys: x, t, x_test, t_test)"]),
}


@pytest.mark.engine
@pytest.mark.parametrize("case", TABLE_REFUSALS)
def test_each_fault_of_the_data_table_is_its_own_line(case):
    """The [data] table's keys checked one by one: each fault its line, and nothing more than follows from it."""
    text, problems = TABLE_REFUSALS[case]
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), "/tmp/net.toml")
    assert raised.value.problems == problems


def _files(folder):
    rng = np.random.default_rng(0)
    x, t = rng.random((50, 4)), rng.integers(0, 3, 50)
    np.savez(folder / "complex.npz", x=x.astype(complex), t=t)
    np.savez(folder / "t2d.npz", x=x, t=t.reshape(50, 1))
    np.savez(folder / "x1d.npz", x=x[:, 0], t=t)
    np.savez(folder / "nan_test.npz", x=x, t=t, x_test=np.where(np.arange(20).reshape(5, 4) == 6, np.nan, x[:5]),
             t_test=[0, 1, 2, 0, 1])
    np.savez(folder / "neg_test.npz", x=x, t=t, x_test=x[:5], t_test=[0, 1, -2, 0, 1])
    header_only(folder / "exact.npz", {"x": ((10_000, 10_000), "|u1"), "t": ((10_000,), "<i8")})


MORE_REFUSALS = {
    "complex.npz": "data.source: array 'x' (x) has dtype complex128: only integers and floats are data",
    "t2d.npz": "data.source: array 't' (t): labels must be one whole number per row, shape (N,), got (50, 1)",
    "x1d.npz": "data.source: array 'x' (x): inputs need a row per sample, shape (N, ...), got (50,)",
    "nan_test.npz": "data.source: array 'x_test': not finite (nan at [1, 2]): every number must be finite",
    "neg_test.npz": "data.source: array 't_test': label -2 is out of range: labels are whole numbers >= 0",
    # exactly 100,000,000 elements is within the limit: the file is refused only for its missing data
    "exact.npz": ("data.source: '{dir}/exact.npz': cannot read its arrays: EOF: reading array data, "
                  "expected 262144 bytes got 0"),
}


@pytest.mark.engine
@pytest.mark.parametrize("source", MORE_REFUSALS)
def test_each_fault_of_a_data_file_is_its_own_line(tmp_path, source):
    """Another dtype, labels not 1-D, inputs 1-D, a test set with nan or a negative label, the size limit's edge."""
    _files(tmp_path)
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(net(source)), tmp_path / "net.toml")
    assert raised.value.problems == [MORE_REFUSALS[source].format(dir=tmp_path)]


def _set(folder, name, **arrays):
    np.savez(folder / name, **arrays)
    return DataSet(DataSpec(name, batch=2, test=0.0), folder / name, 0)


@pytest.mark.engine
def test_integer_inputs_are_divided_by_their_dtypes_maximum_and_bools_are_0_and_1_over_255(tmp_path):
    """uint8 by 255, int16 by 32767, bool as uint8 (True is 1/255), floats as they are."""
    t = np.array([0, 1, 0, 1])
    u8 = _set(tmp_path, "u8.npz", x=np.array([[255, 0], [51, 0], [0, 0], [0, 0]], dtype=np.uint8), t=t)
    assert u8.scale == 255.0 and u8.inputs(u8.x, np.array([0, 1])).tolist() == [[1.0, 0.0], [0.2, 0.0]]
    assert _set(tmp_path, "i16.npz", x=np.ones((4, 2), dtype=np.int16), t=t).scale == 32767.0
    b = _set(tmp_path, "b.npz", x=np.array([[True, False]] * 4), t=t)
    assert b.scale == 255.0 and b.inputs(b.x, np.array([0])).tolist() == [[1 / 255, 0.0]]
    f = _set(tmp_path, "f.npz", x=np.full((4, 2), 3.5), t=t)
    assert f.scale == 1.0 and f.inputs(f.x, np.array([0])).tolist() == [[3.5, 3.5]]


@pytest.mark.engine
def test_a_test_set_of_its_own_is_scaled_by_its_own_dtype(tmp_path):
    """x uint8 (÷255) with x_test float (÷1): each set's rows come scaled by their own array's dtype."""
    np.savez(tmp_path / "own.npz", x=np.full((4, 2), 255, dtype=np.uint8), t=[0, 1, 0, 1],
             x_test=np.full((2, 2), 0.5), t_test=[1, 0])
    d = DataSet(DataSpec("own.npz", batch=2), tmp_path / "own.npz", 0)
    x, _, rows = d.sets()["train"]
    x_test, _, test_rows = d.sets()["test"]
    assert d.inputs(x, rows[:1]).tolist() == [[1.0, 1.0]] and d.inputs(x_test, test_rows[:1]).tolist() == [[0.5, 0.5]]


@pytest.mark.engine
def test_one_hot_targets_are_rows_of_a_single_1(tmp_path):
    """one_hot = true: a batch's t is (batch, classes) with one 1.0 per row, at the label."""
    np.savez(tmp_path / "oh.npz", x=np.zeros((4, 2)), t=[2, 0, 1, 2])
    d = DataSet(DataSpec("oh.npz", batch=4, test=0.0, one_hot=True), tmp_path / "oh.npz", 0)
    rows = d.rows(0)
    _, t = d.batch(0)
    assert t.shape == (4, 3) and t.sum(axis=1).tolist() == [1.0] * 4
    assert t.argmax(axis=1).tolist() == d.t[rows].tolist() and set(t.ravel().tolist()) == {0.0, 1.0}


def _npz(path, version, **arrays):
    """A .npz whose .npy members are written in .npy format ``version``."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, a in arrays.items():
            with zf.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array(f, np.asarray(a), version=version)


@pytest.mark.engine
def test_npy_format_2_loads_and_3_is_refused_by_its_version(tmp_path):
    """.npy 1.0 and 2.0 headers are read; a 3.0 member is named with its version (not called 'not a .npz file')."""
    rng = np.random.default_rng(0)
    x, t = rng.random((50, 4)), rng.integers(0, 3, 50)
    _npz(tmp_path / "v2.npz", (2, 0), x=x, t=t)
    _npz(tmp_path / "v3.npz", (3, 0), x=x, t=t)
    sc = from_dict(tomllib.loads(net("v2.npz")), tmp_path / "net.toml")
    assert sc.data.x.tolist() == x.tolist()
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(net("v3.npz")), tmp_path / "net.toml")
    assert raised.value.problems == [
        "data.source: array 'x': .npy format version 3.0 is not supported (1.0 and 2.0 are)"]


@pytest.mark.engine
def test_a_directory_or_a_path_through_a_file_is_one_line(tmp_path):
    """A folder named like a .npz, and a path whose parent is a file, are refused with the path."""
    (tmp_path / "dir.npz").mkdir()
    (tmp_path / "afile").write_text("x")
    for source, line in (("dir.npz", "data.source: '{dir}/dir.npz' is a directory, not a .npz file"),
                         ("afile/x.npz", "data.source: cannot read '{dir}/afile/x.npz': Not a directory")):
        with pytest.raises(ScenarioError) as raised:
            from_dict(tomllib.loads(net(source)), tmp_path / "net.toml")
        assert raised.value.problems == [line.format(dir=tmp_path)]


def _more_files(folder):
    rng = np.random.default_rng(0)
    x, t = rng.random((50, 4)), rng.integers(0, 3, 50)
    with zipfile.ZipFile(folder / "empty.npz", "w"):
        pass
    np.savez(folder / "only_t.npz", t=t)
    np.savez(folder / "x_test_only.npz", x=x, t=t, x_test=x[:5])
    np.savez(folder / "t_test_only.npz", x=x, t=t, t_test=t[:5])
    np.savez(folder / "test_lengths.npz", x=x, t=t, x_test=x[:5], t_test=t[:4])
    np.savez(folder / "test_rows.npz", x=x, t=t, x_test=x[:5, :3], t_test=t[:5])
    np.savez(folder / "own_test.npz", x=x[:40], t=t[:40], x_test=x[:5], t_test=t[:5])
    header_only(folder / "exact_batch.npz", {"x": ((200, 100_000), "<f8"), "t": ((200,), "<i8")})
    np.savez(folder / "many_classes.npz", x=x[:20], t=np.where(np.arange(20) == 3, 999_999, t[:20]))


FILE_REFUSALS = {
    "no arrays at all": (net("empty.npz"), "data.source: '{dir}/empty.npz' has no array 'x' (x); it has none"),
    "no arrays, test named": (net("empty.npz", data='arrays = { x_test = "xt", t_test = "tt" }'),
                              "data.arrays: '{dir}/empty.npz' has no array 'xt' (x_test); it has none"),
    "no x": (net("only_t.npz"), "data.source: '{dir}/only_t.npz' has no array 'x' (x); it has 't'"),
    "x_test alone": (net("x_test_only.npz"), ("data.source: '{dir}/x_test_only.npz' has no array 't_test' (t_test), "
                                              "though it has 'x_test' (x_test)")),
    "t_test alone": (net("t_test_only.npz"), ("data.source: '{dir}/t_test_only.npz' has no array 'x_test' (x_test), "
                                              "though it has 't_test' (t_test)")),
    "test lengths": (net("test_lengths.npz"), ("data.source: arrays 'x_test' and 't_test': inputs and labels of "
                                               "different lengths (5 and 4 rows)")),
    "test rows": (net("test_rows.npz"),
                  "data.source: arrays 'x' and 'x_test': rows of different shapes ((4,) and (3,))"),
    "batch over rows, own test set": (net("own_test.npz", batch=41),
                                      "data.batch: batch 41 is more than the 40 training rows"),
    # a batch of exactly 10,000,000 elements is within the limit: refused only for the file's missing data
    "batch at the limit": (net("exact_batch.npz", batch=100), ("data.source: '{dir}/exact_batch.npz': cannot read "
                                                             "its arrays: EOF: reading array data, expected 262144 "
                                                             "bytes got 0")),
    # one-hot rows of exactly 10,000,000 elements are made (and then do not fit the net's 3 classes)
    "one-hot at the limit": (net("many_classes.npz", batch=10, data="one_hot = true"),
                             ("layer 2 'softmaxwithloss1' (SoftmaxWithLoss): t (10, 1000000) does not fit x (10, 3): "
                              "t must be one-hot (10, 3) or labels (10,)")),
}


@pytest.mark.engine
@pytest.mark.parametrize("case", FILE_REFUSALS)
def test_each_fault_of_the_files_arrays_is_its_own_line(tmp_path, case):
    """Missing arrays (none at all, x, half a test set), a test set of other lengths or rows, and the limits' edges."""
    _more_files(tmp_path)
    text, line = FILE_REFUSALS[case]
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), tmp_path / "net.toml")
    assert raised.value.problems == [line.format(dir=tmp_path)]


@pytest.mark.engine
def test_a_fresh_data_set_can_start_in_epoch_1(tmp_path):
    """rows() of epoch 1 first (no epoch drawn yet) is epoch 1's permutation, as after epoch 0."""
    np.savez(tmp_path / "ok.npz", x=np.zeros((8, 2)), t=np.arange(8) % 3)
    fresh = DataSet(DataSpec("ok.npz", batch=2, test=0.0), tmp_path / "ok.npz", 5)
    used = DataSet(DataSpec("ok.npz", batch=2, test=0.0), tmp_path / "ok.npz", 5)
    used.rows(0)
    assert fresh.per_epoch == 4 and fresh.rows(4).tolist() == used.rows(4).tolist()
    order = np.random.default_rng([5, 1]).permutation(8)
    assert fresh.rows(4).tolist() == fresh.train_rows[order][:2].tolist()


# -- a 1-D score vector over [data]'s labels, the loss layer, a refused seed ------------

ONE_D = """title = "1-D scores"
[data]
source = "ok.npz"
batch = 1
[values]
s = {s}
[[layers]]
type = "SoftmaxWithLoss"
inputs = ["s", "t"]
output = "L"
"""


def _twenty_rows(folder, bad_row=None):
    """ok.npz in ``folder``: 20 rows of 4 features, labels 0-2 (label 3 at ``bad_row``); the path."""
    rng = np.random.default_rng(0)
    x, t = rng.random((20, 4)), rng.integers(0, 3, 20)
    if bad_row is not None:
        t[bad_row] = 3
    np.savez(folder / "ok.npz", x=x, t=t)
    return folder / "net.toml"


@pytest.mark.engine
def test_a_1d_score_vector_with_batch_1_has_as_many_classes_as_entries(tmp_path):
    """SoftmaxWithLoss of s = (3,) on labels of batch 1: label_classes 3; accuracy counts label 1 (s's highest)."""
    sc = from_dict(tomllib.loads(ONE_D.format(s="[0.1, 0.5, 0.2]")), _twenty_rows(tmp_path))
    assert sc.shapes["s"] == (3,) and sc.shapes["t"] == (1,)
    assert label_classes(sc) == 3
    train, test = (np.mean(sc.data.t[rows] == 1) for rows in (sc.data.train_rows, sc.data.test_rows))
    assert accuracy(sc, sc.leaves) == {"train": train, "test": test} == {"train": 3 / 16, "test": 1 / 2}


@pytest.mark.engine
def test_a_label_beyond_a_1d_score_vector_is_refused_by_its_classes(tmp_path):
    """s = (2,) with labels 0-2: the one line says label 2 is out of range for its 2 classes."""
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(ONE_D.format(s="[0.1, 0.5]")), _twenty_rows(tmp_path))
    assert raised.value.problems == ["data.source: label 2 is out of range for 'softmaxwithloss0': "
                                     "its input 's' has 2 classes (labels 0 to 1)"]


class _LossLayerRan(Exception):
    pass


@pytest.mark.engine
def test_accuracy_runs_the_layers_up_to_the_scores_never_the_loss_layer(nets):
    """accuracy with a SoftmaxWithLoss that raises when run: the same shares as with the built-in one."""
    from dataclasses import replace

    from backprop_engine.layers import SoftmaxWithLoss

    class Refusing(SoftmaxWithLoss):
        def forward(self, x, t):
            raise _LossLayerRan("accuracy ran the loss layer")

    sc = nets["t in a Mul"]
    shares = accuracy(sc, sc.leaves)
    assert shares["train"] is not None and shares["test"] is not None
    assert accuracy(replace(sc, ops={"SoftmaxWithLoss": Refusing()}), sc.leaves) == shares


LABEL_3 = ("layer 2 'softmaxwithloss1' (SoftmaxWithLoss): label 3 in 't' is out of range: "
           "labels are whole numbers 0 to 2")


@pytest.mark.engine
def test_a_refused_seed_is_read_as_0_for_the_rest_of_the_check(tmp_path):
    """seed = -1: its line, then seed 0's: row 3 (label 3) is in seed 0's first batch, not in seed 1's."""
    path = _twenty_rows(tmp_path, bad_row=3)

    def problems(head):
        with pytest.raises(ScenarioError) as raised:
            from_dict(tomllib.loads(net("ok.npz", batch=4).replace("[data]", head + "[data]", 1)), path)
        return raised.value.problems

    assert problems("") == [LABEL_3]
    assert problems("seed = -1\n") == ["seed must be a whole number >= 0, got -1", LABEL_3]
    assert problems("seed = 1\n") == ["data.source: label 3 is out of range for 'softmaxwithloss1': "
                                      "its input 'a' has 3 classes (labels 0 to 2)"]


@pytest.mark.engine
def test_the_loss_of_a_1d_output_over_data_is_its_sum_times_dout(tmp_path):
    """Relu of s = (3,) with [data] of batch 1: the loss is Σ relu(s)·dout = 0.1·1 + 0 + 0.2·3, a number."""
    text = ONE_D.format(s="[0.1, -0.5, 0.2]").replace('"SoftmaxWithLoss"', '"Relu"').replace(
        '["s", "t"]', '["s"]') + "[backward]\ndout = [1.0, 2.0, 3.0]\n"
    sc = from_dict(tomllib.loads(text), _twenty_rows(tmp_path))
    assert sc.shapes["L"] == (3,)
    assert MiniBatchSGD(sc).loss() == pytest.approx(0.7, rel=1e-15)


# -- a [data] scenario saved and read back -----------------------------------------------------

DATA_NET = """
title = "Ünïcode net"
description = "two lines\\nhere"
seed = 3
[data]
source = "sub/set.npz"
x = "xs"
t = "ts"
batch = 7
test = 0.1
one_hot = true
arrays = { x = "inputs", t = "labels" }
[values]
W = [[0.5, -0.25, 1e-05], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 6.0]]
b = [0.1, 0.2, 0.3]
[constants]
k = 2.0
[[layers]]
type = "Affine"
inputs = ["xs", "W", "b"]
output = "a"
[[layers]]
type = "SoftmaxWithLoss"
inputs = ["a", "ts"]
output = "L"
[train]
lr = 0.05
params = ["W"]
"""


DATA_SAVED = """title = "Ünïcode net"
description = "two lines\\nhere"
seed = 3

[data]
source = "{source}"
x = "xs"
t = "ts"
batch = 7
test = 0.1
one_hot = true
arrays = {{ x = "inputs", t = "labels" }}

[values]
W = [[0.5, -0.25, 1e-05],
    [1.0, 2.0, 3.0],
    [0.0, 0.0, 0.0],
    [4.0, 5.0, 6.0]]
b = [0.1, 0.2, 0.3]

[constants]
k = 2.0

[[layers]]
name = "affine0"
type = "Affine"
inputs = ["xs", "W", "b"]
output = "a"

[[layers]]
name = "softmaxwithloss1"
type = "SoftmaxWithLoss"
inputs = ["a", "ts"]
output = "L"

[train]
lr = 0.05
params = ["W"]
"""


@pytest.fixture
def data_net(tmp_path):
    """DATA_NET with its data file at tmp_path/sub/set.npz, loaded from tmp_path/net.toml."""
    (tmp_path / "sub").mkdir()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "sub" / "set.npz", inputs=rng.random((50, 4)), labels=rng.integers(0, 3, 50))
    (tmp_path / "net.toml").write_text(DATA_NET, encoding="utf-8")
    return load(tmp_path / "net.toml")


@pytest.mark.engine
def test_a_saved_data_scenario_writes_every_non_default_key_as_toml(data_net, tmp_path):
    """to_toml writes [data]'s non-default keys as TOML and the source relative to the folder."""
    assert to_toml(data_net, folder=tmp_path / "out") == DATA_SAVED.format(source="../sub/set.npz")
    assert to_toml(data_net) == DATA_SAVED.format(source=str(tmp_path / "sub" / "set.npz"))


@pytest.mark.engine
def test_a_saved_data_scenario_loads_back_with_the_same_data_table(data_net, tmp_path):
    """The written file, loaded from where it was written, has the same [data] spec and numbers."""
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "again.toml"
    path.write_text(to_toml(data_net, folder=path.parent), encoding="utf-8")
    again = load(path)
    assert again.data.spec.source == "../sub/set.npz" and again.data.path.resolve() == data_net.data.path.resolve()
    assert again.data.spec.arrays == data_net.data.spec.arrays and again.data.seed == 3
    assert (again.data.spec.x, again.data.spec.t, again.data.spec.batch, again.data.spec.test,
            again.data.spec.one_hot) == ("xs", "ts", 7, 0.1, True)
    assert again.leaves["W"].tolist() == data_net.leaves["W"].tolist() and again.trained == ("W",)


@pytest.mark.engine
def test_the_bundled_set_is_written_by_name_and_seed_0_left_out():
    """digits: source = "digits", no seed line (0 is the default), x and t not written (the defaults)."""
    text = to_toml(load(bundled()["digits"]))
    assert '[data]\nsource = "digits"\n\n[values]' in text and "seed" not in text


@pytest.mark.engine
def test_the_picker_sees_a_data_scenario_with_a_relative_file_as_a_scenario(data_net, tmp_path):
    """sniff loads the file from its own path, so that [data]'s relative source is found."""
    assert sniff(tmp_path / "net.toml") == ("scenario", "Ünïcode net")


@pytest.mark.engine
def test_from_dict_reads_a_data_scenario_relative_to_the_path_given(data_net, tmp_path):
    """The same document from another folder does not find sub/set.npz."""
    doc = tomllib.loads(DATA_NET)
    assert from_dict(doc, tmp_path / "net.toml").data.spec.source == "sub/set.npz"
    with pytest.raises(ScenarioError, match="no such data file"):
        from_dict(doc, tmp_path / "elsewhere" / "net.toml")


@pytest.mark.engine
def test_a_batch_of_one_is_a_batch():
    """[data] batch = 1 loads (the limit is >= 1): the digits through Affine (64, 10) into SoftmaxWithLoss."""
    doc = tomllib.loads(net("digits", batch=1))
    doc["values"] = {"W": {"init": "zeros", "shape": [64, 10]}, "b": {"init": "zeros", "shape": [10]}}
    sc = from_dict(doc, "/tmp/net.toml")
    assert sc.data.spec.batch == 1 and sc.leaves["x"].shape == (1, 64)


@pytest.mark.engine
def test_a_refused_data_table_keeps_its_t_name_unknown_not_undefined(tmp_path):
    """[data] with t = "labels" and a missing file: one line for the file, none for the layer that reads labels."""
    text = net("missing.npz", data='t = "labels"').replace('["a", "t"]', '["a", "labels"]')
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), tmp_path / "net.toml")
    assert raised.value.problems == [f"data.source: no such data file '{tmp_path}/missing.npz'"]
    text = net("digits", data='sorce = "a"').replace("[4, 3]", "[64, 3]")
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), tmp_path / "net.toml")
    assert raised.value.problems[0] == "unknown key 'sorce' in [data] (did you mean 'source'?)"
