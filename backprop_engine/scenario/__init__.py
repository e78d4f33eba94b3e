"""Scenario files: TOML in, a checked ``Scenario`` out (contract section 1).

A scenario file is data. The loader reads it with ``tomllib`` and nothing
else: no eval, no pickle, no includes. Everything that would stop a run is
found here, before any array is computed, and reported as one line per
problem; ``ScenarioError.lines`` holds them.

The package, by concern: ``model`` (what a checked scenario is), ``values``
(reading one value), ``check`` (one check per TOML section), ``data_check``
(the ``[data]`` table), ``document`` (all checks in order), ``files``
(reading a file), ``bundle`` (the bundled scenarios), ``writer`` (TOML out).
"""

from .bundle import BUNDLED_DIR, bundled, resolve
from .check import LAYER_KEYS, NAME, TOP_KEYS, Problems
from .document import from_dict
from .files import load, read_toml, sniff
from .model import LayerSpec, Scenario, ScenarioError, frozen
from .values import INIT_KEYS, MAX_ELEMENTS, NotFinite, label_problem, leaf_problem, not_finite, parse_value
from .writer import to_toml, toml_value

__all__ = ["BUNDLED_DIR", "INIT_KEYS", "LAYER_KEYS", "MAX_ELEMENTS", "NAME", "TOP_KEYS",
           "LayerSpec", "NotFinite", "Problems", "Scenario", "ScenarioError", "bundled", "frozen",
           "from_dict", "label_problem", "leaf_problem", "load", "not_finite", "parse_value", "read_toml",
           "resolve", "sniff", "to_toml", "toml_value"]
