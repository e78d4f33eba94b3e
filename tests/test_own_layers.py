"""--layers FILE.py (issue 14): the learner's own classes beside the built-in
layers, through the command line and the app: every bug of
examples/buggy_layers.py named on its layer and entry, the book's classes
agreeing everywhere, and the learner's code failing safely."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import Engine, bundled, load
from backprop_engine.learner.runner import Learner
from backprop_engine.learner.beside import check_of, own_layers
from tests.conftest import SIZE, press, steps, text
from tests.test_cli import cli
from tui.app import BackpropApp

ROOT = Path(__file__).resolve().parent.parent
BOOK, BUGGY = ROOT / "examples" / "book_layers.py", ROOT / "examples" / "buggy_layers.py"


@pytest.fixture(scope="module")
def buggy():
    with Learner(BUGGY) as learner:
        yield learner


@pytest.mark.parametrize("name", list(bundled()))
def test_the_books_layers_agree_on_every_bundled_scenario(name):
    """--check --layers examples/book_layers.py: every layer agrees, exit 0."""
    r = cli(name, "--check", "--layers", BOOK)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "every layer agrees" in r.stdout and "differs" not in r.stdout


BUGS = {  # scenario: (layer, the table's verdict, a line the layer's table shows)
    "affine_softmax": [
        ("loss", "differs", "dx[0, 0]: yours -0.774978, expected -0.258326; likely cause: yours = 3 × expected: "
                            "divide by the batch size N = 3"),
        ("affine2", "differs", "db[0]: yours -0.774978, expected 0.042561; likely cause: db = dout[0], one row of "
                               "dout: sum over the batch, db = np.sum(dout, axis=0)"),
        ("relu1", "⚠ dx agrees; writes into dout", "wrote into dout, an array it was handed"),
    ],
    "fruit": [
        ("mul_tax", "differs", "dx: yours 650, expected 1.1; likely cause: dx = dout × x: ∂(x·y)/∂x is y, so "
                               "dx = dout × y (the inputs swapped)"),
        ("add_apple_orange", "differs", "dy: yours 0, expected 650; likely cause: dy is 0: an add node passes "
                                        "dout on unchanged to both inputs, dy = dout"),
    ],
    "sigmoid": [
        ("join", "differs", "dy: yours 0, expected 1; likely cause: dy is 0: an add node passes dout on"),
        ("sigmoid", "differs", "with dout = 1 (the run's dout here is 0, which hides any mistake): dx: yours "
                               "0.731059, expected 0.196612; likely cause: dx = dout × y: the factor (1 − y) is "
                               "missing"),
    ],
}


def test_the_books_in_place_relu_is_warned_not_failed():
    """relu --check --layers with the book's Relu (dout[self.mask] = 0; its dx is right): exit 0, the
    layer's verdict a warning that says why, as --train on digits with the same file."""
    r = cli("relu", "--check", "--layers", BUGGY)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "relu · your Relu: ⚠ dx agrees; writes into dout" in r.stdout
    assert "every layer agrees (1)" in r.stdout and "FAILED" not in r.stdout
    assert "⚠ relu: wrote into an array it was handed (above): a warning, not a failure" in r.stdout
    printed = " ".join(cli("relu", "--print", "--layers", BUGGY).stdout.split())
    assert "✓ your Relu.backward agrees with the built-in layer" in printed
    assert "⚠ your Relu.backward wrote into dout, an array it was handed" in printed
    assert "In the book's TwoLayerNet this is harmless" in printed
    markdown = " ".join(cli("relu", "--markdown", "--layers", BUGGY).stdout.split())
    assert "⚠ your Relu.backward wrote into dout" in markdown and "relu (Relu): ⚠ dx agrees; writes into dout" in markdown


@pytest.mark.parametrize("name", BUGS)
def test_check_names_each_bug_of_the_buggy_layers_on_its_layer_and_entry(name):
    """--check --layers examples/buggy_layers.py: a table per layer whose title
    gives the verdict, the first differing entry and the likely cause; exit 1."""
    r = cli(name, "--check", "--layers", BUGGY)
    assert r.returncode == 1, r.stdout + r.stderr
    flat = " ".join(line.strip("│ ") for line in r.stdout.splitlines())
    flat = " ".join(flat.split())
    for layer, verdict, shown in BUGS[name]:
        title = next(line for line in r.stdout.splitlines() if line.startswith(f"{layer} · your "))
        assert title.rstrip().endswith(f": {verdict}"), title
        assert " ".join(shown.split()) in flat, (layer, flat)
    assert "FAILED:" in r.stdout


