"""The values pane never cuts a number: a grid too wide for its width leaves
out more columns in the middle (…), the table gives way to a name per line
where its columns are too narrow, and the header stays one line."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_engine import Engine, bundled, load
from tests.conftest import rendered, steps
from tui.app import BackpropApp
from tui.format import EDGE, num
from tui.i18n import ENGLISH
from tui.views.rich import grid, keep
from tui.views.values_table import values_table
from tui.widgets.pane import Pane


def as_shown(token: str, v: float) -> bool:
    """Whether ``token`` parses as a float equal to ``v`` rounded to the token's own significant digits."""
    digits = token.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return float(token) == float(f"{float(v):.{max(1, len(digits))}g}")


def shown_grids(lines: list[str]) -> dict[tuple[str, str], list[list[str]]]:
    """The words of each grid line under the header, by (name, "value" or
    "grad"): a name starts a line of its own; "value" or "grad" starts a grid
    (beside it or, when alone on its line, beneath)."""
    out, name, key = {}, None, None
    for line in lines[2:]:
        words = line.split()
        if not words:
            continue
        if not line.startswith(" "):
            name, key = words[0], None
        label = next((w for w in ("value", "grad") if w in words), None)
        if label is not None:
            key, words = (name, label), words[words.index(label) + 1:]
            out[key] = []
        if key is not None and words:  # (the word alone on its line: the grid starts beneath)
            out[key].append(words)
    return out


def assert_whole(engine: Engine, lines: list[str]) -> int:
    """Every value and gradient the engine has is shown, each number whole and
    equal (at its shown digits) to the entry it stands for, in numpy's
    elided order: the first columns, "…", the last. Returns the numbers checked."""
    shown, checked = shown_grids(lines), 0
    names = list(engine.scenario.leaves) + [l.output for l in engine.scenario.layers]
    for name in names:
        for label, arrays in (("value", engine.values), ("grad", engine.grads)):
            a = arrays.get(name)
            assert (a is None) == ((name, label) not in shown), (name, label)
            if a is None:
                continue
            a = np.asarray(a, dtype=float)
            a2 = a.reshape(1, -1) if a.ndim < 2 else a
            rows = shown[name, label]
            assert len(rows) == len(keep(a2.shape[0])), (name, label, rows)
            for i, words in zip(keep(a2.shape[0]), rows):
                if i is None:
                    assert set(words) == {"⋮"}, (name, words)
                    continue
                cut = words.index("…") if "…" in words else len(words)
                assert "…" in words or len(words) == a2.shape[1], (name, label, words)
                first, last = words[:cut], words[cut + 1:]
                cols = [*range(len(first)), *range(a2.shape[1] - len(last), a2.shape[1])]
                for j, token in zip(cols, first + last):
                    assert as_shown(token, a2[i, j]), f"{name} {label}[{i}, {j}] = {a2[i, j]!r} shown as {token!r}"
                    checked += 1
    return checked


def pane_lines(app) -> list[str]:
    """Every line the values pane has rendered at its width (what it scrolls
    through): line_where hands each line to its test, which keeps it."""
    lines: list[str] = []
    steps(app).query_one("#values", Pane).line_where(lines.append)
    return lines


def test_as_shown_refuses_a_cut_number():
    """The check itself: the cut forms the defect showed are refused, the whole ones accepted."""
    assert as_shown("-0.62044", -0.62044) and as_shown("9.6621e-5", 9.6621e-5) and as_shown("0", 0.0)
    assert not as_shown("-0.", -0.62044) and not as_shown("9.6", 9.6621e-5) and not as_shown("-4.", -4.10827e-5)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_every_number_in_the_values_pane_is_whole_on_digits(size):
    """digits at 80×24 and 100×30, every step forward and backward, then in
    full precision: each number the values pane shows equals its entry at the
    digits shown (none cut at the pane's edge), and the header is one line."""
    app = BackpropApp(load(bundled()["digits"]))
    async with app.run_test(size=size) as pilot:
        engine = steps(app).engine
        checked = 0
        for _ in range(len(engine) + 1):
            await pilot.pause()
            lines = pane_lines(app)
            assert "value / gradient" in lines[0] and set(lines[1].strip()) == {"─"}, lines[:2]
            checked += assert_whole(engine, lines)
            if not engine.at_end:
                await pilot.press("n")
        await pilot.press("f")
        await pilot.pause()
        checked += assert_whole(engine, pane_lines(app))
        assert engine.at_end and checked > 500


