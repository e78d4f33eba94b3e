"""The sample view of a data batch (issue 13, item 6): a learner sees the
image x holds, its label, the net's y and y − t, and moves between samples."""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import Color
from rich.console import Console

from backprop_engine import Engine, bundled, load
from tests.conftest import SIZE, rendered, screen_text, steps, text
from tui.app import BackpropApp
from tui.i18n import ENGLISH
from tui.views.sample import bars, image, sample_view, shows_sample

CONSOLE = Console()


def _grey(level: int) -> Color:
    return Color.from_rgb(level, level, level)


def test_image_draws_two_pixel_rows_per_line_in_grey_levels():
    """Each cell is ▀ with the upper pixel as its colour and the lower one as
    its background: 0 is black, 1 white; an odd last row sits over black."""
    pixels = np.array([[0.0, 1.0], [1.0, 0.5], [0.2, 0.0]])
    drawn = image(pixels)
    assert drawn.plain == "▀▀\n▀▀"
    styles = [drawn.get_style_at_offset(CONSOLE, k) for k in (0, 1, 3, 4)]
    assert [(s.color.triplet, s.bgcolor.triplet) for s in styles] == [
        (_grey(0).triplet, _grey(255).triplet), (_grey(255).triplet, _grey(128).triplet),
        (_grey(51).triplet, _grey(0).triplet), (_grey(0).triplet, _grey(0).triplet)]


def test_a_known_digit_is_drawn_from_its_pixels():
    """The first sample of the digits batch is drawn as 8 columns × 4 rows,
    its grey levels the batch row's pixels (counts 0-16 scaled to [0, 1])."""
    sc = load(bundled()["digits"])
    x = sc.leaves["x"][0].reshape(8, 8)
    drawn = image(x)
    assert drawn.plain.split("\n") == ["▀" * 8] * 4
    for r in range(8):
        for c in range(8):
            style = drawn.get_style_at_offset(CONSOLE, (r // 2) * 9 + c)
            colour = style.color if r % 2 == 0 else style.bgcolor
            assert colour.triplet.red == round(255 * x[r, c])
    raw = sc.data.x[sc.data.rows(0)[0]]  # the file's counts, 0-16
    np.testing.assert_array_equal(x.ravel() * 16, raw)


def test_bars_rise_with_y_and_mark_the_label():
    """One character per class, as high as y (y near 0: the lowest bar); the
    label's class is bold green, the net's answer underlined."""
    drawn = bars(np.array([0.0, 0.5, 1.0]), mark=2, answer=1)
    assert drawn.plain == "▁▅█"
    assert "green" in str(drawn.get_style_at_offset(CONSOLE, 2))
    assert drawn.get_style_at_offset(CONSOLE, 1).underline and not drawn.get_style_at_offset(CONSOLE, 2).underline


def _digits_engine(position: int) -> Engine:
    e = Engine(load(bundled()["digits"]))
    e.seek(position)
    return e


def test_the_sample_shows_its_label_and_at_the_loss_layer_y_and_y_minus_t():
    """At the start: the sample's number, label and batch, and a note that y
    comes at the loss layer; at the loss layer's forward step: the net's
    answer from y and y − t at the label, y[label] − 1, to the digits shown."""
    e = _digits_engine(0)
    label = int(e.scenario.leaves["t"][2])
    start = rendered(sample_view(e.scenario, None, 2, ENGLISH, 6))
    assert f"sample 3 of 100 · label {label} · batch 1 of epoch 1" in start
    assert "appears at the loss layer's forward step" in start
    e.seek(4)
    y = e.current.saved["y"][2]
    shown = rendered(sample_view(e.scenario, e.current, 2, ENGLISH, 6, loss=e.current), width=120)
    assert f"answer {int(np.argmax(y))} (y = {float(y.max()):.3g})" in shown
    assert f"y[{label}] − 1 = {y[label] - 1:.6g}" in shown
    assert "class  0123456789" in shown


def test_the_sample_shows_where_x_goes_in_and_at_the_loss_layer_only():
    """Shown before the first step, at the layers reading x (affine1 both
    ways) and at the loss layer; not at relu1 or affine2; never without [data]."""
    e = _digits_engine(0)
    shown = []
    while not e.at_end:
        e.next()
        shown.append(shows_sample(e.scenario, e.current))
    assert shows_sample(e.scenario, None)
    assert shown == [True, False, False, True, True, False, False, True]
    assert not shows_sample(load(bundled()["mnist_size"]), None)


async def test_comma_and_full_stop_move_between_the_samples_of_the_batch():
    """. shows the next sample (its label from t), , the previous, wrapping
    at the ends; the keys do nothing on a scenario without [data]."""
    app = BackpropApp(load(bundled()["digits"]))
    async with app.run_test(size=SIZE) as pilot:
        t = steps(app).engine.scenario.leaves["t"]
        assert f"sample 1 of 100 · label {int(t[0])}" in text(app, "step")
        await pilot.press("full_stop", "full_stop")
        assert f"sample 3 of 100 · label {int(t[2])}" in text(app, "step")
        await pilot.press("comma", "comma", "comma")
        assert f"sample 100 of 100 · label {int(t[99])}" in text(app, "step")
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        before = text(app, "step")
        await pilot.press("full_stop")
        assert text(app, "step") == before and steps(app).sample == 0


async def test_y_stays_in_view_after_the_loss_layer_has_run():
    """At the last step (affine1 backward, which reads x) the sample still
    shows y and y − t from the loss layer's run, not the note that y comes later."""
    app = BackpropApp(load(bundled()["digits"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        shown = text(app, "step")
        assert "answer " in shown and "y − t = y, except at the label" in shown
        assert "appears at the loss layer's forward step" not in shown
        await pilot.press("home")
        assert "appears at the loss layer's forward step" in text(app, "step")


@pytest.mark.parametrize("press", [[], ["n"] * 4])
def test_sample_view_snapshot(snap_compare, press):
    """The digits scenario's step pane opens with the sample: its 8×8 image
    in grey half blocks beside the text, "sample 1 of 100 · label 6 · batch 1
    of epoch 1"; at step 4 (the loss forward), y as bars over the classes
    0-9 (the label's bar green), the net's answer and y − t in magenta."""
    assert snap_compare(BackpropApp(load(bundled()["digits"])), press=press, terminal_size=SIZE)


async def test_the_help_lists_the_sample_keys_only_for_a_data_scenario():
    """? on digits lists ", / ." with what they do; on apple it does not."""
    for name, listed in (("digits", True), ("apple", False)):
        app = BackpropApp(load(bundled()[name]))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert (", / .  previous / next sample of the batch" in screen_text(app)) is listed, name
