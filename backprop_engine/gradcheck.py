"""The numerical gradient (4.4; 5.7.3 "gradient check") as an oracle for backprop.

``numerical_gradient`` is the book's central difference on a function of one
array. Two verdicts are built on it:

* ``check_gradients``: every ``[values]`` leaf on a fixed sample of its
  entries, backprop and numeric compared entry by entry (``GradCheck``);
* ``book_check_steps``/``book_check``: the book's form (5.7.3), every entry of
  every trained param on the first 3 rows of the batch, h = 1e-4: the mean
  |backprop - numerical| as the book prints it, with no verdict, and beside it
  an adjusted mean (the loss without the 1e-7, the kinks left out) that is
  judged (``BookCheck``).

The function differentiated is the loss, L = sum(output * dout) for a final
output that is not a scalar (``engine.loss``), computed by the built-in
layers, with ``--layers`` too: they are the oracle.

A kink: an entry whose ±h nudge puts a Relu input on different sides of 0
(its mask differs at x - h and at x + h). There the central difference is the
mean of two slopes (0.5·dout for one Relu at 0), not a derivative, so the
entry is reported and left out of the verdict. The sampled check looks only
at the Relu inputs that are exactly 0 (one within h of 0 has a derivative:
it is compared, and a smaller h passes); the book's form at every Relu input.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .engine import forward, loss, loss_at, run
from .scenario import Scenario
from .train import gradients

H = 1e-5            # central-difference step
RTOL, ATOL = 1e-4, 1e-7   # backprop vs numeric: |a - n| <= ATOL + RTOL * |n|
EXPECT_RTOL, EXPECT_ATOL = 1e-9, 1e-12  # [expect], as the contract says
SAMPLE = 20         # entries checked per array at most


def numerical_gradient(f, x: np.ndarray, entries, h: float = H):
    """The book's numerical_gradient (4.4, common/gradient.py), one flat entry
    of ``x`` at a time: (f(x + h) - f(x - h)) / 2h, and whether the entry is at
    a kink. ``f`` returns (value, sides), sides saying which side of 0 each
    Relu input is on: a kink where the two differ. The book nudges x itself
    and restores it; this nudges a private copy, so an array handed out is
    never written. A generator: a long check can show progress and stop
    between entries."""
    x = np.array(x, dtype=np.float64)  # the private copy
    flat = x.reshape(-1)  # a view: nudging it nudges x
    for e in entries:
        kept = flat[e]
        flat[e] = kept + h
        up, up_sides = f(x)
        flat[e] = kept - h
        down, down_sides = f(x)
        flat[e] = kept
        yield (up - down) / (2 * h), up_sides != down_sides


def loss_and_sides(scenario: Scenario, exact: bool = False, zero_at=None, both: bool = False):
    """The loss as a function of the leaves, for ``numerical_gradient``:
    leaves -> (loss, which side of 0 each Relu input is on, as bytes: two
    lists are equal exactly when no Relu input changed sides). ``zero_at``:
    leaves; only the Relu inputs exactly 0 there are looked at (default: all).

    ``exact``, and the net ending in SoftmaxWithLoss: the cross-entropy
    without the 1e-7 that the layer's log(y + 1e-7) adds, computed as
    log-softmax, which is the function backprop's (y - t)/N is the derivative
    of. With the 1e-7 the two differ by about 1e-7 / y_t per row: a true
    difference of two functions, not an error of either. Otherwise: the loss
    as the layers compute it. ``both``: the two as an array [as the layers
    compute it, exact], from one forward pass."""
    scenario = replace(scenario, ops={})  # the built-in layers
    relus = [spec.inputs[0] for spec in scenario.layers if spec.type == "Relu"]
    exact = exact and scenario.layers[-1].type == "SoftmaxWithLoss"
    score, label = scenario.layers[-1].inputs[:2] if exact else (None, None)
    only = None
    if zero_at is not None:
        values = dict(zero_at)
        forward(scenario, values)
        only = [values[n] == 0 for n in relus]

    def exact_loss(values) -> float:
        x, t = values[score], values[label]
        x2d = x.reshape(-1, x.shape[-1])
        shifted = x2d - x2d.max(axis=1, keepdims=True)
        logy = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        picked = (np.sum(logy * t.reshape(logy.shape)) if t.shape == x.shape else
                  np.sum(logy[np.arange(len(logy)), t.reshape(-1).astype(np.intp)]))
        return float(-picked / len(logy) * scenario.dout)

    def f(leaves):
        values = dict(leaves)
        forward(scenario, values)
        masks = [values[n] <= 0 for n in relus]
        sides = [m.tobytes() for m in (masks if only is None else (m[o] for m, o in zip(masks, only)))]
        layered = loss(scenario, values[scenario.output])
        adjusted = exact_loss(values) if exact else layered
        return (np.array([layered, adjusted]) if both else adjusted), sides
    return f


# -- the sampled check ------------------------------------------------------------

@dataclass(frozen=True)
class GradCheck:
    name: str
    shape: tuple
    entries: np.ndarray    # flat indices checked
    analytic: np.ndarray   # backprop gradient at those entries
    numeric: np.ndarray    # central difference at those entries
    h: float
    kinks: np.ndarray | None = None  # per entry: at a Relu kink (None: none is)

    @property
    def sampled(self) -> bool:
        return len(self.entries) < int(np.prod(self.shape))

    @property
    def at_kink(self) -> np.ndarray:
        """Per entry checked: whether it sits at a Relu kink (no derivative)."""
        return np.zeros(len(self.entries), bool) if self.kinks is None else self.kinks

    @property
    def kink_entries(self) -> np.ndarray:
        """The flat indices of the entries at a kink."""
        return self.entries[self.at_kink]

    @property
    def kink_count(self) -> int:
        return int(np.count_nonzero(self.at_kink))

    def _compared(self) -> tuple[np.ndarray, np.ndarray]:
        """backprop and numeric at the entries compared: all but the kinks."""
        keep = ~self.at_kink
        return self.analytic[keep], self.numeric[keep]

    @property
    def abs_diff(self) -> float:
        """max |a - n| over the entries compared (kinks left out)."""
        a, n = self._compared()
        return float(np.max(np.abs(a - n), initial=0.0))

    @property
    def rel_err(self) -> float:
        """max |a - n| / max(|a|, |n|), 0 where both are 0 (kinks left out)."""
        a, n = self._compared()
        scale = np.maximum(np.abs(a), np.abs(n))
        diff = np.abs(a - n)
        if not np.all(np.isfinite(diff)):
            return float("nan")  # nothing to compare: say so, not 0
        return float(np.max(np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0),
                            initial=0.0))

    @property
    def ok(self) -> bool:
        """Backprop agrees with the central difference at every entry but the kinks."""
        a, n = self._compared()
        return bool(np.all(np.abs(a - n) <= ATOL + RTOL * np.abs(n)))


def sample_entries(size: int, k: int = SAMPLE, seed: int = 0) -> np.ndarray:
    """All flat indices, or a fixed-seed sorted sample of k of them."""
    if size <= k:
        return np.arange(size)
    return np.sort(np.random.default_rng(seed).choice(size, k, replace=False))


def check_gradients(scenario: Scenario, h: float = H, sample: int = SAMPLE) -> list[GradCheck]:
    """Backprop against the numerical gradient for every ``[values]`` leaf.
    Only a Relu input that is exactly 0 here makes a kink."""
    engine = run(scenario)  # a run of its own: an engine someone is stepping stays where it is
    f = loss_and_sides(scenario, zero_at=scenario.leaves)
    results = []
    for name in scenario.params:
        shape = scenario.shapes[name]
        entries = sample_entries(int(np.prod(shape)), sample)
        grad = engine.grads.get(name, np.zeros(shape))  # not reached: the gradient is 0
        found = list(numerical_gradient(lambda x: f({**scenario.leaves, name: x}), scenario.leaves[name],
                                        entries, h))
        numeric, kinks = np.array([g for g, _ in found]), np.array([k for _, k in found], bool)
        results.append(GradCheck(name, shape, entries, np.asarray(grad).ravel()[entries], numeric, h, kinks))
    return results


@dataclass(frozen=True)
class ExpectCheck:
    key: str            # a value name or "grad.<name>"
    expected: np.ndarray
    actual: np.ndarray | None   # None: the value has no gradient

    @property
    def ok(self) -> bool:
        return self.actual is not None and bool(
            np.all(np.abs(self.actual - self.expected) <= EXPECT_ATOL + EXPECT_RTOL * np.abs(self.expected)))


def check_expect(scenario: Scenario) -> list[ExpectCheck]:
    """The scenario's ``[expect]`` numbers against a full run."""
    engine = run(scenario)
    results = []
    for key, expected in scenario.expect.items():
        name = key.removeprefix("grad.")
        table = engine.grads if name != key else engine.values
        results.append(ExpectCheck(key, expected, table.get(name)))
    return results


