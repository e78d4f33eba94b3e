"""How the key -> screen latency grows with the scenario: with the graph's
layers and with the arrays' entries.

What it measures
----------------
The same latency as ``app_latency.py`` (its private tmux server and its
``Walk``: a key sent with ``tmux send-keys``, then ``capture-pane`` polled
until the status line shows the key's step and the pane is still: "complete"),
on scenarios written for it into a temporary folder:

* layers: a chain of 5, 20 and 50 Mul layers on scalars (v1 = x·w1,
  v2 = v1·w2, ...): 10, 40 and 100 steps, the drawn graph and the values
  table growing with every layer;
* arrays: the two-layer net of ``mnist_size`` (Affine, Relu, Affine,
  SoftmaxWithLoss) with an input x of 10², 10⁴ and 10⁶ entries (10x10,
  100x100, 1000x1000; random numbers, seeded);
* and the bundled ``mnist_size`` (x: 100x784) and ``affine_softmax`` (x: 3x2),
  the same net at its two sizes.

Each app is walked (n to each step, then p back to the start) until it has
had at least ``KEYS`` n keys, the walks of all of them interleaved round by
round (``app_latency.walk_all``). The engine computes a step once, when it is
first reached, so the medians are what showing a step costs.

Printed: the median, p95 and max of each one's n keys in ms; then
``latency 50 layers / 5 layers`` (linear in layers would be 10), ``latency
10^6 / 10^2 entries`` and, as the last line, ``latency
mnist_size/affine_softmax: X.XX`` (the goal: at most 1.10, flat in array
size).

How to run
----------
As ``app_latency.py`` (the package installed, tmux)::

    python benchmarks/latency_growth.py

About four minutes. Read it on a quiet machine (the load average is printed).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from app_latency import Failure, Walk, installed_app, p95, private_tmux, walk_all  # beside this file

KEYS = 40           # at least this many n keys per scenario
LAYERS = (5, 20, 50)
ENTRIES = (2, 4, 6)  # x with 10**k entries
FLAT_GOAL = 1.10


def chain(n: int) -> str:
    """A scenario: n Mul layers in a chain, on scalars."""
    values = "\n".join(["x = 1.5"] + [f"w{i} = {1 + i / 100}" for i in range(1, n + 1)])
    layers = "\n".join(f'[[layers]]\nname = "mul{i}"\ntype = "Mul"\n'
                       f'inputs = ["{"x" if i == 1 else f"v{i - 1}"}", "w{i}"]\noutput = "v{i}"\n'
                       for i in range(1, n + 1))
    return (f'title = "A chain of {n} Mul layers"\ndescription = "Generated for latency_growth.py."\n'
            f'reference = "none"\n\n[values]\n{values}\n\n{layers}')


def net(k: int) -> str:
    """A scenario: mnist_size's net with an input of 10**k entries."""
    side = 10 ** (k // 2)
    return f'''title = "The two-layer net, x {side}x{side}"
description = "Generated for latency_growth.py."
reference = "none"
seed = 0

[values]
x = {{ init = "uniform", shape = [{side}, {side}], low = 0, high = 1 }}
W1 = {{ init = "normal", shape = [{side}, 10], std = 0.01 }}
b1 = {{ init = "zeros", shape = [10] }}
W2 = {{ init = "normal", shape = [10, 3], std = 0.01 }}
b2 = {{ init = "zeros", shape = [3] }}

[constants]
t = {{ init = "randint", shape = [{side}], low = 0, high = 3 }}

[[layers]]
name = "affine1"
type = "Affine"
inputs = ["x", "W1", "b1"]
output = "a1"

[[layers]]
name = "relu1"
type = "Relu"
inputs = ["a1"]
output = "h1"

[[layers]]
name = "affine2"
type = "Affine"
inputs = ["h1", "W2", "b2"]
output = "a2"

[[layers]]
name = "loss"
type = "SoftmaxWithLoss"
inputs = ["a2", "t"]
output = "L"
'''


def scenarios(folder: str) -> dict[str, str]:
    """label: the scenario's name or file, in the order printed."""
    made = {}
    for n in LAYERS:
        made[f"{n} layers"] = str(Path(folder) / f"chain{n}.toml")
        Path(made[f"{n} layers"]).write_text(chain(n))
    for k in ENTRIES:
        made[f"10^{k} entries"] = str(Path(folder) / f"net{k}.toml")
        Path(made[f"10^{k} entries"]).write_text(net(k))
    made["mnist_size"], made["affine_softmax"] = "mnist_size", "affine_softmax"
    return made


def main() -> int:
    exe = installed_app("latency_growth")
    if exe is None:
        return 1
    began = time.perf_counter()
    try:
        with private_tmux("latency-growth-") as (tmux, folder):
            walks = {label: Walk(tmux, [str(exe), scenario], label)
                     for label, scenario in scenarios(folder).items()}
            walk_all(walks, KEYS)
    except Failure as e:
        print(f"latency_growth: FAILED: {e}", file=sys.stderr)
        return 1
    med = {label: statistics.median(w.complete["n"]) for label, w in walks.items()}
    print(f"n key -> complete screen, tmux 100x30; {time.perf_counter() - began:.0f} s, "
          f"load average {os.getloadavg()[0]:.2f}")
    for label, w in walks.items():
        keys = w.complete["n"]
        print(f"  {label:16} {w.steps:4d} steps  median {med[label] * 1e3:6.1f} ms  p95 "
              f"{p95(keys) * 1e3:6.1f} ms  max {max(keys) * 1e3:6.1f} ms  ({len(keys)} n keys)")
    print("by layers (ms): " + ", ".join(f"{n}: {med[f'{n} layers'] * 1e3:.1f}" for n in LAYERS))
    print("by array entries (ms): " + ", ".join(f"10^{k}: {med[f'10^{k} entries'] * 1e3:.1f}" for k in ENTRIES))
    print(f"latency {LAYERS[-1]} layers / {LAYERS[0]} layers: "
          f"{med[f'{LAYERS[-1]} layers'] / med[f'{LAYERS[0]} layers']:.2f}"
          f"    (linear in layers: {LAYERS[-1] / LAYERS[0]:.0f})")
    print(f"latency 10^{ENTRIES[-1]} / 10^{ENTRIES[0]} entries: "
          f"{med[f'10^{ENTRIES[-1]} entries'] / med[f'10^{ENTRIES[0]} entries']:.2f}")
    flat = med["mnist_size"] / med["affine_softmax"]
    print(f"goal: latency mnist_size/affine_softmax at most {FLAT_GOAL:.2f}: {'met' if flat <= FLAT_GOAL else 'NOT met'}")
    print(f"latency mnist_size/affine_softmax: {flat:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