@pytest.mark.engine
def test_the_sigmoid_without_its_factor_is_named_where_dout_reaches_it(buggy):
    """On a graph where dout reaches the fused sigmoid (the built-in layers
    around it), the missing (1 − y) is named: yours = dout × y."""
    sc = load(bundled()["sigmoid"])
    learner_only_sigmoid = own_layers(sc, buggy)
    ops = {"Sigmoid": learner_only_sigmoid.ops["Sigmoid"]}
    from dataclasses import replace
    engine = Engine(replace(sc, ops=ops))
    engine.to_end()
    check = next(check_of(s) for s in engine.steps() if check_of(s) and s.phase == "backward")
    assert check.verdict == "differs"
    assert check.differences[0].cause == "dx = dout × y: the factor (1 − y) is missing, dx = dout × (1 − y) × y"


@pytest.mark.engine
def test_the_in_place_relu_leaves_the_engines_records_intact(buggy):
    """The book's dout[mask] = 0 is reported as a write into dout; the
    engine's dout and every gradient stay as with the built-in layer."""
    sc = load(bundled()["relu"])
    mine, reference = Engine(own_layers(sc, buggy)), Engine(sc)
    mine.to_end()
    reference.to_end()
    back = mine.steps()[-1]
    assert check_of(back).changed == ("dout",) and check_of(back).verdict == "writes in place"
    for a, b in zip(mine.steps(), reference.steps()):
        np.testing.assert_array_equal(a.dout if a.dout is not None else 0, b.dout if b.dout is not None else 0)
        for name in b.grads:
            np.testing.assert_array_equal(a.grads[name], b.grads[name])
            assert not a.grads[name].flags.writeable


def test_json_and_markdown_carry_the_verdicts():
    """--json gives each step of a learner's class a "yours" verdict; --markdown ends with the summary."""
    r = cli("fruit", "--json", "--layers", BUGGY)
    assert [s.get("yours") for s in json.loads(r.stdout)["steps"]] == [
        "agrees", "agrees", "agrees", "agrees", "differs", "differs", "differs", "differs"]
    md = cli("fruit", "--markdown", "--layers", BUGGY).stdout
    assert "## your layers" in md and "- add_apple_orange (AddLayer): differs · backward: dy: yours 0" in md


def test_train_with_the_books_layers_matches_the_built_in_training():
    """--train on digits with examples/book_layers.py trains on the learner's
    code, to the same losses as the built-in layers."""
    mine = cli("digits", "--train", "3", "--layers", BOOK, "--precision", "full")
    builtin = cli("digits", "--train", "3", "--precision", "full")
    assert mine.returncode == builtin.returncode == 0
    rows = lambda out: [l for l in out.splitlines() if l.startswith("│") and l.split("│")[1].strip().isdigit()]
    assert rows(mine.stdout) == rows(builtin.stdout) and len(rows(mine.stdout)) == 4


# -- their code fails safely ----------------------------------------------------