@dataclass(frozen=True)
class Nudge:
    """What adding eps to one entry of a leaf does to the final output:
    the gradient predicts it, the forward pass measures it."""
    name: str
    index: int          # flat index of the entry
    eps: float
    grad: float         # dL/d(entry), from backprop
    before: float       # L
    after: float        # L with the entry nudged

    @property
    def predicted(self) -> float:
        return self.grad * self.eps

    @property
    def actual(self) -> float:
        return self.after - self.before


def nudge(scenario: Scenario, name: str, index: int, eps: float) -> Nudge:
    """Nudge entry ``index`` of leaf ``name`` by ``eps`` and re-run forward."""
    engine = run(scenario)
    x = scenario.leaves[name].copy()  # a copy: the scenario's own array stays as it is
    x.flat[index] += eps
    grad = engine.grads.get(name)
    return Nudge(name, index, eps, 0.0 if grad is None else float(np.asarray(grad).flat[index]),
                 loss_at(scenario, scenario.leaves), loss_at(scenario, {**scenario.leaves, name: x}))


# -- the book's form (5.7.3): every entry of every trained param, on a few samples --

BOOK_H = 1e-4        # the book's numerical_gradient (4.4, common/gradient.py)
BOOK_SAMPLES = 3     # the book checks x_batch = x_train[:3]
ADJUSTED_LIMIT = 1e-7  # our adjusted comparison: a mean |backprop - numerical| above this fails


