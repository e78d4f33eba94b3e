"""backprop_engine: step through backpropagation as chapter 5 of *Deep Learning
from Scratch* teaches it. numpy and the standard library only; no UI."""

from .engine import BACKWARD, FORWARD, Engine, Step, run
from .layers import LAYER_TYPES
from .scenario import Scenario, ScenarioError, bundled, load, resolve

__all__ = ["BACKWARD", "FORWARD", "Engine", "LAYER_TYPES", "Scenario", "ScenarioError",
           "Step", "bundled", "load", "resolve", "run"]
__version__ = "0.1.0"
