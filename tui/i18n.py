"""Labels in the languages of the book's editions: English, Chinese (深度学习入门)
and Japanese (ゼロから作るDeep Learning), with each edition's own terms.

A ``Catalog`` is one language: called as ``tr(english, **fields)`` it gives that
language's text, the English text being the key, so a label missing from a
catalog shows in English (a test checks that none is missing). English is the
empty catalog. The other languages are the TOML files in ``catalogs/``: adding
a language is adding a file. The engine's messages (load errors) stay English.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

CATALOG_DIR = Path(__file__).parent / "catalogs"
LANGUAGE_TABLE = re.compile(r"^\[language\][^\n]*\n(.*?)(?=^\[|\Z)", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, eq=False)  # compared and hashed as itself: a key of what the panes keep
class Catalog:
    code: str                                   # "zh", as --lang takes it
    name: str                                   # the language's own name
    texts: Mapping[str, str] = field(default_factory=dict)   # English -> this language
    layers: Mapping[str, str] = field(default_factory=dict)  # layer type -> the edition's term
    order: int = 0                              # its place in the L key's cycle

    def __call__(self, english: str, /, **fields) -> str:
        text = self.texts.get(english, english)
        return text.format(**fields) if fields else text

    def layer(self, type_: str) -> str:
        """A layer type as this edition names it (Mul: 乘法层, 乗算レイヤ)."""
        return self.layers.get(type_, type_)


ENGLISH = Catalog("en", "English")


class _File:
    """A catalog file, parsed whole when one of its tables is first read."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def doc(self) -> dict:
        return tomllib.loads(self.text)


class _Table(Mapping):
    """One table of a catalog file ([texts], [layers]), read on first use: the
    app starts in one language without parsing the others (~3 ms each)."""

    def __init__(self, file: _File, name: str):
        self.file, self.name = file, name

    @cached_property
    def _items(self) -> dict[str, str]:
        return self.file.doc.get(self.name, {})

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def get(self, key: str, default=None):  # (tr's lookup: the dict's own, not Mapping's)
        return self._items.get(key, default)

    def __contains__(self, key) -> bool:
        return key in self._items

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def read_catalog(path: Path) -> Catalog:
    """One language's file: [language] code, name, order; [layers]; [texts].
    [language] is read now, the rest when the language is first used."""
    file = _File(path.read_text(encoding="utf-8"))
    found = LANGUAGE_TABLE.search(file.text)
    meta = tomllib.loads(found.group(1)) if found else file.doc["language"]
    return Catalog(meta["code"], meta["name"], _Table(file, "texts"), _Table(file, "layers"),
                   meta.get("order", 100))


def catalogs(*folders: Path) -> dict[str, Catalog]:
    """English and every catalog in ``folders`` (default: the bundled ones),
    by code, in the L key's order."""
    found = [ENGLISH] + [read_catalog(p) for folder in (folders or (CATALOG_DIR,))
                         for p in sorted(folder.glob("*.toml"))]
    return {c.code: c for c in sorted(found, key=lambda c: c.order)}
