"""A value typed by the learner (the edit dialog), read as the loader reads
values, and refused with a message the UI can translate."""

from __future__ import annotations

import re
import tomllib

import numpy as np

from .scenario import NotFinite, Scenario, leaf_problem, parse_value


def shape_text(shape: tuple) -> str:
    """A shape in English: "scalar", "(3,)", "(2, 3)"."""
    return "scalar" if shape == () else "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


class LiteralError(ValueError):
    """A typed value refused. ``template`` is the English message with
    ``{field}`` slots and ``fields`` fills them, so the UI can translate the
    template before filling it. A field that is a tuple is a shape (the
    fields ``got`` and ``want``): the UI formats it in its own language;
    ``str()`` gives the English text, shapes written by ``shape_text``."""

    def __init__(self, template: str, **fields):
        self.template, self.fields = template, fields
        english = {k: shape_text(v) if isinstance(v, tuple) else v for k, v in fields.items()}
        super().__init__(template.format(**english))


_WRAPPED = re.compile(r"(?:np\.|numpy\.)?array\((.*?)(?:,\s*dtype\s*=\s*[\w.]+)?\)", re.S)


def from_numpy_form(text: str) -> str:
    """What a notebook user copies, as the TOML literal it means:
    ``np.array([[1, 2], [3, 4]])`` (numpy.array, array, a dtype= after it)
    and numpy's printed form ``[[1. 2.]\n [3. 4.]]`` (spaces between the
    entries, a trailing point). Any other text comes back as it is."""
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped:
        text = wrapped.group(1).strip()
    text = re.sub(r"(\d)\.(?!\d)", r"\1.0", text)  # numpy's 1. is TOML's 1.0
    if text.startswith("[") and "," not in text:  # printed: entries apart by spaces
        text = re.sub(r"(?<=[\w\].])\s+(?=[-+\w\[.])", ", ", text.strip())
    return text


def parse_literal(text: str, name: str, scenario: Scenario) -> np.ndarray:
    """A number or an array literal typed for leaf ``name``, of its shape (as
    TOML writes it, or in numpy's forms: ``from_numpy_form``); raises
    ``LiteralError``. The templates:

    - "not a number or an array literal: {text}" (text: the stripped text's repr)
    - "shape {got}, but {name} has shape {want}" (got, want: shape tuples)
    - "not finite: {text}" (text: the stripped text's repr): nan, inf, or a
      literal such as 1e400 that overflows to inf
    - "{reason}": the loader's own message (a ragged list, a label out of range ...)
    """
    stripped = text.strip()
    try:
        raw = tomllib.loads(f"v = {from_numpy_form(stripped)}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: lists nested thousands deep
        raise LiteralError("not a number or an array literal: {text}", text=repr(stripped)) from None
    try:
        value = parse_value(raw, name)  # no init tables: no generator to draw from
    except NotFinite:
        raise LiteralError("not finite: {text}", text=repr(stripped)) from None
    except ValueError as e:
        raise LiteralError("{reason}", reason=str(e)) from None
    if value.shape != scenario.shapes[name]:
        raise LiteralError("shape {got}, but {name} has shape {want}",
                           got=value.shape, name=name, want=scenario.shapes[name])
    problem = leaf_problem(scenario, name, value)  # labels out of range, as the loader refuses them
    if problem:
        raise LiteralError("{reason}", reason=problem)
    return value
