"""Languages: every label in English, Chinese and Japanese, the books' own terms;
a language is a catalog file, and a fourth one is one more file."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.cells import cell_len

from backprop_engine import LAYER_TYPES, Engine, bundled, load
from tests.conftest import SIZE, rendered, steps, text
from tui.app import BackpropApp
from tui.explain import EXPLANATIONS
from tui.i18n import CATALOG_DIR, ENGLISH, Catalog, catalogs, read_catalog
from tui.views.values_table import values_table

TUI = Path(__file__).parent.parent / "tui"
LANGS = catalogs()


def labels_in_code() -> set[str]:
    """Every string literal passed as the first argument of a catalog call
    (``tr(...)``, ``self.tr(...)``, ``self.app.catalog(...)``) in tui/."""
    found = set()
    for path in TUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in ("tr", "catalog"):
                found.add(node.args[0].value)
    return found


def test_every_label_in_the_code_has_both_translations():
    for code in ("zh", "ja"):
        assert sorted(l for l in labels_in_code() if l not in LANGS[code].texts) == [], code
    assert len(labels_in_code()) > 100


@dataclass(frozen=True, eq=False)
class Recording(Catalog):
    """A catalog that notes every English text asked of it that it lacks,
    dynamic keys included (pane titles, column titles, rules, tooltips)."""

    missing: set = field(default_factory=set)

    def __call__(self, english: str, /, **fields) -> str:
        if english not in self.texts:
            self.missing.add(english)
        return super().__call__(english, **fields)

    def layer(self, type_: str) -> str:
        if type_ not in self.layers:
            self.missing.add(type_)
        return super().layer(type_)


def recording(code: str) -> Recording:
    c = LANGS[code]
    return Recording(c.code, c.name, c.texts, c.layers, c.order)


async def _every_screen(app: BackpropApp, name: str) -> None:
    """Walk a scenario's steps in quiz mode and open every dialog once."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "f")  # quiz on, full precision
        for _ in range(len(steps(app).engine)):
            await pilot.press("n")
            if type(app.screen).__name__ == "QuizDialog":
                for box in app.screen.query("Input"):
                    box.value = "1"
                await pilot.press("enter", "enter")
        for key in ("question_mark", "c", "u", "e", "s", "x", "o"):
            await pilot.press(key)
            await pilot.pause()
            assert len(app.screen_stack) > 1, key
            await pilot.press("escape")
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("q")  # the question about the unsaved training
        await pilot.pause()


@pytest.mark.parametrize("code", ["zh", "ja"])
@pytest.mark.parametrize("name", ["apple", "fanout", "sigmoid", "affine_softmax", "digits"])
async def test_every_text_asked_at_run_time_is_in_the_catalog(code, name):
    """Not only the literals: what the app, --print and the Markdown export
    ask of the catalog while showing every step and every dialog."""
    catalog = recording(code)
    await _every_screen(BackpropApp(load(bundled()[name]), lang=code, languages={"en": ENGLISH, code: catalog}),
                        name)
    from tui.reports.markdown import run_markdown
    from tui.views.rich import step_view
    engine = Engine(load(bundled()[name]))
    while not engine.at_end:
        rendered(step_view(engine.next(), catalog, 6))
    run_markdown(engine.scenario, catalog, 6)
    assert catalog.missing == set()


def test_translations_keep_the_fields():
    fields = re.compile(r"\{(\w*)\}")
    for code in ("zh", "ja"):
        for english, translated in LANGS[code].texts.items():
            assert sorted(fields.findall(translated)) == sorted(fields.findall(english)), (code, english)


def test_every_layer_rule_and_local_derivative_is_in_the_catalogs():
    """Those with words ("where", "else", "over") translated, the others kept as notation; the
    rule of thumb (the multiply node's "swapped") translated."""
    for ex in EXPLANATIONS.values():
        for rule in (*([ex.rule] if ex.rule else []), *ex.derivatives, *([ex.note] if ex.note else [])):
            assert rule in LANGS["zh"].texts and rule in LANGS["ja"].texts, rule
    assert LANGS["zh"]("1 where {x} > 0, else 0", x="a1") == "a1 > 0 处为 1，否则为 0"


