"""The learner's layer beside the built-in one (backprop_engine/learner/beside.py),
run in this process: an in-process stand-in for ``Learner`` calls the adapter
directly (the learner's tests check that it answers as the child does), so
each step's check, the probe with dout = 1, the outputs the run goes on with,
and training's stop are checked exactly, and counted call by call."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import numpy as np
import pytest

from backprop_engine import BACKWARD, FORWARD, bundled, load, run
from backprop_engine.learner import adapt
from backprop_engine.learner.beside import Beside, StepCheck, check_of, layer_checks, own_layers, worst
from backprop_engine.learner.runner import Call
from backprop_engine.train import LayerFailed, MiniBatchSGD, sgd_step
from tests.test_engine import layer, scenario

pytestmark = pytest.mark.engine

EXAMPLES = Path(__file__).parent.parent / "examples"


class InProcess:
    """A Learner's interface (classes, call) over classes imported here, each call recorded."""

    def __init__(self, path: Path):
        spec = importlib.util.spec_from_file_location(f"beside_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.path = str(path)
        self.classes = adapt.find_classes(vars(module))
        self._types = {t: getattr(module, n) for t, n in self.classes.items()}
        self.calls: list[tuple[str, object]] = []

    def call(self, type_, inputs, dout=None) -> Call:
        self.calls.append((type_, None if dout is None else np.asarray(dout).tolist()))
        return Call(**adapt.call(self._types[type_], type_, inputs, dout, self.path))


def learner_of(tmp_path, text: str) -> InProcess:
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent(text))
    return InProcess(path)


@pytest.fixture(scope="module")
def buggy():
    return InProcess(EXAMPLES / "buggy_layers.py")


def checks(engine) -> list[tuple]:
    """(layer, phase, type, class, verdict, differences as (name, line, cause), changed, replaced, probed)."""
    found = [(s.layer.name, c.phase, c.type, c.cls, c.verdict,
              [(d.name, d.line(), d.cause) for d in c.differences], c.changed, c.replaced, c.probed)
             for s in engine.steps() if (c := check_of(s)) is not None]
    assert [c.phase for s in engine.steps() if (c := check_of(s))] == [s.phase for s in engine.steps() if check_of(s)]
    assert all(c.frames == () and c.error is None for s in engine.steps() if (c := check_of(s)))
    return found


MUL_X = "dx = dout × x: ∂(x·y)/∂x is y, so dx = dout × y (the inputs swapped)"
MUL_Y = "dy = dout × y: ∂(x·y)/∂y is x, so dy = dout × x (the inputs swapped)"
ADD = "dy is 0: an add node passes dout on unchanged to both inputs, dy = dout"
ROW = "db = dout[0], one row of dout: sum over the batch, db = np.sum(dout, axis=0)"


def test_each_step_of_fruit_carries_the_check_of_the_buggy_layers(buggy):
    """Fruit with buggy_layers: each step's check, the causes, and the probe at mul_orange (dout 0)."""
    engine = run(own_layers(load(bundled()["fruit"]), buggy))
    assert checks(engine) == [
        ("mul_apple", FORWARD, "Mul", "MulLayer", "agrees", [], (), (), False),
        ("mul_orange", FORWARD, "Mul", "MulLayer", "agrees", [], (), (), False),
        ("add_apple_orange", FORWARD, "Add", "AddLayer", "agrees", [], (), (), False),
        ("mul_tax", FORWARD, "Mul", "MulLayer", "agrees", [], (), (), False),
        ("mul_tax", BACKWARD, "Mul", "MulLayer", "differs",
         [("dx", "dx: yours 650, expected 1.1", MUL_X), ("dy", "dy: yours 1.1, expected 650", MUL_Y)], (), (), False),
        ("add_apple_orange", BACKWARD, "Add", "AddLayer", "differs",
         [("dy", "dy: yours 0, expected 650", ADD)], (), (), False),
        ("mul_orange", BACKWARD, "Mul", "MulLayer", "differs",
         [("dx", "dx: yours 150, expected 3", MUL_X), ("dy", "dy: yours 3, expected 150", MUL_Y)], (), (), True),
        ("mul_apple", BACKWARD, "Mul", "MulLayer", "differs",
         [("dx", "dx: yours 65000, expected 1300", MUL_X), ("dy", "dy: yours 1300, expected 65000", MUL_Y)],
         (), (), False),
    ]
    # the run goes on with the learner's numbers: tax's gradient is their dy
    assert float(engine.grads["tax"]) == 1.1 and float(engine.grads["orange_num"]) == 0.0


