"""The engine side of the dialogs: typed literals, the quiz's questions and
scoring, and telling a scenario file from other TOML."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_engine import BACKWARD, Engine, bundled, load, run
from backprop_engine.literal import LiteralError, parse_literal, shape_text
from backprop_engine.quiz import QUIZ_ATOL, QUIZ_RTOL, entry_context, index_text, is_right, quiz_entries
from backprop_engine.scenario import from_dict, sniff
from tests.test_engine import layer, scenario

pytestmark = pytest.mark.engine


def _scenario(values: dict, layers: list[tuple[str, list[str], str]], constants: dict | None = None):
    doc = {"title": "t", "values": values,
           "layers": [{"type": t, "inputs": i, "output": o} for t, i, o in layers]}
    if constants:
        doc["constants"] = constants
    return from_dict(doc, "test.toml")


def _first_backward(scenario):
    engine = Engine(scenario)
    while engine.phase != BACKWARD:
        engine.next()
    return engine.next()


# -- parse_literal ----------------------------------------------------------------

@pytest.fixture
def vec():
    return _scenario({"a": [0.5, 1.0], "s": 2.0}, [("Mul", ["a", "s"], "o")])


@pytest.fixture
def softmax():
    return _scenario({"x": [[1.0, 2.0, 3.0]]}, [("SoftmaxWithLoss", ["x", "t"], "L")], {"t": [0]})


def test_a_literal_is_read_as_the_loader_reads_values(vec):
    got = parse_literal("  [1, 2]\n", "a", vec)
    assert got.dtype == np.float64 and got.tolist() == [1.0, 2.0]
    assert parse_literal("-3", "s", vec) == -3.0 and parse_literal("1e-3", "s", vec).shape == ()


@pytest.mark.parametrize("text", ["np.array([0.5, 1])", "numpy.array([0.5, 1.])", "array([0.5, 1.], dtype=float64)",
                                  "[0.5 1. ]", "[ 0.5  1.]"])
def test_numpys_forms_that_a_notebook_prints_are_read_too(vec, text):
    """np.array([...]) (and numpy.array, array, with a dtype) and numpy's printed form, spaces between
    the entries and 1. for 1.0: what a learner copies from a notebook."""
    assert parse_literal(text, "a", vec).tolist() == [0.5, 1.0]


def test_numpys_printed_matrix_is_read_row_by_row():
    m = _scenario({"W": [[0.0, 0.0], [0.0, 0.0]]}, [("Mul", ["W", "W"], "o")])
    assert parse_literal("[[1. 2.]\n [3. 4.]]", "W", m).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_literal("np.array([[1, 2], [3, 4]])", "W", m).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_literal("[[-1.5e-03  2.e+00] [ 3.  -4. ]]", "W", m).tolist() == [[-0.0015, 2.0], [3.0, -4.0]]


def test_text_that_is_no_literal_is_refused_with_its_repr(vec):
    with pytest.raises(LiteralError) as info:
        parse_literal("  abc ", "a", vec)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.template == "not a number or an array literal: {text}"
    assert err.fields == {"text": "'abc'"}
    assert str(err) == "not a number or an array literal: 'abc'"
    for text in ("", "[1, 2", "1 2", "[" * 3000 + "1" + "]" * 3000):  # the last: too deep for tomllib
        with pytest.raises(LiteralError) as info:
            parse_literal(text, "a", vec)
        assert info.value.template == "not a number or an array literal: {text}"


def test_a_wrong_shape_carries_both_shapes_as_tuples(vec):
    with pytest.raises(LiteralError) as info:
        parse_literal("[1, 2, 3]", "a", vec)
    err = info.value
    assert err.template == "shape {got}, but {name} has shape {want}"
    assert err.fields == {"got": (3,), "name": "a", "want": (2,)}
    assert str(err) == "shape (3,), but a has shape (2,)"
    with pytest.raises(LiteralError) as info:
        parse_literal("7", "a", vec)
    assert info.value.fields["got"] == () and str(info.value) == "shape scalar, but a has shape (2,)"
    with pytest.raises(LiteralError) as info:
        parse_literal("[[1, 2]]", "s", vec)
    assert str(info.value) == "shape (1, 2), but s has shape scalar"


def test_the_loaders_own_refusals_come_as_a_reason(vec, softmax):
    cases = {
        "[[1], [2, 3]]": "a: ragged list: row 0 has shape (1,), row 1 has shape (2,)",
        "true": "a: True is not a number",
        '"1"': "a: '1' is not a number",
        "[]": "a: an empty list: a value needs at least one number",
        '{ init = "zeros", shape = [2] }': "a: an init table is not allowed here",
    }
    for text, reason in cases.items():
        with pytest.raises(LiteralError) as info:
            parse_literal(text, "a", vec)
        assert (info.value.template, info.value.fields, str(info.value)) == ("{reason}", {"reason": reason}, reason)
    with pytest.raises(LiteralError) as info:  # a label out of range, as the loader refuses it
        parse_literal("[3]", "t", softmax)
    assert info.value.template == "{reason}"
    assert str(info.value) == "label 3 in 't' is out of range: labels are whole numbers 0 to 2"
    assert parse_literal("[2]", "t", softmax).tolist() == [2.0]


def test_a_label_row_that_is_not_one_hot_is_refused_as_the_loader_refuses_it():
    """t of one-hot rows: [[5, 0, 0]] and [[0.5, 0.5, 0]] are no labels (the
    check would fail everywhere, unexplained); [[0, 0, 1]] is."""
    one_hot = _scenario({"x": [[1.0, 2.0, 3.0]]}, [("SoftmaxWithLoss", ["x", "t"], "L")], {"t": [[1.0, 0.0, 0.0]]})
    for text, row in (("[[5, 0, 0]]", "5, 0, 0"), ("[[0.5, 0.5, 0]]", "0.5, 0.5, 0")):
        with pytest.raises(LiteralError) as info:
            parse_literal(text, "t", one_hot)
        assert str(info.value) == (f"row 0 of 't' ([{row}]) is not one-hot: a label row is 0s and one 1 "
                                   "(or give whole-number labels, one per row)")
    assert parse_literal("[[0, 0, 1]]", "t", one_hot).tolist() == [[0.0, 0.0, 1.0]]


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "1e400", "[0.5, 1e400]", "[1, 1" + "0" * 400 + "]"])
def test_a_number_that_is_not_finite_is_refused(vec, text):
    """As the loader refuses it: nan, inf, and literals that overflow to inf."""
    name = "a" if text.startswith("[") else "s"  # of the right shape: refused for its numbers alone
    with pytest.raises(LiteralError) as info:
        parse_literal(f" {text} ", name, vec)
    err = info.value
    assert (err.template, err.fields) == ("not finite: {text}", {"text": repr(text)})
    assert str(err) == f"not finite: {text!r}"


def test_shape_text():
    assert [shape_text(s) for s in [(), (3,), (2, 3), (1, 2, 3)]] == ["scalar", "(3,)", "(2, 3)", "(1, 2, 3)"]


# -- the quiz ---------------------------------------------------------------------

def test_apple_asks_two_scalars_at_its_first_backward_step():
    step = _first_backward(load(bundled()["apple"]))
    assert step.layer.name == "mul_tax"
    assert quiz_entries(step) == [("apple_price", None, 1.1), ("tax", None, 200.0)]
    assert entry_context(step, "tax", None) == []


def test_relu_asks_one_entry_drawn_with_the_step_index():
    step = _first_backward(load(bundled()["relu"]))
    ((name, entry, truth),) = quiz_entries(step)
    assert name == "x" and entry == int(np.random.default_rng(step.index).integers(4))
    assert truth == [1.0, 0.0, 0.0, 4.0][entry]
    assert quiz_entries(step) == quiz_entries(step)  # the same question every time


def test_a_constant_is_not_asked():
    sc = _scenario({"a": [1.0, 2.0]}, [("Mul", ["a", "k"], "o")], {"k": [3.0, 4.0]})
    step = _first_backward(sc)
    assert [name for name, _entry, _truth in quiz_entries(step)] == ["a"]


def test_is_right_allows_a_relative_and_an_absolute_tolerance():
    assert (QUIZ_RTOL, QUIZ_ATOL) == (1e-3, 1e-6)
    assert is_right(200.2, 200.0) and is_right(199.8, 200.0) and not is_right(200.21, 200.0)
    assert is_right(-2.2022, -2.2) and not is_right(2.2, -2.2)
    assert is_right(1e-6, 0.0) and is_right(-1e-6, 0.0) and not is_right(2e-6, 0.0)
    assert not is_right(float("nan"), 1.0)


def test_index_text():
    assert index_text(None, ()) == ""
    assert index_text(2, (4,)) == "[2]"
    assert index_text(5, (2, 3)) == "[1, 2]"
    assert index_text(0, (2, 2, 2)) == "[0, 0, 0]"


def test_entry_context_of_relu_gives_x_and_dout_at_the_entry():
    step = _first_backward(load(bundled()["relu"]))
    x = [[1.0, -0.5], [-2.0, 3.0]]
    dout = [[1.0, 2.0], [3.0, 4.0]]
    for entry, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        assert entry_context(step, "x", entry) == [(f"x[{i}, {j}]", x[i][j]), (f"dout[{i}, {j}]", dout[i][j])]
    assert all(type(v) is float for _label, v in entry_context(step, "x", 1))


def test_entry_context_leaves_out_other_shapes_and_repeated_labels():
    # a (2,) times a scalar: only a matches the gradient of a; dout is (2,) too
    step = _first_backward(_scenario({"a": [1.0, 2.0], "s": 5.0}, [("Mul", ["a", "s"], "o")]))
    assert entry_context(step, "a", 1) == [("a[1]", 2.0), ("dout[1]", 1.0)]
    # a value read twice is listed once
    step = _first_backward(_scenario({"x": [3.0, -1.0]}, [("Mul", ["x", "x"], "sq")]))
    assert entry_context(step, "x", 0) == [("x[0]", 3.0), ("dout[0]", 1.0)]


def test_entry_context_of_an_affine_entry_is_the_product_it_needs():
    """Affine mixes entries: the context is the row and the column whose
    product (or the column whose sum) is the asked gradient."""
    sc = load(bundled()["affine_softmax"])
    engine = Engine(sc)
    engine.to_end()
    for affine in (s for s in engine.steps() if s.phase == BACKWARD and s.layer.type == "Affine"):
        x, W, b = affine.layer.inputs
        for name, entry, truth in quiz_entries(affine):
            context = dict(entry_context(affine, name, entry))
            if name == b:
                (label, column), = context.items()
                assert label.startswith("dout[:, ") and np.isclose(np.sum(column), truth, rtol=1e-12)
            else:
                first, second = context.values()
                assert np.isclose(np.dot(first, second), truth, rtol=1e-12), (name, context)
                assert list(context)[1 if name == x else 0].startswith(W if name == x else x)


def test_entry_context_of_a_softmax_entry_is_y_t_n_and_dout():
    sc = load(bundled()["affine_softmax"])
    engine = Engine(sc)
    step = engine.seek(len(sc.layers) + 1)  # the first backward step: the loss
    (name, entry, truth), = quiz_entries(step)
    context = dict(entry_context(step, name, entry))
    (y, yv), (t, tv) = list(context.items())[:2]
    assert y.startswith("y[") and t.startswith("t[")
    assert np.isclose((yv - tv) / context["N"] * context["dout"], truth, rtol=1e-12)


# -- sniff --------------------------------------------------------------------------

def test_sniff_tells_scenarios_from_broken_ones_and_other_toml(tmp_path):
    assert sniff(bundled()["apple"]) == ("scenario", "Buying apples")
    files = {
        "broken.toml": 'title = "half done"\n[values]\nx = [1, 2\n',    # TOML syntax error
        "no_layers.toml": 'title = "no layers"\n[values]\nx = 1\n',     # TOML, a scenario key, refused
        "bad_title.toml": "title = 3\n",
        "pyproject.toml": '[project]\nname = "x"\n[tool.pytest]\nq = 1\n',  # TOML, no scenario key
        "empty.toml": "",
        "notes.txt": "just some words, not TOML at all\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00title")
    (tmp_path / "folder.toml").mkdir()
    kind = {name: sniff(tmp_path / name) for name in [*files, "binary.toml", "folder.toml", "missing.toml"]}
    assert kind == {
        "broken.toml": ("broken", None), "no_layers.toml": ("broken", None),
        "bad_title.toml": ("broken", None),
        "pyproject.toml": ("other", None), "empty.toml": ("other", None),
        "notes.txt": ("broken", None), "binary.toml": ("broken", None),
        "folder.toml": ("broken", None), "missing.toml": ("broken", None),
    }


# -- the loader: refusals where it used to crash ----------------------------------------

def test_a_layer_name_or_an_init_that_is_a_table_is_refused_not_a_crash():
    from backprop_engine import ScenarioError

    doc = {"title": "t", "values": {"x": 1.0},
           "layers": [{"name": {"a": 1}, "type": "Relu", "inputs": ["x"], "output": "y"}]}
    with pytest.raises(ScenarioError) as info:
        from_dict(doc, "p.toml")
    assert info.value.problems == ["layer 1: name must be text"]
    for init in (["normal"], {"a": 1}):
        with pytest.raises(ScenarioError) as info:
            from_dict({"title": "t", "values": {"x": {"init": init}},
                       "layers": [{"type": "Relu", "inputs": ["x"], "output": "y"}]}, "p.toml")
        assert info.value.problems == [
            f"values.x: init must be one of normal, uniform, randint, zeros, ones, got {init!r}"]


# -- the quiz's entries and context: a constant, a 1-D Affine, label t, broadcasting -----------

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
