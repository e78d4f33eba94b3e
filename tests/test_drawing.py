"""The drawn computational graph (tui/views/drawing.py): the book's figures
5-16 and 5-17 as text. Every number on an edge is the engine's, in its place
(the value above the edge's line, the gradient below), and only once the
engine has computed it; the layout has no crossing on any bundled scenario
and never draws a line through a node or a number over a line."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_engine import Engine, bundled, load
from backprop_engine.scenario import from_dict
from tui.format import num
from tui.i18n import ENGLISH
from tui.views import drawing

PRECISION = 6
FITS = ("apple", "fruit", "relu", "fanout", "sigmoid")  # in the graph pane of a 100×30 terminal


def scenario(name: str):
    return load(bundled()[name])


def at(name: str, position: int):
    s = scenario(name)
    engine = Engine(s)
    engine.seek(position)
    return s, engine


def picture(s, engine, precision=PRECISION, highlight=True) -> tuple[drawing.Layout, list[str], object]:
    lay = drawing.layout(s)
    text = drawing.draw(lay, engine, ENGLISH, precision, highlight)
    return lay, text.plain.split("\n"), text


def slot_text(lines: list[str], slot: drawing.Slot) -> str:
    return lines[slot.y][slot.x:slot.x + slot.width].strip()


def shown(lay, lines, name: str, kind: str) -> list[str]:
    """What the drawing shows in the slots of one kind for one value."""
    return [slot_text(lines, s) for s in lay.slots if s.name == name and s.kind == kind]


def test_fruit_at_the_end_of_backward_has_the_books_numbers_in_place():
    s, engine = at("fruit", 8)
    lay, lines, _ = picture(s, engine)
    book = {"apple": ("100", "2.2"), "apple_num": ("2", "110"), "orange": ("150", "3.3"),
            "orange_num": ("3", "165"), "tax": ("1.1", "650"), "apple_price": ("200", "1.1"),
            "orange_price": ("450", "1.1"), "all_price": ("650", "1.1"), "price": ("715", "1")}
    for name, (value, grad) in book.items():
        assert shown(lay, lines, name, "value") == [value] == [num(engine.values[name], PRECISION)], name
        assert shown(lay, lines, name, "grad") == [grad] == [num(engine.grads[name], PRECISION)], name
    edges = drawing.cells(lay)
    for slot in lay.slots:  # the value just above its edge's line, the gradient just below
        assert (slot.x, slot.y + (1 if slot.kind == "value" else -1)) in edges[("edge", slot.name)], slot
    assert next(line for line in lines if "price" in line.split()).rstrip().endswith("──▶ price")


def test_values_not_yet_computed_are_blank_mid_forward():
    s, engine = at("fruit", 2)  # the two × nodes have run, the + node and the tax not yet
    lay, lines, _ = picture(s, engine)
    assert shown(lay, lines, "apple_price", "value") == ["200"]
    assert shown(lay, lines, "orange_price", "value") == ["450"]
    assert shown(lay, lines, "all_price", "value") == [""]
    assert shown(lay, lines, "price", "value") == [""]
    assert "650" not in "\n".join(lines) and "715" not in "\n".join(lines)
    assert all(slot_text(lines, g) == "" for g in lay.slots if g.kind != "value")
    assert shown(lay, lines, "tax", "value") == ["1.1"]  # a leaf's value at once


@pytest.mark.parametrize("name", ["fruit", "fanout", "sigmoid"])
def test_a_gradient_appears_only_once_backward_has_reached_it(name):
    s = scenario(name)
    engine = Engine(s)
    for position in range(len(engine) + 1):
        engine.seek(position)
        lay, lines, _ = picture(s, engine)
        waiting = engine.current.partial if engine.current else frozenset()
        for slot in lay.slots:
            text = slot_text(lines, slot)
            if slot.kind == "value":
                assert (text != "") == (slot.name in engine.values), (position, slot)
            elif slot.kind == "grad":
                known = slot.name in engine.grads and slot.name not in waiting
                assert (text != "") == known, (position, slot)
                if known:
                    _same(text, engine.grads[slot.name], slot.width)


def _same(text: str, value, width: int) -> None:
    """The number as the explanations write it, or, where that is wider than
    the edge's place for it, the same number with fewer digits."""
    full = num(value, PRECISION)
    assert text == full if len(full) <= width else (len(text) <= width and float(text) == pytest.approx(value, 1e-4))


