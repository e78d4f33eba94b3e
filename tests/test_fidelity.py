"""Faithful to the book (issue 11, items 2-6): the softmax output, the
one-sample Affine, the sigmoid derived node by node, the book's terms, and
honest titles. Each test fails on the code before these changes."""

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
from tests.conftest import SIZE, notifications, rendered, screen_text, steps
from tui.app import BackpropApp
from tui.i18n import ENGLISH
from tui.views.rich import step_view


def shown(step, scenario) -> str:
    return rendered(step_view(step, ENGLISH, 6, scenario.layers), width=120)


def step_of(scenario, phase: str, type_: str):
    engine = Engine(scenario)
    engine.to_end()
    return next(s for s in engine.steps() if s.phase == phase and s.layer.type == type_)


# -- 2. the softmax output ------------------------------------------------------------

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


# -- 3. the one-sample Affine ------------------------------------------------------------

def test_one_sample_affine_shapes_multiply_and_nothing_is_summed_over_a_batch():
    sc = load(bundled()["affine_one"])
    assert all(c.ok for c in check_expect(sc))
    text = shown(step_of(sc, BACKWARD, "Affine"), sc)
    assert "∂L/∂W (2, 3) = Xᵀ (2, 1) · ∂L/∂Y (1, 3)" in text
    assert "∂L/∂X (1, 2) = ∂L/∂Y (1, 3) · Wᵀ (3, 2)" in text
    assert "∂L/∂B (3,) = ∂L/∂Y (3,)" in text and "Σ" not in text
    assert "backward: dX = dout·Wᵀ, dW = Xᵀ·dout, dB = dout" in text


def test_affine_of_images_says_x_was_reshaped_and_dx_reshaped_back():
    sc = from_dict({"title": "img", "values": {"x": np.ones((2, 2, 3)).tolist(), "W": np.ones((6, 4)).tolist(),
                                               "b": [0.0] * 4},
                    "layers": [{"type": "Affine", "inputs": ["x", "W", "b"], "output": "y"}]}, "i.toml")
    text = shown(step_of(sc, BACKWARD, "Affine"), sc)
    assert "x (2, 2, 3) was reshaped to (2, 6) for the product; dx (2, 6) is reshaped back to (2, 2, 3)" in text


# -- 4. the sigmoid, node by node ---------------------------------------------------------

def test_the_reciprocal_nodes_derivative_is_minus_y_squared():
    sc = load(bundled()["sigmoid"])
    assert "∂y_chain/∂denominator = −1/denominator² = −y_chain²" in shown(step_of(sc, BACKWARD, "Reciprocal"), sc)


def test_the_fused_step_does_not_give_away_the_decomposed_result():
    sc = load(bundled()["sigmoid"])
    text = shown(step_of(sc, BACKWARD, "Sigmoid"), sc)
    assert "decomposed" not in text and "0.19661193324148185" not in text


# -- 5. terms and notation -------------------------------------------------------------------

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


# -- 6. honest names and citations ----------------------------------------------------------------

def test_mnist_size_says_its_numbers_are_random_and_the_check_cites_5_7_3():
    sc = load(bundled()["mnist_size"])
    assert "random" in sc.title
    from pathlib import Path
    assert "Gradient check (5.7.3)" in (Path(__file__).parent.parent / "tui/dialogs/gradcheck.py").read_text()


# -- the defects a learner hit (items 1, 8, 12, 13, 15, 16), in the app ----------------------------



async def test_training_in_the_app_names_its_params_and_leaves_the_data_alone():
    sc = load(bundled()["affine_softmax"])
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "training W1, b1, W2, b2 · lr" in str(app.screen.query_one("#train-text").render())
        np.testing.assert_array_equal(steps(app).engine.scenario.leaves["x"], sc.leaves["x"])
        assert not np.array_equal(steps(app).engine.scenario.leaves["W1"], sc.leaves["W1"])


async def test_training_a_price_says_it_is_no_loss_before_the_first_step():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await app.workers.wait_for_complete()
        assert any("price is not a loss" in n.message for n in notifications(app))


