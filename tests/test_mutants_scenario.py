"""The scenario's writer, reader and quiz on the cases issue 17's mutation
score found untested: a saved [data] scenario with its non-default keys (which
did not load back: x = '"images"', one_hot = 'true'), numbers written in full,
TOML syntax errors at the end of a file, the picker's look at a data scenario,
and the quiz's context for a 1-D Affine, label t and broadcasting."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from backprop_engine import BACKWARD, bundled, load, run
from backprop_engine.quiz import entry_context, quiz_entries
from backprop_engine.scenario import ScenarioError, from_dict, sniff, to_toml, toml_value
from backprop_engine.scenario.files import _toml_error
from backprop_engine.scenario.values import leaf_problem
from tests.test_engine import layer, scenario

NET = """
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

SAVED = """title = "Ünïcode net"
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

[backward]
dout = 1.0

[train]
lr = 0.05
params = ["W"]
"""


@pytest.fixture
def data_net(tmp_path):
    """NET with its data file at tmp_path/sub/set.npz, loaded from tmp_path/net.toml."""
    (tmp_path / "sub").mkdir()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "sub" / "set.npz", inputs=rng.random((50, 4)), labels=rng.integers(0, 3, 50))
    (tmp_path / "net.toml").write_text(NET, encoding="utf-8")
    return load(tmp_path / "net.toml")


def test_a_saved_data_scenario_writes_every_non_default_key_as_toml(data_net, tmp_path):
    """to_toml writes [data]'s non-default keys as TOML and the source relative to the folder."""
    assert to_toml(data_net, folder=tmp_path / "out") == SAVED.format(source="../sub/set.npz")
    assert to_toml(data_net) == SAVED.format(source=str(tmp_path / "sub" / "set.npz"))


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


def test_the_bundled_set_is_written_by_name_and_seed_0_left_out():
    """digits: source = "digits", no seed line (0 is the default), x and t not written (the defaults)."""
    text = to_toml(load(bundled()["digits"]))
    assert '[data]\nsource = "digits"\n\n[values]' in text and "seed" not in text


def test_the_expect_table_written_is_the_one_given_else_the_scenarios():
    """to_toml(expect=...) writes that table; by default the scenario's own [expect]."""
    sc = load(bundled()["apple"])
    own = to_toml(sc)
    assert own.endswith('[expect]\n"price" = 220.0\n"grad.apple" = 2.2\n"grad.apple_num" = 110.0\n'
                        '"grad.tax" = 200.0\n')
    kept = to_toml(sc, expect={"price": np.float64(1.5)})
    assert kept.endswith('[expect]\n"price" = 1.5\n')
    assert "[expect]" not in to_toml(sc, expect={})


def test_a_dout_that_is_not_finite_is_refused_by_its_name(tmp_path):
    """to_toml names [backward] dout when dout holds an infinity."""
    sc = scenario({"x": [1.0, 2.0]}, [layer("Relu", ["x"], "y")], dout=[1.0, 2.0])
    from dataclasses import replace
    bad = replace(sc, dout=np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match=r"^\[backward\] dout is not finite \(inf at \[1\]\): a scenario file "
                                         r"holds finite numbers only$"):
        to_toml(bad)


def test_numbers_are_written_in_full_a_matrix_a_row_a_line():
    """toml_value: full-precision floats, nan and inf as TOML, a matrix a row a line unless one_line."""
    assert toml_value(np.nan) == "nan" and toml_value(-np.inf) == "-inf" and toml_value(0.1) == "0.1"
    assert toml_value([1e-05, np.inf]) == "[1e-05, inf]"
    assert toml_value(np.array([1, 2], dtype=np.int64)) == "[1.0, 2.0]"
    assert toml_value([[1, 2], [3, 4]]) == "[[1.0, 2.0],\n    [3.0, 4.0]]"
    assert toml_value([[1, 2], [3, 4]], one_line=True) == "[[1.0, 2.0], [3.0, 4.0]]"
    assert toml_value(np.zeros((2, 1, 2))) == "[[[0.0, 0.0]], [[0.0, 0.0]]]"
    assert toml_value(np.zeros((2, 2, 1)), one_line=False) == "[[[0.0],\n    [0.0]], [[0.0],\n    [0.0]]]"
    assert toml_value(np.zeros((2, 2, 1)), one_line=True) == "[[[0.0], [0.0]], [[0.0], [0.0]]]"


