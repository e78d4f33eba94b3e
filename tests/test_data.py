"""The [data] table (5.7.4): its refusals through the command line, the seeded
split and the batches, the book's MNIST layout, the bundled digits learning,
and --train over [data] as a table."""

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
from backprop_engine.scenario import from_dict
from backprop_engine.train import MiniBatchSGD
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


def test_the_same_files_without_their_fault_load(files):
    """The refusals above are about the fault alone: ok.npz and its net load and train."""
    path = files / "net.toml"
    path.write_text(net("ok.npz", batch=40), encoding="utf-8")
    assert cli(path, "--train", "3").returncode == 0


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


def test_the_split_is_seeded_disjoint_and_covers_every_row(files):
    """Same seed, same test rows; another seed, others; train and test rows never overlap and cover all 50."""
    a, again, other = data_set(files, 0), data_set(files, 0), data_set(files, 1)
    assert len(a.test_rows) == 10 and len(a.train_rows) == 40  # test = 0.2 of 50
    assert np.array_equal(a.test_rows, again.test_rows) and np.array_equal(a.train_rows, again.train_rows)
    assert not np.array_equal(a.test_rows, other.test_rows)
    for d in (a, other):
        assert not set(d.test_rows) & set(d.train_rows)
        assert sorted([*d.test_rows, *d.train_rows]) == list(range(50))


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


def test_train_30_on_digits_prints_every_step_and_accuracy_at_epoch_ends():
    """--train 30: steps 0-30, the loss on each batch, accuracy at steps 14, 28 (epoch ends) and 30 (last)."""
    r = cli("digits", "--train", "30")
    assert (r.returncode, r.stderr) == (0, "")
    lines = r.stdout.splitlines()
    assert lines[:2] == ["mini-batch SGD on W1, b1, W2, b2: 30 iterations, lr = 0.1, batch 100",
                         "digits: 1,438 training rows, 359 test rows; an epoch is 14 iterations"]
    assert re.search(r"┃ step ┃ loss \(L\) ┃ train accuracy ┃ test accuracy ┃", r.stdout)
    rows = ROW.findall(r.stdout)
    assert [int(k) for k, *_ in rows] == list(range(31))
    assert [k for k, _, train, test in rows if train and test] == ["14", "28", "30"]
    assert rows == expected_rows(30, range(31))
    _, loss, train, test = rows[-1]
    assert re.fullmatch(rf"final loss \(L\) after 30 iterations: {loss}; train accuracy {re.escape(train)}, "
                        rf"test accuracy {re.escape(test)}; \d+\.\d\d s", lines[-1]), lines[-1]


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


def test_the_progress_bar_shows_only_on_a_terminal_after_its_delay_and_is_erased():
    """A run shorter than the delay writes nothing to stderr; a longer one draws the bar there, then erases it."""
    assert run_with_bar(20, terminal=True, after=BAR_AFTER) == ""
    assert run_with_bar(20, terminal=False, after=0) == ""
    drawn = run_with_bar(20, terminal=True, after=0)
    assert "mini-batch SGD" in drawn and "20/20" in drawn
    assert drawn.endswith("\x1b[2K")  # transient: the bar's line is cleared at the end


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
