"""Snapshot tests (pytest-textual-snapshot): what a learner sees.

Each test's docstring says what the reviewer should see in its SVG. A new or
changed snapshot fails until it is looked at and accepted with
``pytest --snapshot-update`` (``--snapshot-report`` writes the report to look at).
"""

from __future__ import annotations

import pytest

from backprop_engine import bundled, load
from tests.conftest import SIZE
from tui.app import BackpropApp

SCENARIOS = ["apple", "fruit", "fanout", "relu", "sigmoid", "affine_softmax", "mnist_size"]


def app_for(name: str) -> BackpropApp:
    return BackpropApp(load(bundled()[name]))


def layers(name: str) -> int:
    return len(load(bundled()[name]).layers)


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path, monkeypatch):
    """The picker lists *.toml of the current folder: make that folder empty."""
    monkeypatch.chdir(tmp_path)


class TestScenarios:
    @pytest.mark.parametrize("name", SCENARIOS)
    def test_start(self, snap_compare, name):
        """Nothing computed yet: the graph lists every layer with empty arrows,
        the step panel shows the title, book reference, description and
        "Press n ..."; the values table lists the leaves with their values and
        the layer outputs blank; Prev and Start are greyed in the footer."""
        assert snap_compare(app_for(name), terminal_size=SIZE)

    @pytest.mark.parametrize("name", SCENARIOS)
    def test_mid_forward(self, snap_compare, name):
        """Halfway through forward: the layers run so far are ticked (✓), the
        current one marked ▶ and highlighted; its inputs and output are in the
        step panel; no gradients anywhere yet."""
        assert snap_compare(app_for(name), press=["n"] * max(1, layers(name) // 2),
                            terminal_size=SIZE)

    @pytest.mark.parametrize("name", SCENARIOS)
    def test_first_backward(self, snap_compare, name):
        """The first backward step: the last layer marked ◀; the step panel
        shows its local rule, the upstream gradient (dout) and the gradients it
        sends to its inputs, in magenta; the same gradients appear under the
        arrows and in the values table."""
        assert snap_compare(app_for(name), press=["n"] * (layers(name) + 1), terminal_size=SIZE)

    @pytest.mark.parametrize("name", SCENARIOS)
    def test_done(self, snap_compare, name):
        """The end: every layer ✓✓, every value and gradient filled in (apple:
        220; 2.2, 110, 200. fruit: 715; 110, 2.2, 3.3, 165, 650); the status
        line says done; Next and End are greyed in the footer."""
        assert snap_compare(app_for(name), press=["end"], terminal_size=SIZE)

    @pytest.mark.parametrize("name", ["relu", "affine_softmax", "mnist_size"])
    def test_relu_backward(self, snap_compare, name):
        """The Relu backward step: dout before the mask and dx after it side by
        side, the masked entries (x <= 0) highlighted in both, so the dead
        gradients are the highlighted zeros on the right."""
        scenario = load(bundled()[name])
        relu = next(l.index for l in scenario.layers if l.type == "Relu")
        steps = 2 * len(scenario.layers) - relu
        assert snap_compare(app_for(name), press=["n"] * steps, terminal_size=SIZE)


class TestScreens:
    def test_help(self, snap_compare):
        """The help dialog over the apple scenario: every key with what it does,
        and what the marks and colours mean."""
        assert snap_compare(app_for("apple"), press=["question_mark"], terminal_size=SIZE)

    def test_picker(self, snap_compare):
        """No scenario given: the picker lists the eight bundled scenarios with
        their titles, the first highlighted; behind it the app says no
        scenario is open."""
        assert snap_compare(BackpropApp(None), terminal_size=SIZE)

    def test_error_in_the_app(self, snap_compare, tmp_path):
        """A broken file opened from the picker: a red error bar under the status
        line reads "error: broken.toml: values.a: ragged list ..."; the apple
        scenario stays open at step 1."""
        (tmp_path / "broken.toml").write_text('title = "x"\n[values]\na = [1, [2]]\n')

        async def open_broken(pilot):
            await pilot.press("n", "o")
            options = pilot.app.screen.query_one("OptionList")
            options.highlighted = options.option_count - 1  # ./broken.toml comes last
            await pilot.press("enter")

        assert snap_compare(app_for("apple"), run_before=open_broken, terminal_size=SIZE)

    def test_full_precision(self, snap_compare):
        """The f key at the end of apple: 220.00000000000003, 110.00000000000001
        in full; the status line says full precision."""
        assert snap_compare(app_for("apple"), press=["end", "f"], terminal_size=SIZE)


class TestSizes:
    def test_apple_80x24(self, snap_compare):
        """80×24: the same three panels, smaller; the first backward step of
        apple is readable."""
        assert snap_compare(app_for("apple"), press=["n", "n", "n"], terminal_size=(80, 24))

    def test_affine_80x24(self, snap_compare):
        """80×24: the Relu backward step of affine_softmax, mask highlighted."""
        assert snap_compare(app_for("affine_softmax"), press=["n"] * 7, terminal_size=(80, 24))

    def test_apple_narrow_50x16(self, snap_compare):
        """50×16, narrow: the graph stacked above the step panel; the footer
        and status line still there."""
        assert snap_compare(app_for("apple"), press=["end"], terminal_size=(50, 16))


class TestUnderstanding:
    def test_chain_rule_apple(self, snap_compare):
        """apple, first backward step: under the local rule, the chain rule with
        the numbers: ∂L/∂apple_price = ... = 1 × 1.1 = 1.1 and
        ∂L/∂tax = ∂L/∂price × ∂price/∂tax = 1 × 200 = 200."""
        assert snap_compare(app_for("apple"), press=["n"] * 3, terminal_size=SIZE)

    def test_fan_out_partial(self, snap_compare):
        """fanout after mul_xz backward: "∂L/∂x gets its first part here
        (partial ...)" in the step panel; in the values table x's gradient 4
        is marked "partial: more to come"."""
        assert snap_compare(app_for("fanout"), press=["n"] * 5, terminal_size=SIZE)

    def test_fan_out_sum(self, snap_compare):
        """fanout after mul_xy backward: "∂L/∂x = 4 (so far) + 3 (this branch)
        = 7 (complete)"; x's gradient 7 no longer marked partial. In the graph
        the arrow back from mul_xy to x carries 3, the one from mul_xz 4."""
        assert snap_compare(app_for("fanout"), press=["n"] * 6, terminal_size=SIZE)

    def test_fused_vs_decomposed(self, snap_compare):
        """sigmoid at the fused Sigmoid's backward step: the line "fused vs
        decomposed" with dout·y·(1 − y) and the four-node chain's gradient in
        full precision, and their max difference."""
        assert snap_compare(app_for("sigmoid"), press=["n"] * 8, terminal_size=SIZE)

    def test_gradient_check_dialog(self, snap_compare):
        """affine_softmax, c then +: the gradient check dialog with h = 1e-04,
        a row per leaf (backprop at the worst entry in magenta, the numeric
        gradient, the relative error, ok) and the notes on h, the Relu kink
        and the loss's 1e-7."""
        assert snap_compare(app_for("affine_softmax"), press=["c", "plus"], terminal_size=SIZE)

    def test_nudge_dialog(self, snap_compare):
        """apple, u then ↓↓: nudging tax = 1.1 by ε = 0.001: predicted
        ΔL = 200 × 0.001 = 0.2 beside the measured change."""
        assert snap_compare(app_for("apple"), press=["u", "down", "down"], terminal_size=SIZE)


class TestPractice:
    def test_edit_dialog(self, snap_compare):
        """relu, e: the edit dialog lists x with its shape, the input holds
        [[1.0, -0.5], [-2.0, 3.0]]."""
        assert snap_compare(app_for("relu"), press=["e"], terminal_size=SIZE)

    def test_edit_refused(self, snap_compare):
        """apple, e, then "[1, 2]" typed for apple: the dialog stays open with
        "refused: shape (2,), but apple has shape scalar" in red."""
        async def type_bad(pilot):
            await pilot.press("e", "tab")
            pilot.app.screen.query_one("Input").value = "[1, 2]"
            await pilot.press("enter")

        assert snap_compare(app_for("apple"), run_before=type_bad, terminal_size=SIZE)

    def test_save_confirm(self, snap_compare, tmp_path):
        """apple, s, enter while apple-edited.toml exists: "apple-edited.toml
        exists. Replace it?" with y: yes, n or escape: no."""
        (tmp_path / "apple-edited.toml").write_text("x")
        assert snap_compare(app_for("apple"), press=["s", "enter"], terminal_size=SIZE)

    def test_export_dialog(self, snap_compare):
        """apple, x: "Save the step-by-step run (Markdown) as" with the name
        apple-steps.md ready in the input."""
        assert snap_compare(app_for("apple"), press=["x"], terminal_size=SIZE)

    def test_quiz_question(self, snap_compare):
        """apple in quiz mode at the first backward step: the quiz dialog asks
        ∂L/∂apple_price = ? and ∂L/∂tax = ?, showing dout = 1 and the local rule;
        no gradient shown behind it yet."""
        assert snap_compare(app_for("apple"), press=["z", "n", "n", "n"], terminal_size=SIZE)

    def test_quiz_result(self, snap_compare):
        """The same question answered 1.1 and 100: "right ∂L/∂apple_price" in
        green, "wrong ∂L/∂tax: you said 100, it is 200" in red."""
        async def answer(pilot):
            await pilot.press("z", "n", "n", "n")
            boxes = list(pilot.app.screen.query("Input"))
            boxes[0].value, boxes[1].value = "1.1", "100"
            await pilot.press("enter")

        assert snap_compare(app_for("apple"), run_before=answer, terminal_size=SIZE)

    def test_training(self, snap_compare):
        """affine_softmax after t and T (101 steps, lr 0.5): the training line
        under the status says lr 0.5 · 101 steps · L 1.283 → a much smaller
        loss, with a falling sparkline; status says edited."""
        async def train(pilot):
            await pilot.press("t")
            await pilot.app.workers.wait_for_complete()
            await pilot.press("T")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(app_for("affine_softmax"), run_before=train, terminal_size=SIZE)


class TestLanguages:
    @pytest.mark.parametrize("lang", ["zh", "ja"])
    def test_apple_first_backward(self, snap_compare, lang):
        """apple at its first backward step in Chinese (乘法层, 反向传播, 链式法则)
        or Japanese (乗算レイヤ, 逆伝播, 連鎖律): CJK labels, the tables still
        line up, the numbers 1.1 and 200 as in English."""
        app = BackpropApp(load(bundled()["apple"]), lang=lang)
        assert snap_compare(app, press=["n", "n", "n"], terminal_size=SIZE)

    @pytest.mark.parametrize("lang", ["zh", "ja"])
    def test_relu_backward(self, snap_compare, lang):
        """affine_softmax's Relu backward step: the mask headings and the
        rule "x > 0 处 dx = dout，否则为 0" / "x > 0 のところ dx = dout、それ以外は 0"."""
        app = BackpropApp(load(bundled()["affine_softmax"]), lang=lang)
        assert snap_compare(app, press=["n"] * 7, terminal_size=SIZE)

    @pytest.mark.parametrize("lang", ["zh", "ja"])
    def test_help(self, snap_compare, lang):
        """The help dialog in Chinese or Japanese: the key column in cyan, each
        description in the language, the L key to switch languages listed."""
        app = BackpropApp(load(bundled()["apple"]), lang=lang)
        assert snap_compare(app, press=["question_mark"], terminal_size=SIZE)


class TestDrawnGraph:
    """The graph drawn as the book draws it, at the states the other classes
    leave out: the end of forward and mid backward at 100x30, and all five
    states at 80x24, where a drawing wider or taller than the pane scrolls
    to the current node."""

    STATES = {
        "start": lambda n: [],
        "mid_forward": lambda n: ["n"] * max(1, n // 2),
        "end_of_forward": lambda n: ["n"] * n,
        "mid_backward": lambda n: ["n"] * (n + max(1, n // 2)),
        "end": lambda n: ["end"],
    }

    @pytest.mark.parametrize("name", SCENARIOS + ["affine_one"])
    @pytest.mark.parametrize("state", ["end_of_forward", "mid_backward"])
    def test_100x30(self, snap_compare, name, state):
        """The drawing across the top: values on the edges of the layers run
        so far (forward), gradients under them once backward reached them;
        the current node in reverse video; blanks, not zeros, elsewhere."""
        assert snap_compare(app_for(name), press=self.STATES[state](layers(name)), terminal_size=SIZE)

    @pytest.mark.parametrize("name", SCENARIOS + ["affine_one"])
    @pytest.mark.parametrize("state", list(STATES))
    def test_80x24(self, snap_compare, name, state):
        """80x24: the same drawing in a smaller pane, scrolled so that the
        current node is in view; step and values side by side beneath it."""
        assert snap_compare(app_for(name), press=self.STATES[state](layers(name)), terminal_size=(80, 24))


class TestTrainingView:
    """The training view over digits (mini-batch SGD, 5.7.4), at full speed:
    the epochs are not spread over half a second each as for the learner."""

    @pytest.fixture(autouse=True)
    def _full_speed(self, monkeypatch):
        monkeypatch.setattr("tui.training_run.EPOCH_SECONDS", 0.0)

    @staticmethod
    def epochs(n: int):
        """Press T ``n`` times, each time until the training stops."""
        async def run(pilot):
            for _ in range(n):
                await pilot.press("T")
                await pilot.pause()
                while pilot.app.main.training:
                    await pilot.app.workers.wait_for_complete()
                    await pilot.pause()
            await pilot.pause(0.1)  # the view's next look at the run
        return run

    def test_three_epochs_100x30(self, snap_compare):
        """digits, T three times: "Training · iteration 42 · epoch 3: 14/14 · L 1.355
        · train 75.7% · test 74.1% · lr 0.1"; the epoch 3 bar full; the loss per
        iteration falling from 2.35 to 1.35 (iterations 1 to 42); the accuracy per
        epoch rising from 8.7% at epoch 0 to 75.7% at epoch 3, train and test
        nearly on one line; the footer t Iteration, T Epoch, space Pause, esc Back."""
        assert snap_compare(app_for("digits"), run_before=self.epochs(3), terminal_size=SIZE)

    def test_paused_80x24(self, snap_compare, monkeypatch):
        """digits, T, then T again and space at its fifth iteration: iteration 19,
        epoch 2 at 5/14 (36%) with "paused: space resumes" beside the bar; the
        accuracy of epochs 0 and 1."""
        import threading

        from backprop_engine.train import MiniBatchSGD
        reached, release, step = threading.Event(), threading.Event(), MiniBatchSGD.step

        def waiting_step(sgd):
            loss = step(sgd)
            if sgd.iteration == 19:
                reached.set()
                release.wait(10)
            return loss

        monkeypatch.setattr(MiniBatchSGD, "step", waiting_step)

        async def pause_mid_epoch(pilot):
            await self.epochs(1)(pilot)
            await pilot.press("T")
            while not reached.is_set():
                await pilot.pause(0.01)
            await pilot.press("space")
            release.set()
            await pilot.app.workers.wait_for_complete()
            await self.epochs(0)(pilot)

        assert snap_compare(app_for("digits"), run_before=pause_mid_epoch, terminal_size=(80, 24))

    def test_two_epochs_50x16(self, snap_compare):
        """50x16: the status keeps iteration 28, L 1.675 and test 60.2% (epoch and
        lr give way); the epoch 2 bar full; the loss plot in 4 rows (2.35 to 1.67,
        iterations 1 to 28) and the accuracy plot in 3 (8.7% to 61.7%, epochs 0
        to 2); the four keys in the footer."""
        assert snap_compare(app_for("digits"), run_before=self.epochs(2), terminal_size=(50, 16))
