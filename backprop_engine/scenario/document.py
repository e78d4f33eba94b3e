"""Checking a whole scenario document: each section's check in file reading
order, so the messages come in the order a reader meets their causes."""

from __future__ import annotations

from functools import cache

import numpy as np

from .check import (Problems, check_dout, check_expect, check_keys, check_layers, check_leaves, check_lr,
                    check_params, check_top)
from .data_check import check_data, check_data_labels
from .model import Scenario, ScenarioError


def from_dict(doc: dict, path) -> Scenario:
    """Check a parsed scenario document; raises ``ScenarioError`` listing every problem."""
    problems = Problems()
    head = check_top(doc, problems)
    # made when first drawn from: importing numpy.random takes ~15 ms, and most
    # scenarios draw nothing
    rng = cache(lambda: np.random.default_rng(head.seed))
    leaves = check_leaves(doc, problems, rng)
    data, leaves = check_data(doc, leaves, head.seed, path, problems)
    graph = check_layers(doc.get("layers"), leaves, problems)
    check_data_labels(data, graph, problems)
    # both sections' unknown keys come before the problems with their values
    backward = check_keys(doc, "backward", ("dout",), problems)
    train = check_keys(doc, "train", ("lr", "params"), problems)
    dout = check_dout(backward, graph, problems, rng)
    lr = check_lr(train, problems)
    trained = check_params(train, leaves, data, problems)
    expect = check_expect(doc.get("expect", {}), graph, leaves.constants, problems)
    if problems:
        raise ScenarioError(path, problems.lines)
    return Scenario(str(path), head.title.strip(), leaves.values, leaves.constants, graph.layers,
                    graph.shapes, dout, lr, expect, head.description.strip(), head.reference.strip(),
                    trained, data)
