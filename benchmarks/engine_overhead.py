"""How much the stepping engine costs over plain numpy, on an MNIST-sized net.

What it measures
----------------
The bundled ``mnist_size`` scenario (Affine 784-50, Relu, Affine 50-10,
SoftmaxWithLoss, a batch of 100) is run two ways on the same arrays (the
loaded scenario's ``leaves``):

* engine: ``Engine(scenario)``, then ``.next()`` until ``.at_end``: every step
  forward and backward, with its immutable ``Step`` record (read-only arrays,
  ``values``/``grads`` snapshots) -- what the TUI does;
* numpy: the book's layer classes (Deep Learning from Scratch, ch. 5: Affine,
  Relu, SoftmaxWithLoss), written below, forward then backward.

The numpy version is made to do the same arithmetic as
``backprop_engine/layers.py``, so the ratio is the engine's bookkeeping
overhead and nothing else: float64 throughout, ``@`` for the products,
``np.where(mask, 0.0, x)`` for Relu forward and ``np.where(mask, 0.0, dout)``
for Relu backward (not the book's in-place ``dout[mask] = 0``), a one-hot
label matrix built with ``zeros_like`` for the loss, ``(y - t) / N * dout``
for the loss gradient, ``dout.sum(axis=0)`` for db, and dx computed for the
input ``x`` too (it is in ``[values]``, so the engine computes its gradient).

Before timing, both are run once and must give the same loss and the same
gradients (``np.allclose``) -- of the parameters and of every intermediate
value (the names must match the engine's ``grads`` exactly);
otherwise the script exits non-zero, so it cannot quietly compare different
work.

The two are then interleaved in one process -- warm-up, then ``ROUNDS`` rounds,
each timing the engine and numpy once (``REPEAT`` runs per sample, the order
within a round alternating) with ``time.perf_counter`` -- so that drift in CPU
frequency, BLAS threads or other load hits both alike. On a very busy machine
the rounds stop early once ``BUDGET`` seconds have passed (at least
``MIN_ROUNDS``); each run's line says how many ran. The garbage collector
stays enabled: collecting the engine's records is part of its cost. The whole
measurement is made ``RUNS`` (3) times.

Against torch, when it is installed: the same forward pass written in torch
(float64 tensors, ``@``, ``torch.where`` for Relu, the softmax and the loss
with the book's 1e-7), its backward by torch's autograd (``loss.backward()``,
the intermediate values' gradients kept with ``retain_grad``), checked against
numpy like the engine, then timed interleaved with the engine and numpy. It
runs in a child process with one thread each (``OPENBLAS_NUM_THREADS=1`` set
before numpy is imported, ``torch.set_num_threads(1)``), so that neither side
wins by using the second core: the library a learner would reach for
instead, against the engine. Without torch the script says so and goes on.

Output: for each run, the median and min time per run of each, in ms, the
median of the per-round ratios and the run's ratio; the engine's bookkeeping
alone, in microseconds per run (every layer replaced by a ``Replay`` that hands
back what the real layer computed, so no layer arithmetic is left: what the
step records, the mappings, the read-only freezing and the checks of each
gradient's dtype and shape cost); the torch side (``ratio torch/numpy``,
``ratio engine/torch``); and as the last line ``ratio engine/numpy: X.XX``:
the median of the three runs' ratios (each the median engine time over the
median numpy time). The goal is at most 1.10.

The engine's extra cost is a roughly fixed number of microseconds of Python
per run, so the ratio depends on how fast numpy is: when other processes keep
the CPUs busy, multi-threaded BLAS slows down and the ratio looks better than
it is. Read it on an otherwise idle machine.

How to run
----------
From the repository root, with the package installed (editable is fine)::

    python benchmarks/engine_overhead.py

It takes about a minute with torch, less without. ``OPENBLAS_CORETYPE`` may be set on
these machines; leave it as it is -- it affects both sides alike, and the
figures should be measured under the machine's normal setting.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from unittest import mock

import numpy as np

from backprop_engine import Engine, load, resolve
from backprop_engine.layers import LAYER_TYPES
from backprop_engine.scenario import Scenario

SCENARIO = "mnist_size"
WARMUP = 20     # rounds, untimed
ROUNDS = 200    # timed rounds
REPEAT = 10     # runs of one side per timed sample
BUDGET = 20.0   # seconds for the timed rounds; past it, stop after MIN_ROUNDS
MIN_ROUNDS = 50
RUNS = 3        # the whole measurement, three times: the ratio is the median of the three


# -- the book's layers (ch. 5), with the engine's exact arithmetic -------------

class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        dx = dout @ self.W.T
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dx.reshape(self.original_x_shape)


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)  # not dout[self.mask] = 0: no write into dout


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None  # one-hot

    def forward(self, x, t):
        y = softmax(x)
        onehot = np.zeros_like(y)
        onehot[np.arange(len(y)), t.astype(np.intp)] = 1.0
        self.y, self.t = y, onehot
        self.loss = -np.sum(onehot * np.log(y + 1e-7)) / len(y)
        return self.loss

    def backward(self, dout=1.0):
        return (self.y - self.t) / len(self.y) * dout


def numpy_run(leaves) -> tuple[float, dict[str, np.ndarray]]:
    """Forward and backward through the plain layers; the loss and the gradients."""
    affine1 = Affine(leaves["W1"], leaves["b1"])
    relu1 = Relu()
    affine2 = Affine(leaves["W2"], leaves["b2"])
    last = SoftmaxWithLoss()
    loss = last.forward(affine2.forward(relu1.forward(affine1.forward(leaves["x"]))), leaves["t"])
    da2 = last.backward(1.0)
    dh1 = affine2.backward(da2)
    da1 = relu1.backward(dh1)
    dx = affine1.backward(da1)
    return loss, {"a2": da2, "h1": dh1, "a1": da1, "x": dx,
                  "W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW, "b2": affine2.db}


def engine_run(scenario) -> Engine:
    engine = Engine(scenario)
    while not engine.at_end:
        engine.next()
    return engine


# -- checking and timing ------------------------------------------------------

def check(scenario) -> None:
    """Exit non-zero unless both sides give the same loss and gradients."""
    engine = engine_run(scenario)
    loss, grads = numpy_run(scenario.leaves)
    problems = []
    e_loss = engine.values[scenario.output]
    if not np.allclose(e_loss, loss):
        problems.append(f"loss: engine {float(e_loss)!r}, numpy {loss!r}")
    names = set(engine.grads) - {scenario.output}  # the output's own gradient is dout
    if names != set(grads):
        problems.append(f"gradient names: engine {sorted(names)}, numpy {sorted(grads)}")
    for name, g in grads.items():
        e = engine.grads.get(name)
        if e is None:
            continue
        if e.shape != g.shape or e.dtype != g.dtype:
            problems.append(f"grad {name}: engine {e.dtype}{e.shape}, numpy {g.dtype}{g.shape}")
        elif not np.allclose(e, g):
            problems.append(f"grad {name}: differs, max |engine - numpy| = {np.abs(e - g).max():.3g}")
    if problems:
        sys.exit("engine_overhead: the two implementations disagree, not timing:\n  "
                 + "\n  ".join(problems))
    print(f"check: loss {float(e_loss):.6f}; loss and gradients of "
          f"{', '.join(sorted(grads))} agree (np.allclose)")


class Replay:
    """A layer that hands back what the real one computed: with every layer
    replaced by one, an engine run costs only the engine's own bookkeeping."""

    def __init__(self, step_forward, step_backward):
        self.out = (step_forward.output, dict(step_forward.saved))
        self.back = LAYER_TYPES[step_backward.layer.type].backward(step_backward.dout, step_backward.saved)

    def forward(self, *inputs):
        return self.out

    def backward(self, dout, saved):
        return self.back


