"""docs/scenario-format.md: every TOML example is a complete scenario that
loads, and whose [expect] numbers and gradients pass the check (the [data]
examples read the bundled digits, or a tiny mnist.npz the test writes); the
page names every key, init and layer type the loader knows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import LAYER_TYPES
from backprop_engine.data import ARRAY_KEYS, DATA_KEYS
from backprop_engine.gradcheck import check_expect, check_gradients
from backprop_engine.layers import ALIASES
from backprop_engine.scenario import INIT_KEYS, LAYER_KEYS, TOP_KEYS, from_dict

pytestmark = pytest.mark.engine

DOC = Path(__file__).parent.parent / "docs" / "scenario-format.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```toml\n(.*?)^```$", TEXT, flags=re.M | re.S)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 6
    assert TEXT.count("```toml") == len(BLOCKS)  # none missed by the pattern


def tiny_mnist(folder: Path) -> None:
    """A mnist.npz in the common layout, small: 100 training and 10 test images of 28×28 uint8."""
    rng = np.random.default_rng(0)
    np.savez(folder / "mnist.npz", x_train=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
             y_train=np.arange(100, dtype=np.uint8) % 10, x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
             y_test=np.arange(10, dtype=np.uint8))


@pytest.mark.parametrize("block", BLOCKS, ids=[re.search(r'title = "(.*)"', b)[1] for b in BLOCKS])
def test_every_example_loads_and_checks(block, tmp_path):
    tiny_mnist(tmp_path)  # beside the example, for the one that reads mnist.npz
    sc = from_dict(tomllib.loads(block), tmp_path / "example.toml")
    assert all(x.ok for x in check_expect(sc)), [(x.key, x.actual) for x in check_expect(sc) if not x.ok]
    assert all(g.ok for g in check_gradients(sc))


def test_every_key_init_and_layer_type_is_documented():
    for key in TOP_KEYS:
        assert f"`{key}`" in TEXT or f"`[{key}]`" in TEXT or f"`[[{key}]]`" in TEXT, key
    for word in (*LAYER_KEYS, *INIT_KEYS, *(k for keys in INIT_KEYS.values() for k in keys),
                 *LAYER_TYPES, *ALIASES, "dout", "lr", "params", "shape", "seed"):
        assert f"`{word}`" in TEXT or f'`"{word}"`' in TEXT, word
    for key in (*DATA_KEYS, *ARRAY_KEYS):
        assert f"`{key}`" in TEXT, key


def test_the_data_examples_fill_x_and_t_from_their_data_set(tmp_path):
    """The digits example holds a batch of 100 digits; the MNIST one reads mnist.npz's own test set."""
    tiny_mnist(tmp_path)
    data = [from_dict(tomllib.loads(b), tmp_path / "example.toml") for b in BLOCKS if "[data]" in b]
    assert [sc.data.spec.source for sc in data] == ["digits", "mnist.npz"]
    digits, mnist = data
    assert digits.leaves["x"].shape == (100, 64) and digits.trained == ("W1", "b1", "W2", "b2")
    assert (len(digits.data.train_rows), len(digits.data.test_rows)) == (1438, 359)
    assert mnist.leaves["x"].shape == (100, 784) and mnist.leaves["x"].max() <= 1
    assert (len(mnist.data.train_rows), len(mnist.data.test_rows)) == (100, 10)
    assert mnist.trained == ("W1", "b1", "W2", "b2")  # params left out: all of [values], never x


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
