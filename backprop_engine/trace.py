"""The JSON trace of a full run (contract section 3)."""

from __future__ import annotations

import json
import math

import numpy as np

from .engine import Engine
from .learner.beside import check_of


def plain(a):
    """An array as JSON data: nested lists of floats (or bools), with NaN and
    the infinities as the strings "nan", "inf", "-inf"."""
    data = np.asarray(a).tolist()

    def fix(v):
        if isinstance(v, list):
            return [fix(e) for e in v]
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        return v

    return fix(data)


def trace(engine: Engine) -> dict:
    engine.to_end()
    steps = []
    for step in engine.steps():
        s = {"phase": step.phase, "layer": step.layer.name, "type": step.layer.type,
             "inputs": list(step.layer.inputs), "output": step.layer.output}
        if step.mask is not None:
            s["mask"] = plain(step.mask)
        if step.phase == "forward" and step.layer.type == "SoftmaxWithLoss":
            s["y"] = plain(step.saved["y"])  # the softmax output (contract section 3)
        if (check := check_of(step)) is not None:  # --layers: the learner's layer beside the built-in one
            s["yours"] = check.verdict
        steps.append(s)
    return {
        "title": engine.scenario.title,
        "values": {k: plain(v) for k, v in engine.values.items()},
        "grads": {k: plain(v) for k, v in engine.grads.items()},
        "steps": steps,
    }


def to_json(engine: Engine) -> str:
    # Python's float repr is the shortest string that round-trips.
    return json.dumps(trace(engine), ensure_ascii=False, allow_nan=False)