@dataclass(frozen=True)
class BookParam:
    """One trained param: backprop's gradient and two numerical ones, whole.

    ``numeric`` is the book's (gradient_check.py): the loss as the layers
    compute it, log(y + 1e-7) included, every entry; the book prints the mean
    difference and judges nothing. ``adjusted`` is the same central difference
    of the function backprop differentiates (the cross-entropy without the
    1e-7), compared over the entries whose ±h nudge crosses no Relu kink
    (``kinks``): there the central difference is the mean of two slopes, not
    the derivative. Our verdict is on the adjusted side only."""
    name: str
    backprop: np.ndarray
    numeric: np.ndarray
    adjusted: np.ndarray | None = None  # None: the same function as the book's (no SoftmaxWithLoss last)
    kinks: np.ndarray | None = None  # per entry (the param's shape): its nudge crosses a kink; None: none does

    @property
    def shape(self) -> tuple:
        return self.numeric.shape

    @property
    def size(self) -> int:
        return self.numeric.size

    @property
    def book_mean(self) -> float:
        """The book's figure: the mean of |backprop - numerical| over every entry."""
        return float(np.mean(np.abs(self.backprop - self.numeric))) if self.size else 0.0

    @property
    def kink_count(self) -> int:
        """Entries the adjusted side leaves out: their ±h nudge crosses a Relu kink."""
        return 0 if self.kinks is None else int(np.count_nonzero(self.kinks))

    @property
    def judged(self) -> bool:
        """False when every entry is at a kink: nothing to compare, no verdict."""
        return self.kink_count < self.size or not self.size

    @property
    def mean_diff(self) -> float:
        """The adjusted figure: the mean of |backprop - adjusted numerical| over
        every entry but those at a kink (nan when none is left)."""
        diff = np.abs(self.backprop - (self.numeric if self.adjusted is None else self.adjusted))
        kept = diff if self.kinks is None else diff[~self.kinks]
        return float(np.mean(kept)) if kept.size else (float("nan") if self.size else 0.0)

    @property
    def ok(self) -> bool:
        """No entry compared says backprop is wrong: the adjusted mean is within
        the limit (nan fails), or there is no verdict (every entry at a kink)."""
        return not self.judged or bool(self.mean_diff <= ADJUSTED_LIMIT)


