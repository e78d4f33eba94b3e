"""Labels in the languages of the book's editions: English, Chinese (深度学习入门)
and Japanese (ゼロから作るDeep Learning), with each edition's own terms.

A ``Catalog`` is one language: called as ``tr(english, **fields)`` it gives that
language's text, the English text being the key, so a label missing from a
catalog shows in English (a test checks that none is missing). English is the
empty catalog. The other languages are the TOML files in ``catalogs/``: adding
a language is adding a file. The engine's messages (load errors) stay English.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CATALOG_DIR = Path(__file__).parent / "catalogs"


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

    def own(self, text: str) -> str:
        """A scenario's own text (its title, description, reference): in this
        language where the catalog has it (the bundled scenarios'), else as
        the file writes it. Never formatted: braces in a title are the title's."""
        return self.texts.get(text, text)


ENGLISH = Catalog("en", "English")


def read_catalog(path: Path) -> Catalog:
    """One language's file: [language] code, name, order; [layers]; [texts]."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    meta = doc["language"]
    return Catalog(meta["code"], meta["name"], doc.get("texts", {}), doc.get("layers", {}),
                   meta.get("order", 100))


def catalogs(*folders: Path) -> dict[str, Catalog]:
    """English and every catalog in ``folders`` (default: the bundled ones),
    by code, in the L key's order."""
    found = [ENGLISH] + [read_catalog(p) for folder in (folders or (CATALOG_DIR,))
                         for p in sorted(folder.glob("*.toml"))]
    return {c.code: c for c in sorted(found, key=lambda c: c.order)}
