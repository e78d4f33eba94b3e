"""Every use of Textual's private API, in one place. Written for Textual 8.2.8
(the version the snapshots are taken with); check these first after an upgrade.
The test that each screen equals a fresh start would catch a change here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.dom import DOMNode


def translate_bindings(node: DOMNode, translate: Callable[[str], str], hidden: frozenset = frozenset()) -> None:
    """Give the footer ``node``'s binding descriptions and tooltips in another
    language: ``translate`` maps each binding's English ones (from BINDINGS);
    the actions in ``hidden`` leave the footer (their keys still work).
    Textual has no public way to change a description once bound."""
    english = {b.action: b for b in type(node).BINDINGS}  # Textual's own stay as they are
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [replace(b, description=translate(english[b.action].description),
                              tooltip=translate(english[b.action].tooltip) if english[b.action].tooltip else "",
                              show=(english[b.action].show if key in english[b.action].key.split(",") else b.show)
                              and b.action not in hidden)  # (Textual's own ^q for quit stays hidden)
                      if b.action in english else b for b in bindings]
    node.refresh_bindings()

