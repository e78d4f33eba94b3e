"""One sample of a data batch, as a learner looks at it: the image the
inputs hold, its label, the net's softmax output y and y − t (5.6.3).

An image is drawn with half blocks: each character cell shows two pixels,
the upper one as the foreground of "▀", the lower one as the background, in
grey levels (ink light on dark). An 8×8 digit takes 8 columns × 4 rows; a
28×28 MNIST digit 28 × 14.
"""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from backprop_engine import Step

from ..format import num

BARS = " ▁▂▃▄▅▆▇█"


def image_shape(scenario) -> tuple[int, int] | None:
    """The (height, width) a row of x is drawn at: the data file's image
    shape, or a square when the rows are flat and their length is a square."""
    shape = scenario.data.image_shape
    if len(shape) == 2:
        return shape
    side = math.isqrt(scenario.data.features)
    return (side, side) if len(shape) == 1 and side * side == scenario.data.features else None


def _grey(v: float) -> Color:
    level = round(255 * min(max(v, 0.0), 1.0)) if math.isfinite(v) else 0
    return Color.from_rgb(level, level, level)


def image(pixels: np.ndarray) -> Text:
    """A 2-D array of intensities in [0, 1] as half-block characters, two
    pixel rows per line (an odd last row over black)."""
    h, w = pixels.shape
    lines = []
    for r in range(0, h, 2):
        line = Text()
        for c in range(w):
            lower = pixels[r + 1, c] if r + 1 < h else 0.0
            line.append("▀", Style(color=_grey(pixels[r, c]), bgcolor=_grey(lower)))
        lines.append(line)
    return Text("\n").join(lines)


def _pixels(x_row: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A row of x as an image: scaled data lies in [0, 1] already; other
    numbers (an edited x, a float data set) are stretched to it."""
    a = x_row.reshape(shape)
    low, high = float(a.min()), float(a.max())
    if low >= 0 and high <= 1:
        return a
    return (a - low) / (high - low) if high > low else np.zeros(shape)


def bars(y: np.ndarray, mark: int | None, answer: int | None = None) -> Text:
    """One character per class, as high as y (0 to 1; the lowest bar is y
    near 0); the label's class bold green, the net's answer underlined."""
    out = Text()
    for k, v in enumerate(y):
        level = round(min(max(float(v), 0.0), 1.0) * (len(BARS) - 2)) + 1 if math.isfinite(v) else 1
        style = ("bold green" if k == mark else "") + (" underline" if k == answer else "")
        out.append(BARS[level], style.strip())
    return out


def _label(t_row: np.ndarray) -> int | None:
    """A sample's label: the whole number, or the one-hot row's 1."""
    if t_row.ndim == 0:
        return int(t_row)
    hot = np.flatnonzero(t_row == 1)
    return int(hot[0]) if hot.size == 1 else None


def shows_sample(scenario, step: Step | None) -> bool:
    """Whether the step pane shows the sample: before the first step, at a
    layer that reads the inputs x (the image goes in), and at the loss layer
    that reads the labels t (y comes out; backward, y − t goes back)."""
    if scenario.data is None:
        return False
    if step is None:
        return True
    spec = scenario.data.spec
    return spec.x in step.layer.inputs or at_loss(step, scenario)


def at_loss(step: Step | None, scenario) -> bool:
    return (step is not None and step.layer.type == "SoftmaxWithLoss"
            and step.layer.inputs[1] == scenario.data.spec.t)


def sample_view(scenario, step: Step | None, index: int, tr, precision: int | None,
                loss: Step | None = None) -> RenderableType | None:
    """Sample ``index`` of the batch: image, label, and y and y − t from
    ``loss``, the loss layer's step (forward or backward) once it has run.
    None without [data]."""
    if scenario.data is None:
        return None
    data = scenario.data
    x, t = scenario.leaves[data.spec.x], scenario.leaves[data.spec.t]
    index = min(index, len(x) - 1)
    label = _label(t[index])
    head = Text.assemble(
        (tr("sample {k} of {n}", k=index + 1, n=len(x)), "bold"), " · ",
        tr("label {label}", label="?" if label is None else label), " · ",
        (tr("batch {b} of epoch {e}", b=scenario.iteration % data.per_epoch + 1,
            e=data.epoch(scenario.iteration) + 1), "dim"),
        (tr("   , . other samples"), "dim"))
    lines = _loss_lines(loss, scenario, index, label, tr, precision)
    shape = image_shape(scenario)
    if shape is None:
        return Group(head, *lines)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(image(_pixels(x[index], shape)), Group(*lines) if lines else
                 Text(tr("y, the net's answer, appears at the loss layer's forward step."), style="dim"))
    return Group(head, grid)


def _label_cell(text: str, style: str) -> Text:
    """A row's label, padded to 7 cells (a CJK character takes two)."""
    label = Text(text, style=style)
    label.align("left", max(7, label.cell_len + 1))
    return label


def _loss_lines(step: Step | None, scenario, index: int, label: int | None, tr,
                precision: int | None) -> list[Text]:
    """At the loss layer: y as bars over the classes, the net's answer, and
    y − t (forward: what backward will send; backward: what it sent)."""
    if not at_loss(step, scenario):
        return []
    y = np.asarray(step.saved["y"]).reshape(-1, step.saved["y"].shape[-1])[index]
    answer = int(np.argmax(y))
    digits = "".join(str(k % 10) for k in range(len(y)))
    verdict = (tr("right") if answer == label else tr("wrong")) if label is not None else ""
    lines = [Text.assemble(_label_cell("y", "bold"), bars(y, label, answer)),
             Text.assemble(_label_cell(tr("class"), "dim"), (digits, "dim")),
             Text(tr("green: label, underlined: answer"), style="dim"),
             Text(tr("answer {k} (y = {y}): {verdict}", k=answer, y=num(y[answer], 3),
                     verdict=verdict))]
    if label is not None:
        lines.append(Text(tr("y − t = y, except at the label: y[{k}] − 1 = {v}", k=label,
                             v=num(y[label] - 1.0, precision or 6)), style="magenta"))
    return lines