def test_the_probe_calls_again_with_dout_1_only_when_dout_is_0_and_all_agreed(buggy):
    """On fruit the learner is called once a step, plus once with dout = 1 where dout is 0."""
    buggy.calls.clear()
    run(own_layers(load(bundled()["fruit"]), buggy))
    assert buggy.calls == [("Mul", None), ("Mul", None), ("Add", None), ("Mul", None),
                           ("Mul", 1.0), ("Add", 650.0), ("Mul", 0.0), ("Mul", 1.0), ("Mul", 650.0)]


def test_affine_softmax_with_the_buggy_layers_names_the_batch_the_row_and_the_write(buggy):
    """N = 3 is found from x's rows; db is one row of dout; the book's Relu writes into dout."""
    engine = run(own_layers(load(bundled()["affine_softmax"]), buggy))
    backward = [c for c in checks(engine) if c[1] == BACKWARD]
    assert backward == [
        ("loss", BACKWARD, "SoftmaxWithLoss", "SoftmaxWithLoss", "differs",
         [("dx", "dx[0, 0]: yours -0.774978, expected -0.258326",
           "yours = 3 × expected: divide by the batch size N = 3")], (), (), False),
        ("affine2", BACKWARD, "Affine", "Affine", "differs",
         [("db", "db[0]: yours -0.774978, expected 0.042561", ROW)], (), (), False),
        ("relu1", BACKWARD, "Relu", "Relu", "writes in place", [], ("dout",), (), False),
        ("affine1", BACKWARD, "Affine", "Affine", "differs",
         [("db", "db[0]: yours -0.28875, expected 0.374591", ROW)], (), (), False),
    ]
    loss = [s for s in engine.steps() if s.layer.name == "loss" and s.phase == BACKWARD][0]
    assert len(loss.input_grads) == 2 and loss.input_grads[1] is None


def test_a_probe_that_finds_nothing_keeps_the_steps_own_check(tmp_path):
    """A right backward under dout = 0: the step's check (agrees, not probed) after one more call with dout = 1."""
    mine = learner_of(tmp_path, """
        class Mul:
            def forward(self, x, y):
                self.x, self.y = x, y
                return x * y
            def backward(self, dout):
                return dout * self.y, dout * self.x
    """)
    sc = scenario({"x": 2.0, "y": 3.0}, [layer("Mul", ["x", "y"], "f", "m")], dout=0.0)
    engine = run(own_layers(sc, mine))
    assert checks(engine) == [("m", FORWARD, "Mul", "Mul", "agrees", [], (), (), False),
                              ("m", BACKWARD, "Mul", "Mul", "agrees", [], (), (), False)]
    assert mine.calls == [("Mul", None), ("Mul", 0.0), ("Mul", 1.0)]


def test_a_failing_call_is_the_whole_check_and_the_run_goes_on_with_the_built_in(tmp_path):
    """An exception: type, class, phase, what it wrote, the error, the frames and the prints; built-in numbers."""
    mine = learner_of(tmp_path, """
        class Relu:
            def forward(self, x):
                return x * 0 + 1
            def backward(self, dout):
                print("in backward")
                dout[0] = 5.0
                return 1 / 0
    """)
    sc = scenario({"x": [1.0, -2.0]}, [layer("Relu", ["x"], "y", "r")], dout=[3.0, 4.0])
    engine = run(own_layers(sc, mine))
    fwd, bwd = (check_of(s) for s in engine.steps())
    assert fwd.verdict == "differs" and engine.values["y"].tolist() == [1.0, 1.0]
    assert bwd == StepCheck("Relu", "Relu", BACKWARD, (), ("dout",), "ZeroDivisionError: division by zero",
                            (("mine.py", 8, "backward", "return 1 / 0"),), "in backward\n")
    assert engine.grads["x"].tolist() == [3.0, 0.0]  # the built-in's dx


def test_an_output_of_a_shape_the_run_cannot_use_is_replaced_by_the_built_ins(tmp_path):
    """A forward of the wrong shape differs and is replaced ("out"), and the run goes on with the built-in's."""
    mine = learner_of(tmp_path, """
        class Sigmoid:
            def forward(self, x):
                return x[:1]
    """)
    sc = scenario({"x": [1.0, 2.0, 3.0]}, [layer("Sigmoid", ["x"], "s", "sig")])
    engine = run(own_layers(sc, mine))
    sig = check_of(engine.steps()[0])
    assert sig.replaced == ("out",) and [d.line() for d in sig.differences] == [
        "out: yours has shape (1,), expected (3,)"]
    assert engine.values["s"].tolist() == [0.7310585786300049, 0.8807970779778823, 0.9525741268224334]


