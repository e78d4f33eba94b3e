"""What each step means, in words and tables, independent of how it is shown.

``step_sections`` is what a step shows; the Rich view (the app, ``--print``)
and the Markdown writer only format it. Everything particular to a layer type
lives in that type's explanation, one module each, found by type name in
``EXPLANATIONS``. Adding a layer type: one engine class, one explanation here,
and its catalog entries.
"""

from __future__ import annotations

from backprop_engine import BACKWARD, Step
from backprop_engine.learner.beside import check_of
from backprop_engine.scenario import LayerSpec

from .add import AddExplanation
from .affine import AffineExplanation
from .base import Explanation
from .exp import ExpExplanation
from .fanout import fan_in_lines
from .learner import learner_sections
from .mul import MulExplanation
from .reciprocal import ReciprocalExplanation
from .relu import ReluExplanation
from .sections import DIM, VALUE, Arrays, Section, line
from .sigmoid import SigmoidExplanation
from .sigmoid_chain import chain_sections
from .softmax import SoftmaxWithLossExplanation

EXPLANATIONS: dict[str, Explanation] = {
    "Mul": MulExplanation(), "Add": AddExplanation(), "Relu": ReluExplanation(),
    "Sigmoid": SigmoidExplanation(), "Exp": ExpExplanation(), "Reciprocal": ReciprocalExplanation(),
    "Affine": AffineExplanation(), "SoftmaxWithLoss": SoftmaxWithLossExplanation(),
}


def explanation(type_: str) -> Explanation:
    return EXPLANATIONS[type_]


def step_title(step: Step, total: int, tr) -> str:
    return tr("Step {k}/{n} · {phase} · {name} ({type})", k=step.index + 1, n=total, phase=tr(step.phase),
              name=step.layer.name, type=tr.layer(step.layer.type))


def step_sections(step: Step, tr, precision: int | None, layers: tuple[LayerSpec, ...] = ()) -> list[Section]:
    """What one step did: inputs and output forward; backward, the local
    derivatives, the chain rule with numbers, fan-out sums and the gradients.
    ``layers``: the whole graph, for a step explained by its neighbours.
    With ``--layers``, first what the learner's layer did beside the built-in one."""
    parts = _sections(step, tr, precision, layers)
    check = check_of(step)
    return parts if check is None else [*learner_sections(check, tr, precision), *parts]


def _sections(step: Step, tr, precision: int | None, layers: tuple[LayerSpec, ...]) -> list[Section]:
    spec, ex = step.layer, explanation(step.layer.type)
    if step.phase != BACKWARD:
        return [Arrays(tr("inputs"), tuple(zip(spec.inputs, step.inputs)), VALUE),
                Arrays(tr("output"), ((spec.output, step.output),), VALUE), *ex.forward_sections(step, tr, precision)]
    if step.dout is None:
        return [line((tr("No gradient reaches {output}: it does not lead to the final output, so nothing "
                        "flows back through {layer}.", output=repr(spec.output), layer=spec.name), DIM))]
    parts: list[Section] = ex.rule_lines(step, tr)
    chain = ex.chain(step, tr, precision)
    if chain:
        parts += [line((tr("chain rule, L = the final output:"), DIM)), *chain]
    parts += fan_in_lines(step, tr, precision)
    parts += ex.backward_sections(step, layers, tr, precision)
    parts += chain_sections(step, layers, tr, precision)  # a node of a decomposed sigmoid
    return parts + ex.gradient_tables(step, tr, precision)


__all__ = ["EXPLANATIONS", "Explanation", "explanation", "step_sections", "step_title"]
