"""Reading a scenario file: the TOML text, then the checks; and telling a
scenario file from other TOML for the picker."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .check import TOP_KEYS
from .document import from_dict
from .model import Scenario, ScenarioError


def _toml_error(e: tomllib.TOMLDecodeError) -> str:
    m = re.match(r"(.*) \(at line (\d+), column (\d+)\)$", str(e))
    if m:
        return f"line {m[2]}, column {m[3]}: TOML syntax error: {m[1]}"
    m = re.match(r"(.*) \(at end of document\)$", str(e))
    return f"end of file: TOML syntax error: {m[1] if m else e}"


def read_toml(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, ["no such file"]) from None
    except IsADirectoryError:
        raise ScenarioError(path, ["is a directory, not a scenario file"]) from None
    except UnicodeDecodeError as e:
        raise ScenarioError(path, [f"not UTF-8 text (byte {e.start})"]) from None
    except OSError as e:
        raise ScenarioError(path, [f"cannot read: {e.strerror}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, [_toml_error(e)]) from None
    except RecursionError:
        raise ScenarioError(path, ["lists nested too deeply to read"]) from None


def load(path) -> Scenario:
    """Read and check one scenario file; raises ``ScenarioError``."""
    path = Path(path)
    return from_dict(read_toml(path), path)


def sniff(path: Path) -> tuple[str, str | None]:
    """What a file is, for a picker: ("scenario", its title) when it loads;
    ("broken", None) when it cannot be read or parsed, or is TOML with at
    least one scenario key but does not load (listed, so that opening it
    shows what is wrong); ("other", None) for TOML without a single scenario
    key, such as pyproject.toml."""
    try:
        doc = read_toml(Path(path))
    except ScenarioError:
        return "broken", None
    try:
        return "scenario", from_dict(doc, path).title
    except ScenarioError:
        return ("broken", None) if doc.keys() & set(TOP_KEYS) else ("other", None)