MUL = """
    class Mul:
        def forward(self, x, y):
            self.x, self.y = x, y
            return x * y
        def backward(self, dout):
            return {dx}, dout * self.x
"""


SUMMED_DX = ["dx: yours has shape (3,), expected (2, 3)"]


@pytest.mark.parametrize("dx, differs", [("dout * self.y", []), ("(dout * self.y).sum(axis=0)", SUMMED_DX)])
def test_a_gradient_of_the_inputs_shape_or_of_the_broadcast_shape_is_used(tmp_path, dx, differs):
    """A dx of x's shape or of the broadcast shape is used; only the former differs in shape."""
    mine = learner_of(tmp_path, MUL.format(dx=dx))
    sc = scenario({"x": [1.0, 2.0, 3.0], "y": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]},
                  [layer("Mul", ["x", "y"], "f", "m")], dout=[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    engine = run(own_layers(sc, mine))
    m = check_of(engine.steps()[1])
    assert m.replaced == () and [d.line() for d in m.differences] == differs
    assert engine.grads["x"].tolist() == [5.0, 7.0, 9.0]
    assert engine.grads["y"].tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_a_1d_x_is_a_batch_of_one_for_the_causes(tmp_path):
    """SoftmaxWithLoss on a 1-D x of 2 classes: yours = 2 × expected is not blamed on a batch size."""
    mine = learner_of(tmp_path, """
        import numpy as np
        class SoftmaxWithLoss:
            def forward(self, x, t):
                self.t = t
                self.y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
                return -np.sum(t * np.log(self.y + 1e-7)) / len(x)
            def backward(self, dout=1):
                return (self.y - self.t) * 2
    """)
    sc = scenario({"x": [0.5, -0.5]}, [layer("SoftmaxWithLoss", ["x", "t"], "L", "loss")], constants={"t": [1]})
    (d,) = [c for c in checks(run(own_layers(sc, mine))) if c[1] == BACKWARD][0][5]
    assert d[0] == "dx" and d[2] is None


def test_the_layers_checks_are_listed_per_layer_with_the_worst_verdict(buggy):
    """layer_checks lists each layer's checks by phase; worst ranks fails > differs > writes > agrees."""
    sc = own_layers(load(bundled()["affine_softmax"]), buggy)
    engine = run(sc)
    listed = layer_checks(sc, engine.steps())
    assert [(spec.name, sorted(by_phase)) for spec, by_phase in listed] == [
        ("affine1", [BACKWARD, FORWARD]), ("relu1", [BACKWARD, FORWARD]),
        ("affine2", [BACKWARD, FORWARD]), ("loss", [BACKWARD, FORWARD])]
    assert [worst(by_phase.values()) for _, by_phase in listed] == ["differs", "writes in place", "differs",
                                                                    "differs"]
    assert layer_checks(sc, engine.steps()[:2])[0][1].keys() == {FORWARD}
    ok = StepCheck("Mul", "Mul", FORWARD)
    assert worst([ok]) == "agrees"
    assert worst([ok, StepCheck("Mul", "Mul", BACKWARD, changed=("dout",))]) == "writes in place"
    assert worst([StepCheck("Mul", "Mul", BACKWARD, error="E"), ok]) == "fails"
    writes = StepCheck("Mul", "Mul", BACKWARD, changed=("dout",))
    assert worst([StepCheck("Mul", "Mul", BACKWARD, error="E"), writes]) == "fails"  # not alphabetical
    differs = [d for _, by_phase in listed for c in by_phase.values() for d in c.differences][:1]
    assert worst([StepCheck("Mul", "Mul", BACKWARD, differences=tuple(differs)), writes]) == "differs"


def test_training_stops_at_the_learners_failing_call(tmp_path):
    """sgd_step and MiniBatchSGD raise LayerFailed naming class, phase and error; built-in layers train on."""
    mine = learner_of(tmp_path, """
        class AddLayer:
            def forward(self, x, y):
                return x + y
            def backward(self, dout):
                raise ValueError("no backward yet")
    """)
    sc = own_layers(load(bundled()["fruit"]), mine)
    with pytest.raises(LayerFailed, match=r"^your AddLayer\.backward failed: ValueError: no backward yet$") as e:
        sgd_step(sc)
    assert e.value.check.cls == "AddLayer" and e.value.check.phase == BACKWARD
    loss, _ = sgd_step(load(bundled()["fruit"]))
    assert loss == 715.0000000000001


def test_mini_batch_training_stops_where_the_learners_forward_fails(tmp_path):
    """Net.forward checks each step: a failing forward of the learner's Relu stops the iteration."""
    mine = learner_of(tmp_path, """
        class Relu:
            def forward(self, x):
                raise RuntimeError("forward broke")
    """)
    trainer = MiniBatchSGD(own_layers(load(bundled()["digits"]), mine))
    with pytest.raises(LayerFailed, match=r"^your Relu\.forward failed: RuntimeError: forward broke$"):
        trainer.step()


def test_a_beside_layer_has_the_built_in_types_interface(buggy):
    """Beside: the type's inputs, elementwise flag and shape rule, and the learner's class name."""
    b = Beside("Affine", buggy)
    assert (b.type, b.cls, b.inputs, b.elementwise) == ("Affine", "Affine", ("x", "W", "b"), False)
    assert b.shape((4, 3), (3, 2), (2,)) == (4, 2)
    assert Beside("Relu", buggy).elementwise is True


def test_the_trace_says_each_steps_verdict_as_yours(buggy):
    """--json with --layers: every step of fruit carries "yours": its check's verdict."""
    from backprop_engine import Engine
    from backprop_engine.trace import trace
    steps = trace(Engine(own_layers(load(bundled()["fruit"]), buggy)))["steps"]
    assert [(s["layer"], s["phase"], s["yours"]) for s in steps] == [
        ("mul_apple", FORWARD, "agrees"), ("mul_orange", FORWARD, "agrees"),
        ("add_apple_orange", FORWARD, "agrees"), ("mul_tax", FORWARD, "agrees"),
        ("mul_tax", BACKWARD, "differs"), ("add_apple_orange", BACKWARD, "differs"),
        ("mul_orange", BACKWARD, "differs"), ("mul_apple", BACKWARD, "differs")]


def test_a_right_backward_under_a_dout_that_is_not_0_is_not_probed(tmp_path):
    """The probe with dout = 1 is only for a dout of 0: a right Mul under dout = 2 is called once a step."""
    mine = learner_of(tmp_path, """
        class Mul:
            def forward(self, x, y):
                self.x, self.y = x, y
                print("forward")
                return x * y
            def backward(self, dout):
                print("backward")
                return dout * self.y, dout * self.x
    """)
    sc = scenario({"x": 2.0, "y": 3.0}, [layer("Mul", ["x", "y"], "f", "m")], dout=2.0)
    engine = run(own_layers(sc, mine))
    assert mine.calls == [("Mul", None), ("Mul", 2.0)]
    fwd, bwd = (check_of(s) for s in engine.steps())
    assert (fwd.printed, bwd.printed) == ("forward\n", "backward\n")
    assert bwd.ok and bwd.frames == () and bwd.error is None and not bwd.probed


def test_the_probe_uses_ones_of_douts_shape(tmp_path):
    """An Add whose dy is 0, under a zero dout of shape (2,): the probe's dout is ones (2,), so it finds dy[0]."""
    mine = learner_of(tmp_path, """
        class Add:
            def forward(self, x, y):
                return x + y
            def backward(self, dout):
                return dout, dout * 0
    """)
    sc = scenario({"x": [1.0, 2.0], "y": [3.0, 4.0]}, [layer("Add", ["x", "y"], "f", "a")], dout=[0.0, 0.0])
    engine = run(own_layers(sc, mine))
    check = check_of(engine.steps()[1])
    assert check.probed and [(d.line(), d.cause) for d in check.differences] == [
        ("dy[0]: yours 0, expected 1", "dy is 0: an add node passes dout on unchanged to both inputs, dy = dout")]
    assert mine.calls == [("Add", None), ("Add", [0.0, 0.0]), ("Add", [1.0, 1.0])]


def test_mini_batch_training_stops_where_the_learners_backward_fails(tmp_path):
    """Net.gradients checks each backward step: a failing backward of the learner's Relu stops the iteration."""
    mine = learner_of(tmp_path, """
        class Relu:
            def forward(self, x):
                self.mask = x <= 0
                return x * (x > 0)
            def backward(self, dout):
                raise RuntimeError("backward broke")
    """)
    trainer = MiniBatchSGD(own_layers(load(bundled()["digits"]), mine))
    with pytest.raises(LayerFailed, match=r"^your Relu\.backward failed: RuntimeError: backward broke$"):
        trainer.step()
