"""Pilot tests: every key of the app, asserting on app state and on what the
panels show (their Rich content rendered to plain text)."""

from __future__ import annotations

import gc
import io
import re
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import OptionList, Static

from backprop_engine import Engine, bundled, load
from backprop_engine.scenario import from_dict
from tests.conftest import SIZE, fresh_screen, notifications, screen_text, settled_screen, steps, text
from tui.app import BackpropApp
from tui.dialogs.help import HelpDialog
from tui.dialogs.picker import PickerDialog
from tui.widgets.pane import Pane


def panels(app: BackpropApp) -> tuple[str, ...]:
    return tuple(text(app, w) for w in ("status", "graph", "step", "values"))


def apple_app(**kw) -> BackpropApp:
    return BackpropApp(load(bundled()["apple"]), **kw)


async def test_apple_to_the_end_shows_the_book_numbers():
    app = apple_app(drawn=False)  # the graph as the list
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert "220" in text(app, "step")          # the price, forward
        assert "price" in text(app, "values") and "220" in text(app, "values")
        await pilot.press("n", "n")
        assert steps(app).engine.at_end
        values = text(app, "values")
        for line, grad in (("apple ", "2.2"), ("apple_num", "110"), ("tax", "200")):
            row = next(l for l in values.splitlines() if l.startswith(line))
            assert row.split()[-1] == grad, row
        graph = text(app, "graph")
        assert "◀──2.2──" in graph and "◀──110──" in graph and "◀──200──" in graph
        assert "done" in text(app, "status")


@pytest.mark.parametrize("key", ["n", "right", "space"])
async def test_each_next_key_steps_forward(key):
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert steps(app).engine.position == 1
        assert "Step 1/4 · forward · mul_apple" in text(app, "step")


@pytest.mark.parametrize("key", ["p", "left"])
async def test_each_previous_key_steps_back(key):
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", key)
        assert steps(app).engine.position == 2
        assert "Step 2/4 · forward · mul_tax" in text(app, "step")


async def test_home_and_end():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        assert steps(app).engine.at_end and "step 4/4" in text(app, "status")
        await pilot.press("home")
        assert steps(app).engine.at_start and "step 0/4" in text(app, "status")
        assert "Press n" in text(app, "step")


async def test_next_and_previous_are_disabled_at_the_ends():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        assert steps(app).check_action("previous", ()) is None
        assert steps(app).check_action("start", ()) is None
        assert steps(app).check_action("next", ()) is True
        await pilot.press("p", "home")  # disabled: nothing happens, nothing breaks
        assert steps(app).engine.position == 0
        await pilot.press("end")
        assert steps(app).check_action("next", ()) is None
        assert steps(app).check_action("end", ()) is None
        assert steps(app).check_action("previous", ()) is True
        await pilot.press("n", "space", "right")
        assert steps(app).engine.position == 4


async def test_keys_of_a_step_not_possible_do_not_scroll_a_pane():
    """At the end, end and → are greyed: they must not fall through to the
    focused pane and scroll the current layer out of sight."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.pause()
        graph = app.query_one("#graph", Pane)
        graph.focus()
        before = graph.scroll_offset
        await pilot.press("end", "right", "n")
        await pilot.pause()
        assert graph.scroll_offset == before and steps(app).engine.at_end


async def test_a_new_step_is_shown_from_its_top():
    """Scrolled down in one step's pane, the next step still opens at its title."""
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "n", "n", "n")
        step = app.query_one("#step", Pane)
        step.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert step.scroll_offset.y > 0
        await pilot.press("n")
        await pilot.pause()
        assert step.scroll_offset.y == 0 and "Step 6/8" in text(app, "step")


async def test_stepping_back_and_forth_shows_identical_content():
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        first = [panels(app)]
        for _ in range(len(steps(app).engine)):
            await pilot.press("n")
            first.append(panels(app))
        backwards = [panels(app)]
        for _ in range(len(steps(app).engine)):
            await pilot.press("p")
            backwards.append(panels(app))
        assert backwards[::-1] == first
        again = [panels(app)]
        for _ in range(len(steps(app).engine)):
            await pilot.press("n")
            again.append(panels(app))
        assert again == first
        assert len(set(first)) == len(first)  # every step shows something new