def test_a_title_in_another_script_is_written_as_it_is():
    """Strings are JSON-quoted without escaping non-ASCII text."""
    sc = scenario({"x": 1.0}, [layer("Relu", ["x"], "y")], title="乘法 «x»")
    assert to_toml(sc).startswith('title = "乘法 «x»"\n')


@pytest.mark.parametrize("text, line", [
    ("a = [1,", "end of file: TOML syntax error: Invalid value"),
    ('a = "x', "end of file: TOML syntax error: Unterminated string"),
    ("a = 1\nb = = 2\n", "line 2, column 5: TOML syntax error: Invalid value"),
])
def test_a_toml_syntax_error_names_its_line_or_the_end_of_the_file(tmp_path, text, line):
    """The loader's one line for tomllib's errors, with tomllib's own message."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load(path)
    assert e.value.problems == [line]


def test_a_toml_error_without_a_position_is_said_as_it_is():
    """_toml_error of a message with no '(at ...)' keeps the message."""
    assert _toml_error(tomllib.TOMLDecodeError("odd")) == "end of file: TOML syntax error: odd"


def test_the_picker_sees_a_data_scenario_with_a_relative_file_as_a_scenario(data_net, tmp_path):
    """sniff loads the file from its own path, so that [data]'s relative source is found."""
    assert sniff(tmp_path / "net.toml") == ("scenario", "Ünïcode net")


def test_a_label_out_of_range_for_a_1d_x_is_refused():
    """leaf_problem: t = [3] for a 1-D x of 3 classes names the range; [1] is fine; x itself has no rule."""
    sc = scenario({"x": [0.5, -0.5, 1.0]}, [layer("SoftmaxWithLoss", ["x", "t"], "L")], constants={"t": [2]})
    assert leaf_problem(sc, "t", np.array([3.0])) == "label 3 in 't' is out of range: labels are whole numbers 0 to 2"
    assert leaf_problem(sc, "t", np.array([1.0])) is None and leaf_problem(sc, "x", np.zeros(3)) is None


def test_a_label_out_of_range_is_found_past_a_layer_of_one_input():
    """leaf_problem on Relu then SoftmaxWithLoss: the Relu (one input, no t) is passed over, t = [3] refused."""
    sc = scenario({"a": [0.5, -0.5, 1.0]}, [layer("Relu", ["a"], "x"), layer("SoftmaxWithLoss", ["x", "t"], "L")],
                  constants={"t": [2]})
    assert leaf_problem(sc, "t", np.array([3.0])) == "label 3 in 't' is out of range: labels are whole numbers 0 to 2"
    assert leaf_problem(sc, "t", np.array([0.0])) is None


def backward(sc):
    return {s.layer.name: s for s in run(sc).steps() if s.phase == BACKWARD}


def test_the_quiz_skips_a_constant_and_asks_the_inputs_after_it():
    """k·x with k constant: only x is asked, its entry drawn with the step's index as seed."""
    sc = scenario({"x": [1.0, 2.0]}, [layer("Mul", ["k", "x"], "y", "m")], constants={"k": 3.0},
                  dout=[1.0, 1.0])
    assert quiz_entries(backward(sc)["m"]) == [("x", 0, 3.0)]


def test_the_quiz_context_of_a_one_row_affine():
    """A 1-D x: dx needs dout and a row of W; dW[j, k] needs x[j] and dout[k]; db[k] needs dout[k]."""
    sc = scenario({"x": [1.0, 2.0, 3.0], "W": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "b": [0.5, -0.5]},
                  [layer("Affine", ["x", "W", "b"], "out", "aff")], dout=[1.0, -2.0])
    step = backward(sc)["aff"]
    assert quiz_entries(step) == [("x", 1, -5.0), ("W", 2, 2.0), ("b", 0, 1.0)]
    (d, dv), (w, wv) = entry_context(step, "x", 1)
    assert (d, dv.tolist(), w, wv.tolist()) == ("dout", [1.0, -2.0], "W[1, :]", [3.0, 4.0])
    assert entry_context(step, "W", 3) == [("x[1]", 2.0), ("dout[1]", -2.0)]
    assert entry_context(step, "b", 1) == [("dout[1]", -2.0)]


