"""Practice: edit a value, save, quiz, train, export. Good paths and bad."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import Engine, bundled, load, run
from backprop_engine.scenario import from_dict, to_toml
from backprop_engine.train import train
from backprop_engine.quiz import quiz_entries
from tests.conftest import SIZE, notifications, press, rendered, steps, text
from tui.app import BackpropApp
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.edit import EditDialog
from tui.dialogs.quiz import QuizDialog
from tui.dialogs.save import SaveDialog
from tui.widgets.note_bar import NoteBar


def dialog_text(app, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}").content)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the scenario writer ---------------------------------------------------------------

@pytest.mark.engine
@pytest.mark.parametrize("name", sorted(bundled()))
def test_to_toml_loads_back_to_the_same_numbers(name):
    sc = load(bundled()[name])
    again = from_dict(tomllib.loads(to_toml(sc)), "again.toml")
    assert again.layers == sc.layers and again.constants == sc.constants
    assert list(again.leaves) == list(sc.leaves)
    for k in sc.leaves:
        np.testing.assert_array_equal(again.leaves[k], sc.leaves[k])
    np.testing.assert_array_equal(again.dout, sc.dout)
    assert again.lr == sc.lr and again.expect.keys() == sc.expect.keys()


# -- edit --------------------------------------------------------------------------------

async def _edit(pilot, app, name: str, literal: str) -> None:
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, EditDialog)
    app.screen.query_one("OptionList").highlighted = app.screen.names.index(name)
    await pilot.pause()
    app.screen.query_one("Input").value = literal
    await pilot.press("tab")  # to the input
    app.screen.query_one("Input").focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_edit_a_value_reruns_and_keeps_the_step():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        await _edit(pilot, app, "apple", "150")
        assert not isinstance(app.screen, EditDialog)
        assert steps(app).engine.position == 3
        assert float(steps(app).engine.values["price"]) == pytest.approx(330)
        assert "330" in text(app, "values") and "edited" in text(app, "status")
        # the gradient of tax is now apple_price = 300
        assert float(steps(app).engine.grads["tax"]) == pytest.approx(300)


async def test_tab_moves_between_the_fields_of_a_dialog():
    """The edit dialog says "tab: to the input": Textual's own focus keys work
    in dialogs, while the app's keys (n, p, q ...) wait until it closes."""
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditDialog)
        assert app.screen.focused.id == "edit-list"
        await pilot.press("tab")
        assert app.screen.focused.id == "edit-input"
        await pilot.press("n")
        assert steps(app).engine.position == 0 and isinstance(app.screen, EditDialog)


@pytest.mark.parametrize("size", [(40, 12), (50, 16), (80, 24)])
async def test_the_edit_input_is_on_screen_in_a_small_terminal(size):
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#edit-input")
        assert app.screen.region.contains_region(box.region) and box.region.height == 3


async def test_edit_an_array_literal():
    app = BackpropApp(load(bundled()["relu"]))
    async with app.run_test(size=SIZE) as pilot:
        await _edit(pilot, app, "x", "[[-1, 2], [3, -4]]")
        await pilot.press("end")
        np.testing.assert_array_equal(steps(app).engine.grads["x"], [[0, 2], [3, 0]])


@pytest.mark.parametrize("literal, message", [
    ("[1, 2]", "refused: shape (2,), but apple has shape scalar"),
    ("abc", "refused: not a number or an array literal: 'abc'"),
    ("[1, [2]]", "ragged"),
    ('"100"', "is not a number"),
])
async def test_bad_edits_are_refused_in_place(literal, message):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await _edit(pilot, app, "apple", literal)
        assert isinstance(app.screen, EditDialog)  # still open, nothing changed
        assert message in dialog_text(app, "edit-error")
        await pilot.press("escape")
        assert float(steps(app).engine.scenario.leaves["apple"]) == 100.0


# -- save ----------------------------------------------------------------------------------