@pytest.mark.parametrize("name", ["apple", "fanout", "mnist_size"])
async def test_each_step_shows_what_a_fresh_start_there_shows(name):
    """The panes show steps rendered ahead and repaint only the lines a step
    changes. Walking to the end and back, every screen must equal the first
    screen of an app started at that step: no stale line, no wrong content."""
    scenario = load(bundled()[name])
    n = len(Engine(scenario))
    fresh = [await fresh_screen(scenario, SIZE, k) for k in range(n + 1)]
    app = BackpropApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        for key in ["n"] * n + ["p"] * n:
            await pilot.press(key)
            k = steps(app).engine.position
            assert await settled_screen(app, pilot) == fresh[k], f"{key} to step {k}"


async def test_the_next_and_previous_steps_are_rendered_ahead(monkeypatch):
    """While a step is on screen, the panes of the steps next to it are
    rendered, so that n and p only swap lines: no rendering on the key."""
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        await pilot.pause(0.1)  # (the steps ahead render a moment after the screen is drawn)
        rendered = []
        real = Pane._render
        monkeypatch.setattr(Pane, "_render",
                            lambda pane, *a: rendered.append(pane.id) or real(pane, *a))
        steps(app).action_next()  # called directly: no pause for more rendering ahead
        assert "Step 3/8 · forward · affine2" in text(app, "step") and rendered == []
        await pilot.pause(0.1)  # step 4 is rendered ahead now
        rendered.clear()
        steps(app).action_previous()
        steps(app).action_previous()  # step 1: kept from the way forward
        assert "Step 1/8 · forward · affine1" in text(app, "step") and rendered == []


