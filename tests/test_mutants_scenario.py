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
    """to_toml: x, t quoted, batch and test as numbers, one_hot = true, the renamed arrays, the seed, the
    source relative to the folder written to (absolute without one)."""
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
    """toml_value: repr of each float (nan as nan), float64 whatever was given, a 2-D array a row a line
    unless one_line, deeper arrays on one line."""
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
    """Broadcasting: x's entry needs only x (y and dout have another shape); y's needs y and dout;
    a dead branch has no dout, so only the inputs."""
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
    """Each init's parameters: not numbers or beyond float refused by name; std 0, uniform's [0, 1), randint's low
    and its default 0 drawn exactly; randint's whole low < high enforced."""
    table, expected = INIT_CASES[case]
    assert drawn(table) == expected


def test_a_batch_of_one_is_a_batch():
    """[data] batch = 1 loads (the limit is >= 1): the digits through Affine (64, 10) into SoftmaxWithLoss."""
    from tests.test_data import net
    doc = tomllib.loads(net("digits", batch=1))
    doc["values"] = {"W": {"init": "zeros", "shape": [64, 10]}, "b": {"init": "zeros", "shape": [10]}}
    sc = from_dict(doc, "/tmp/net.toml")
    assert sc.data.spec.batch == 1 and sc.leaves["x"].shape == (1, 64)
