"""Mini-batch SGD in the app (issue 13, item 5): t runs one iteration, T an
epoch in the training view, which plots the loss and the accuracy and pauses;
the step screen walks the batch a run stopped at; s, e and u on digits."""

from __future__ import annotations

import threading
import tomllib

import numpy as np
import pytest
from textual.widgets import ProgressBar

from backprop_engine import bundled, load, run
from backprop_engine.gradcheck import nudge
from backprop_engine.train import MiniBatchSGD
from tests.conftest import SIZE, notifications, rendered, steps
from tui.app import BackpropApp
from tui.dialogs.edit import EditDialog
from tui.dialogs.nudge import NudgeDialog
from tui.format import num
from tui.screens.training import TrainingScreen
from tui.views.plot import Series, line_plot

DIGITS = bundled()["digits"]


@pytest.fixture(autouse=True)
def full_speed(monkeypatch):
    """An epoch of digits is drawn over half a second for the learner's eye; not in tests."""
    monkeypatch.setattr("tui.training_run.EPOCH_SECONDS", 0.0)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def trained(iterations: int) -> tuple[MiniBatchSGD, list[float]]:
    """What the engine gives for ``iterations`` iterations from the file, lr 0.1."""
    sgd = MiniBatchSGD(load(DIGITS))
    return sgd, [sgd.step() for _ in range(iterations)]


async def settle(pilot, app) -> None:
    """Wait until no training runs (a run may start the next as it ends)."""
    for _ in range(100):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not steps(app).training:
            return
    raise AssertionError("the training did not stop")


def shown(app, widget_id: str) -> str:
    return rendered(app.screen.query_one(f"#{widget_id}").content)


def block_after(monkeypatch, iteration: int) -> tuple[threading.Event, threading.Event]:
    """Make the worker wait after ``iteration`` until released: a run caught mid-epoch."""
    reached, release, step = threading.Event(), threading.Event(), MiniBatchSGD.step

    def waiting_step(sgd):
        loss = step(sgd)
        if sgd.iteration == iteration:
            reached.set()
            release.wait(10)
        return loss

    monkeypatch.setattr(MiniBatchSGD, "step", waiting_step)
    return reached, release


async def until(pilot, event: threading.Event) -> None:
    for _ in range(500):
        if event.is_set():
            return
        await pilot.pause(0.01)
    raise AssertionError("the worker did not get there")


# -- the plot --------------------------------------------------------------------------

def test_the_plot_has_its_axes_with_the_lowest_and_highest_y_and_the_first_and_last_x():
    """A falling line in braille, 3 and 1 on the y axis, 1 and 3 under the x axis with its label."""
    plot = line_plot([Series([1, 2, 3], [3.0, 2.0, 1.0])], 14, 4, lambda v: f"{v:g}", str, "it")
    assert rendered(plot, 14).splitlines() == [
        "3┤⠉⠒⠢⠤⣀⡀      ",
        "1┤     ⠈⠉⠒⠒⠤⠤⣀",
        " └────────────",
        "  1    it    3",
    ]


# -- t and T ---------------------------------------------------------------------------------

async def test_t_on_digits_runs_one_iteration_and_the_step_screen_shows_the_next_batch():
    """t: one mini-batch iteration; x and t become data.batch(1), the params those
    of one SGD step, the step kept; walking it gives that batch's loss."""
    sgd, losses = trained(1)
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press("t")
        await settle(pilot, app)
        sc = steps(app).engine.scenario
        x, t = sc.data.batch(1)
        assert sc.iteration == 1 and steps(app).engine.position == 1 and steps(app).changed
        np.testing.assert_array_equal(sc.leaves["x"], x)
        np.testing.assert_array_equal(sc.leaves["t"], t)
        assert not np.array_equal(x, sc.data.batch(0)[0])
        for name in ("W1", "b1", "W2", "b2"):
            np.testing.assert_array_equal(sc.leaves[name], sgd.leaves[name])
        assert steps(app).batches.losses == losses and steps(app).trained.losses == ()
        bar = str(app.query_one("#train-text").content)
        assert bar.startswith(f"iteration 1 · L on its batch {num(losses[0], 4)} · epoch 1: 1/14 · lr 0.1")
        assert "v: training view" in bar
        await pilot.press("end")
        assert float(steps(app).engine.values["L"]) == sgd.loss()  # this batch, these params


async def test_the_help_of_a_data_scenario_lists_the_training_view():
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert "v  the training view (scenarios with [data]" in rendered(app.screen.query_one("Static").content)