def test_the_quiz_context_of_a_batch_affine():
    """A batch x: dx[i, j] needs dout[i, :] and W[j, :]; dW needs columns; db a column of dout."""
    sc = scenario({"x": [[1.0, 2.0], [3.0, 4.0]], "W": [[1.0, 0.0], [0.0, 1.0]], "b": [0.0, 0.0]},
                  [layer("Affine", ["x", "W", "b"], "out", "aff")], dout=[[1.0, 2.0], [3.0, 4.0]])
    step = backward(sc)["aff"]
    got = [(label, np.asarray(v).tolist()) for label, v in entry_context(step, "x", 3)]
    assert got == [("dout[1, :]", [3.0, 4.0]), ("W[1, :]", [0.0, 1.0])]
    got = [(label, np.asarray(v).tolist()) for label, v in entry_context(step, "b", 0)]
    assert got == [("dout[:, 0]", [1.0, 3.0])]


def test_the_quiz_context_of_softmax_with_label_t_reads_y_and_t_at_xs_entry():
    """Labels t (N,): the entry is an index into x's shape; y, t (one-hot), N and dout at it."""
    sc = scenario({"x": [[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]]}, [layer("SoftmaxWithLoss", ["x", "t"], "L", "loss")],
                  constants={"t": [2, 0]})
    assert entry_context(backward(sc)["loss"], "x", 3) == [
        ("y[1, 0]", 0.24472847105479764), ("t[1, 0]", 1.0), ("N", 2.0), ("dout", 1.0)]


def test_the_quiz_context_leaves_out_values_of_another_shape_and_a_missing_dout():
    """The quiz context leaves out values of another shape and a dead branch's missing dout."""
    sc = scenario({"x": [1.0, 2.0, 3.0], "y": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]},
                  [layer("Mul", ["x", "y"], "f", "m")], dout=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    step = backward(sc)["m"]
    assert entry_context(step, "x", 1) == [("x[1]", 2.0)]
    assert entry_context(step, "y", 4) == [("y[1, 1]", 5.0), ("dout[1, 1]", 5.0)]
    dead = scenario({"x": [1.0, 2.0], "z": 1.0},
                    [layer("Relu", ["x"], "r", "dead"), layer("Add", ["z", "z"], "f", "live")])
    engine = run(dead)
    step = [s for s in engine.steps() if s.phase == BACKWARD and s.layer.name == "dead"][0]
    assert step.dout is None and quiz_entries(step) == []


def test_from_dict_reads_a_data_scenario_relative_to_the_path_given(data_net, tmp_path):
    """The same document from another folder does not find sub/set.npz."""
    doc = tomllib.loads(NET)
    assert from_dict(doc, tmp_path / "net.toml").data.spec.source == "sub/set.npz"
    with pytest.raises(ScenarioError, match="no such data file"):
        from_dict(doc, tmp_path / "elsewhere" / "net.toml")


def drawn(table: str):
    """[values] W = <table>: the array drawn, or the loader's problems."""
    text = f'title = "i"\n[values]\nW = {table}\n[[layers]]\ntype = "Relu"\ninputs = ["W"]\noutput = "o"\n'
    try:
        return from_dict(tomllib.loads(text), "/tmp/i.toml").leaves["W"].tolist()
    except ScenarioError as e:
        return e.problems


