"""Every refusal the contract lists, each with a file that triggers it; plus the
default layer name and deterministic init tables."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from backprop_engine import ScenarioError, bundled, load, resolve, run

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
    assert '[train]\nlr = 0.1\nparams = ["b1"]\n' in text
    assert from_dict(tomllib.loads(text), "again").trained == ("b1",)
    every = load(write_toml(PARAMS.format(params='["b1", "W1"]')))
    assert "params" not in to_toml(every)
    affine = load(bundled()["affine_softmax"])
    assert from_dict(tomllib.loads(to_toml(affine)), "again").trained == ("W1", "b1", "W2", "b2")
