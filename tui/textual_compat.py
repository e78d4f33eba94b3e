"""Every use of Textual's private API, in one place. Written for Textual 8.2.8
(the version the snapshots are taken with); check these first after an upgrade.
The test that each screen equals a fresh start would catch a change here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.dom import DOMNode
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar


def update_scrollbars(view: ScrollView) -> None:
    """Tell a scroll view that its content's size changed, without a new
    layout of the screen (setting ``virtual_size`` would ask for one): as
    ``Widget._scroll_update``, for a view that draws its scrollbars in its
    own rows (widgets/pane.py), whose size does not depend on them. Showing or
    hiding one then needs no layout either: only the view repaints."""
    layout_required = view._layout_required
    view._refresh_scrollbars()  # (its show_*_scrollbar are reactives that ask for a layout)
    view._layout_required = layout_required
    view.scroll_x = view.validate_scroll_x(view.scroll_x)
    view.scroll_y = view.validate_scroll_y(view.scroll_y)


def translate_bindings(node: DOMNode, translate: Callable[[str], str]) -> None:
    """Give the footer ``node``'s binding descriptions and tooltips in another
    language: ``translate`` maps each binding's English ones (from BINDINGS).
    Textual has no public way to change a description once bound."""
    english = {b.action: b for b in type(node).BINDINGS}  # Textual's own stay as they are
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [replace(b, description=translate(english[b.action].description),
                              tooltip=translate(english[b.action].tooltip) if english[b.action].tooltip else "")
                      if b.action in english else b for b in bindings]
    node.refresh_bindings()


def use_scrollbars(view: ScrollView, make: type[ScrollBar]) -> None:
    """Give ``view`` scrollbars of the class ``make`` (a ScrollBar) in place of
    the ones Textual makes when it first needs them (``Widget.vertical_scrollbar``);
    on mount, before any is made."""
    if view._vertical_scrollbar is None:
        view._vertical_scrollbar = make(vertical=True, name="vertical", thickness=view.scrollbar_size_vertical)
        view._vertical_scrollbar.display = False
        view.app._start_widget(view, view._vertical_scrollbar)
    if view._horizontal_scrollbar is None:
        view._horizontal_scrollbar = make(vertical=False, name="horizontal",
                                          thickness=view.scrollbar_size_horizontal)
        view._horizontal_scrollbar.display = False
        view.app._start_widget(view, view._horizontal_scrollbar)