def test_the_fanout_branches_carry_their_parts_and_the_leaf_their_sum():
    s, engine = at("fanout", 6)
    lay, lines, _ = picture(s, engine)
    steps, n = engine.steps(), len(s.layers)
    parts = {(slot.layer, slot.port): slot_text(lines, slot) for slot in lay.slots if slot.kind == "part"}
    expected = {(i, port): num(steps[2 * n - 1 - i].input_grads[port], PRECISION)
                for i, layer in enumerate(s.layers) for port, name in enumerate(layer.inputs) if name == "x"}
    assert parts == expected == {(0, 0): "3", (1, 0): "4"}
    assert shown(lay, lines, "x", "grad") == ["7"] == [num(engine.grads["x"], PRECISION)]
    assert shown(lay, lines, "x", "value") == ["2"]
    # one line from x that branches: its cells are one connected piece
    assert _connected(drawing.cells(lay)[("edge", "x")])


def test_mid_backward_a_fanout_sum_waits_for_its_last_part():
    s, engine = at("fanout", 5)  # back through add and mul_xz: x has one of its two parts
    lay, lines, _ = picture(s, engine)
    assert sorted(slot_text(lines, p) for p in lay.slots if p.kind == "part") == ["", "4"]
    assert shown(lay, lines, "x", "grad") == [""]


def _connected(cells: frozenset) -> bool:
    seen, todo = set(), [min(cells)]
    while todo:
        x, y = todo.pop()
        if (x, y) in seen or (x, y) not in cells:
            continue
        seen.add((x, y))
        todo += [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)]
    return seen == set(cells)


def test_arrays_show_their_shapes_not_their_numbers():
    s, engine = at("mnist_size", 8)
    _, lines, _ = picture(s, engine)
    joined = "\n".join(lines)
    assert "(100, 784)" in joined and "(784, 50)" in joined and "(100,)" in joined
    assert "[" not in joined and "..." not in joined


def test_a_long_number_is_shown_with_fewer_digits_not_cut():
    s, engine = at("sigmoid", 12)
    lay, lines, _ = picture(s, engine, precision=None)  # full precision: 0.7310585786300049
    y = shown(lay, lines, "y_chain", "value")[0]
    assert y.startswith("≈0.731") and len(y) <= drawing.SLOT and "…" not in y  # rounded to fit: said so


@pytest.mark.parametrize("name", sorted(bundled()))
def test_no_crossing_and_nothing_overlaps_on_every_bundled_scenario(name):
    s, engine = at(name, 0)
    engine.to_end()
    lay, lines, _ = picture(s, engine)
    assert drawing.crossings(lay) == 0
    assert "┼" not in "\n".join(lines)
    _no_overlaps(lay)
    assert len(lines) == drawing.height(lay) and {len(line) for line in lines} == {drawing.width(lay)}


@pytest.mark.parametrize("name", FITS)
def test_the_small_scenarios_fit_the_graph_pane(name):
    lay = drawing.layout(scenario(name))
    assert drawing.width(lay) <= 98 and drawing.height(lay) <= 16


def test_the_layout_is_worked_out_once_per_graph():
    s = scenario("fruit")
    assert drawing.layout(s) is drawing.layout(load(bundled()["fruit"]))
    assert drawing.layout(s.with_leaves(apple=np.float64(120.0))) is drawing.layout(s)


def test_the_current_node_is_highlighted_done_nodes_green_the_rest_dim():
    s, engine = at("fruit", 2)  # forward: mul_apple done, mul_orange current, the rest not yet run
    lay, _, text = picture(s, engine)
    style = {b.name: _style_at(text, b.x + 2, b.out) for b in lay.boxes}
    assert style == {"mul_apple": "green", "mul_orange": "bold reverse", "add_apple_orange": "dim",
                     "mul_tax": "dim"}
    _, _, plain = picture(s, engine, highlight=False)
    assert all(_style_at(plain, b.x + 2, b.out) == "" for b in lay.boxes)
    engine.to_end()
    _, _, text = picture(s, engine)
    assert _style_at(text, lay.slots[1].x, lay.slots[1].y) == "bold magenta"  # a gradient's colour


def _style_at(text, x: int, y: int) -> str:
    line = text.split("\n")[y]
    return " ".join(str(span.style) for span in line.spans if span.start <= x < span.end)


