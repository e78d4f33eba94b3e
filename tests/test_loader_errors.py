"""Every refusal the contract lists, each with a file that triggers it; plus the
default layer name and deterministic init tables; the writer (numbers in full,
the [expect] table), TOML syntax errors, init tables' parameters, and each
fault of a scenario as its own line, the check going on past it."""

from __future__ import annotations

import time
import tomllib
import tracemalloc

import numpy as np
import pytest

from backprop_engine import ScenarioError, bundled, load, resolve, run
from backprop_engine.scenario import from_dict, to_toml, toml_value
from backprop_engine.scenario.values import leaf_problem
from tests.test_engine import layer, scenario

pytestmark = pytest.mark.engine

OK_LAYERS = """
[[layers]]
name = "r"
type = "Relu"
inputs = ["a"]
output = "o"
"""


def refuse(path) -> list[str]:
    """Load ``path``, expect a refusal, check the line format; return the messages."""
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert time.perf_counter() - t0 < 2.0
    lines = info.value.lines
    assert lines
    prefix = f"error: {path}: "
    for line in lines:
        assert line.startswith(prefix), line
        assert "\n" not in line
    assert str(info.value) == "\n".join(lines)
    return [line[len(prefix):] for line in lines]


def has(messages: list[str], *fragments: str) -> str:
    """The one message that contains every fragment."""
    found = [m for m in messages if all(f in m for f in fragments)]
    assert len(found) == 1, (fragments, messages)
    return found[0]


# -- TOML and keys --------------------------------------------------------------

def test_toml_syntax_error_has_line_and_column(write_toml):
    path = write_toml('title = "t"\n[values]\na = = 1\n' + OK_LAYERS)
    (msg,) = refuse(path)
    assert msg.startswith("line 3, column 5: ")
    assert "TOML" in msg