async def test_save_writes_a_new_file_that_loads(in_tmp):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await _edit(pilot, app, "apple", "150")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SaveDialog)
        assert app.screen.query_one("Input").value == "apple-edited.toml"
        await pilot.press("enter")
        await pilot.pause()
        notes = [n.message for n in notifications(app)]
        assert notes[-1].endswith("[expect] left out, no longer true: price, grad.apple_num, grad.tax")
    saved = load(in_tmp / "apple-edited.toml")
    assert float(saved.leaves["apple"]) == 150.0
    assert float(run(saved).values["price"]) == pytest.approx(330)
    # golden numbers that no longer hold are left out; those that still do are kept
    assert "price" not in saved.expect and "grad.apple" in saved.expect


async def test_after_a_save_the_saved_file_is_the_one_open(in_tmp):
    """Save works as "save as": the edited mark goes, and r reloads the new
    file (with the edit), not the original."""
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await _edit(pilot, app, "apple", "150")
        assert "edited" in text(app, "status")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert not steps(app).changed and "edited" not in text(app, "status")
        assert steps(app).engine.scenario.path == "apple-edited.toml"
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)  # nothing unsaved to ask about
        assert float(steps(app).engine.scenario.leaves["apple"]) == 150.0


def _question(app) -> str:
    assert isinstance(app.screen, ConfirmDialog)
    return str(app.screen.query_one("Static").content)


async def _edit_then(pilot, app, key: str, answer: str) -> str:
    """Edit apple, press ``key``, answer the question it asks; the question."""
    await _edit(pilot, app, "apple", "150")
    await pilot.press(key)
    await pilot.pause()
    question = _question(app)
    await pilot.press(answer)
    await pilot.pause()
    return question


@pytest.mark.parametrize("answer", ["n", "escape", "y"])
async def test_reload_asks_before_it_drops_an_edit(answer):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        question = await _edit_then(pilot, app, "r", answer)
        assert "The edits are not saved (s saves them). Load" in question
        assert not isinstance(app.screen, ConfirmDialog)
        kept = answer != "y"
        assert float(steps(app).engine.scenario.leaves["apple"]) == (150.0 if kept else 100.0)
        assert steps(app).changed == kept and ("edited" in text(app, "status")) == kept


async def test_training_counts_as_an_edit_when_opening_another_scenario():
    from tui.dialogs.picker import PickerDialog
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        trained = steps(app).engine.scenario
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PickerDialog)
        await pilot.press("enter")  # the first bundled scenario
        await pilot.pause()
        assert "Load affine_one and lose them?" in _question(app)  # the first in the list, by name
        await pilot.press("n")
        await pilot.pause()
        assert steps(app).engine.scenario is trained


@pytest.mark.parametrize("answer", ["n", "y"])
async def test_quit_asks_before_it_drops_an_edit(answer):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        assert "Quit and lose them?" in await _edit_then(pilot, app, "q", answer)
        assert app.is_running == (answer == "n")


async def test_quit_without_edits_does_not_ask():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.parametrize("key", ["s", "x"])
@pytest.mark.parametrize("typed, message", [
    ("sub/", "name a file"),
    ("nope/run.toml", "not saved: no folder nope"),
    ("a" * 300 + ".toml", "File name too long"),
])
async def test_a_name_that_cannot_be_written_stays_in_the_dialog(in_tmp, key, typed, message):
    """Nothing is written, the dialog stays open with the reason and the name
    as typed, to be corrected."""
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        app.screen.query_one("Input").value = typed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveDialog)
        assert message in dialog_text(app, "save-error")
        assert app.screen.query_one("Input").value == typed
        assert list(in_tmp.iterdir()) == []