async def test_relu_backward_shows_mask_and_dout_before_and_after():
    app = BackpropApp(load(bundled()["relu"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert "mask" in text(app, "step") and "True" in text(app, "step")
        await pilot.press("n")
        step = text(app, "step")
        assert "dy (dout), before the mask" in step and "dx, after the mask" in step  # the values' own names
        # dout [[1, 2], [3, 4]] and, after the mask, [[1, 0], [0, 4]] side by side
        rows = [l.split() for l in step.splitlines() if l.strip()[:1].isdigit()]
        assert rows == [["1", "2", "1", "0"], ["3", "4", "0", "4"]]


async def test_affine_shows_the_shapes_of_the_product():
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert "(3, 2)·(2, 4) + (4,) → (3, 4)" in text(app, "step")
        await pilot.press("end")
        step = text(app, "step")
        assert "∂L/∂x (3, 2) = ∂L/∂a1 (3, 4) · W1ᵀ (4, 2)" in step
        assert "∂L/∂W1 (2, 4) = xᵀ (2, 3) · ∂L/∂a1 (3, 4)" in step
        assert "∂L/∂b1 (4,) = Σ over the batch rows of ∂L/∂a1 (3, 4)" in step


async def test_full_precision_toggle():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert "220.00000000000003" not in text(app, "step")
        await pilot.press("f")
        assert steps(app).full_precision
        assert "220.00000000000003" in text(app, "step")
        assert "full precision" in text(app, "status")
        await pilot.press("f")
        assert "220.00000000000003" not in text(app, "step")


async def test_the_float_note_names_the_digits_in_use():
    app = apple_app(precision=4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "f")
        notes = [n.message for n in notifications(app)]
        assert len(notes) == 1 and "shown as 220 at 4 significant digits" in notes[0]


async def test_help_opens_and_closes():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        await pilot.press("n")  # keys of the main screen wait while help is open
        assert steps(app).engine.position == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpDialog)


async def test_quit():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running and app.return_code == 0


async def test_objects_frozen_out_of_gc_are_released_when_the_app_ends():
    """The app keeps what lives as long as it out of full garbage-collector
    passes; once it ends, that is collectable again (tests run many apps)."""
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


async def _pick(pilot, app, label: str) -> None:
    """Choose the option whose text starts with ``label`` in the open picker."""
    assert isinstance(app.screen, PickerDialog)
    options = app.screen.query_one(OptionList)
    index = next(i for i in range(options.option_count)
                 if str(options.get_option_at_index(i).prompt).startswith(label))
    options.highlighted = index
    await pilot.press("enter")
    await pilot.pause()


async def test_no_argument_opens_the_picker_and_it_opens_a_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _pick(pilot, app, "fruit")
        assert steps(app).engine.scenario.title == "Buying apples and oranges"
        await pilot.press("end")
        assert "715" in text(app, "values")


async def test_picker_lists_toml_files_of_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text(Path(bundled()["apple"]).read_text().replace(
        'title = "Buying apples"', 'title = "My apples"'))
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await _pick(pilot, app, "./mine.toml")
        assert steps(app).engine.scenario.title == "My apples"


async def test_no_test_sees_the_files_of_the_folder_it_was_started_in():
    """Each test runs in an empty folder (conftest): a scenario the user saved
    with s in the clone is not in the picker a test opens."""
    assert not any(Path.cwd().iterdir())
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        assert not [p for p in app.screen.paths if p.parent == Path(".")]


async def test_picker_leaves_out_toml_files_that_are_no_scenarios(tmp_path, monkeypatch):
    """pyproject.toml is TOML but no scenario: not listed. A scenario that is
    broken (even one that is not valid TOML) is listed, to show its error."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "typo.toml").write_text('title = "x"\n[[layer]]\n')
    (tmp_path / "syntax.toml").write_text('title = "x\n')
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        listed = [p.name for p in app.screen.paths if p.parent == Path(".")]
        assert listed == ["syntax.toml", "typo.toml"]


async def test_picker_titles_line_up_after_a_long_file_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mnist_size-edited-again.toml").write_text(Path(bundled()["apple"]).read_text())
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        options = app.screen.query_one("OptionList")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        starts = {p.index(title) for p, title in zip(prompts, [load(path).title for path in app.screen.paths])}
        assert len(starts) == 1 and prompts[-1].startswith("./mnist_size-edited-again.toml Buying")


async def test_broken_file_from_the_picker_shows_an_error_and_keeps_the_app_usable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.toml").write_text('title = "x"\n[values]\na = [1, [2]]\n')
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press("o")
        await _pick(pilot, app, "./broken.toml")
        error = text(app, "error")
        assert error.startswith("error: ") and "broken.toml" in error and "ragged" in error
        assert app.query_one("#error").has_class("-shown")
        assert steps(app).engine.scenario.title == "Buying apples" and steps(app).engine.position == 1
        await pilot.press("n", "n", "n")
        assert steps(app).engine.at_end


async def test_picker_escape_keeps_the_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "o", "escape")
        assert not isinstance(app.screen, PickerDialog)
        assert steps(app).engine.position == 1


async def test_reload_reads_the_file_again_and_keeps_the_step(tmp_path):
    path = tmp_path / "apple.toml"
    source = Path(bundled()["apple"]).read_text()
    path.write_text(source)
    app = BackpropApp(load(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert "220" in text(app, "step")
        path.write_text(source.replace("apple = 100", "apple = 200").replace("price = 220", "price = 440"))
        old_engine = weakref.ref(steps(app).engine)
        await pilot.press("r")
        assert steps(app).engine.position == 2
        assert "440" in text(app, "step")
        gc.collect()
        assert old_engine() is None  # nothing rendered for it is kept
        path.write_text("title = \n")  # broken: the error shows, the loaded scenario stays
        await pilot.press("r")
        assert "line 1, column 9" in text(app, "error")
        assert "440" in text(app, "step") and steps(app).engine.position == 2


async def test_large_arrays_are_elided():
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        for panel, ellipsis in (("step", "…"), ("values", "…")):
            shown = text(app, panel)
            assert ellipsis in shown and len(shown) < 20_000
        await pilot.press("home")
        for _ in range(len(steps(app).engine)):
            await pilot.press("n")
        assert steps(app).engine.at_end


@pytest.mark.parametrize("size", [(80, 24), (50, 16), (40, 12), (160, 50)])
async def test_every_size_steps_without_a_crash(size):
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=size) as pilot:
        for _ in range(len(steps(app).engine)):
            await pilot.press("n")
        await pilot.press("question_mark", "escape", "o", "escape")
        assert steps(app).engine.at_end
        assert app.screen.has_class("-narrow") == (size[0] < 70)


async def test_follows_resizes():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        for w, h in [(40, 12), (120, 40), (60, 20), (30, 8), (100, 30)]:
            await pilot.resize_terminal(w, h)
            await pilot.pause()
            assert app.screen.has_class("-narrow") == (w < 70)
        await pilot.press("n")
        assert steps(app).engine.position == 2


def test_a_bad_scenario_on_the_command_line_exits_2_before_drawing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\n[[layers]]\ntype = "Rleu"\ninputs = ["x"]\noutput = "y"\n')
    r = subprocess.run([sys.executable, "-m", "tui.cli", str(bad)], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert r.stdout == ""  # no screen drawn
    assert r.stderr.startswith(f"error: {bad}: layer 1: unknown layer type 'Rleu' (did you mean 'Relu'?)")
    assert "Traceback" not in r.stderr


async def test_help_lists_every_key_literally():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        console = Console(width=120, file=io.StringIO(), record=True, color_system=None)
        console.print(app.screen.query_one(Static).content)
        shown = console.export_text()
        assert "gradient descent on the [train] params" in shown  # brackets are text, not markup
        for key in ("n  →  space", "home / end", "t / T", "[ / ]", "L"):
            assert key in shown


async def test_a_narrow_status_line_shortens_the_title_not_the_step():
    app = BackpropApp(load(bundled()["mnist_size"]))
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        # 38 cells, the line's width: no room is left for the hint "n: forward through relu1"
        assert text(app, "status").rstrip() == "MNIST-sized…  │  forward  │  step 1/8"  # after a whole word
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert text(app, "status").startswith("MNIST-sized net, random numbers  │  forward  │  step 1/8  │  n:")


async def test_an_unsaved_edit_shows_in_the_status_line_before_the_hint():
    """The marks (edited, full precision, quiz) come before the hint for the
    next key, which shows whole or is left out where the line ends (never cut mid-phrase)."""
    app = BackpropApp(load(bundled()["affine_softmax"]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("end", "f", "t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = text(app, "status").rstrip()
        assert len(status) <= 98  # the line's width: nothing is drawn past it
        assert status.endswith("step 8/8  full precision  edited (s saves)")  # no room for a hint
        await pilot.press("f")
        status = text(app, "status").rstrip()
        assert status.endswith("step 8/8  edited (s saves)  │  p steps back, home starts over") or (
            status.endswith("step 8/8  edited (s saves)") and "…" not in status.split("│")[-1]), status


async def test_the_focused_pane_is_the_one_drawn_in_the_accent_colour():
    """tab moves the focus, and with it the highlighted border: the pane that
    up, down and the page keys scroll is the one that stands out."""
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        def highlighted() -> list[str]:
            colours = {p.id: p.styles.border_top[1] for p in app.query(Pane)}
            return [i for i, c in colours.items() if list(colours.values()).count(c) == 1]
        assert app.focused.id == "graph" and highlighted() == ["graph"]
        await pilot.press("tab")
        assert app.focused.id == "step" and highlighted() == ["step"]
        await pilot.press("tab")
        assert app.focused.id == "values" and highlighted() == ["values"]


async def test_escape_closes_the_notes():
    app = apple_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")  # the first time, a note on the digits
        bar = steps(app).query_one("#note")
        assert len(notifications(app)) == 1 and bar.display
        await pilot.press("escape")
        assert not bar.display and steps(app).full_precision


# -- the gradient check, the values pane, notes and narrow screens -------------------------------

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


# -- the f note is about a number on screen ------------------------------------------------------

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


async def test_under_precision_full_f_says_so_and_changes_no_label():
    """--precision full: every number is full already; f says so (and that ≈ marks one rounded to
    fit), the status line does not start to say "full precision", and the graph keeps every digit."""
    app = BackpropApp(load(bundled()["apple"]), precision=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "f")
        await pilot.pause()
        assert any(n.message.startswith("--precision full: every number is shown with all its digits")
                   for n in notifications(app))
        assert not steps(app).full_precision and "full precision" not in text(app, "status")
        assert "220.00000000000003" in text(app, "graph")


# -- the training line at 80 columns; no note over a pane or a dialog --------------------------

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


# -- long names are cut, not wrapped -------------------------------------------------------------

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


async def test_r_says_it_reloaded_and_at_which_step(tmp_path):
    """r on a scenario file at step 2: the file is read again (a change in it shows) and one note says
    so with the step kept, in place of the note before it."""
    path = tmp_path / "apple.toml"
    path.write_text(bundled()["apple"].read_text(encoding="utf-8"), encoding="utf-8")
    app = BackpropApp(load(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "f")
        path.write_text(path.read_text(encoding="utf-8").replace("apple = 100\n", "apple = 150\n"), encoding="utf-8")
        await pilot.press("r")
        await pilot.pause()
        assert notifications(app)[-1].message == f"reloaded {path}: step 2 of 4"
        assert steps(app).engine.position == 2 and float(steps(app).engine.values["apple"]) == 150.0
        assert str(steps(app).query_one("#note").render()).startswith("reloaded")