HUGE = 10 ** 400
RANDINT = "values.W: randint needs whole numbers low < high, got "
INIT_CASES = {
    "std a string": ('{ init = "normal", shape = [2], std = "a" }', ["values.W: std: 'a' is not a number"]),
    "std a boolean": ('{ init = "normal", shape = [2], std = true }', ["values.W: std: True is not a number"]),
    "mean beyond float": (f'{{ init = "normal", shape = [2], mean = {HUGE} }}',
                          ["values.W: mean must be a finite number, got inf"]),
    "mean beyond -float": (f'{{ init = "normal", shape = [2], mean = -{HUGE} }}',
                           ["values.W: mean must be a finite number, got -inf"]),
    "std 0": ('{ init = "normal", shape = [3], std = 0, mean = 2.5 }', [2.5, 2.5, 2.5]),
    "uniform on [0, 1)": ('{ init = "uniform", shape = [3], seed = 4 }',
                          np.random.default_rng(4).uniform(0.0, 1.0, 3).tolist()),
    "randint from low": ('{ init = "randint", shape = [6], low = 5, high = 8, seed = 1 }',
                         np.random.default_rng(1).integers(5, 8, 6).astype(float).tolist()),
    "randint from 0": ('{ init = "randint", shape = [6], high = 2, seed = 1 }',
                       np.random.default_rng(1).integers(0, 2, 6).astype(float).tolist()),
    "randint low 1.5": ('{ init = "randint", shape = [2], low = 1.5, high = 3 }', [RANDINT + "1.5, 3"]),
    "randint high 2.5": ('{ init = "randint", shape = [2], low = 1, high = 2.5 }', [RANDINT + "1, 2.5"]),
    "randint low = high": ('{ init = "randint", shape = [2], low = 5, high = 5 }', [RANDINT + "5, 5"]),
    "randint high below low": ('{ init = "randint", shape = [2], low = 5, high = 3 }', [RANDINT + "5, 3"]),
}


@pytest.mark.parametrize("case", INIT_CASES)
def test_init_tables_draw_with_their_defaults_and_refuse_bad_parameters(case):
    """Init tables draw with their defaults and refuse parameters that are not finite numbers."""
    table, expected = INIT_CASES[case]
    assert drawn(table) == expected


def test_a_batch_of_one_is_a_batch():
    """[data] batch = 1 loads (the limit is >= 1): the digits through Affine (64, 10) into SoftmaxWithLoss."""
    from tests.test_data import net
    doc = tomllib.loads(net("digits", batch=1))
    doc["values"] = {"W": {"init": "zeros", "shape": [64, 10]}, "b": {"init": "zeros", "shape": [10]}}
    sc = from_dict(doc, "/tmp/net.toml")
    assert sc.data.spec.batch == 1 and sc.leaves["x"].shape == (1, 64)


ONE_LAYER = 'title = "a"\n[values]\n{values}\n[constants]\n{constants}\n[[layers]]\ntype = "{type}"\n' \
            'inputs = {inputs}\noutput = "o"\n'
LAYER_REFUSALS = {
    "Affine, W a vector": (dict(type="Affine", inputs='["x", "W", "b"]', values="x = [[1.0, 2.0]]\nW = [1.0, 2.0]\n"
                                "b = [0.0]", constants=""),
                           "layer 1 'affine0' (Affine): W must be a matrix (2 axes), got shape (2,)"),
    "Affine, x a number": (dict(type="Affine", inputs='["x", "W", "b"]', values="x = 1.0\nW = [[1.0], [2.0]]\n"
                                "b = [0.0]", constants=""),
                           "layer 1 'affine0' (Affine): x must be an array, got a scalar"),
    "Affine, x and W misfit": (dict(type="Affine", inputs='["x", "W", "b"]', values="x = [[1.0, 2.0, 3.0, 4.0, 5.0]]\n"
                                    "W = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]\n"
                                    "b = [0.0, 0.0, 0.0]", constants=""),
                               ("layer 1 'affine0' (Affine): x (1, 5) does not fit W (4, 3): x has 5 features per row, "
                                "W has 4 rows")),
    "Softmax, x of 3 axes": (dict(type="SoftmaxWithLoss", inputs='["x", "t"]', values="x = [[[1.0, 2.0]]]",
                                  constants="t = [[[1.0, 0.0]]]"),
                             "layer 1 'softmaxwithloss0' (SoftmaxWithLoss): x must be (N, C) or (C,), got (1, 1, 2)"),
    "Softmax, 1-D x, t of 2": (dict(type="SoftmaxWithLoss", inputs='["x", "t"]', values="x = [1.0, 2.0, 3.0]",
                                    constants="t = [1.0, 0.0]"),
                               ("layer 1 'softmaxwithloss0' (SoftmaxWithLoss): t (2,) does not fit x (3,): "
                                "t must be one-hot (3,) or labels ()")),
    "Softmax, t of 3 for 2 rows": (dict(type="SoftmaxWithLoss", inputs='["x", "t"]',
                                        values="x = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]",
                                        constants="t = [1.0, 0.0, 2.0]"),
                                   ("layer 1 'softmaxwithloss0' (SoftmaxWithLoss): t (3,) does not fit x (2, 3): "
                                    "t must be one-hot (2, 3) or labels (2,)")),
}