def test_toml_duplicate_key_is_a_syntax_error_with_position(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\na = 2\n' + OK_LAYERS)
    (msg,) = refuse(path)
    assert msg.startswith("line 4, column ")


def test_toml_unclosed_at_end_of_file(write_toml):
    path = write_toml('title = "t"\n[values]\na = [1, 2\n')
    (msg,) = refuse(path)
    assert "TOML" in msg and ("end" in msg or "line" in msg)


def test_unknown_top_level_key_suggests(write_toml):
    path = write_toml('title = "t"\nlayer = 1\n[values]\na = 1\n' + OK_LAYERS)
    msgs = refuse(path)
    assert has(msgs, "'layer'", "top level", "'layers'")
    assert len(msgs) == 1


def test_unknown_key_in_layer_suggests(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS + 'input = ["a"]\n')
    msgs = refuse(path)
    assert has(msgs, "layer 1", "'input'", "'inputs'")


def test_unknown_key_in_backward_train_and_init(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        a = { init = "normal", shape = [2], sd = 1.0 }
        [[layers]]
        type = "Relu"
        inputs = ["a"]
        output = "o"
        [backward]
        dot = 1
        [train]
        rate = 0.1
    ''')
    msgs = refuse(path)
    has(msgs, "'dot'", "[backward]", "'dout'")
    has(msgs, "'rate'", "[train]")
    has(msgs, "values.a", "'sd'")


# -- layer types ------------------------------------------------------------------

@pytest.mark.parametrize("typo, suggestion", [("Rleu", "Relu"), ("mul", "Mul"), ("Sigmod", "Sigmoid"),
                                              ("softmaxwithloss", "SoftmaxWithLoss"),
                                              ("Afine", "Affine")])
def test_unknown_layer_type_suggests_closest(write_toml, typo, suggestion):
    path = write_toml(f'''
        title = "t"
        [values]
        a = [1.0, 2.0]
        [[layers]]
        type = "{typo}"
        inputs = ["a", "a"]
        output = "o"
    ''')
    msgs = refuse(path)
    msg = has(msgs, "layer 1", f"'{typo}'")
    assert f"'{suggestion}'" in msg
    assert len(msgs) == 1


def test_book_aliases_accepted(write_toml):
    path = write_toml('''
        title = "aliases"
        [values]
        apple = 100
        apple_num = 2
        orange = 150
        [[layers]]
        type = "MulLayer"
        inputs = ["apple", "apple_num"]
        output = "apple_price"
        [[layers]]
        type = "AddLayer"
        inputs = ["apple_price", "orange"]
        output = "total"
    ''')
    sc = load(path)
    assert [l.type for l in sc.layers] == ["Mul", "Add"]
    engine = run(sc)
    assert float(engine.values["total"]) == 350.0
    assert float(engine.grads["apple"]) == 2.0
    assert float(engine.grads["apple_num"]) == 100.0
    assert float(engine.grads["orange"]) == 1.0


@pytest.mark.parametrize("type_, inputs, want", [
    ("Mul", '["a"]', "takes 2 inputs"),
    ("Relu", '["a", "a"]', "takes 1 input"),
    ("Affine", '["a", "a"]', "takes 3 inputs"),
    ("SoftmaxWithLoss", '["a"]', "takes 2 inputs"),
])
def test_wrong_number_of_inputs(write_toml, type_, inputs, want):
    path = write_toml(f'''
        title = "t"
        [values]
        a = [1.0, 2.0]
        [[layers]]
        name = "L"
        type = "{type_}"
        inputs = {inputs}
        output = "o"
    ''')
    msgs = refuse(path)
    msg = has(msgs, "layer 1", "'L'", want)
    n = inputs.count('"') // 2
    assert f"got {n}" in msg


def test_input_not_defined(write_toml):
    path = write_toml('title = "t"\n[values]\napple = 1\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["aple"]\noutput = "o"\n')
    msgs = refuse(path)
    msg = has(msgs, "layer 1", "'aple'", "not defined")
    assert "'apple'" in msg  # the closest name


def test_input_defined_only_later(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        a = 1.0
        [[layers]]
        name = "first"
        type = "Relu"
        inputs = ["h"]
        output = "o"
        [[layers]]
        name = "second"
        type = "Relu"
        inputs = ["a"]
        output = "h"
    ''')
    msgs = refuse(path)
    has(msgs, "layer 1", "'first'", "'h'", "not defined earlier")
    assert len(msgs) == 1


# -- duplicates -------------------------------------------------------------------

def test_duplicate_value_and_constant(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n[constants]\na = 2\n' + OK_LAYERS)
    msgs = refuse(path)
    has(msgs, "constants.a", "duplicate", "'a'")


def test_output_reusing_a_leaf_name(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\nb = 2\n'
                      '[[layers]]\nname = "m"\ntype = "Mul"\ninputs = ["a", "b"]\noutput = "b"\n')
    msgs = refuse(path)
    has(msgs, "layer 1", "'m'", "duplicate", "'b'")


def test_output_reusing_another_output(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS +
                      '[[layers]]\nname = "s"\ntype = "Sigmoid"\ninputs = ["a"]\noutput = "o"\n')
    msgs = refuse(path)
    has(msgs, "layer 2", "'s'", "duplicate", "'o'")


def test_duplicate_layer_name(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS +
                      '[[layers]]\nname = "r"\ntype = "Sigmoid"\ninputs = ["a"]\noutput = "o2"\n')
    msgs = refuse(path)
    has(msgs, "layer 2", "duplicate layer name", "'r'")


def test_default_name_can_clash_with_explicit_name(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n'
                      '[[layers]]\nname = "relu1"\ntype = "Sigmoid"\ninputs = ["a"]\noutput = "o1"\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["a"]\noutput = "o2"\n')
    msgs = refuse(path)
    has(msgs, "layer 2", "duplicate layer name", "'relu1'")


# -- shapes -------------------------------------------------------------------------

def test_shape_mismatch_mul(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        a = [1.0, 2.0]
        b = [1.0, 2.0, 3.0]
        [[layers]]
        name = "mul_ab"
        type = "Mul"
        inputs = ["a", "b"]
        output = "o"
    ''')
    msgs = refuse(path)
    has(msgs, "layer 1", "'mul_ab'", "(2,)", "(3,)")
    assert len(msgs) == 1


def test_shape_mismatch_affine(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        b = [0.0, 0.0, 0.0]
        [[layers]]
        name = "aff"
        type = "Affine"
        inputs = ["x", "W", "b"]
        output = "o"
    ''')
    msgs = refuse(path)
    msg = has(msgs, "layer 1", "'aff'", "(2, 3)")
    assert msg.count("(2, 3)") >= 2  # x and W


def test_shape_mismatch_affine_bias(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        x = [[1.0, 2.0]]
        W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        b = [0.0, 0.0]
        [[layers]]
        name = "aff"
        type = "Affine"
        inputs = ["x", "W", "b"]
        output = "o"
    ''')
    has(refuse(path), "layer 1", "'aff'", "(2,)", "(2, 3)")


def test_shape_mismatch_softmax_labels(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        [constants]
        t = [0, 1, 2]
        [[layers]]
        name = "loss"
        type = "SoftmaxWithLoss"
        inputs = ["x", "t"]
        output = "L"
    ''')
    has(refuse(path), "layer 1", "'loss'", "(3,)", "(2, 3)")


# -- values -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, fragment", [('"abc"', "'abc'"), ("true", "True"),
                                           ('[1, "x"]', "'x'"), ("2024-01-01", "not a number")])