async def test_T_opens_the_training_view_and_runs_an_epoch_with_its_accuracy():
    """T: the view, 14 iterations (1,438 training rows, batch 100), the loss of
    each plotted, the accuracy at the epoch's end: test 40.7 %."""
    sgd, losses = trained(14)
    accuracy = sgd.accuracy()
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        assert isinstance(app.screen, TrainingScreen)
        await settle(pilot, app)
        run = steps(app).batches
        assert run.losses == losses and run.accuracy[-1] == (14, accuracy["train"], accuracy["test"])
        assert f"{accuracy['test']:.1%}" == "40.7%"
        await pilot.pause(0.1)  # the view's next look at the run
        status = shown(app, "train-status")
        assert status.startswith(f"Training · iteration 14 · epoch 1: 14/14 · L on its batch {num(losses[-1], 4)} · "
                                 f"train {accuracy['train']:.1%} · test 40.7% · lr 0.1")
        bar = app.screen.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (14, 14)
        loss_plot = shown(app, "loss-view").splitlines()
        assert loss_plot[0].startswith("loss per iteration")
        assert loss_plot[1].startswith(f"{num(max(losses), 3)}┤")
        assert loss_plot[-1].split() == ["1", "iteration", "14"]
        acc_plot = shown(app, "accuracy-view").splitlines()
        assert acc_plot[0].split() == ["accuracy", "per", "epoch", "━", "train", f"{accuracy['train']:.1%}",
                                       "━", "test", "40.7%"]
        assert acc_plot[-1].split() == ["0", "epoch", "1"]
        await pilot.press("T")  # from the view: one more epoch
        await settle(pilot, app)
        assert steps(app).batches.iteration == 28 and [a[0] for a in steps(app).batches.accuracy] == [0, 14, 28]


async def test_pause_stops_mid_epoch_and_the_step_screen_walks_that_batch(monkeypatch):
    """space during an epoch: the run stops after the iteration under way (5);
    the step screen then shows batch 5 with the params of 5 iterations; space
    in the view resumes to the epoch's end."""
    sgd, _ = trained(5)
    reached, release = block_after(monkeypatch, 5)
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, reached)
        await pilot.press("space")
        release.set()
        await settle(pilot, app)
        await pilot.pause(0.1)
        assert steps(app).batches.iteration == 5 and steps(app).batches.paused
        assert shown(app, "run-state") == "paused: space resumes\n"
        assert app.screen.query_one(ProgressBar).progress == 5
        await pilot.press("escape")
        assert app.screen is steps(app)
        sc = steps(app).engine.scenario
        assert sc.iteration == 5
        np.testing.assert_array_equal(sc.leaves["x"], sc.data.batch(5)[0])
        np.testing.assert_array_equal(sc.leaves["W1"], sgd.leaves["W1"])
        assert "paused: v, then space, resumes" in str(app.query_one("#train-text").content)
        await pilot.press("end")
        assert float(steps(app).engine.values["L"]) == sgd.loss()
        await pilot.press("v", "space")
        await settle(pilot, app)
        assert steps(app).batches.iteration == 14 and not steps(app).batches.paused


async def test_escape_during_a_run_pauses_it_and_shows_its_batch(monkeypatch):
    """escape while an epoch runs: back on the step screen, at the batch after the iteration under way."""
    reached, release = block_after(monkeypatch, 3)
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, reached)
        await pilot.press("escape")
        release.set()
        await settle(pilot, app)
        assert app.screen is steps(app) and steps(app).engine.scenario.iteration == 3
        np.testing.assert_array_equal(steps(app).engine.scenario.leaves["t"], load(DIGITS).data.batch(3)[1])


async def test_a_scenario_without_data_keeps_its_training_line_and_has_no_view():
    """affine_softmax: v opens no view (a note says why) and is not in the help; t is gradient descent
    as before."""
    from tui.dialogs.help import HelpDialog
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        assert app.screen is steps(app) and not steps(app).offers("training_view")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog) and "v  the training view" not in rendered(
            app.screen.query_one("Static").content)
        await pilot.press("escape")
        await pilot.press("t")
        await settle(pilot, app)
        assert len(steps(app).trained.losses) == 1 and steps(app).batches is None


async def test_the_training_view_fits_50x16():
    """At 50x16: the status keeps the iteration, the loss and the test accuracy;
    both plots have rows; the footer's four keys are on screen."""
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=(50, 16)) as pilot:
        await pilot.press("T")
        await settle(pilot, app)
        await pilot.pause(0.1)
        status = shown(app, "train-status")
        assert status.startswith("iteration 14 · L on its batch ") and "test 40.7%" in status
        for plot in ("loss-view", "accuracy-view"):
            assert app.screen.query_one(f"#{plot}").region.height >= 5
        keys = list(app.screen.query("FooterKey"))
        assert len(keys) == 4 and all(0 < k.region.right <= 50 for k in keys)


async def test_opening_the_file_again_forgets_the_iterations():
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot, app)
        steps(app).open_scenario(load(DIGITS))
        await pilot.pause()
        assert steps(app).batches is None and steps(app).engine.scenario.iteration == 0
        assert not app.query_one("TrainingBar").has_class("-shown")


# -- save, edit, nudge on digits -------------------------------------------------------------