@pytest.mark.parametrize("case", LAYER_REFUSALS)
def test_each_shape_refusal_of_affine_and_softmax_says_what_fits(case):
    """Affine's and SoftmaxWithLoss's shape refusals each say what would fit."""
    fields, line = LAYER_REFUSALS[case]
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(ONE_LAYER.format(**fields)), "/tmp/a.toml")
    assert raised.value.problems == [line]


def test_an_unknown_init_key_lists_the_allowed_ones():
    """normal allows mean and std; zeros none ('-'); an init table without shape is one number."""
    assert drawn('{ init = "normal", shape = [2], foo = 1 }') == [
        "values.W: unknown key 'foo' for init 'normal' (allowed: shape, seed, mean, std)"]
    assert drawn('{ init = "zeros", shape = [2], mean = 1 }') == [
        "values.W: unknown key 'mean' for init 'zeros' (allowed: shape, seed, -)"]
    assert drawn('{ init = "ones" }') == 1.0


@pytest.mark.parametrize("name, make, line", [
    ("missing.toml", None, "no such file"),
    ("adir.toml", "dir", "is a directory, not a scenario file"),
    ("bad.toml", b'title = "\xff"\n', "not UTF-8 text (byte 9)"),
    ("afile/x.toml", "file parent", "cannot read: Not a directory"),
])
def test_a_file_that_cannot_be_read_is_one_line_with_its_path(tmp_path, name, make, line):
    """load: a missing file, a folder, bytes that are not UTF-8, a path through a file; each names the path."""
    from backprop_engine import load
    path = tmp_path / name
    if make == "dir":
        path.mkdir()
    elif make == "file parent":
        (tmp_path / "afile").write_text("x")
    elif make:
        path.write_bytes(make)
    with pytest.raises(ScenarioError) as raised:
        load(path)
    assert (raised.value.path, raised.value.problems) == (str(path), [line])


def _layer(type_, inputs, output, name=None):
    """A [[layers]] table as TOML text; None leaves a key out (inputs and output as TOML values)."""
    return ("[[layers]]\n" + (f'name = "{name}"\n' if name else "") + (f'type = "{type_}"\n' if type_ else "")
            + (f"inputs = {inputs}\n" if inputs is not None else "") + (f"output = {output}\n" if output is not None else ""))