def test_non_numeric_value(write_toml, raw, fragment):
    path = write_toml(f'title = "t"\n[values]\na = {raw}\nz = 1\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["z"]\noutput = "o"\n')
    msgs = refuse(path)
    has(msgs, "values.a", fragment, "not a number")
    assert len(msgs) == 1


@pytest.mark.parametrize("raw", ["[[1, 2], [3]]", "[[1, 2], 3]", "[[[1], [2]], [[3], [4, 5]]]"])
def test_ragged_list(write_toml, raw):
    path = write_toml(f'title = "t"\n[values]\na = {raw}\nz = 1\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["z"]\noutput = "o"\n')
    msgs = refuse(path)
    has(msgs, "values.a", "ragged")
    assert len(msgs) == 1


def test_non_numeric_dout(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS + '[backward]\ndout = "one"\n')
    has(refuse(path), "backward.dout", "not a number")


SOFTMAX = '''
title = "t"
[values]
x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
[constants]
t = {labels}
[[layers]]
name = "loss"
type = "SoftmaxWithLoss"
inputs = ["x", "t"]
output = "L"
'''


@pytest.mark.parametrize("labels, bad", [("[0, 3]", "3"), ("[-1, 0]", "-1"), ("[0, 1.5]", "1.5")])
def test_label_out_of_range(write_toml, labels, bad):
    path = write_toml(SOFTMAX.format(labels=labels))
    msgs = refuse(path)
    msg = has(msgs, "layer 1", "'loss'", "label", "range")
    assert f"label {bad} " in msg
    assert "0 to 2" in msg


def test_labels_in_range_load(write_toml):
    sc = load(write_toml(SOFTMAX.format(labels="[2, 0]")))
    assert float(run(sc).values["L"]) > 0


