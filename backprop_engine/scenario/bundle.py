"""The scenarios that ship with the package, and naming one without a path."""

from __future__ import annotations

from pathlib import Path

from .model import ScenarioError

_ENGINE = Path(__file__).parent.parent  # backprop_engine/, this package's parent
# Inside an installed wheel the scenarios sit in the engine package
# (backprop_engine/scenarios, see pyproject.toml); in a checkout, beside it.
BUNDLED_DIR = _ENGINE / "scenarios" if (_ENGINE / "scenarios").is_dir() else _ENGINE.parent / "scenarios"


def bundled() -> dict[str, Path]:
    """The scenarios that ship with the package, by name (file stem)."""
    return {p.stem: p for p in sorted(BUNDLED_DIR.glob("*.toml"))}


def resolve(arg: str) -> Path:
    """A path as given, or the bundled scenario of that name."""
    path = Path(arg)
    if path.exists() or path.suffix == ".toml" or "/" in arg:
        return path
    names = bundled()
    found = names.get(arg)
    if found is None:
        from .check import _closest
        raise ScenarioError(arg, [f"no such file, and no bundled scenario of that name"
                                  f"{_closest(arg, names)} (bundled: {', '.join(names)})"])
    return found
