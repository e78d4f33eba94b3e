"""Shared helpers for the non-UI tests."""

from __future__ import annotations

import textwrap

import pytest


@pytest.fixture
def write_toml(tmp_path):
    """Write a TOML text (dedented) to a file under tmp_path and return its path."""

    def write(text: str, name: str = "scenario.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