async def test_a_save_writes_the_learning_rate_in_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left_square_bracket", "left_square_bracket", "s", "enter")
        await pilot.pause()
    assert load(tmp_path / "affine_softmax-edited.toml").lr == load(bundled()["affine_softmax"]).lr / 4


async def test_a_save_after_training_diverged_is_refused_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("T")  # a price has no minimum: it runs off to -inf
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert not np.all(np.isfinite(steps(app).engine.scenario.leaves["apple"]))
        await pilot.press("s")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # no dialog asks for a name
        assert any(n.message.startswith("not saved: ") and "not finite" in n.message for n in notifications(app))
    assert list(tmp_path.iterdir()) == []


async def test_the_check_names_the_worst_entry_by_its_index():
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        w1 = next(l for l in screen_text(app).splitlines() if l.startswith("W1 "))
        assert re.search(r"\[\d, \d\] ", w1), w1  # W1[i, j], not a flat [k]


async def test_the_values_pane_shows_what_the_step_writes():
    """affine_softmax at the Relu's backward step: the gradient of a1 is in
    view (it is below the first screenful), under the table's header."""
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 7)
        await pilot.pause()
        values = steps(app).query_one("#values")
        assert values.scroll_offset.y > 0
        row = values.line_where(lambda t: t.split()[:1] == ["grad"], values.line_where(lambda t: t.startswith("a1 ")))
        assert values.pinned <= row - values.scroll_offset.y < values.scrollable_content_region.height  # a1's gradient
        assert "value / gradient" in values.render_line(0).text  # the header stays on top


# -- 7. the f note is about a number on screen ------------------------------------------------------

@pytest.mark.parametrize("name, keys, said", [
    ("apple", ["end"], "Here price is 220.00000000000003 in full, shown as 220 at 6 significant digits"),
    ("fruit", ["end"], "Here price is 715.0000000000001 in full, shown as 715"),
    ("apple", [], "Every number on screen now is the same in full as at 6 significant digits"),
])
async def test_the_full_precision_note_is_about_a_number_on_screen(name, keys, said):
    app = BackpropApp(load(bundled()[name]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys, "f")
        assert any(said in n.message for n in notifications(app))


# -- 10, 11: the training line at 80 columns; no note over a pane or a dialog --------------------------

async def test_at_80_columns_the_loss_plot_stays_and_the_line_is_not_cut_mid_word():
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        plot = steps(app).query_one("#loss-plot")
        line = steps(app).query_one("#train-text").content.plain
        assert plot.region.width >= 10 and plot.region.right <= 80
        assert line.endswith("0.002586") and "…" not in line  # the hint and the names gave way whole


async def test_a_note_covers_neither_the_values_nor_a_dialog():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "f", "c")
        await pilot.pause()
        note = steps(app).query_one("#note")
        values = steps(app).query_one("#values")
        assert note.display and not note.region.overlaps(values.region)
        assert type(app.screen).__name__ == "GradCheckDialog"
        assert not app.screen.query("NoteBar") and not app.screen.query("Toast")  # nothing drawn over the dialog


# -- 17. long names are cut, not wrapped -------------------------------------------------------------

async def test_a_long_layer_name_is_cut_in_the_graph_and_titles_in_a_narrow_picker():
    sc = from_dict({"title": "long", "values": {"x": 1.0},
                    "layers": [{"name": "a_very_long_layer_name_indeed_really", "type": "Exp", "inputs": ["x"],
                                "output": "y"}]}, "long.toml")
    app = BackpropApp(sc, drawn=False)  # the list: the drawing names no layer
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        graph = steps(app).query_one("#graph")
        head = graph.render_line(0).text
        assert head.rstrip().endswith("…") and "a_very_long_layer" in head and not graph.render_line(1).text.strip().startswith("Exp")
    app = BackpropApp(None)
    async with app.run_test(size=(50, 16)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("OptionList")
        assert options.option_count == len(bundled()) and options.virtual_size.height == options.option_count


def test_print_carries_the_sigmoid_node_by_node():
    out = subprocess.run([sys.executable, "-m", "tui.cli", "sigmoid", "--print"], capture_output=True, text=True,
                         check=True).stdout
    assert out.count("the sigmoid, node by node") == 4 and "fused vs decomposed" in out
