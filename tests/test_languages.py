"""Languages: every label in English, Chinese and Japanese, the books' own terms."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from backprop_engine import LAYER_TYPES, Engine, bundled, load
from tests.test_app import SIZE, text
from tui import i18n
from tui.app import BackpropApp
from tui.i18n import CATALOG, LAYER_NAMES, _, set_language
from tui.render import values_table

TUI = Path(__file__).parent.parent / "tui"


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    set_language("en")


def labels_in_code() -> set[str]:
    """Every string literal passed as the first argument of _() in tui/."""
    found = set()
    for path in TUI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_label_has_both_translations():
    missing = sorted(l for l in labels_in_code() if set(CATALOG.get(l, {})) != {"zh", "ja"})
    assert missing == []
    assert len(labels_in_code()) > 100


def test_translations_keep_the_fields():
    fields = re.compile(r"\{(\w*)\}")
    for english, texts in CATALOG.items():
        for lang, translated in texts.items():
            assert sorted(fields.findall(translated)) == sorted(fields.findall(english)), (lang, english)


def test_layer_rules_with_words_are_translated():
    for op in LAYER_TYPES.values():
        for rule in (op.rule, *(op.local_formulas or ())):
            if re.search(r"\b(where|else|over)\b", rule):
                assert rule in CATALOG, rule


def test_the_books_terms():
    set_language("zh")
    assert (i18n.layer_name("Mul"), i18n.layer_name("Add")) == ("乘法层", "加法层")
    assert _("backward") == "反向传播" and _("forward") == "正向传播"
    set_language("ja")
    assert (i18n.layer_name("Mul"), i18n.layer_name("Add")) == ("乗算レイヤ", "加算レイヤ")
    assert _("backward") == "逆伝播" and _("forward") == "順伝播"
    assert set(LAYER_NAMES) == set(LAYER_TYPES)


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_cjk_tables_line_up(lang):
    set_language(lang)
    engine = Engine(load(bundled()["fruit"]))
    engine.to_end()
    console = Console(width=80, file=io.StringIO(), record=True, color_system=None)
    console.print(values_table(engine, 6))
    lines = console.export_text().splitlines()
    header = lines[0]
    assert "名" in header
    # every row's value column starts at the same cell as the header's
    start = cell_len(header[:header.index(_("value"))])
    for line in lines[2:]:
        value = line.split()[2]
        assert cell_len(line[:line.index(value, len(line.split()[0]))]) == start, line


@pytest.mark.parametrize("lang, words", [("zh", ["乘法层", "正向传播", "反向传播", "链式法则"]),
                                         ("ja", ["乗算レイヤ", "順伝播", "逆伝播", "連鎖律"])])
def test_print_in_each_language(lang, words):
    out = subprocess.run([sys.executable, "-m", "tui.cli", "apple", "--print", "--lang", lang],
                         capture_output=True, text=True, check=True).stdout
    for w in words:
        assert w in out
    assert "220" in out and "∂L/∂tax = ∂L/∂price · ∂price/∂tax = 1 × 200 = 200" in out


def test_unknown_language_code():
    r = subprocess.run([sys.executable, "-m", "tui.cli", "apple", "--print", "--lang", "fr"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "error: --lang: unknown language code 'fr' (choose en, zh, ja)\n"


async def test_language_key_cycles_and_translates_the_screen():
    app = BackpropApp(load(bundled()["apple"]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert "forward" in text(app, "status")
        await pilot.press("L")
        assert i18n.language() == "zh"
        assert "正向传播" in text(app, "status") and "乘法层" in text(app, "step")
        assert app.query_one("#graph").border_title == "计算图"
        descriptions = {b.action: b.description for _k, b in app._bindings}
        assert descriptions["next"] == "下一步"
        await pilot.press("L")
        assert "順伝播" in text(app, "status") and "乗算レイヤ" in text(app, "graph")
        await pilot.press("L")
        assert i18n.language() == "en" and "forward" in text(app, "status")


async def test_app_starts_in_the_language_asked():
    app = BackpropApp(load(bundled()["relu"]), lang="ja")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert "dout（mask の前）" in text(app, "step")