def test_labels_must_be_constants(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        x = [[1.0, 2.0, 3.0]]
        t = [0]
        [[layers]]
        name = "loss"
        type = "SoftmaxWithLoss"
        inputs = ["x", "t"]
        output = "L"
    ''')
    has(refuse(path), "'loss'", "[constants]")


# -- the size limit -------------------------------------------------------------------

def test_huge_init_refused_before_allocating(write_toml):
    path = write_toml('title = "t"\n[values]\nbig = { init = "normal", shape = [10001, 1000] }\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["big"]\noutput = "o"\n')
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        msgs = refuse(path)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    has(msgs, "values.big", "(10001, 1000)", "10,000,000")
    assert peak < 5_000_000  # 10,001,000 float64 would be 80 MB
    assert elapsed < 0.5


@pytest.mark.parametrize("value, shape", [('{ init = "zeros", shape = [0, 20000000] }', "(0, 20000000)"),
                                          ("[]", None)])
def test_an_empty_value_is_refused(write_toml, value, shape):
    # an array with no entries has nothing to show, check or step through
    path = write_toml(f'title = "t"\n[values]\nempty = {value}\n'
                      'z = 1\n[[layers]]\ntype = "Relu"\ninputs = ["z"]\noutput = "o"\n')
    with pytest.raises(ScenarioError) as e:
        load(path)
    (line,) = e.value.lines
    expected = (f"values.empty: shape {shape} has no entries" if shape else "values.empty: an empty list")
    assert line.startswith(f"error: {path}: {expected}")
    assert line.endswith("a value needs at least one number")


def test_layer_output_over_limit_refused(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        col = { init = "zeros", shape = [10000, 1] }
        row = { init = "zeros", shape = [1, 1001] }
        [[layers]]
        name = "outer"
        type = "Mul"
        inputs = ["col", "row"]
        output = "o"
    ''')
    tracemalloc.start()
    try:
        msgs = refuse(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    has(msgs, "layer 1", "'outer'", "(10000, 1001)", "10,000,000")
    assert peak < 5_000_000


def test_layer_output_at_the_limit_loads(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        col = { init = "zeros", shape = [10000, 1] }
        row = { init = "zeros", shape = [1, 1000] }
        [[layers]]
        type = "Mul"
        inputs = ["col", "row"]
        output = "o"
    ''')
    sc = load(path)  # exactly 10,000,000: allowed (not run here)
    assert sc.shapes["o"] == (10000, 1000)


# -- title, files, names --------------------------------------------------------------

@pytest.mark.parametrize("title_line", ["", 'title = "   "', "title = 3"])
def test_missing_title(write_toml, title_line):
    path = write_toml(f'{title_line}\n[values]\na = 1\n' + OK_LAYERS)
    msgs = refuse(path)
    has(msgs, "title")
    assert len(msgs) == 1


def test_several_problems_one_line_each(write_toml):
    path = write_toml('titel = "t"\n[values]\na = 1\n' + OK_LAYERS + '[train]\nlr = 0\n')
    msgs = refuse(path)
    has(msgs, "'titel'", "'title'")
    has(msgs, "title is required")
    has(msgs, "train.lr")
    assert len(msgs) == 3


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    (msg,) = refuse(path)
    assert "no such file" in msg


def test_unknown_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load(resolve("no_such_scenario"))
    (line,) = info.value.lines
    assert line.startswith("error: no_such_scenario: ")
    assert "no bundled scenario" in line
    for name in bundled():
        assert name in line  # lists the ones that exist


def test_a_misspelt_bundled_name_suggests_the_closest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        resolve("aple")
    (line,) = info.value.lines
    assert line == ("error: aple: no such file, and no bundled scenario of that name (did you mean 'apple'?) "
                    f"(bundled: {', '.join(bundled())})")


def test_layers_are_numbered_from_1_as_on_screen(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        a = [1.0, 2.0]
        b = [1.0, 2.0, 3.0]
        [[layers]]
        type = "Relu"
        inputs = ["a"]
        output = "h"
        [[layers]]
        name = "mul_hb"
        type = "Mul"
        inputs = ["h", "b"]
        output = "o"
    ''')
    assert refuse(path) == ["layer 2 'mul_hb' (Mul): x (2,) and y (3,) do not broadcast"]


def test_bundled_name_resolves_from_any_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sc = load(resolve("apple"))
    assert sc.title == "Buying apples"


def test_dout_wrong_shape(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        a = [1.0, -2.0]
        [[layers]]
        type = "Relu"
        inputs = ["a"]
        output = "o"
        [backward]
        dout = [1.0, 2.0, 3.0]
    ''')
    msg = has(refuse(path), "backward.dout", "(3,)", "(2,)")
    assert "'o'" in msg


def test_dout_that_broadcasts_is_accepted(write_toml):
    path = write_toml('title = "t"\n[values]\na = [[1.0, -2.0], [3.0, 4.0]]\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["a"]\noutput = "o"\n'
                      '[backward]\ndout = [10.0, 20.0]\n')
    engine = run(load(path))
    np.testing.assert_array_equal(engine.grads["a"], [[10.0, 0.0], [10.0, 20.0]])


@pytest.mark.parametrize("lr", ["0", "-0.5", '"fast"', "0.0"])
def test_train_lr_must_be_positive(write_toml, lr):
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS + f'[train]\nlr = {lr}\n')
    msgs = refuse(path)
    has(msgs, "train.lr", "> 0")
    assert len(msgs) == 1


def test_expect_unknown_value(write_toml):
    path = write_toml('title = "t"\n[values]\napple = 1\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["apple"]\noutput = "price"\n'
                      '[expect]\n"grad.aple" = 2.2\npirce = 220\n')
    msgs = refuse(path)
    assert "'apple'" in has(msgs, "expect.grad.aple", "'aple'")
    assert "'price'" in has(msgs, "expect.pirce", "'pirce'")
    assert len(msgs) == 2


def test_expect_gradient_of_a_constant(write_toml):
    path = write_toml('title = "t"\n[values]\na = 1\n[constants]\nc = 2\n'
                      '[[layers]]\ntype = "Mul"\ninputs = ["a", "c"]\noutput = "o"\n'
                      '[expect]\n"grad.c" = 1\n')
    has(refuse(path), "expect.grad.c", "constant")


# -- one line per problem ---------------------------------------------------------------

@pytest.mark.parametrize("raw", ['"abc"', "[[1, 2], [3]]", '{ init = "zeros", shape = [10001, 1000] }'])
def test_a_bad_value_is_one_problem_not_two(write_toml, raw):
    """A value refused for itself must not also be reported as 'not defined
    earlier' by the layer that uses it: one line per problem (contract 2)."""
    path = write_toml(f'title = "t"\n[values]\na = {raw}\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["a"]\noutput = "o"\n')
    msgs = refuse(path)
    assert msgs[0].startswith("values.a: ")
    assert not any("not defined" in m for m in msgs), msgs
    assert len(msgs) == 1, msgs


# -- default layer names ------------------------------------------------------------------

def test_default_layer_names(write_toml):
    path = write_toml('''
        title = "t"
        [values]
        a = 1.0
        b = 2.0
        [[layers]]
        type = "Mul"
        inputs = ["a", "b"]
        output = "c"
        [[layers]]
        name = "named"
        type = "Add"
        inputs = ["c", "b"]
        output = "d"
        [[layers]]
        type = "Sigmoid"
        inputs = ["d"]
        output = "e"
        [[layers]]
        type = "Mul"
        inputs = ["e", "a"]
        output = "f"
    ''')
    sc = load(path)
    assert [l.name for l in sc.layers] == ["mul0", "named", "sigmoid2", "mul3"]
    assert [l.index for l in sc.layers] == [0, 1, 2, 3]


# -- init tables ---------------------------------------------------------------------------

INIT = '''
title = "init"
seed = 5
[values]
u = {{ init = "uniform", shape = [3, 2], low = -1, high = 1 }}
n = {{ init = "normal", shape = [4], mean = 2, std = 0.5 }}
z = {{ init = "zeros", shape = [2, 2] }}
o = {{ init = "ones", shape = [3] }}
[constants]
t = {{ init = "randint", shape = [6], low = 0, high = 3 }}
[[layers]]
type = "Mul"
inputs = ["u", "u"]
output = "out"
'''


def test_init_tables_are_deterministic(write_toml):
    a = load(write_toml(INIT.format(), "a.toml"))
    b = load(write_toml(INIT.format(), "b.toml"))
    for name in ("u", "n", "z", "o", "t"):
        np.testing.assert_array_equal(a.leaves[name], b.leaves[name])
        assert a.leaves[name].dtype == np.float64
    # drawn in file order from one generator seeded by the top-level seed
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(a.leaves["u"], rng.uniform(-1, 1, (3, 2)))
    np.testing.assert_array_equal(a.leaves["n"], rng.normal(2, 0.5, (4,)))
    np.testing.assert_array_equal(a.leaves["t"], rng.integers(0, 3, (6,)).astype(np.float64))
    np.testing.assert_array_equal(a.leaves["z"], np.zeros((2, 2)))
    np.testing.assert_array_equal(a.leaves["o"], np.ones(3))
    assert set(np.unique(a.leaves["t"])) <= {0.0, 1.0, 2.0}


def test_bundled_mnist_size_is_deterministic():
    path = bundled()["mnist_size"]
    a, b = load(path), load(path)
    for name in a.leaves:
        np.testing.assert_array_equal(a.leaves[name], b.leaves[name])
    assert a.shapes["x"] == (100, 784) and a.shapes["W1"] == (784, 50)
    assert np.all((a.leaves["t"] >= 0) & (a.leaves["t"] < 10))


def test_init_with_own_seed_is_independent_of_file_order(write_toml):
    p_first = write_toml('''
        title = "t"
        [values]
        p = { init = "normal", shape = [3], seed = 7 }
        q = { init = "normal", shape = [3] }
        [[layers]]
        type = "Mul"
        inputs = ["p", "q"]
        output = "o"
    ''', "p_first.toml")
    q_first = write_toml('''
        title = "t"
        [values]
        q = { init = "normal", shape = [3] }
        p = { init = "normal", shape = [3], seed = 7 }
        [[layers]]
        type = "Mul"
        inputs = ["p", "q"]
        output = "o"
    ''', "q_first.toml")
    a, b = load(p_first), load(q_first)
    np.testing.assert_array_equal(a.leaves["p"], b.leaves["p"])
    np.testing.assert_array_equal(a.leaves["p"], np.random.default_rng(7).normal(0, 1, 3))
    # the seeded init does not consume the shared generator: q is its first draw either way
    np.testing.assert_array_equal(a.leaves["q"], b.leaves["q"])
    np.testing.assert_array_equal(a.leaves["q"], np.random.default_rng(0).normal(0, 1, 3))


def test_different_top_level_seed_changes_the_numbers(write_toml):
    base = 'title = "t"\n{seed}\n[values]\nq = {{ init = "normal", shape = [3] }}\n' + \
           '[[layers]]\ntype = "Relu"\ninputs = ["q"]\noutput = "o"\n'
    s0 = load(write_toml(base.format(seed=""), "s0.toml"))
    s0b = load(write_toml(base.format(seed="seed = 0"), "s0b.toml"))
    s1 = load(write_toml(base.format(seed="seed = 1"), "s1.toml"))
    np.testing.assert_array_equal(s0.leaves["q"], s0b.leaves["q"])
    assert not np.array_equal(s0.leaves["q"], s1.leaves["q"])


@pytest.mark.parametrize("table, fragment", [
    ('{ init = "gaussian", shape = [2] }', "init must be one of"),
    ('{ init = "normal", shape = [2, -1] }', "shape"),
    ('{ init = "randint", shape = [2], low = 0 }', "high"),
    ('{ init = "normal", shape = [2], seed = 1.5 }', "seed"),
])
def test_bad_init_tables(write_toml, table, fragment):
    path = write_toml(f'title = "t"\n[values]\na = {table}\nz = 1\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["z"]\noutput = "o"\n')
    has(refuse(path), "values.a", fragment)



@pytest.mark.parametrize("doc, message", [
    ('title = "t"\n[backward]\ndout = 1\n', "at least one [[layers]] table is required"),
    ('title = "t"\nlayers = 5\n[backward]\ndout = 1\n', "at least one [[layers]] table is required"),
    ('title = "t"\n[values]\nw = { init = "normal", shape = [2], std = -1 }\n'
     '[[layers]]\ntype = "Relu"\ninputs = ["w"]\noutput = "o"\n', "values.w: std must be >= 0, got -1"),
    ('title = "t"\n[values]\nw = { init = "normal", shape = [2], seed = -1 }\n'
     '[[layers]]\ntype = "Relu"\ninputs = ["w"]\noutput = "o"\n',
     "values.w: seed must be a whole number >= 0, got -1"),
    ('title = "t"\nx = ' + "[" * 1000 + "]" * 1000 + "\n", "lists nested too deeply to read"),
])
def test_more_refusals_with_one_line_each(write_toml, doc, message):
    path = write_toml(doc)
    with pytest.raises(ScenarioError) as e:
        load(path)
    assert e.value.lines == [f"error: {path}: {message}"]


def test_dout_may_be_an_init_table(write_toml):
    path = write_toml('title = "t"\n[values]\nx = [1.0, -2.0]\n[[layers]]\ntype = "Relu"\n'
                      'inputs = ["x"]\noutput = "y"\n[backward]\ndout = { init = "ones", shape = [2] }\n')
    assert load(path).dout.tolist() == [1.0, 1.0]


# -- numbers that are not finite ----------------------------------------------------------

INF_HINT = "every number must be finite (a literal beyond ±1.8e308, such as 1e400, reads as inf)"


@pytest.mark.parametrize("section, raw, message", [
    ("values", "inf", f"values.a: not finite (inf): {INF_HINT}"),
    ("values", "1e400", f"values.a: not finite (inf): {INF_HINT}"),
    ("values", "-1e400", f"values.a: not finite (-inf): {INF_HINT}"),
    ("values", "nan", "values.a: not finite (nan): every number must be finite"),
    ("values", "[[1.0, 2.0], [3.0, nan]]", "values.a: not finite (nan at [1, 1]): every number must be finite"),
    ("values", "[1, 1" + "0" * 400 + "]",
     "values.a: not finite (a whole number beyond ±1.8e308): every number must be finite"),
    ("constants", "[0.5, 1e999]", f"constants.a: not finite (inf at [1]): {INF_HINT}"),
])
def test_a_number_that_is_not_finite_is_refused_by_name(write_toml, section, raw, message):
    table = "" if section == "values" else f"[{section}]\n"
    path = write_toml(f'title = "t"\n[values]\nz = 1\n{table}a = {raw}\n'
                      '[[layers]]\ntype = "Relu"\ninputs = ["z"]\noutput = "o"\n')
    assert refuse(path) == [message]


def test_a_dout_that_is_not_finite_is_refused(write_toml):
    path = write_toml('title = "t"\n[values]\na = [1.0, 2.0]\n' + OK_LAYERS + "[backward]\ndout = [1.0, -inf]\n")
    assert refuse(path) == [f"backward.dout: not finite (-inf at [1]): {INF_HINT}"]


@pytest.mark.parametrize("table, message", [
    ('{ init = "uniform", shape = [2], low = nan }', "values.a: low must be a finite number, got nan"),
    ('{ init = "normal", shape = [2], std = inf }', "values.a: std must be a finite number, got inf"),
    ('{ init = "normal", shape = [2], mean = -1e400 }', "values.a: mean must be a finite number, got -inf"),
    ('{ init = "randint", shape = [2], low = nan, high = 3 }', "values.a: low must be a finite number, got nan"),
    ('{ init = "randint", shape = [2], high = inf }', "values.a: high must be a finite number, got inf"),
    ('{ init = "uniform", shape = [2], low = -1e308, high = 1e308 }',
     "values.a: high - low is not finite (1e+308 - -1e+308 overflows): keep it within ±1.8e308"),
    ('{ init = "randint", shape = [2], high = 1e20 }', "values.a: randint: high is out of bounds for int64"),
])
def test_an_init_table_with_a_parameter_that_is_not_finite_is_refused(write_toml, table, message):
    """These crashed (OverflowError) or came without the value's name."""
    path = write_toml(f'title = "t"\n[values]\na = {table}\n' + OK_LAYERS)
    assert refuse(path) == [message]


def test_an_init_that_draws_inf_is_refused(write_toml):
    path = write_toml('title = "t"\n[values]\na = { init = "normal", shape = [1000], std = 1e308 }\n' + OK_LAYERS)
    (msg,) = refuse(path)
    assert msg.startswith("values.a: not finite (")
    assert msg.endswith("inf at [12]): every number must be finite (a draw beyond ±1.8e308: try a smaller mean or std)")


@pytest.mark.parametrize("lr, message", [
    ("inf", "train.lr: not finite (inf): the learning rate must be a finite number > 0"),
    ("1e400", "train.lr: not finite (inf): the learning rate must be a finite number > 0"),
    ("1" + "0" * 400, "train.lr: not finite (inf): the learning rate must be a finite number > 0"),
    ("nan", "train.lr: the learning rate must be a number > 0, got nan"),
])
def test_a_learning_rate_that_is_not_finite_is_refused(write_toml, lr, message):
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS + f"[train]\nlr = {lr}\n")
    assert refuse(path) == [message]


def test_expect_may_still_name_inf(write_toml):
    """The contract refuses values, constants and dout that are not finite; an
    [expect] entry of inf loads (and --check fails it: inf - inf is nan)."""
    path = write_toml('title = "t"\n[values]\na = 1\n' + OK_LAYERS + "[expect]\no = inf\n")
    assert load(path).expect["o"] == np.inf


def test_the_writer_refuses_a_value_that_is_not_finite():
    """A save after training diverged: the loader would refuse the file, so it is never written."""
    from backprop_engine.scenario import to_toml

    sc = load(bundled()["affine_softmax"])
    W1 = sc.leaves["W1"].copy()
    W1[1, 2] = np.nan
    with pytest.raises(ValueError) as info:
        to_toml(sc.with_leaves(W1=W1))
    assert str(info.value) == "W1 is not finite (nan at [1, 2]): a scenario file holds finite numbers only"
    with pytest.raises(ValueError, match=r"^apple is not finite \(-inf\): "):
        to_toml(load(bundled()["apple"]).with_leaves(apple=np.float64(-np.inf)))


# -- [train] params ---------------------------------------------------------------------------

PARAMS = '''
title = "t"
[values]
W1 = [1.0, 2.0]
b1 = 0.5
[constants]
k = 2.0
[[layers]]
type = "Mul"
inputs = ["W1", "k"]
output = "m"
[[layers]]
type = "Add"
inputs = ["m", "b1"]
output = "o"
[train]
params = {params}
'''


@pytest.mark.parametrize("params, message", [
    ('["W1", "W2"]', "train.params: no value named 'W2' in [values] (did you mean 'W1'?)"),
    ('["w1"]', "train.params: no value named 'w1' in [values] (did you mean 'W1'?)"),
    ('["m"]', "train.params: no value named 'm' in [values]"),
    ('["k"]', "train.params: 'k' is in [constants]: only [values] get a gradient to train"),
    ('["b1", "b1"]', "train.params: duplicate name 'b1'"),
    ('"W1"', "train.params must be a list of names from [values], got 'W1'"),
    ("[1]", "train.params must be a list of names from [values], got [1]"),
    ("[]", "train.params: an empty list trains nothing: name values from [values], "
           "or leave params out to train all of them"),
])
def test_train_params_must_name_values(write_toml, params, message):
    assert refuse(write_toml(PARAMS.format(params=params))) == [message]


def test_train_params_load_in_their_order(write_toml):
    sc = load(write_toml(PARAMS.format(params='["b1"]')))
    assert sc.trained == ("b1",) and sc.params == ["W1", "b1"]
    assert load(write_toml(PARAMS.replace("params = {params}", ""))).trained == ("W1", "b1")


def test_a_train_param_whose_value_was_refused_is_not_a_second_problem(write_toml):
    path = write_toml(PARAMS.format(params='["W1", "b1"]').replace("b1 = 0.5", 'b1 = "x"'))
    assert refuse(path) == ["values.b1: 'x' is not a number"]


def test_the_writer_writes_train_params_only_when_not_all_of_values(write_toml):
    import tomllib

    from backprop_engine.scenario import from_dict, to_toml

    sc = load(write_toml(PARAMS.format(params='["b1"]')))
    text = to_toml(sc)
    assert '[train]\nparams = ["b1"]\n' in text and "lr =" not in text  # lr 0.1 is the default
    assert from_dict(tomllib.loads(text), "again").trained == ("b1",)
    every = load(write_toml(PARAMS.format(params='["b1", "W1"]')))
    assert "params" not in to_toml(every)
    affine = load(bundled()["affine_softmax"])
    assert from_dict(tomllib.loads(to_toml(affine)), "again").trained == ("W1", "b1", "W2", "b2")


# -- the writer, TOML errors, init tables, and each fault of a scenario ------------------------

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


def test_a_toml_error_without_a_position_is_said_as_it_is(tmp_path, monkeypatch):
    """A TOML error whose message has no '(at ...)' (tomllib's own always have one) keeps the message."""
    def odd(text):
        raise tomllib.TOMLDecodeError("odd")
    monkeypatch.setattr(tomllib, "loads", odd)
    path = tmp_path / "odd.toml"
    path.write_text('title = "t"\n')
    with pytest.raises(ScenarioError) as e:
        load(path)
    assert e.value.problems == ["end of file: TOML syntax error: odd"]


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
    "Softmax, a label row not one-hot": (dict(type="SoftmaxWithLoss", inputs='["x", "t"]',
                                              values="x = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]",
                                              constants="t = [[0.0, 0.0, 1.0], [5.0, 0.0, 0.0]]"),
                                         ("layer 1 'softmaxwithloss0' (SoftmaxWithLoss): row 1 of 't' ([5, 0, 0]) "
                                          "is not one-hot: a label row is 0s and one 1 (or give whole-number "
                                          "labels, one per row)")),
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