async def _save_over_existing(in_tmp, answer: str) -> Path:
    """Save apple to apple-edited.toml, which exists, and answer the question."""
    existing = in_tmp / "apple-edited.toml"
    existing.write_text("mine, not to be lost\n")
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "s", "enter")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.query_one("#confirm-box").size.width >= 40  # not collapsed to nothing
        assert "apple-edited.toml exists. Replace it?" in str(app.screen.query_one("Static").content)
        await pilot.press(answer)
        await pilot.pause()
        if answer == "n":
            assert isinstance(app.screen, SaveDialog)
            assert "not replaced" in dialog_text(app, "save-error")
            await pilot.press("escape")
    return existing


async def test_saving_over_a_scenario_says_what_replacing_it_loses(in_tmp):
    """Saving digits over a copy of its own file: the question names the comment lines, the init
    tables written out as numbers, and an [expect] number the new file drops; nothing is written
    before a yes. The writer adds no [backward] or [train] that holds only defaults."""
    from backprop_engine.scenario import to_toml
    mine = bundled()["digits"].read_text(encoding="utf-8") + '\n[expect]\n"b1" = [0.5]  # not true\n'
    existing = in_tmp / "digits-edited.toml"
    existing.write_text(mine, encoding="utf-8")
    app = BackpropApp(load(bundled()["digits"]))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "s", "enter")
        question = " ".join(str(app.screen.query_one("Static").content).split())
        assert isinstance(app.screen, ConfirmDialog)
        assert question.startswith("digits-edited.toml exists. Replacing it loses its 7 comment lines; [expect] b1 "
                                   "(no longer true); the init tables of W1, W2, b1, b2 (written out as the "
                                   "numbers they drew). Replace it?"), question
        await pilot.press("n")
        await pilot.pause()
    assert existing.read_text(encoding="utf-8") == mine
    written = to_toml(load(bundled()["apple"]))
    assert "[backward]" not in written and "[train]" not in written


async def test_save_over_an_existing_file_answered_no_keeps_it(in_tmp):
    existing = await _save_over_existing(in_tmp, "n")
    assert existing.read_text() == "mine, not to be lost\n"


async def test_save_over_an_existing_file_answered_yes_replaces_it(in_tmp):
    existing = await _save_over_existing(in_tmp, "y")
    assert load(existing).title == "Buying apples"


# -- quiz ----------------------------------------------------------------------------------

async def _answer(pilot, app, values) -> None:
    assert isinstance(app.screen, QuizDialog)
    for box, v in zip(app.screen.query("Input"), values):
        box.value = v
    await pilot.press("enter")
    await pilot.pause()


async def test_quiz_hides_gradients_until_answered_and_scores():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "n", "n", "n")
        await pilot.pause()
        assert steps(app).engine.position == 2  # the backward step waits for the answers
        assert "1.1" not in text(app, "values").split("apple_price")[1].split("\n")[0]
        await _answer(pilot, app, ["1.1", "100"])  # 1.1 right, tax's 200 wrong
        result = dialog_text(app, "quiz-result")
        assert "right ∂L/∂apple_price" in result and "wrong ∂L/∂tax" in result and "200" in result
        await pilot.press("enter")
        await pilot.pause()
        assert steps(app).engine.position == 3
        await pilot.press("n")
        await pilot.pause()
        await _answer(pilot, app, ["2.2", "110"])
        await pilot.press("enter")
        await pilot.pause()
        assert steps(app).engine.at_end
        assert "quiz 3/4" in text(app, "status")
        done = notifications(app)[-1]  # shown as "Quiz: 3 of 4 gradients right.", not "Quiz: Quiz done: ..."
        assert (done.title, done.message) == ("Quiz", "3 of 4 gradients right.")
        assert rendered(app.main.query_one(NoteBar).content).strip() == "Quiz: 3 of 4 gradients right."