def write(tmp_path, body: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text("import numpy as np\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_file_that_does_not_import_is_one_error_line(tmp_path):
    """A syntax error or a file without the book's classes: error: FILE.py: ..., exit 2."""
    bad = write(tmp_path, "class Relu:\n    def forward(self, x)\n        return x\n")
    r = cli("relu", "--print", "--layers", bad)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith(f"error: {bad}: does not import: SyntaxError") and r.stderr.count("\n") == 1
    none = write(tmp_path, "x = 1\n", "empty.py")
    r = cli("relu", "--print", "--layers", none)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {none}: no layer class of the book's names")


async def test_an_exception_shows_their_frames_and_the_app_runs_on(tmp_path):
    """A Relu.backward that raises: the step pane shows the error and the
    line of their file; the run goes on with the built-in numbers; the app
    keeps running to the end."""
    path = write(tmp_path, """
        class Relu:
            def forward(self, x):
                self.mask = x <= 0
                return np.where(self.mask, 0.0, x)
            def backward(self, dout):
                return dout / 0 + undefined_name
        """)
    with Learner(path) as learner:
        app = BackpropApp(own_layers(load(bundled()["relu"]), learner))
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "n", "n")
            shown = " ".join(text(app, "step").split())
            assert "✗ your Relu.backward failed: NameError: name 'undefined_name' is not defined" in shown
            assert "mine.py, line 8, in backward: return dout / 0 + undefined_name" in shown
            assert "goes on with the built-in layer's numbers" in shown
            assert steps(app).engine.at_end


async def test_a_layer_that_hangs_is_stopped_and_the_next_call_works(tmp_path):
    """A forward that never returns is stopped after the timeout and said; the
    learner's process is started again, so stepping on works."""
    path = write(tmp_path, """
        from pathlib import Path
        HUNG = Path(__file__).with_suffix(".hung")  # the first call hangs; the process after it does not
        class Relu:
            def forward(self, x):
                if not HUNG.exists():
                    HUNG.touch()
                    while True:
                        pass
                self.mask = x <= 0
                return np.where(self.mask, 0.0, x)
            def backward(self, dout):
                return np.where(self.mask, 0.0, dout)
        """)
    with Learner(path, timeout=0.5) as learner:
        app = BackpropApp(own_layers(load(bundled()["relu"]), learner))
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "n")
            assert "did not return within 0.5 s: stopped" in " ".join(text(app, "step").split())
            await press(pilot, "n")
            assert "✓ your Relu.backward agrees" in text(app, "step")


async def test_a_wrong_return_is_one_clear_line(tmp_path):
    """A backward that returns a tuple where the book's Relu returns dx is one line."""
    path = write(tmp_path, """
        class Relu:
            def forward(self, x):
                self.mask = x <= 0
                return np.where(self.mask, 0.0, x)
            def backward(self, dout):
                return dout, dout
        """)
    with Learner(path) as learner:
        engine = Engine(own_layers(load(bundled()["relu"]), learner))
        engine.to_end()
        error = check_of(engine.steps()[-1]).error
        assert error.startswith("Relu.backward returned") and "\n" not in error


