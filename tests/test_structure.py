"""The structure that carries the next features: a thin App, small files and
functions, no numpy in the dialogs, Textual's private API in one adapter, and
a new layer type or language added in one place each."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import LAYER_TYPES, bundled, load
from backprop_engine.layers import Layer
from backprop_engine.scenario import from_dict
from tests.conftest import SIZE, steps, text
from tui.app import BackpropApp
from tui.explain import EXPLANATIONS
from tui.explain.base import Explanation
from tui.i18n import ENGLISH, catalogs

ROOT = Path(__file__).parent.parent
CODE = [p for d in ("tui", "backprop_engine") for p in (ROOT / d).rglob("*.py")]


def test_the_app_is_thin_and_no_file_or_function_is_long():
    assert len((ROOT / "tui/app.py").read_text().splitlines()) < 150
    assert [str(p) for p in CODE if len(p.read_text().splitlines()) > 400] == []
    long = [f"{p.name}:{n.name}" for p in CODE for n in ast.walk(ast.parse(p.read_text()))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 50]
    assert long == []


def test_no_dialog_imports_numpy():
    for path in (ROOT / "tui/dialogs").glob("*.py"):
        assert "import numpy" not in path.read_text(), path


def test_private_textual_attributes_only_in_the_adapter():
    """Every ``x._name`` the UI reads is one of its own (assigned or defined in
    tui/), except in textual_compat.py, the one module written against
    Textual's internals."""
    ours, used = set(), {}
    for path in (ROOT / "tui").rglob("*.py"):
        for n in ast.walk(ast.parse(path.read_text())):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                ours.add(n.name)
            elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
                ours.add(n.attr)
            elif isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__"):
                if path.name != "textual_compat.py":
                    used.setdefault(n.attr, path.name)
    assert {a: p for a, p in used.items() if a not in ours} == {}


# -- a layer type added in one place each: engine class, explanation, catalog ----------

class Square(Layer):
    """A toy layer: y = x²."""

    def forward(self, x):
        return x * x, {"x": x}

    def backward(self, dout, saved):
        return (2.0 * saved["x"] * dout,)


class SquareExplanation(Explanation):
    symbol = "x²"
    derivatives = ("2·{x}",)

    def local(self, saved):
        return (2.0 * saved["x"],)


@pytest.fixture
def square(monkeypatch):
    """The toy layer registered, with its Chinese catalog entries."""
    monkeypatch.setitem(LAYER_TYPES, "Square", Square())
    monkeypatch.setitem(EXPLANATIONS, "Square", SquareExplanation())
    zh = catalogs()["zh"]
    entries = {"texts": {**zh.texts, "2·{x}": "2·{x}"},
               "layers": {**zh.layers, "Square": "平方节点"}}
    return {"en": ENGLISH, "zh": type(zh)(zh.code, zh.name, order=zh.order, **entries)}


SQUARED = {"title": "Squared", "values": {"x": 3.0, "w": [1.0, -2.0]},
           "layers": [{"name": "sq", "type": "Square", "inputs": ["x"], "output": "y"},
                      {"name": "sqw", "type": "Square", "inputs": ["w"], "output": "v"},
                      {"name": "mul", "type": "Mul", "inputs": ["y", "v"], "output": "z"}],
           "backward": {"dout": [1.0, 1.0]}}


async def test_a_new_layer_type_steps_through_in_the_app(square):
    app = BackpropApp(from_dict(SQUARED, "squared.toml"), languages=square)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert "Step 1/6 · forward · sq (Square)" in text(app, "step") and "x²" in text(app, "graph")
        await pilot.press("end")
        shown = text(app, "step")
        assert "local derivative: ∂y/∂x = 2·x" in shown
        assert "∂L/∂x = ∂L/∂y · ∂y/∂x = 5 × 6 = 30" in shown  # dout = 1 + 4, local 2·3
        assert float(steps(app).engine.grads["x"]) == 30.0
        await pilot.press("L")
        assert "平方节点" in text(app, "step") and "局部导数：∂y/∂x = 2·x" in text(app, "step")
        await pilot.press("home", "n", "n", "n", "n", "n")
        assert "((2,) ⊙ 2·w)" in text(app, "step")  # an array: the local derivative as a formula
        np.testing.assert_array_equal(steps(app).engine.grads["w"], [2.0 * 9 * 1, 2.0 * 9 * -2])


def test_a_new_layer_type_in_print(square, write_toml, capsys):
    from tui.cli import main
    path = write_toml("""
        title = "Squared"
        [values]
        x = 3
        [[layers]]
        type = "Square"
        inputs = ["x"]
        output = "y"
    """)
    assert main([str(path), "--print"]) == 0
    out = capsys.readouterr().out
    assert "Step 2/2 · backward · square0 (Square)" in out
    assert "∂L/∂x = ∂L/∂y · ∂y/∂x = 1 × 6 = 6" in out


@pytest.mark.parametrize("lang", ["en", "zh", "ja"])
async def test_footer_shows_every_shown_key_at_80_columns(lang):
    """Textual's footer lists the step screen's keys before the app's: at 80
    columns all of them fit, the last one (o Open) too, in every language."""
    app = BackpropApp(load(bundled()["apple"]), lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = list(steps(app).query("FooterKey"))
        shown = [b for b in (*type(steps(app)).BINDINGS, *BackpropApp.BINDINGS) if b.show]
        assert len(keys) == len(shown) == 11
        assert all(k.region.width > 0 and k.region.right <= 80 for k in keys)
        assert keys[-1].description == app.catalog("Open")