@dataclass(frozen=True)
class BookCheck:
    """The book's gradient check: a row per trained param and the time each side took."""
    params: tuple[BookParam, ...]
    samples: int
    h: float
    numeric_seconds: float   # every entry's two forward passes (the time spent waiting between entries left out)
    backprop_seconds: float  # one forward and backward pass (the median of 5)
    exact: bool = False      # the adjusted side drops log(y + 1e-7)'s 1e-7 (the net ends in SoftmaxWithLoss)

    @property
    def entries(self) -> int:
        return sum(p.size for p in self.params)

    @property
    def ratio(self) -> float:
        return self.numeric_seconds / self.backprop_seconds if self.backprop_seconds > 0 else float("inf")

    @property
    def failed(self) -> list[str]:
        """The params whose adjusted mean is over the limit (one without a verdict is not among them)."""
        return [p.name for p in self.params if not p.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


def book_rows(scenario: Scenario, samples: int = BOOK_SAMPLES) -> tuple[Scenario, dict[str, np.ndarray]]:
    """The scenario and its leaves with ``[data]``'s x and t cut to their first
    ``samples`` rows (the book's x_train[:3], t_train[:3]), and a dout with a
    row per batch row (a final output that is no scalar) cut as x is."""
    leaves, rows = dict(scenario.leaves), len(scenario.leaves[scenario.data.spec.x])
    for name in (scenario.data.spec.x, scenario.data.spec.t):
        leaves[name] = leaves[name][:samples]
    if scenario.dout.ndim and scenario.dout.shape[0] == rows:
        scenario = replace(scenario, dout=scenario.dout[:samples])
    return scenario, leaves


def book_check_steps(scenario: Scenario, samples: int = BOOK_SAMPLES, h: float = BOOK_H):
    """The book's gradient check (5.7.3) on the first ``samples`` rows of the
    current batch, as a generator: it yields (entries done, total) before the
    first entry and after each one, so a caller can show progress and stop
    between entries (close it); its return value (StopIteration.value) is the
    ``BookCheck``. Each nudge's forward pass gives both the book's loss and
    the adjusted one; every Relu input counts for a kink."""
    scenario, leaves = book_rows(scenario, samples)
    f = loss_and_sides(scenario, exact=True, both=True)
    exact = scenario.layers[-1].type == "SoftmaxWithLoss"
    total, done, spent, numeric, kinks = sum(leaves[n].size for n in scenario.trained), 0, 0.0, {}, {}
    yield done, total
    for name in scenario.trained:
        p = leaves[name]
        slopes = numerical_gradient(lambda x, name=name: f({**leaves, name: x}), p, range(p.size), h)
        grad, crossed = np.zeros((2, *p.shape)), np.zeros(p.shape, bool)
        for k in range(p.size):
            start = time.perf_counter()
            slope, crossed.flat[k] = next(slopes)
            grad.reshape(2, -1)[:, k] = slope
            spent += time.perf_counter() - start
            done += 1
            yield done, total
        numeric[name], kinks[name] = grad, crossed
    times = []
    for _ in range(5):
        start = time.perf_counter()
        grads = gradients(scenario, leaves)
        times.append(time.perf_counter() - start)
    params = tuple(BookParam(n, np.asarray(grads.get(n, np.zeros(leaves[n].shape))), numeric[n][0],
                             numeric[n][1] if exact else None, kinks[n])
                   for n in scenario.trained)
    return BookCheck(params, len(leaves[scenario.data.spec.x]), h, spent, float(np.median(times)), exact)


def book_check(scenario: Scenario, samples: int = BOOK_SAMPLES, h: float = BOOK_H,
               progress=None, cancelled=None) -> BookCheck | None:
    """``book_check_steps`` run to its end: ``progress(done, total)`` after each
    entry, stopped (None) as soon as ``cancelled()`` is true. inf and nan are
    results here (they fail the check), not warnings."""
    steps = book_check_steps(scenario, samples, h)
    with np.errstate(all="ignore"):
        while True:
            try:
                done, total = next(steps)
            except StopIteration as end:
                return end.value
            if progress is not None:
                progress(done, total)
            if cancelled is not None and cancelled():
                steps.close()
                return None