RELU_A = _layer("Relu", '["a"]', '"o"')
A = '[values]\na = 1.0\n'
LOADER_REFUSALS = {
    "no title": (A + RELU_A, ["title is required: a line of text"]),
    "a number for description": ('title = "t"\ndescription = 5\n' + A + RELU_A, ["description must be text, got 5"]),
    "seed -1": ('title = "t"\nseed = -1\n' + A + RELU_A, ["seed must be a whole number >= 0, got -1"]),
    "[values] not a table": ('title = "t"\nvalues = 5\n[constants]\nk = 1.0\n' + _layer("Relu", '["k"]', '"o"'),
                             ["[values] must be a table of name = value"]),
    "a name not a name": ('title = "t"\n[values]\n1a = 1.0\nb = 2.0\n' + _layer("Relu", '["b"]', '"o"'),
                          ["values.1a: a name must be ASCII letters, digits and _ (not starting with a digit)"]),
    "a duplicate, then more": ('title = "t"\n' + A + '[constants]\na = 2.0\nb = 3.0\n' + _layer("Relu", '["b"]', '"o"'),
                               ["constants.a: duplicate name 'a'"]),
    "layers of a number": ('title = "t"\nlayers = [1]\n' + A, ["at least one [[layers]] table is required"]),
    "no layers, dout and expect": ('title = "t"\n' + A + '[backward]\ndout = 2.0\n[expect]\na = 1.0\n',
                                   ["at least one [[layers]] table is required"]),
    "five layers, each wrong": ('title = "t"\n[values]\na = [1.0, 2.0]\n' + _layer("Rleu", '["a"]', '"o1"')
                                + _layer("Relu", "5", '"o2"') + _layer("Relu", '["nope"]', '"o3"')
                                + _layer("Affine", '["a", "a", "a"]', '"o4"') + _layer("Relu", '["zz"]', '"o5"'),
                                ["layer 1: unknown layer type 'Rleu' (did you mean 'Relu'?)",
                                 "layer 2 'relu1' (Relu): inputs must be a list of value names",
                                 "layer 3 'relu2' (Relu): input 'nope' is not defined earlier",
                                 "layer 4 'affine3' (Affine): W must be a matrix (2 axes), got shape (2,)",
                                 "layer 5 'relu4' (Relu): input 'zz' is not defined earlier"]),
    "an output too big": ('title = "t"\n[values]\na = { init = "zeros", shape = [5000] }\n'
                          'b = { init = "zeros", shape = [5000, 1] }\n' + _layer("Mul", '["a", "b"]', '"o"'),
                          ["layer 1 'mul0' (Mul): output 'o': shape (5000, 5000) has 25,000,000 elements, "
                           "more than the limit of 10,000,000"]),
    "an output that is a number": ('title = "t"\n[values]\na = [1.0, 2.0]\n' + RELU_A + _layer("Relu", '["a"]', "5")
                                   + "[backward]\ndout = [1.0, 2.0, 3.0]\n",
                                   ["layer 2 'relu1' (Relu): output 5 is not a valid name: use ASCII letters, digits "
                                    "and _, not starting with a digit"]),
    "a named layer without a type": ('title = "t"\n' + A + _layer(None, '["a"]', '"o"', "first"),
                                     ["layer 1 'first': type is required, one of Mul, Add, Relu, Sigmoid, Exp, "
                                      "Reciprocal, Affine, SoftmaxWithLoss"]),
    "inputs with a number": ('title = "t"\n' + A + _layer("Mul", '["a", 5]', '"o"'),
                             ["layer 1 'mul0' (Mul): inputs must be a list of value names"]),
    "Relu of two": ('title = "t"\n' + A + _layer("Relu", '["a", "a"]', '"o"'),
                    ["layer 1 'relu0' (Relu): takes 1 input (x), got 2"]),
    "Mul of one": ('title = "t"\n' + A + _layer("Mul", '["a"]', '"o"'),
                   ["layer 1 'mul0' (Mul): takes 2 inputs (x, y), got 1"]),
    "no output": ('title = "t"\n' + A + _layer("Relu", '["a"]', None),
                  ["layer 1 'relu0' (Relu): output is required: a new name (ASCII letters, digits and _)"]),
    "an output not a name": ('title = "t"\n' + A + _layer("Relu", '["a"]', '"1o"'),
                             ["layer 1 'relu0' (Relu): output '1o' is not a valid name: use ASCII letters, digits "
                              "and _, not starting with a digit"]),
    "[backward] not a table": ('title = "t"\nbackward = 5\n' + A + RELU_A, ["[backward] must be a table"]),
    "[expect] not a table": ('title = "t"\nexpect = 5\n' + A + RELU_A, ["[expect] must be a table"]),
    "expect of a refused value, then of none": ('title = "t"\n[values]\na = "x"\nb = 1.0\n' + _layer("Relu", '["b"]', '"o"')
                                                + "[expect]\na = 1.0\nnope = 2.0\n",
                                                ["values.a: 'x' is not a number", "expect.nope: no value named 'nope'"]),
    "expect of two missing": ('title = "t"\n' + A + RELU_A + "[expect]\nnope1 = 1.0\nnope2 = 2.0\n",
                              ["expect.nope1: no value named 'nope1'", "expect.nope2: no value named 'nope2'"]),
    "expect not a number, then of none": ('title = "t"\n' + A + RELU_A + '[expect]\na = "x"\nnope = 2.0\n',
                                          ["expect.a: 'x' is not a number", "expect.nope: no value named 'nope'"]),
    "expect of another shape": ('title = "t"\n' + A + RELU_A + "[expect]\na = [1.0, 2.0]\n",
                                ["expect.a: shape (2,) but 'a' has shape ()"]),
    "expect of a constant's gradient, then of none": ('title = "t"\n' + A + "[constants]\nk = 2.0\n"
                                                      + _layer("Mul", '["a", "k"]', '"o"')
                                                      + '[expect]\n"grad.k" = 1.0\nnope = 2.0\n',
                                                      ["expect.grad.k: 'k' is a constant and has no gradient",
                                                       "expect.nope: no value named 'nope'"]),
    "[data] but no layers": ('title = "t"\n[data]\nsource = "digits"\n', ["at least one [[layers]] table is required"]),
}