async def test_r_imports_the_fixed_file_again(tmp_path):
    """The app shows the mistake; the learner fixes the file and presses r:
    the same step now agrees, without leaving the app."""
    path = write(tmp_path, """
        class AddLayer:
            def forward(self, x, y):
                return x + y
            def backward(self, dout):
                return dout, dout * 0
        """)
    learner = Learner(path)
    try:
        app = BackpropApp(own_layers(load(bundled()["fruit"]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "n", "n", "n", "n", "n", "n")
            assert "✗ your AddLayer.backward differs: dy: yours 0, expected" in " ".join(text(app, "step").split())
            path.write_text(path.read_text().replace("dout * 0", "dout"), encoding="utf-8")
            await press(pilot, "r")
            await pilot.pause()
            assert steps(app).engine.position == 6
            assert "✓ your AddLayer.backward agrees" in text(app, "step")
    finally:
        learner.close()


async def test_the_end_step_lists_each_layers_verdict():
    """At the end the step pane lists each layer of the learner's classes with its verdict."""
    with Learner(BUGGY) as learner:
        app = BackpropApp(own_layers(load(bundled()["affine_softmax"]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "end")
            shown = " ".join(text(app, "step").split())
            assert "Your layers beside the built-in ones:" in shown
            for layer, verdict in (("affine1", "differs"), ("relu1", "⚠ dx agrees; writes into dout"),
                                   ("loss", "differs")):
                assert f"{layer} (" in shown and verdict in shown


async def _at_the_loss_backward(pilot) -> None:
    await press(pilot, *["n"] * 5)


async def _at_the_end_scrolled_down(pilot) -> None:
    await press(pilot, "end")
    steps(pilot.app).query_one("#step").scroll_end(animate=False)
    await pilot.pause()


@pytest.mark.parametrize("walk", [_at_the_loss_backward, _at_the_end_scrolled_down])
def test_mismatch_and_summary_snapshots(snap_compare, walk):
    """affine_softmax with examples/buggy_layers.py. At step 5 (the loss
    backward): a red "✗ your SoftmaxWithLoss.backward differs: dx[0, 0]:
    yours -0.774978, expected -0.258326", the likely cause (yours = 3 ×
    expected: divide by the batch size N = 3), then yours with the differing
    entries marked beside the expected. At the end: the summary of each
    layer's verdict (affine1, affine2, loss differ; relu1 writes in place),
    the step pane scrolled to its end."""
    learner = Learner(BUGGY)
    try:
        app = BackpropApp(own_layers(load(bundled()["affine_softmax"]), learner), learner=learner)
        assert snap_compare(app, terminal_size=SIZE, run_before=walk)
    finally:
        learner.close()


async def test_a_zero_dout_does_not_hide_a_mistake():
    """On sigmoid.toml the buggy AddLayer sends 0 to the fused Sigmoid; the
    step says so and tries dout = 1, which shows the missing (1 − y)."""
    with Learner(BUGGY) as learner:
        app = BackpropApp(own_layers(load(bundled()["sigmoid"]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            engine = steps(app).engine
            await press(pilot, *["n"] * (len(engine) // 2 + 2))  # join, then the fused sigmoid, backward
            assert engine.current.layer.name == "sigmoid"
            shown = " ".join(text(app, "step").split())
            assert "The dout that reached this layer is 0 (from a layer after it)" in shown
            assert "✗ your Sigmoid.backward differs: dx: yours 0.731059, expected 0.196612" in shown
            assert "the factor (1 − y) is missing" in shown


def test_check_shows_their_code_as_written_and_refuses_a_file_that_checks_nothing(tmp_path):
    """A frame's code with brackets ([self.mask]) shows as written, never read
    as markup; a file with no class of the scenario's layer types is one
    error line and exit 2, not a pass."""
    path = write(tmp_path, """
        class Relu:
            def forward(self, x):
                self.mask = x <= 0
                return np.where(self.mask, 0.0, x)
            def backward(self, dout):
                return helper(dout[self.mask])
        """)
    r = cli("relu", "--check", "--layers", path)
    assert r.returncode == 1 and "return helper(dout[self.mask])" in " ".join(r.stdout.split())
    r = cli("apple", "--check", "--layers", path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"error: {path}: no layer of this scenario is of a type your file has a class for: " \
                       "nothing to check\n"


def test_training_stops_where_their_code_fails(tmp_path):
    """--train with a layer that raises stops at once, says which and exits 1,
    instead of training quietly on the built-in numbers."""
    path = write(tmp_path, """
        class Relu:
            def forward(self, x):
                self.mask = x <= 0
                return np.where(self.mask, 0.0, x)
            def backward(self, dout):
                raise ValueError("not yet")
        """)
    r = cli("affine_softmax", "--train", "3", "--layers", path)
    assert r.returncode == 1
    assert r.stderr == f"error: {path}: your Relu.backward failed: ValueError: not yet; training stopped\n"


def test_a_one_row_affine_written_as_in_5_6_1_agrees(tmp_path):
    """affine_one's x is 1-D: an Affine whose db = dout (5.6.1, one sample)
    is handed one row and agrees; its db comes back as (M,)."""
    path = write(tmp_path, """
        class Affine:
            def __init__(self, W, b):
                self.W, self.b = W, b
            def forward(self, x):
                self.x = x
                return x @ self.W + self.b
            def backward(self, dout):
                self.dW = self.x.T @ dout
                self.db = dout
                return dout @ self.W.T
        """)
    r = cli("affine_one", "--check", "--layers", path)
    assert r.returncode == 0, r.stdout
    assert "every layer agrees (1)" in r.stdout


@pytest.mark.engine
def test_a_loss_without_the_books_delta_is_named():
    """A cross-entropy without the 1e-7 inside the log differs by a hair; the cause says why."""
    from backprop_engine.learner.compare import compare
    x, t = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, -1.0]]), np.array([2.0, 0.0])
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    exact = -np.log(y[[0, 1], [2, 0]]).mean()
    builtin = -np.log(y[[0, 1], [2, 0]] + 1e-7).mean()
    d = compare("out", exact, builtin, layer_type="SoftmaxWithLoss", inputs={"x": x, "t": t}, dout=None, batch=2)
    assert d.cause == "yours is the cross-entropy without the 1e-7 that the book adds inside the log, log(y + 1e-7)"


@pytest.mark.parametrize("name, layer, shown", [
    ("fruit", "mul_tax", "✗ your MulLayer.backward differs: dx: yours 650, expected 1.1"),
    ("fruit", "add_apple_orange", "✗ your AddLayer.backward differs: dy: yours 0, expected 650"),
    ("affine_softmax", "affine2", "✗ your Affine.backward differs: db[0]: yours -0.774978, expected 0.042561"),
    ("relu", "relu", "⚠ your Relu.backward wrote into dout, an array it was handed"),
])
async def test_the_app_shows_each_bug_at_its_backward_step(name, layer, shown):
    """Walking the scenario in the app with examples/buggy_layers.py, the
    backward step of the buggy layer shows the mistake at the top of the step pane."""
    with Learner(BUGGY) as learner:
        app = BackpropApp(own_layers(load(bundled()[name]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            engine = steps(app).engine
            while not (engine.current and engine.current.phase == "backward" and engine.current.layer.name == layer):
                await press(pilot, "n")
            assert shown in " ".join(text(app, "step").split())


HANGS = '''
import time
import numpy as np


class Relu:
    def forward(self, x):
        time.sleep(60)
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return np.where(self.mask, 0, dout)
'''


async def test_a_hanging_layer_leaves_the_keys_working_and_escape_stops_it(tmp_path):
    """Your Relu.forward sleeps for a minute: the step says it waits, ? still opens the help (and escape
    closes it), a second n waits its turn, and escape stops the code and the n queued: the step says
    so, in well under the 5 s timeout, and goes on with the built-in layer's numbers."""
    import time
    from tui.dialogs.help import HelpDialog
    (tmp_path / "hangs.py").write_text(HANGS, encoding="utf-8")
    with Learner(str(tmp_path / "hangs.py")) as learner:
        app = BackpropApp(own_layers(load(bundled()["relu"]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            await pilot.pause(0.5)
            s = steps(app)
            assert s.moving and any("waiting for your layer's code" in n.message for n in s.query_one("NoteBar").said)
            await pilot.press("n")  # queued while the code runs; escape drops it with the run
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpDialog)
            await pilot.press("escape")
            assert app.screen is s and s.moving
            start = time.monotonic()
            await pilot.press("escape")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert time.monotonic() - start < 3
            assert not s.moving and s.engine.position == 1
            assert "✗ your Relu.forward failed: stopped (escape) before it returned" in " ".join(text(app, "step").split())
            np.testing.assert_array_equal(s.engine.values["y"], np.maximum(s.engine.values["x"], 0))


FAILS = '''
class Relu:
    def forward(self, x):
        raise RuntimeError("not written yet")

    def backward(self, dout):
        return dout
'''


async def test_a_training_run_your_code_stops_says_why_and_changes_nothing(tmp_path):
    """digits with a Relu that raises: t in the training view stops at once; the view says why, and the
    step screen's status does not say "edited" (no iteration was done)."""
    from tui.screens.training import TrainingScreen
    (tmp_path / "fails.py").write_text(FAILS, encoding="utf-8")
    with Learner(str(tmp_path / "fails.py")) as learner:
        app = BackpropApp(own_layers(load(bundled()["digits"]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "v")
            assert isinstance(app.screen, TrainingScreen)
            await press(pilot, "t")
            await pilot.pause(0.2)
            state = str(app.screen.query_one("#run-state").render())
            assert state.startswith("stopped: ") and "not written yet" in state, state
            await press(pilot, "escape")
            assert not steps(app).changed and "edited" not in text(app, "status")


async def test_keys_pressed_while_your_code_runs_are_taken_in_turn():
    """With --layers, n n n pressed at once are three steps, each after the one before."""
    with Learner(BOOK) as learner:
        app = BackpropApp(own_layers(load(bundled()["affine_softmax"]), learner), learner=learner)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n", "n", "n")
            for _ in range(50):
                await app.workers.wait_for_complete()
                await pilot.pause()
                if steps(app).position == 3:
                    break
            assert steps(app).position == 3 and not steps(app).moving