def test_crossings_counts_a_crossing_that_cannot_be_avoided():
    # a and b each feed both nodes, in opposite input orders: one pair of lines must cross
    s = from_dict({"title": "crossed", "values": {"a": 1.0, "b": 2.0},
                   "layers": [{"type": "Mul", "inputs": ["a", "b"], "output": "p"},
                              {"type": "Mul", "inputs": ["b", "a"], "output": "q"},
                              {"type": "Add", "inputs": ["p", "q"], "output": "r"}]}, "crossed.toml")
    lay = drawing.layout(s)
    assert drawing.crossings(lay) >= 1
    _no_overlaps(lay)


def _no_overlaps(lay: drawing.Layout) -> None:
    """No two boxes share a cell; no line, arrowhead, number or name is drawn
    in a box; no number or name over a line or another number; all inside."""
    cells = drawing.cells(lay)
    boxes = [c for k, c in cells.items() if k[0] == "node"]
    lines = frozenset().union(*(c for k, c in cells.items() if k[0] == "edge"))
    words = [c for k, c in cells.items() if k[0] in ("label", "name")]
    for a, b in combinations(boxes + words, 2):
        assert not a & b
    for c in boxes + words:
        assert not c & lines
    inside = {(x, y) for x in range(drawing.width(lay)) for y in range(drawing.height(lay))}
    assert lines.union(*boxes, *words) <= inside


LAYER_TYPES = {"Mul": 2, "Add": 2, "Exp": 1, "Sigmoid": 1}


@st.composite
def graphs(draw):
    """A valid scenario: a few scalar leaves (maybe a constant), then random
    Mul, Add, Exp and Sigmoid layers, each over names defined before it."""
    leaves = [f"a{i}" for i in range(draw(st.integers(1, 4)))]
    constants = ["c"] if draw(st.booleans()) else []
    names, layers = leaves + constants, []
    for i in range(draw(st.integers(1, 9))):
        type_ = draw(st.sampled_from(sorted(LAYER_TYPES)))
        inputs = [draw(st.sampled_from(names)) for _ in range(LAYER_TYPES[type_])]
        layers.append({"name": f"l{i}", "type": type_, "inputs": inputs, "output": f"v{i}"})
        names.append(f"v{i}")
    doc = {"title": "random", "values": {n: 0.5 for n in leaves}, "layers": layers}
    if constants:
        doc["constants"] = {"c": 1.5}
    return from_dict(doc, "random.toml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_have_no_overlapping_boxes_and_no_line_through_a_box(s):
    lay = drawing.layout(s)
    _no_overlaps(lay)
    assert {b.name for b in lay.boxes} == {layer.name for layer in s.layers}
    edges = drawing.cells(lay)
    for name in [layer.output for layer in s.layers] + list(s.leaves):
        if ("edge", name) in edges:
            assert _connected(edges[("edge", name)]), name
    engine = Engine(s)
    with np.errstate(all="ignore"):  # exp of exp of exp ... may overflow: inf is drawn as inf
        engine.to_end()
    lines = drawing.draw(lay, engine, ENGLISH, PRECISION).plain.split("\n")
    assert len(lines) == drawing.height(lay) and {len(line) for line in lines} == {drawing.width(lay)}


def test_full_precision_gives_a_scalar_room_for_every_digit_and_marks_one_rounded_to_fit():
    """In full precision each edge has 19 cells: 220.00000000000003 whole; a number longer than
    that (a sign and 17 digits, or an exponent) is rounded to fit and starts with ≈, never shown
    rounded as if full; at 6 digits nothing is marked."""
    s = scenario("apple")
    engine = Engine(s)
    engine.to_end()
    full = drawing.draw(drawing.layout(s, None), engine, ENGLISH, None).plain
    assert "220.00000000000003" in full and "110.00000000000001" in full and "≈" not in full
    long = from_dict({"title": "t", "values": {"x": -0.30000000000000004, "y": 1.2345678901234567e-05},
                      "layers": [{"name": "m", "type": "Mul", "inputs": ["x", "y"], "output": "z"}]}, Path("t.toml"))
    e = Engine(long)
    e.to_end()
    shown = drawing.draw(drawing.layout(long, None), e, ENGLISH, None).plain
    marked = [w for w in shown.split() if w.startswith("≈")]
    assert len(marked) >= 2 and all(len(w) <= drawing.FULL_SLOT for w in marked)
    assert float(marked[0][1:]) == pytest.approx(-0.30000000000000004, rel=1e-15)
    assert "≈" not in drawing.draw(drawing.layout(long), e, ENGLISH, 6).plain
