"""What a step pane says, faithful to the book: the softmax output, the
one-sample Affine, the sigmoid derived node by node, the book's terms, and
honest titles; in the app's panes and in the --json and --print outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from backprop_engine import BACKWARD, FORWARD, Engine, bundled, load
from backprop_engine.gradcheck import check_expect
from backprop_engine.scenario import from_dict
from tests.conftest import rendered
from tui.i18n import ENGLISH
from tui.views.rich import step_view

pytestmark = pytest.mark.engine


def shown(step, scenario) -> str:
    return rendered(step_view(step, ENGLISH, 6, scenario.layers), width=120)


def step_of(scenario, phase: str, type_: str):
    engine = Engine(scenario)
    engine.to_end()
    return next(s for s in engine.steps() if s.phase == phase and s.layer.type == type_)


# -- the softmax output ------------------------------------------------------------

def test_softmax_forward_shows_y_and_each_rows_cross_entropy():
    sc = load(bundled()["affine_softmax"])
    step = step_of(sc, FORWARD, "SoftmaxWithLoss")
    text = shown(step, sc)
    y = step.saved["y"]
    assert "softmax output y = softmax(a2), a row per sample" in text
    assert "0.225022  0.264066  0.510912" in text  # y's first row, rows = samples
    terms = -np.log(y[np.arange(3), [0, 2, 1]] + 1e-7)
    assert f"L = ({' + '.join(f'{v:.6g}' for v in terms)}) / 3 = 1.28301" in text


def test_softmax_backward_shows_y_t_their_difference_and_the_division_by_n():
    sc = from_dict({"title": "labels", "values": {"x": [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]},
                    "constants": {"t": [2.0, 0.0]},
                    "layers": [{"type": "SoftmaxWithLoss", "inputs": ["x", "t"], "output": "L"}]}, "l.toml")
    step = step_of(sc, BACKWARD, "SoftmaxWithLoss")
    text = shown(step, sc)
    assert "y − t, then divided by N = 2" in text
    assert "one-hot(t)" in text and "(y − t) / 2" in text  # labels written as the one-hot rows they stand for
    assert "0.0450153  0.122364  -0.16738" in text  # (y - t) / 2, first row


def test_json_forward_step_of_softmax_carries_y():
    out = subprocess.run([sys.executable, "-m", "tui.cli", "affine_softmax", "--json"],
                         capture_output=True, text=True, check=True).stdout
    steps = json.loads(out)["steps"]
    loss = next(s for s in steps if s["type"] == "SoftmaxWithLoss" and s["phase"] == "forward")
    np.testing.assert_allclose(np.sum(loss["y"], axis=1), 1.0)
    assert all("y" not in s for s in steps if s is not loss)


# -- the one-sample Affine ------------------------------------------------------------

def test_one_sample_affine_shapes_multiply_and_nothing_is_summed_over_a_batch():
    sc = load(bundled()["affine_one"])
    assert all(c.ok for c in check_expect(sc))
    text = shown(step_of(sc, BACKWARD, "Affine"), sc)
    assert "∂L/∂W (2, 3) = Xᵀ (2, 1) · ∂L/∂Y (1, 3)" in text
    assert "∂L/∂X (2,) = ∂L/∂Y (3,) · Wᵀ (3, 2)" in text  # the book's shapes (eq. 5.13, figure 5-25)
    assert ("X (2,) and ∂L/∂Y (3,) as the book writes them; the products take them as rows, X (1, 2) and "
            "∂L/∂Y (1, 3), so Xᵀ is (2, 1)") in " ".join(text.split())
    assert "∂L/∂B (3,) = ∂L/∂Y (3,)" in text and "Σ" not in text
    assert "backward: dX = dout·Wᵀ, dW = Xᵀ·dout, dB = dout" in text


def test_affine_of_images_says_x_was_reshaped_and_dx_reshaped_back():
    sc = from_dict({"title": "img", "values": {"x": np.ones((2, 2, 3)).tolist(), "W": np.ones((6, 4)).tolist(),
                                               "b": [0.0] * 4},
                    "layers": [{"type": "Affine", "inputs": ["x", "W", "b"], "output": "y"}]}, "i.toml")
    text = shown(step_of(sc, BACKWARD, "Affine"), sc)
    assert "x (2, 2, 3) was reshaped to (2, 6) for the product; dx (2, 6) is reshaped back to (2, 2, 3)" in text


# -- the sigmoid, node by node ---------------------------------------------------------

def test_the_reciprocal_nodes_derivative_is_minus_y_squared():
    sc = load(bundled()["sigmoid"])
    assert "∂y_chain/∂denominator = −1/denominator² = −y_chain²" in shown(step_of(sc, BACKWARD, "Reciprocal"), sc)


def test_the_fused_step_does_not_give_away_the_decomposed_result():
    sc = load(bundled()["sigmoid"])
    text = shown(step_of(sc, BACKWARD, "Sigmoid"), sc)
    assert "decomposed" not in text and "0.19661193324148185" not in text


# -- terms and notation -------------------------------------------------------------------

def test_the_multiply_node_says_swapped_with_the_values_own_names():
    sc = load(bundled()["apple"])
    text = shown(step_of(sc, BACKWARD, "Mul"), sc)
    assert "local derivative: ∂price/∂apple_price = tax, ∂price/∂tax = apple_price" in text
    assert "swapped: each input gets dout times the other input" in text


@pytest.mark.parametrize("name", ["fanout", "relu", "affine_softmax"])
def test_no_role_letter_stands_beside_a_value_name(name):
    """fanout has values named y and z: "z (y)" or "dz (dy)" read as two values."""
    sc = load(bundled()[name])
    engine = Engine(sc)
    engine.to_end()
    text = "".join(shown(s, sc) for s in engine.steps())
    for role in ("(x)", "(y)", "(dx)", "(dy)", "(W)", "(b)"):
        assert role not in text, role
    if name == "affine_softmax":
        assert "∂h1/∂a1 = 1 where a1 > 0, else 0" in text  # the Relu's input by its name
        assert "backward: dh1 = dout·W2ᵀ, dW2 = h1ᵀ·dout, db2 = Σ dout over the batch rows" in text


# -- honest names and citations ----------------------------------------------------------------

def test_mnist_size_says_its_numbers_are_random():
    assert "random" in load(bundled()["mnist_size"]).title


def test_print_carries_the_sigmoid_node_by_node():
    out = subprocess.run([sys.executable, "-m", "tui.cli", "sigmoid", "--print"], capture_output=True, text=True,
                         check=True).stdout
    assert out.count("the sigmoid, node by node") == 4 and "fused vs decomposed" in out


# -- every equation holds for the numbers it shows ----------------------------------------------

NUMBER = r"[−-]?\d[\d.]*(?:e[+-]?\d+)?"
PRODUCT = re.compile(rf"= ((?:{NUMBER}²?\s*×\s*)+{NUMBER}²?) = ({NUMBER})")


def _products(text: str) -> list[tuple[str, float, float]]:
    """Each "= a × b [× c] = r" in the text: (the line, the product of the shown factors, r)."""
    found = []
    for line in " ".join(text.split("\n")).split("  "):
        for m in PRODUCT.finditer(line):
            expr = m.group(1).replace("−", "-").replace("²", "**2").replace("×", "*")
            found.append((line.strip(), float(eval(expr)), float(m.group(2).replace("−", "-"))))  # noqa: S307
    return found


@pytest.mark.parametrize("name, layers", [(n, None) for n in bundled()] + [
    (n, "buggy_layers.py") for n in ("fruit", "apple", "affine_softmax", "sigmoid", "relu")])
def test_every_chain_rule_line_holds_for_the_numbers_it_shows(name, layers):
    """--print, also with the buggy layers of --layers: each "a × b = r" of a chain-rule line has r equal
    to a·b to the 6 digits shown; where the learner's gradient is another number, it is said as theirs
    (fruit, step 5: "1 × 1.1 = 1.1 (the built-in rule); yours: 650", not "1 × 1.1 = 650")."""
    import os
    from pathlib import Path
    examples = Path(__file__).parent.parent / "examples"
    args = [sys.executable, "-m", "tui.cli", name, "--print"] + (["--layers", str(examples / layers)] if layers else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True, encoding="utf-8",
                         env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1"}).stdout
    found = _products(out)
    for line, product, shown in found:
        assert shown == pytest.approx(product, rel=1e-5, abs=1e-6), line
    if name == "fruit" and layers:
        assert "∂L/∂all_price = ∂L/∂price × ∂price/∂all_price = 1 × 1.1 = 1.1 (the built-in rule); yours: 650" in out
    if name in ("apple", "fruit", "sigmoid"):
        assert found  # the scalar graphs have numbers to check