def bookkeeping(scenario, runs: int = 2000) -> float:
    """Seconds per engine run with the arithmetic taken out (every layer a
    Replay): the engine's fixed cost, whatever numpy's speed."""
    steps = engine_run(scenario).steps()
    n = len(scenario.layers)
    replays = {s.layer.name: Replay(s, steps[2 * n - 1 - s.layer.index]) for s in steps[:n]}
    with mock.patch.object(Scenario, "op", lambda self, spec: replays[spec.name]):
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(runs):
                engine_run(scenario)
            best = min(best, (time.perf_counter() - t0) / runs)
    return best


def sample(fn, arg) -> float:
    t0 = time.perf_counter()
    for _ in range(REPEAT):
        fn(arg)
    return (time.perf_counter() - t0) / REPEAT


def timed(sides) -> tuple[list[list[float]], float]:
    """Warm-up, then interleaved rounds, each timing every side once (the
    order turning round by round: no side always goes first); the samples of
    each side and the seconds the rounds took."""
    for _ in range(WARMUP):
        for fn, arg in sides:
            sample(fn, arg)
    gc.collect()
    times: list[list[float]] = [[] for _ in sides]
    start = time.perf_counter()
    for r in range(ROUNDS):
        if r >= MIN_ROUNDS and time.perf_counter() - start > BUDGET:
            break  # a very busy machine: stop early rather than run for minutes
        order = list(range(len(sides)))
        order = order[r % len(order):] + order[:r % len(order)]
        if r // len(sides) % 2:
            order.reverse()
        for k in order:
            fn, arg = sides[k]
            times[k].append(sample(fn, arg))
    return times, time.perf_counter() - start


# -- the side against torch (optional) -------------------------------------------