async def test_quiz_asks_one_entry_of_an_array_and_refuses_non_numbers():
    app = BackpropApp(load(bundled()["relu"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "n", "n")
        await pilot.pause()
        engine = Engine(load(bundled()["relu"]))
        engine.to_end()
        ((name, entry, truth),) = quiz_entries(engine.current)
        assert name == "x" and entry is not None and truth == engine.grads["x"].flat[entry]
        # what the answer needs is on the dialog: dout's numbers, and x and dout at the entry
        assert dialog_text(app, "quiz-dout").split() == ["1", "2", "3", "4"]
        i, j = np.unravel_index(entry, (2, 2))
        x, dout = engine.values["x"][i, j], engine.current.dout[i, j]
        question = str(app.screen.query_one(".quiz-question").content)
        assert question.endswith(f"x[{i}, {j}] = {x:g}, dout[{i}, {j}] = {dout:g}")
        await _answer(pilot, app, ["two"])
        assert "not a number" in dialog_text(app, "quiz-result")
        await _answer(pilot, app, [repr(truth)])
        assert "right" in dialog_text(app, "quiz-result")


# -- train ---------------------------------------------------------------------------------

async def test_train_keys_lower_the_loss_and_plot_it():
    sc = load(bundled()["affine_softmax"])
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert steps(app).lr == sc.lr == 0.5
        assert not app.query("#loss-plot")  # (made with the first losses: not at every start)
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(steps(app).trained.losses) == 1 and steps(app).engine.position == 1
        assert len(app.query_one("#loss-plot").data) == 2
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(steps(app).trained.losses) == 101
        assert steps(app).trained.losses[-1] < steps(app).trained.losses[0] / 10  # visibly falls
        expected, _ = train(sc, 101, 0.5)
        assert list(steps(app).trained.losses) == pytest.approx(expected, rel=1e-12)
        assert len(app.query_one("#loss-plot").data) == 102
        bar = lambda: str(app.query_one("#train-text").content)
        assert "lr 0.5 · 101 steps" in bar() and "next lr" not in bar()
        await pilot.press("left_square_bracket")
        assert steps(app).lr == 0.25
        # the steps taken keep the lr they were taken with; the next one's is said apart
        assert "lr 0.5 · 101 steps" in bar() and "next lr 0.25" in bar()
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "lr 0.25–0.5 · 102 steps" in bar() and "next lr" not in bar()
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert steps(app).lr == 1.0


@pytest.mark.engine
def test_train_rejects_a_learning_rate_of_zero_or_less():
    sc = load(bundled()["affine_softmax"])
    for lr in (0.0, -0.1):
        with pytest.raises(ValueError, match="learning rate must be > 0"):
            train(sc, 1, lr)


@pytest.mark.engine
@pytest.mark.parametrize("lr", ["0", "-0.5"])
def test_a_scenario_with_a_bad_learning_rate_is_refused(tmp_path, lr):
    path = tmp_path / "s.toml"
    path.write_text(Path(bundled()["apple"]).read_text() + f"\n[train]\nlr = {lr}\n")
    r = subprocess.run([sys.executable, "-m", "tui.cli", str(path), "--train", "3"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == f"error: {path}: train.lr: the learning rate must be a number > 0, got {lr}\n"


# -- export ------------------------------------------------------------------------------

@pytest.mark.engine
def test_markdown_command_line():
    r = subprocess.run([sys.executable, "-m", "tui.cli", "relu", "--markdown"],
                       capture_output=True, text=True, check=True)
    md = r.stdout
    assert md.startswith("# Relu and its mask\n")
    assert "## Step 1/2 · forward · relu (Relu)" in md and "## Step 2/2 · backward · relu (Relu)" in md
    assert "| False | **True** |\n| **True** | False |" in md  # the mask, masked entries bold
    assert "| 1 | **0** |\n| **0** | 4 |" in md                # dx after the mask
    assert "∂L/∂x = ∂L/∂y ⊙ ∂y/∂x" in md  # arrays: elementwise


@pytest.mark.engine
def test_markdown_has_the_chain_rule_numbers():
    md = subprocess.run([sys.executable, "-m", "tui.cli", "apple", "--markdown"],
                        capture_output=True, text=True, check=True).stdout
    assert "- ∂L/∂tax = ∂L/∂price × ∂price/∂tax = 1 × 200 = 200" in md
    assert "| price | scalar | `220` | `1` |" in md


async def test_export_key_writes_markdown_and_says_where(in_tmp):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.query_one("Input").value == "apple-steps.md"
        await pilot.press("enter")
        await pilot.pause()
        assert any(str(in_tmp / "apple-steps.md") in n.message for n in notifications(app))
    from tui.i18n import ENGLISH
    from tui.reports.markdown import run_markdown
    assert (in_tmp / "apple-steps.md").read_text() == run_markdown(load(bundled()["apple"]), ENGLISH, 6)


async def test_training_that_diverges_is_said_not_crashed():
    sc = load(bundled()["apple"])  # price is no loss: gradient descent runs away to -inf
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not all(np.isfinite(steps(app).trained.losses))
        assert "diverged" in str(app.query_one("#train-text").content)
        assert all(np.isfinite(app.query_one("#loss-plot").data))
        await pilot.press("n")  # still usable
        assert steps(app).engine.position == 1


@pytest.mark.engine
def test_the_app_needs_a_terminal():
    r = subprocess.run([sys.executable, "-m", "tui.cli", "apple"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "error: the app needs a terminal; without one, try --print or --markdown\n"



async def test_an_out_of_range_label_is_refused_in_the_edit():
    from backprop_engine.scenario import from_dict
    sc = from_dict({"title": "labels", "values": {"x": [[1.0, 2.0, 3.0], [0.5, 0.1, -1.0]]},
                    "constants": {"t": [0, 2]},
                    "layers": [{"type": "SoftmaxWithLoss", "inputs": ["x", "t"], "output": "L"}]},
                   "labels.toml")
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await _edit(pilot, app, "t", "[0, 5]")
        assert isinstance(app.screen, EditDialog)
        assert "label 5 in 't' is out of range" in dialog_text(app, "edit-error")
        await pilot.press("escape")
        await pilot.press("end")
        assert steps(app).engine.at_end


async def test_nudge_is_off_without_values():
    from backprop_engine.scenario import from_dict
    sc = from_dict({"title": "consts", "constants": {"k": 2.0},
                    "layers": [{"type": "Exp", "inputs": ["k"], "output": "y"}]}, "k.toml")
    app = BackpropApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        assert steps(app).check_action("nudge", ()) is None
        await pilot.press("u")
        assert not app.screen_stack[1:]


async def test_training_results_for_a_scenario_left_meanwhile_are_dropped(monkeypatch, in_tmp):
    import threading

    import backprop_engine.train as train_module
    release = threading.Event()

    def slow_train(scenario, steps, lr):
        release.wait(10)  # like 100 mnist steps: the learner presses keys meanwhile
        return train(scenario, steps, lr)

    monkeypatch.setattr(train_module, "train", slow_train)
    path = in_tmp / "a.toml"
    path.write_text(Path(bundled()["affine_softmax"]).read_text())
    app = BackpropApp(load(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert steps(app).training
        for action in ("train", "edit", "reload", "open", "gradcheck", "nudge"):
            owner = app if action == "open" else steps(app)  # open is the app's key
            assert owner.check_action(action, ()) is None  # these wait for the training
        await pilot.press("t", "r")
        assert steps(app).trained.losses == () and not steps(app).changed
        app.open_path(path)  # the scenario changes under the running training
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not steps(app).training and steps(app).trained.losses == () and not steps(app).changed
        np.testing.assert_array_equal(steps(app).engine.scenario.leaves["W1"], load(path).leaves["W1"])


async def test_a_quiz_starts_over_with_another_file(in_tmp):
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "n", "n", "n")
        await _answer(pilot, app, ["1", "1"])
        await pilot.press("enter")
        await pilot.pause()
        assert "quiz 0/2" in text(app, "status")
        app.open_path(bundled()["fruit"])
        assert steps(app).answers == {} and "quiz 0/0" in text(app, "status")


# -- training and saving: what the app says and writes -------------------------------------------

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
