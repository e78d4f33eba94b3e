"""The understanding aids: chain rule with numbers, fan-out, gradient check,
nudge and predict, fused versus decomposed sigmoid, the float explanation.
Every number a test expects is taken from the engine, not typed in."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from backprop_engine import BACKWARD, Engine, bundled, load, run
from backprop_engine.gradcheck import check_gradients, nudge
from backprop_engine.layers import sigmoid_decomposed_backward
from tests.conftest import SIZE, notifications, screen_text, steps, text
from tui.app import BackpropApp
from tui.dialogs.gradcheck import GradCheckDialog
from tui.dialogs.nudge import NudgeDialog
from tui.explain import explanation
from tui.format import num
from tui.i18n import ENGLISH


def backward_steps(engine: Engine):
    engine.to_end()
    return [s for s in engine.steps() if s.phase == BACKWARD]


# -- the engine side ---------------------------------------------------------------

BROADCAST = {"title": "broadcast", "values": {"a": [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], "b": [0.5, -1.5, 2.0]},
             "layers": [{"type": "Mul", "inputs": ["a", "b"], "output": "m"},
                        {"type": "Add", "inputs": ["m", "b"], "output": "s"},
                        {"type": "Relu", "inputs": ["s"], "output": "r"},
                        {"type": "Sigmoid", "inputs": ["r"], "output": "y"}],
             "backward": {"dout": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}}


@pytest.mark.engine
@pytest.mark.parametrize("name", sorted(bundled()) + ["broadcast"])
def test_local_derivative_times_dout_is_the_backward_gradient(name):
    from backprop_engine.engine import sum_to
    from backprop_engine.scenario import from_dict
    sc = from_dict(BROADCAST, "b.toml") if name == "broadcast" else load(bundled()[name])
    for step in backward_steps(Engine(sc)):
        local = explanation(step.layer.type).local(step.saved)
        if local is None:  # Affine, SoftmaxWithLoss: products, not elementwise
            continue
        for g, l, x in zip(step.input_grads, local, step.inputs):
            if g is not None:  # backward = dout * local, summed back to the input's shape
                np.testing.assert_allclose(g, sum_to(np.broadcast_to(step.dout * l, step.dout.shape),
                                                     x.shape), rtol=1e-15)


@pytest.mark.engine
def test_fan_out_records_partial_gradients():
    engine = Engine(load(bundled()["fanout"]))
    steps = backward_steps(engine)
    mul_xz, mul_xy = steps[1], steps[2]
    assert mul_xz.layer.name == "mul_xz" and "x" in mul_xz.partial
    assert "x" not in mul_xz.grads_before
    assert mul_xy.layer.name == "mul_xy" and "x" not in mul_xy.partial
    assert mul_xy.grads["x"] == mul_xy.grads_before["x"] + mul_xy.input_grads[0]
    assert float(mul_xy.grads["x"]) == 3.0 + 4.0  # y + z, the book's "sum of the branches"


@pytest.mark.engine
def test_sigmoid_decomposed_backward_matches_the_fused_layer():
    x = np.linspace(-5, 5, 11)
    y = 1 / (1 + np.exp(-x))
    assert np.allclose(sigmoid_decomposed_backward(x, np.ones_like(x)), y * (1 - y), rtol=1e-14)


@pytest.mark.engine
def test_nudge_prediction_is_close_to_the_measured_change():
    sc = load(bundled()["apple"])
    n = nudge(sc, "tax", 0, 1e-6)
    assert n.grad == float(run(sc).grads["tax"])  # 200
    assert abs(n.actual - n.predicted) < 1e-9  # price is linear in tax


# -- the chain rule in --print and in the app -----------------------------------------

def chain_line(step, k: int, precision: int = 6) -> str:
    name, out = step.layer.inputs[k], step.layer.output
    local = explanation(step.layer.type).local(step.saved)[k]
    return (f"∂L/∂{name} = ∂L/∂{out} × ∂{out}/∂{name} = {num(step.dout, precision)} × "
            f"{num(local, precision)} = {num(step.input_grads[k], precision)}")


@pytest.mark.engine
def test_chain_rule_lines_in_print_output():
    out = subprocess.run([sys.executable, "-m", "tui.cli", "apple", "--print"], capture_output=True,
                         text=True, check=True).stdout
    steps = backward_steps(Engine(load(bundled()["apple"])))
    for step in steps:
        for k in range(2):
            assert chain_line(step, k) in out
    assert "∂L/∂tax = ∂L/∂price × ∂price/∂tax = 1 × 200 = 200" in out  # the issue's own example


@pytest.mark.engine
def test_chain_rule_lines_follow_precision():
    out = subprocess.run([sys.executable, "-m", "tui.cli", "apple", "--print", "--precision", "17"],
                         capture_output=True, text=True, check=True).stdout
    step = backward_steps(Engine(load(bundled()["apple"])))[1]
    # an 80-column pipe wraps the long line: compare with the white space folded
    assert " ".join(chain_line(step, 1, 17).split()) in " ".join(out.split())
    assert "110.00000000000001" in chain_line(step, 1, 17)


async def test_chain_rule_in_the_app():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        step = steps(app).engine.current
        assert chain_line(step, 0) in text(app, "step") and chain_line(step, 1) in text(app, "step")


async def test_affine_chain_rule_uses_shapes():
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        shown = text(app, "step")
        assert "∂L/∂W1 (784, 50) = xᵀ (784, 100) · ∂L/∂a1 (100, 50)" in shown


async def test_fan_out_in_the_app():
    app = BackpropApp(load(bundled()["fanout"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n", "n")  # backward through add, then mul_xz
        assert steps(app).engine.current.layer.name == "mul_xz"
        assert "∂L/∂x gets its first part here (partial" in text(app, "step")
        x_row = next(l for l in text(app, "values").splitlines() if l.startswith("x "))
        assert "partial" in x_row
        await pilot.press("n")  # mul_xy: the second branch arrives
        s = steps(app).engine.current
        expected = (f"∂L/∂x = {num(s.grads_before['x'], 6)} (so far) + {num(s.input_grads[0], 6)} "
                    f"(this branch) = {num(s.grads['x'], 6)} (complete)")
        assert expected in text(app, "step")
        x_row = next(l for l in text(app, "values").splitlines() if l.startswith("x "))
        assert "partial" not in x_row and x_row.split()[-1] == num(s.grads["x"], 6)


def _graph_gradients_of(graph: str, name: str) -> list[str]:
    """The gradient beneath each arrow of input ``name`` in the graph pane, in
    layer order ("" while not yet known)."""
    lines = graph.splitlines()
    return [lines[i + 1].strip().removeprefix("◀──").removesuffix("──")
            for i, line in enumerate(lines) if line.split()[:1] == [name] and "──▶" in line]


async def test_each_fan_out_arrow_carries_its_own_part():
    """Like the book's figures: x feeds mul_xy and mul_xz; the arrow back from
    each carries what that layer sent (3 and 4), the values table their sum."""
    app = BackpropApp(load(bundled()["fanout"]), drawn=False)  # the list (tests/test_drawing.py: the drawing)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n")  # forward, then backward through add
        assert _graph_gradients_of(text(app, "graph"), "x") == ["", ""]
        await pilot.press("n")  # mul_xz sends 4
        assert _graph_gradients_of(text(app, "graph"), "x") == ["", "4"]
        await pilot.press("n")  # mul_xy sends 3
        assert _graph_gradients_of(text(app, "graph"), "x") == ["3", "4"]
        x_row = next(l for l in text(app, "values").splitlines() if l.startswith("x "))
        assert x_row.split()[-1] == "7"


async def test_fused_versus_decomposed_in_the_app():
    """The fused Sigmoid's step (8) says nothing of the four nodes, which have
    not run yet; each of their steps (9-12) carries the book's derivation one
    node further, and the last compares the two at the precision in use."""
    app = BackpropApp(load(bundled()["sigmoid"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 8)
        assert steps(app).engine.current.layer.type == "Sigmoid"
        assert "fused vs decomposed" not in text(app, "step") and "node by node" not in text(app, "step")
        lines = []
        for _ in range(4):
            await pilot.press("n")
            lines.append(next(l for l in text(app, "step").splitlines() if "node by node" in l))
        assert "∂L/∂denominator = −∂L/∂y_chain × y_chain² = −1 × 0.731059² = -0.534447" in lines[0]
        assert "−∂L/∂y_chain × y_chain² × exp(−x_chain) = −1 × 0.731059² × 0.367879 = -0.196612" in lines[2]
        assert ("∂L/∂x_chain = ∂L/∂y_chain × y_chain² × exp(−x_chain) = ∂L/∂y_chain × y_chain(1 − y_chain)"
                " = 1 × 0.731059 × 0.268941 = 0.196612") in lines[3]
        shown = text(app, "step").replace("\n", " ")
        s = steps(app).engine.current
        y = float(s.values["y_chain"])
        diff = abs(y * (1 - y) - y ** 2 * np.exp(-1.0))
        assert "y(1 − y) = 0.196612 in sigmoid; y² × exp(−x) = 0.196612 through the four nodes" in shown
        assert f"max difference {diff:.3g}" in shown and "0.19661193324148185" not in shown  # not 17 digits


# -- the dialogs -------------------------------------------------------------------------

async def test_gradient_check_dialog_and_h_keys():
    sc = load(bundled()["affine_softmax"])
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press("c")
        assert isinstance(app.screen, GradCheckDialog)
        assert steps(app).engine.position == 1  # the check runs on its own, the app stays at its step
        for h, keys in ((1e-5, ()), (1e-4, ("plus",)), (1e-6, ("minus", "minus"))):
            await pilot.press(*keys)
            await pilot.pause()
            shown = screen_text(app)
            assert f"h = {h:.0e}" in shown
            for c in check_gradients(sc, h=h):
                row = next(l for l in shown.splitlines() if l.startswith(c.name + " "))
                assert f"{c.rel_err:.2e}" in row
        await pilot.press("escape")
        assert not isinstance(app.screen, GradCheckDialog)
        assert steps(app).engine.position == 1


async def test_gradient_check_in_a_narrow_terminal_is_a_block_per_value():
    """Below 70 columns the seven columns do not fit: each value gets a block
    of lines, and the resize back to a wide terminal brings the table back."""
    sc = load(bundled()["affine_softmax"])
    app = BackpropApp(sc)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        lines = [l.strip() for l in screen_text(app).splitlines()]
        for c in check_gradients(sc):
            k = next(i for i, l in enumerate(lines) if l.split()[:1] == [c.name])
            assert lines[k].endswith("ok") and lines[k + 3] == f"max rel error {c.rel_err:.2e}"
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert any(l.split()[:2] == ["name", "shape"] for l in screen_text(app).splitlines())

async def test_gradient_check_says_when_it_samples():
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert "a fixed sample of 20 entries" in screen_text(app)


async def test_nudge_dialog_shows_prediction_and_measurement():
    sc = load(bundled()["apple"])
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        assert isinstance(app.screen, NudgeDialog)
        await pilot.press("down", "down")  # apple -> apple_num -> tax
        await pilot.press("plus")          # eps 1e-3 -> 1e-2
        n = nudge(sc, "tax", 0, 1e-2)
        shown = screen_text(app)
        assert "tax = 1.1" in shown and "ε = 0.01" in shown
        assert f"= {num(n.grad, 8)} × 0.01 = {num(n.predicted, 8)}" in shown
        assert f"= {num(n.actual, 8)}" in shown
        await pilot.press("escape")
        assert steps(app).engine.position == 0


async def test_nudge_moves_between_entries_of_an_array():
    sc = load(bundled()["relu"])
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "right")
        assert "x[0, 1] = -0.5" in screen_text(app)
        await pilot.press("right", "right", "right")  # wraps around to the first entry
        assert "x[0, 0] = 1" in screen_text(app)


async def test_full_precision_explains_floats_once():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        notes = list(notifications(app))
        assert len(notes) == 1 and "220.00000000000003" in notes[0].message
        await pilot.press("f", "f")
        assert len(list(notifications(app))) == 1


@pytest.mark.engine
def test_a_value_used_twice_by_one_layer_adds_up():
    from backprop_engine.scenario import from_dict
    sc = from_dict({"title": "x·x", "values": {"x": 3.0}, "backward": {"dout": 24.0},
                    "layers": [{"type": "Mul", "inputs": ["x", "x"], "output": "y"}]}, "xx.toml")
    engine = Engine(sc)
    engine.to_end()
    step = engine.current
    assert float(engine.grads["x"]) == 2 * 24 * 3
    from tui.explain.fanout import fan_in_lines
    (line,) = fan_in_lines(step, ENGLISH, 6)
    assert line.plain == "fan-out: ∂L/∂x = 72 + 72 (this layer, one part per use) = 144 (complete)"


@pytest.mark.engine
def test_a_dead_branch_does_not_make_a_gradient_partial():
    from backprop_engine.scenario import from_dict
    sc = from_dict({"title": "dead", "values": {"x": 2.0, "y": 3.0},
                    "layers": [{"name": "dead", "type": "Mul", "inputs": ["x", "y"], "output": "d"},
                               {"name": "live", "type": "Mul", "inputs": ["x", "x"], "output": "z"}]},
                   "dead.toml")
    live = backward_steps(Engine(sc))[0]
    assert live.layer.name == "live" and live.partial == frozenset()


@pytest.mark.engine
def test_a_branch_part_is_labelled_as_a_part():
    steps = backward_steps(Engine(load(bundled()["fanout"])))
    first = [l.plain for l in explanation("Mul").chain(steps[1], ENGLISH, 6)]  # mul_xz: x's first part
    assert first[0] == "∂L/∂x (this branch's part) = ∂L/∂xz × ∂xz/∂x = 1 × 4 = 4"
    assert first[1] == "∂L/∂z = ∂L/∂xz × ∂xz/∂z = 1 × 2 = 2"


@pytest.mark.engine
def test_sigmoid_of_a_constant_prints():
    import io

    from rich.console import Console

    from backprop_engine.scenario import from_dict
    from tui.reports.markdown import run_markdown
    from tui.views.rich import step_view
    sc = from_dict({"title": "c", "constants": {"k": 0.5}, "values": {"w": 2.0},
                    "layers": [{"type": "Sigmoid", "inputs": ["k"], "output": "s"},
                               {"type": "Mul", "inputs": ["s", "w"], "output": "y"}]}, "c.toml")
    engine = Engine(sc)
    engine.to_end()
    console = Console(width=120, file=io.StringIO(), record=True, color_system=None)
    for step in engine.steps():
        console.print(step_view(step, ENGLISH, 6))
    shown = console.export_text()
    assert "no gradient for k: constant" in shown and "fused vs decomposed" not in shown
    md = run_markdown(sc, ENGLISH, 6)
    assert md.startswith("# c\n") and "fused vs decomposed" not in md