def torch_leaves(leaves):
    """The scenario's arrays as float64 tensors that autograd follows (x too:
    the engine computes its gradient); t as class indices."""
    import torch
    tensors = {n: torch.tensor(leaves[n], dtype=torch.float64, requires_grad=True)
               for n in ("x", "W1", "b1", "W2", "b2")}
    tensors["t"] = torch.tensor(leaves["t"]).long()
    return tensors


def torch_run(ts) -> tuple:
    """The same math as numpy_run, forward in torch, backward by its autograd;
    the loss and the gradients (of the intermediate values too, kept)."""
    import torch
    for name in ("x", "W1", "b1", "W2", "b2"):
        ts[name].grad = None
    a1 = ts["x"] @ ts["W1"] + ts["b1"]
    h1 = torch.where(a1 <= 0, 0.0, a1)
    a2 = h1 @ ts["W2"] + ts["b2"]
    for value in (a1, h1, a2):
        value.retain_grad()
    e = torch.exp(a2 - a2.max(dim=-1, keepdim=True).values)
    y = e / e.sum(dim=-1, keepdim=True)
    onehot = torch.zeros_like(y)
    onehot[torch.arange(len(y)), ts["t"]] = 1.0
    loss = -torch.sum(onehot * torch.log(y + 1e-7)) / len(y)
    loss.backward()
    return loss, {"a2": a2.grad, "h1": h1.grad, "a1": a1.grad,
                  **{n: ts[n].grad for n in ("x", "W1", "b1", "W2", "b2")}}


def torch_side() -> None:
    """(In the child process, one thread each.) Check torch against numpy,
    then time the engine, numpy and torch interleaved."""
    import torch
    torch.set_num_threads(1)
    scenario = load(resolve(SCENARIO))
    ts = torch_leaves(scenario.leaves)
    loss, grads = numpy_run(scenario.leaves)
    t_loss, t_grads = torch_run(ts)
    wrong = [n for n, g in grads.items() if not np.allclose(t_grads[n].numpy(), g)]
    if not np.allclose(t_loss.item(), loss) or wrong:
        sys.exit(f"engine_overhead: torch and numpy disagree (loss {t_loss.item()!r} vs {loss!r}; "
                 f"gradients {wrong}), not timing")
    (eng, num, tor), elapsed = timed(((engine_run, scenario), (numpy_run, scenario.leaves), (torch_run, ts)))
    med = statistics.median
    print(f"against torch {torch.__version__} (one thread each: OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)); "
          f"loss and gradients agree (np.allclose); {len(eng)} rounds ({elapsed:.1f} s):")
    print(f"  engine median {med(eng) * 1e3:.3f} ms, numpy {med(num) * 1e3:.3f} ms, torch {med(tor) * 1e3:.3f} ms")
    print(f"  ratio torch/numpy: {med(tor) / med(num):.2f}, ratio engine/torch: {med(eng) / med(tor):.2f}, "
          f"ratio engine/numpy (one thread): {med(eng) / med(num):.2f}")


def against_torch() -> None:
    """The same forward and backward in torch, run by this script again in a
    child process with one thread for numpy's BLAS and for torch (set before
    either is imported): the side a user might pick instead of the book's
    numpy classes. Left out, with a note, when torch is not installed."""
    if importlib.util.find_spec("torch") is None:
        print("torch: not installed, the side against torch is left out (pip install torch adds it)")
        return
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, __file__, "--torch"], env=env, check=False)
    if done.returncode:
        sys.exit(done.returncode)


def main() -> None:
    if sys.argv[1:] == ["--torch"]:
        torch_side()
        return
    scenario = load(resolve(SCENARIO))
    check(scenario)
    print(f"{SCENARIO}: numpy {np.__version__}, Python {sys.version.split()[0]}; "
          f"{RUNS} runs of up to {ROUNDS} interleaved rounds x {REPEAT} runs per side")
    ratios = []
    for run in range(1, RUNS + 1):
        (eng, num), elapsed = timed(((engine_run, scenario), (numpy_run, scenario.leaves)))
        ratios.append(statistics.median(eng) / statistics.median(num))
        print(f"run {run}: {len(eng)} rounds ({elapsed:.1f} s): engine median {statistics.median(eng) * 1e3:.3f} ms "
              f"(min {min(eng) * 1e3:.3f}), numpy median {statistics.median(num) * 1e3:.3f} ms "
              f"(min {min(num) * 1e3:.3f}); median of per-round ratios "
              f"{statistics.median(e / n for e, n in zip(eng, num)):.2f}; ratio engine/numpy {ratios[-1]:.2f}")
    print(f"engine bookkeeping alone (layers replayed, best of 5): "
          f"{bookkeeping(scenario) * 1e6:.1f} us per run of {len(scenario.layers) * 2} steps")
    against_torch()
    print(f"the median of the {RUNS} runs' ratios ({', '.join(f'{r:.2f}' for r in ratios)}); goal: at most 1.10")
    print(f"ratio engine/numpy: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
