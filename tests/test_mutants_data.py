"""The [data] table's refusals and data set in this process. test_data.py
checks each refusal through the command line (a child process, which the
mutation score cannot see, docs/testing.md); here the loader raises the same
one line in-process."""

from __future__ import annotations

import pytest

from backprop_engine import ScenarioError, load
from tests.test_data import REFUSALS, files  # noqa: F401  (files: the fixture)


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

import tomllib  # noqa: E402

import numpy as np  # noqa: E402

from backprop_engine import bundled  # noqa: E402
from backprop_engine.scenario import from_dict  # noqa: E402
from backprop_engine.train import MiniBatchSGD, accuracy, label_classes  # noqa: E402

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


def test_labels_are_made_one_hot_once_a_batch_only_for_a_single_softmax_size(nets):
    """label_classes: 10 for digits; None when t feeds two losses of 3 and 4 classes, or also a Mul."""
    assert label_classes(load_digits()) == 10
    assert label_classes(nets["two losses"]) is None and label_classes(nets["t in a Mul"]) is None
    assert MiniBatchSGD(nets["two losses"]).leaves["t"].shape == (4,)


def load_digits():
    from backprop_engine import load
    return load(bundled()["digits"])


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


def test_the_trainer_takes_its_own_rate_and_refuses_none_or_no_data():
    """lr given wins over the scenario's; 0 is refused with its value; a scenario without [data] is refused."""
    sc = load_digits()
    assert MiniBatchSGD(sc, lr=0.5).lr == 0.5 and MiniBatchSGD(sc).lr == sc.lr
    with pytest.raises(ValueError, match=r"^the learning rate must be > 0, got 0$"):
        MiniBatchSGD(sc, lr=0)
    from backprop_engine import load
    with pytest.raises(ValueError, match=r"^mini-batch SGD needs a scenario with \[data\]$"):
        MiniBatchSGD(load(bundled()["apple"]))


def test_the_loss_of_a_net_without_a_loss_layer_is_its_output_times_dout(nets):
    """rows: the loss on the batch is Σ a·dout over the 4×3 output, a number."""
    sc = nets["rows"]
    a = sc.leaves["x"] @ sc.leaves["W"] + sc.leaves["b"]
    assert MiniBatchSGD(sc).loss() == pytest.approx(float(np.sum(a * sc.dout)), rel=1e-15)


def test_accuracy_is_only_for_a_net_ending_in_softmax_on_the_datas_labels(nets):
    """A net ending in Affine, or in a loss on other labels: no accuracy, train and test both None."""
    assert accuracy(nets["rows"], nets["rows"].leaves) == {"train": None, "test": None}
    assert accuracy(nets["other labels"], nets["other labels"].leaves) == {"train": None, "test": None}


from tests.test_data import net  # noqa: E402

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


@pytest.mark.parametrize("case", TABLE_REFUSALS)
def test_each_fault_of_the_data_table_is_its_own_line(case):
    """The [data] table's keys checked one by one: each fault its line, and nothing more than follows from it."""
    text, problems = TABLE_REFUSALS[case]
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), "/tmp/net.toml")
    assert raised.value.problems == problems



from backprop_engine.data import DataSet, DataSpec  # noqa: E402
from tests.test_data import header_only  # noqa: E402


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


def test_a_test_set_of_its_own_is_scaled_by_its_own_dtype(tmp_path):
    """x uint8 (÷255) with x_test float (÷1): each set's rows come scaled by their own array's dtype."""
    np.savez(tmp_path / "own.npz", x=np.full((4, 2), 255, dtype=np.uint8), t=[0, 1, 0, 1],
             x_test=np.full((2, 2), 0.5), t_test=[1, 0])
    d = DataSet(DataSpec("own.npz", batch=2), tmp_path / "own.npz", 0)
    x, _, rows = d.sets()["train"]
    x_test, _, test_rows = d.sets()["test"]
    assert d.inputs(x, rows[:1]).tolist() == [[1.0, 1.0]] and d.inputs(x_test, test_rows[:1]).tolist() == [[0.5, 0.5]]


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
    import zipfile
    with zipfile.ZipFile(path, "w") as zf:
        for name, a in arrays.items():
            with zf.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array(f, np.asarray(a), version=version)


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
    import zipfile
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


@pytest.mark.parametrize("case", FILE_REFUSALS)
def test_each_fault_of_the_files_arrays_is_its_own_line(tmp_path, case):
    """Missing arrays (none at all, x, half a test set), a test set of other lengths or rows, and the limits' edges."""
    _more_files(tmp_path)
    text, line = FILE_REFUSALS[case]
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), tmp_path / "net.toml")
    assert raised.value.problems == [line.format(dir=tmp_path)]


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


def test_a_1d_score_vector_with_batch_1_has_as_many_classes_as_entries(tmp_path):
    """SoftmaxWithLoss of s = (3,) on labels of batch 1: label_classes 3; accuracy counts label 1 (s's highest)."""
    sc = from_dict(tomllib.loads(ONE_D.format(s="[0.1, 0.5, 0.2]")), _twenty_rows(tmp_path))
    assert sc.shapes["s"] == (3,) and sc.shapes["t"] == (1,)
    assert label_classes(sc) == 3
    train, test = (np.mean(sc.data.t[rows] == 1) for rows in (sc.data.train_rows, sc.data.test_rows))
    assert accuracy(sc, sc.leaves) == {"train": train, "test": test} == {"train": 3 / 16, "test": 1 / 2}


def test_a_label_beyond_a_1d_score_vector_is_refused_by_its_classes(tmp_path):
    """s = (2,) with labels 0-2: the one line says label 2 is out of range for its 2 classes."""
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(ONE_D.format(s="[0.1, 0.5]")), _twenty_rows(tmp_path))
    assert raised.value.problems == ["data.source: label 2 is out of range for 'softmaxwithloss0': "
                                     "its input 's' has 2 classes (labels 0 to 1)"]


class _LossLayerRan(Exception):
    pass


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


def test_the_loss_of_a_1d_output_over_data_is_its_sum_times_dout(tmp_path):
    """Relu of s = (3,) with [data] of batch 1: the loss is Σ relu(s)·dout = 0.1·1 + 0 + 0.2·3, a number."""
    text = ONE_D.format(s="[0.1, -0.5, 0.2]").replace('"SoftmaxWithLoss"', '"Relu"').replace(
        '["s", "t"]', '["s"]') + "[backward]\ndout = [1.0, 2.0, 3.0]\n"
    sc = from_dict(tomllib.loads(text), _twenty_rows(tmp_path))
    assert sc.shapes["L"] == (3,)
    assert MiniBatchSGD(sc).loss() == pytest.approx(0.7, rel=1e-15)
