"""docs/scenario-format.md: every TOML example is a complete scenario that
loads, and whose [expect] numbers and gradients pass the check; the page
names every key, init and layer type the loader knows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from backprop_engine import LAYER_TYPES
from backprop_engine.gradcheck import check_expect, check_gradients
from backprop_engine.layers import ALIASES
from backprop_engine.scenario import INIT_KEYS, LAYER_KEYS, TOP_KEYS, from_dict

DOC = Path(__file__).parent.parent / "docs" / "scenario-format.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```toml\n(.*?)^```$", TEXT, flags=re.M | re.S)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 6
    assert TEXT.count("```toml") == len(BLOCKS)  # none missed by the pattern


@pytest.mark.parametrize("block", BLOCKS, ids=[re.search(r'title = "(.*)"', b)[1] for b in BLOCKS])
def test_every_example_loads_and_checks(block):
    sc = from_dict(tomllib.loads(block), "doc")
    assert all(x.ok for x in check_expect(sc)), [(x.key, x.actual) for x in check_expect(sc) if not x.ok]
    assert all(g.ok for g in check_gradients(sc))


def test_every_key_init_and_layer_type_is_documented():
    for key in TOP_KEYS:
        assert f"`{key}`" in TEXT or f"`[{key}]`" in TEXT or f"`[[{key}]]`" in TEXT, key
    for word in (*LAYER_KEYS, *INIT_KEYS, *(k for keys in INIT_KEYS.values() for k in keys),
                 *LAYER_TYPES, *ALIASES, "dout", "lr", "params", "shape", "seed"):
        assert f"`{word}`" in TEXT or f'`"{word}"`' in TEXT, word
    assert "`[data]`" in TEXT and "not implemented yet" in TEXT


def test_the_readme_points_here():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/scenario-format.md)" in readme
    assert "The full format is in the project's contract" not in readme


def test_the_readmes_example_loads():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```toml\n(.*?)^```$", readme, flags=re.M | re.S)
    sc = from_dict(tomllib.loads(block), "README")
    assert sc.trained == ("apple", "tax")
    assert all(x.ok for x in check_expect(sc))