async def test_save_after_training_keeps_data_and_writes_the_params_but_never_x_or_t(in_tmp):
    """s after 2 iterations: [data] as read, W1 b1 W2 b2 as trained arrays, no x or t
    anywhere in the file; it loads back with the same params."""
    sgd, _ = trained(2)
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert notifications(app)[-1].message == f"saved to {in_tmp / 'digits-edited.toml'}"
    path = in_tmp / "digits-edited.toml"
    doc = tomllib.loads(path.read_text())
    assert doc["data"] == {"source": "digits"}
    assert list(doc["values"]) == ["W1", "b1", "W2", "b2"] and "constants" not in doc
    again = load(path)
    assert again.data is not None and again.trained == ("W1", "b1", "W2", "b2")
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(again.leaves[name], sgd.leaves[name])
    np.testing.assert_array_equal(again.leaves["x"], again.data.batch(0)[0])  # a file starts at iteration 0


async def _edit(pilot, app, name: str, literal: str) -> None:
    await pilot.press("e")
    await pilot.pause()
    app.screen.query_one("OptionList").highlighted = app.screen.names.index(name)
    await pilot.pause()
    app.screen.query_one("Input").value = literal
    app.screen.query_one("Input").focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_edit_on_digits_after_training_keeps_the_batch_and_trains_on():
    """e on b2 after t: the batch and the iteration stay, L is the edited net's;
    W1 (3,200 entries) is for the file; t then trains the edited b2."""
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("OptionList").highlighted = app.screen.names.index("W1")
        await pilot.pause()
        assert "3,200 entries: edit this one in the scenario file" in str(app.screen.query_one("#edit-error").content)
        await pilot.press("escape")
        b2 = [0.5, -0.5, 0, 0, 0, 0, 0, 0, 0, 1]
        await _edit(pilot, app, "b2", str(b2))
        assert not isinstance(app.screen, EditDialog)
        sc = steps(app).engine.scenario
        assert sc.iteration == 1 and sc.data is not None
        np.testing.assert_array_equal(sc.leaves["x"], sc.data.batch(1)[0])
        await pilot.press("end")
        assert float(steps(app).engine.values["L"]) == float(run(sc).values["L"])
        after = MiniBatchSGD(sc)
        after.step()
        await pilot.press("t")
        await settle(pilot, app)
        assert steps(app).engine.scenario.iteration == 2
        np.testing.assert_array_equal(steps(app).engine.scenario.leaves["b2"], after.leaves["b2"])


async def test_nudge_on_digits_predicts_the_change_of_the_loss():
    """u, four values down to b2: b2[0] + 0.001 changes L by -3.0285e-5; the gradient predicts -3.0318e-5."""
    sc = load(DIGITS)
    expected = nudge(sc, "b2", 0, 1e-3)
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        assert isinstance(app.screen, NudgeDialog)
        await pilot.press("down", "down", "down", "down")
        text = rendered(app.screen.query_one("#nudge").content)
        assert "b2[0] = 0" in text
        assert f"= {num(expected.predicted, 8)}" in text and num(expected.predicted, 8) == "-3.0317501e-5"
        assert f"= {num(expected.actual, 8)}" in text and num(expected.actual, 8) == "-3.0285106e-5"


@pytest.mark.parametrize("sampling, said", [("epoch", "batches: a new order of the training rows each epoch"),
                                            ("choice", "batches: the book's np.random.choice each iteration")])
@pytest.mark.parametrize("size", [SIZE, (80, 24), (50, 16)])
async def test_the_training_view_says_how_batches_are_drawn_whole(tmp_path, sampling, said, size):
    """Before a run, the view's status says which sampling runs, whole at every size (the data's rows
    give way first, never a cut phrase); the same words as --train."""
    text = DIGITS.read_text(encoding="utf-8").replace('source = "digits"', f'source = "digits"\nsampling = "{sampling}"')
    path = tmp_path / "digits.toml"
    path.write_text(text, encoding="utf-8")
    app = BackpropApp(load(path))
    async with app.run_test(size=size) as pilot:
        await pilot.press("v")
        await pilot.pause(0.1)
        status = shown(app, "train-status")
        width = size[0]
        assert said in status or width < len(said) + 12, status
        assert "…" not in status


async def test_the_brackets_change_lr_in_the_training_view_too():
    """[ halves and ] doubles the learning rate there as on the step screen: the status says it, and the
    iteration that follows descends with it."""
    app = BackpropApp(load(DIGITS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("left_square_bracket", "left_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert steps(app).lr == pytest.approx(0.05) and "lr 0.05" in shown(app, "train-status")
        await pilot.press("t")
        await settle(pilot, app)
        assert "lr 0.05" in shown(app, "train-status")


@pytest.mark.parametrize("key, said", [("v", "no [data] here: the training view is for a data set's mini-batches"),
                                       ("comma", "no [data] here: , and . move through the samples"),
                                       ("full_stop", "no [data] here: , and . move through the samples")])
async def test_v_and_the_sample_keys_say_why_they_do_nothing_without_data(key, said):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, type(steps(app)))  # no view opened
        assert any(n.message.startswith(said) for n in notifications(app))