@pytest.mark.parametrize("case", LOADER_REFUSALS)
def test_each_fault_of_a_scenario_is_its_line_and_the_check_goes_on_past_it(case):
    """The loader's lines for the top level, the leaves, the layers, [backward] and [expect], every fault found."""
    text, problems = LOADER_REFUSALS[case]
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), "/tmp/t.toml")
    assert raised.value.problems == problems


def test_a_whole_learning_rate_loads_as_a_float_up_to_float_s_largest():
    """lr = 1 loads as 1.0; lr = int(1e308), a whole number float64 can hold, loads too."""
    for lr, value in (("1", 1.0), (str(int(1e308)), 1e308)):
        sc = from_dict(tomllib.loads('title = "t"\n' + A + RELU_A + f"[train]\nlr = {lr}\n"), "/tmp/t.toml")
        assert sc.lr == value and type(sc.lr) is float


def test_the_scenario_keeps_its_path_title_and_texts(tmp_path):
    """load: the path as given, the title, description and reference stripped."""
    from backprop_engine import load
    path = tmp_path / "s.toml"
    path.write_text('title = " T "\ndescription = " d "\nreference = " r "\n' + A + RELU_A)
    sc = load(path)
    assert (sc.path, sc.title, sc.description, sc.reference) == (str(path), "T", "d", "r")


def test_a_literal_over_the_element_limit_is_named(monkeypatch):
    """parse_value names the value whose literal has more elements than the limit (the limit made 3 here)."""
    from backprop_engine.scenario import values
    monkeypatch.setattr(values, "MAX_ELEMENTS", 3)
    with pytest.raises(ValueError, match=r"^values\.big: shape \(4,\) has 4 elements, more than the limit of 3$"):
        values.parse_value([1.0, 2.0, 3.0, 4.0], "values.big")


def test_a_refused_data_table_keeps_its_t_name_unknown_not_undefined(tmp_path):
    """[data] with t = "labels" and a missing file: one line for the file, none for the layer that reads labels."""
    from tests.test_data import net
    text = net("missing.npz", data='t = "labels"').replace('["a", "t"]', '["a", "labels"]')
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), tmp_path / "net.toml")
    assert raised.value.problems == [f"data.source: no such data file '{tmp_path}/missing.npz'"]
    text = net("digits", data='sorce = "a"').replace("[4, 3]", "[64, 3]")
    with pytest.raises(ScenarioError) as raised:
        from_dict(tomllib.loads(text), tmp_path / "net.toml")
    assert raised.value.problems[0] == "unknown key 'sorce' in [data] (did you mean 'source'?)"