def test_the_books_terms():
    zh, ja = LANGS["zh"], LANGS["ja"]
    assert (zh.layer("Mul"), zh.layer("Add")) == ("乘法层", "加法层")
    assert zh("backward") == "反向传播" and zh("forward") == "正向传播"
    assert (ja.layer("Mul"), ja.layer("Add")) == ("乗算レイヤ", "加算レイヤ")
    assert ja("backward") == "逆伝播" and ja("forward") == "順伝播"
    assert set(zh.layers) == set(ja.layers) == set(LAYER_TYPES)


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_cjk_tables_line_up(lang):
    tr = LANGS[lang]
    engine = Engine(load(bundled()["fruit"]))
    engine.to_end()
    lines = rendered(values_table(engine, tr, 6), width=80).splitlines()
    header = lines[0]
    assert "名" in header
    # every row's value column starts at the same cell as the header's
    start = cell_len(header[:header.index(tr("value"))])
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
    assert "220" in out and "∂L/∂tax = ∂L/∂price × ∂price/∂tax = 1 × 200 = 200" in out


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
        assert app.catalog.code == "zh"
        assert "正向传播" in text(app, "status") and "乘法层" in text(app, "step")
        assert steps(app).query_one("#graph").border_title == "计算图"
        descriptions = {a.binding.action: a.binding.description for a in steps(app).active_bindings.values()}
        assert descriptions["next"] == "前进" and descriptions["app.focus_next"] == "下一个窗格"
        await pilot.press("L")
        assert "順伝播" in text(app, "status") and "乗算レイヤ" in text(app, "step")
        await pilot.press("L")
        assert app.catalog.code == "en" and "forward" in text(app, "status")


async def test_app_starts_in_the_language_asked():
    app = BackpropApp(load(bundled()["relu"]), lang="ja")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert "dy（dout）、mask の前" in text(app, "step")


FRENCH = '''
[language]
code = "fr"
name = "Français"
order = 3

[layers]
Mul = "couche de multiplication"

[texts]
"backward" = "rétropropagation"
"step {k}/{n}" = "étape {k}/{n}"
"graph" = "graphe"
"Next" = "Suivant"
"Language: English" = "Langue : français"
'''


async def test_a_fourth_language_is_one_more_file(tmp_path):
    """A catalog file in a folder of its own: the L key reaches it after
    Japanese, and the screen speaks it (untranslated labels stay English)."""
    (tmp_path / "fr.toml").write_text(FRENCH, encoding="utf-8")
    languages = catalogs(CATALOG_DIR, tmp_path)
    assert list(languages) == ["en", "zh", "ja", "fr"]
    app = BackpropApp(load(bundled()["apple"]), languages=languages)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "L", "L", "L")
        await pilot.pause()
        assert app.catalog.code == "fr"
        assert "rétropropagation  │  étape 3/4" in text(app, "status")
        assert "couche de multiplication" in text(app, "step")
        assert steps(app).query_one("#graph").border_title == "graphe"
        assert "Suivant" in str(app.screen.query_one("Footer").query("FooterKey").first().render())
        assert "∂L/∂tax = ∂L/∂price × ∂price/∂tax = 1 × 200 = 200" in text(app, "step")  # English where untranslated
    assert read_catalog(tmp_path / "fr.toml").layer("Add") == "Add"


def test_every_bundled_catalog_gives_its_files_texts():
    """Each bundled catalog's code, name and order, its texts and its layer
    names are its file's own."""
    import tomllib
    for path in sorted(CATALOG_DIR.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        catalog = read_catalog(path)
        assert (catalog.code, catalog.name, catalog.order) == (
            doc["language"]["code"], doc["language"]["name"], doc["language"]["order"])
        assert dict(catalog.texts) == doc["texts"] and dict(catalog.layers) == doc["layers"]
        assert catalog(next(iter(doc["texts"]))) == next(iter(doc["texts"].values()))


# -- the bundled scenarios' own texts ------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("code", ["zh", "ja"])
@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_bundled_scenarios_title_description_and_reference_is_translated(code, name):
    """The teaching text a bundled scenario carries is in each catalog, in that language (CJK text,
    the reference citing the edition's figures as 图/図), each paragraph one line so that the reader's
    width wraps it, every number of the English kept."""
    sc, tr = load(bundled()[name]), LANGS[code]
    for english in (sc.title, sc.description, sc.reference):
        assert english in tr.texts, (name, english[:40])
        translated = tr.own(english)
        assert CJK.search(translated), translated
        assert all("\n" not in p for p in translated.split("\n\n")), translated
        assert translated.count("\n\n") == english.count("\n\n")
        for number in re.findall(r"\d+(?:[.,]\d+)*", english):
            assert number in translated, (number, translated)
    assert ("图5-" if code == "zh" else "図5-") in tr.own(sc.reference) or "figure" not in sc.reference


async def test_the_app_in_chinese_starts_on_the_scenarios_own_text_translated():
    """--lang zh on apple: the status line's title, the step pane's title, reference and description are
    the catalog's, not the file's English; a scenario the catalog does not know keeps its own text."""
    sc = load(bundled()["apple"])
    zh = LANGS["zh"]
    app = BackpropApp(sc, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = " ".join(text(app, "step").split())
        assert zh.own(sc.title) in text(app, "status") and zh.own(sc.title) in shown
        assert zh.own(sc.reference) in shown and "Buying apples" not in shown
    assert zh.own("My own title {x}") == "My own title {x}"
    out = subprocess.run([sys.executable, "-m", "tui.cli", "apple", "--print", "--lang", "ja"],
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == LANGS["ja"].own(sc.title)
