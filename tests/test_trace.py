"""The JSON trace of a full run (backprop_engine/trace.py, contract section 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop_engine import Engine, bundled, load
from backprop_engine.trace import plain, to_json, trace
from tests.test_engine import layer, scenario

pytestmark = pytest.mark.engine


BUNDLED = bundled()


RELU_TRACE = {
    "title": "Relu and its mask",
    "values": {"x": [[1.0, -0.5], [-2.0, 3.0]], "y": [[1.0, 0.0], [0.0, 3.0]]},
    "grads": {"y": [[1.0, 2.0], [3.0, 4.0]], "x": [[1.0, 0.0], [0.0, 4.0]]},
    "steps": [{"phase": "forward", "layer": "relu", "type": "Relu", "inputs": ["x"], "output": "y",
               "mask": [[False, True], [True, False]]},
              {"phase": "backward", "layer": "relu", "type": "Relu", "inputs": ["x"], "output": "y",
               "mask": [[False, True], [True, False]]}],
}


def test_the_trace_of_relu_is_the_contracts_json():
    """trace(): title, values, grads, and per step phase, layer, type, inputs, output and the mask."""
    assert trace(Engine(load(BUNDLED["relu"]))) == RELU_TRACE
    assert json.loads(to_json(Engine(load(BUNDLED["relu"])))) == RELU_TRACE


def test_the_trace_of_the_softmax_forward_step_carries_y_and_no_other_step_does():
    """Only SoftmaxWithLoss's forward step has "y" (its softmax output); no step has "mask" but Relu's."""
    t = trace(Engine(load(BUNDLED["affine_softmax"])))
    with_y = [(s["phase"], s["layer"]) for s in t["steps"] if "y" in s]
    assert with_y == [("forward", "loss")]
    assert [s["layer"] for s in t["steps"] if "mask" in s] == ["relu1", "relu1"]
    y = np.array(t["steps"][3]["y"])
    a2 = np.array(t["values"]["a2"])
    np.testing.assert_allclose(y, np.exp(a2) / np.exp(a2).sum(axis=1, keepdims=True), rtol=1e-14)
    assert "yours" not in t["steps"][0]


def test_the_json_keeps_non_ascii_text_and_writes_no_bare_nan():
    """to_json: a title in another script as it is; nan and the infinities as strings."""
    sc = scenario({"x": [1000.0, 1000.0, 1000.0, 0.0]},
                  [layer("Exp", ["x"], "e"), layer("Mul", ["e", "k"], "y")], constants={"k": [0.0, 1.0, -1.0, 1.0]},
                  title="Σ 乘法")
    with np.errstate(all="ignore"):
        text = to_json(Engine(sc))
    assert '"title": "Σ 乘法"' in text and "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["values"]["y"] == ["nan", "inf", "-inf", 1.0]


def test_arrays_become_nested_lists_with_nan_and_infinities_as_strings():
    """plain: nested lists of floats or bools, 0-d as a number, nan/inf/-inf as strings at any depth."""
    assert plain(np.array([[1.0, float("nan")], [float("inf"), -float("inf")]])) == [[1.0, "nan"], ["inf", "-inf"]]
    assert plain(np.float64(2.5)) == 2.5 and plain(np.array(float("-inf"))) == "-inf"
    assert plain(np.array([True, False])) == [True, False]
    assert plain([[0.0]]) == [[0.0]]
