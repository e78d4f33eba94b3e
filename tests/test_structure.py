"""The structure that carries the next features: each layer importing only
from the layers below it, no numpy in the dialogs, Textual's private API in
one adapter, and a new layer type or language added in one place each."""

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


# -- the import rule of docs/architecture.md: engine <- explain <- views (reports beside
# them) <- widgets, dialogs, screens <- app, cli. A layer lists what it must not import.
LAYER_ABOVE = ("tui.widgets", "tui.dialogs", "tui.screens", "tui.app", "tui.cli", "tui.serve", "tui.textual_compat")
MUST_NOT_IMPORT = {
    "backprop_engine": ("tui", "textual", "rich"),
    "tui.explain": ("textual", "rich", "tui.views", "tui.reports", *LAYER_ABOVE),
    "tui.views": ("textual", "tui.reports", *LAYER_ABOVE),
    "tui.reports": ("textual", *LAYER_ABOVE),
    **{ui: ("tui.app", "tui.cli", "tui.serve") for ui in ("tui.widgets", "tui.dialogs", "tui.screens")},
}
LEAVES = ("tui", "tui.format", "tui.i18n")  # the package's __init__, the numbers, the catalogs: used by every layer
LEAF_MUST_NOT_IMPORT = ("tui", "textual", "rich")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(line, source text, module) for every import in the file, function-local ones
    too; a relative import as the absolute module it names."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            base = package.rsplit(".", n.level - 1)[0] if n.level else ""  # level 1: the package itself
            full = ".".join(p for p in (base, n.module) if p)
            # from X import y: X, and X.y in case y is a module
            names = ([full] if n.module else []) + [f"{full}.{a.name}" for a in n.names]
        else:
            continue
        for name in names:
            yield n.lineno, ast.unparse(n), name


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_each_layer_imports_only_from_the_layers_below_it():
    """backprop_engine imports nothing from tui and no Textual or Rich;
    tui/explain no Rich, no Textual, nothing from the views or above;
    tui/views and tui/reports no Textual and nothing from the widgets,
    dialogs, screens, app or command line (the views nothing from the
    reports either); the widgets, dialogs and screens nothing from the app
    or the command line; tui/format.py and tui/i18n.py, which every layer
    uses, nothing from tui and neither Textual nor Rich."""
    broken = []
    for path in CODE:
        module = _module(path)
        rule = LEAF_MUST_NOT_IMPORT if module in LEAVES else next(
            (bad for layer, bad in MUST_NOT_IMPORT.items() if _within(module, layer)), ())
        for lineno, source, name in _imports(path):
            hit = next((bad for bad in rule if _within(name, bad)), None)
            if hit:
                broken.append(f"{path.relative_to(ROOT)}:{lineno}: {source}  ({module} may not import {hit})")
    assert not broken, "imports against the rule of docs/architecture.md:\n" + "\n".join(sorted(set(broken)))


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
        assert "∂L/∂x = ∂L/∂y × ∂y/∂x = 5 × 6 = 30" in shown  # dout = 1 + 4, local 2·3
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
    assert "∂L/∂x = ∂L/∂y × ∂y/∂x = 1 × 6 = 6" in out


@pytest.mark.parametrize("lang, size, all_fit", [("en", (80, 24), True), ("zh", (100, 30), True), ("ja", (100, 30), True),
                                                 ("zh", (80, 24), False), ("ja", (80, 24), False),
                                                 ("en", (50, 16), False), ("ja", (50, 16), False)])
async def test_the_footer_shows_whole_keys_and_always_help_and_quit(lang, size, all_fit):
    """Textual's footer lists the step screen's keys before the app's (? Help, q Quit, o Open). Where
    they do not all fit, the screen's last keys leave the footer whole (they still work) so that
    ? and q show: no key is cut, none drawn past the edge, in every language."""
    app = BackpropApp(load(bundled()["apple"]), lang=lang)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        keys = list(steps(app).query("FooterKey"))
        shown = [b for b in (*type(steps(app)).BINDINGS, *BackpropApp.BINDINGS) if b.show]
        assert (len(keys) == len(shown) == 11) == all_fit
        assert all(k.region.width > 0 and k.region.right <= size[0] for k in keys)
        assert [k.description for k in keys[-3:]] == [app.catalog("Help"), app.catalog("Quit"), app.catalog("Open")]
        if not all_fit:
            await pilot.press("t")  # a key that left the footer still works
            await app.workers.wait_for_complete()
            assert len(steps(app).trained.losses) == 1