def test_a_grid_too_wide_leaves_out_middle_columns_never_part_of_a_number():
    """An 8×9 array at every width from 60 down to 3: each line fits the
    width; the columns kept are the first and the last around "…" (the first
    ones given up last), each number whole; below one number, "…" alone."""
    a = np.arange(72, dtype=float).reshape(8, 9) * -1.0123456
    g = grid(a, 6)
    for width in range(60, 2, -1):
        lines = rendered(g, width).splitlines()
        assert len(lines) == 7 and max(len(line.rstrip()) for line in lines) <= width, width
        for i, words in zip(keep(8), (line.split() for line in lines)):
            if i is None:
                assert set(words) == {"⋮"}
                continue
            assert "…" in words or len(words) == 9
            cut = words.index("…") if "…" in words else len(words)
            first, last = words[:cut], words[cut + 1:]
            assert len(first) >= len(last)
            for j, token in zip([*range(len(first)), *range(9 - len(last), 9)], first + last):
                assert as_shown(token, a[i, j]), (width, i, j, token)
    assert [rendered(g, w).split("\n")[1].split() for w in (60, 30, 20, 8)] == [
        ["-9.11111", "-10.1235", "…", "-16.1975", "-17.2099"], ["-9.11111", "…", "-17.2099"], ["-9.11111", "…"],
        ["…"]]


def test_a_grid_that_fits_is_drawn_as_before():
    """Given the width it needs, a grid shows numpy's elided form: EDGE − 1
    columns at each end around "…", EDGE rows at each end around "⋮", right-aligned."""
    g = grid(np.arange(80.0).reshape(10, 8), 6)
    assert rendered(g, 200).splitlines() == [" 0   1  …   6   7", " 8   9  …  14  15", "16  17  …  22  23",
                                              " ⋮   ⋮  ⋮   ⋮   ⋮", "56  57  …  62  63", "64  65  …  70  71",
                                              "72  73  …  78  79"]
    assert rendered(g, 17) == rendered(g, 200) and len(keep(10)) == 2 * EDGE + 1


def test_the_values_table_stays_a_table_where_every_number_fits():
    """relu at its end at 46 columns (the pane at 100×30) and at 36 (80×24):
    name, shape, value and its grid on one line, as before; at 36 the header
    "value / gradient", too long for the numbers' column, starts over the
    labels, on one line. digits at 46: a name per line, its grids beneath."""
    engine = Engine(load(bundled()["relu"]))
    engine.to_end()
    for width in (46, 36):
        lines = rendered(values_table(engine, ENGLISH, 6), width).splitlines()
        assert lines[0].split() == ["name", "shape", "value", "/", "gradient"] and set(lines[1]) == {"─"}
        assert lines[2].split() == ["x", "(2,", "2)", "value", "1", "-0.5"] and lines[4].split() == ["grad", "1", "0"]
        assert lines[0].index("value") == lines[2].index("value") + (8 if width == 46 else 0)  # over the numbers, or the labels
    digits = Engine(load(bundled()["digits"]))
    lines = rendered(values_table(digits, ENGLISH, 6), 46).splitlines()
    assert lines[0].split() == ["name", "value", "/", "gradient"] and lines[2].split() == ["x", "(100,", "64)"]
    assert lines[3].split()[:1] == ["value"] and assert_whole(digits, lines) > 50
    assert num(digits.values["x"][0, 0], 6) == lines[3].split()[1]


def test_all_scalars_leave_out_the_shape_column_before_a_number_is_cut():
    """sigmoid at its end at 46 columns: every shape is "scalar", so the table
    drops that column and each number fits whole (it showed 0.3678… before);
    at 36, too narrow even so: a name per line, "value" and "grad" beneath."""
    engine = Engine(load(bundled()["sigmoid"]))
    engine.to_end()
    lines = rendered(values_table(engine, ENGLISH, 6), 46).splitlines()
    assert lines[0].split() == ["name", "value", "gradient"]
    row = next(line.split() for line in lines if line.startswith("exp_neg_x "))
    assert row == ["exp_neg_x", num(engine.values["exp_neg_x"], 6), num(engine.grads["exp_neg_x"], 6)]
    lines = rendered(values_table(engine, ENGLISH, 6), 36).splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("exp_neg_x "))
    assert lines[at].split() == ["exp_neg_x", "scalar"]
    assert [lines[at + 1].split(), lines[at + 2].split()] == [["value", "0.367879"], ["grad", "-0.534447"]]
