"""The learner's own layer classes run in a child process (backprop_engine.learner):
found by the book's names, adapted to the engine's interface (same numbers as
the built-in layers), their in-place writes, errors, hangs and crashes reported
as one line, their prints kept off the terminal, and no child left behind.
The child's side (child.load, adapt.call) is also run in this process, with
exact results, where the mutation score can see it (docs/testing.md)."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from backprop_engine.layers import LAYER_TYPES
from backprop_engine.learner import adapt, child
from backprop_engine.learner.runner import Call, Learner, LearnerError

pytestmark = pytest.mark.engine

BOOK = '''
import numpy as np

def softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))

def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size

class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None
    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y
    def backward(self, dout):
        return dout * self.y, dout * self.x

class AddLayer:
    def forward(self, x, y):
        return x + y
    def backward(self, dout):
        return dout * 1, dout * 1

class Relu:
    def __init__(self):
        self.mask = None
    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out
    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx

class sigmoid:
    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out
    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out

class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return np.dot(self.x, self.W) + self.b
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)

class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss
    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.y - self.t) / batch_size
'''


def write(folder, text: str, name: str = "layers.py") -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The notebook's six classes (sigmoid lowercase, as the notebook names it)."""
    learner = Learner(write(tmp_path_factory.mktemp("book"), BOOK, "book_layers.py"))
    yield learner
    learner.close()


def test_each_book_class_is_found_by_its_name(book):
    """All six classes are found; the notebook's lowercase `sigmoid` counts as Sigmoid."""
    assert book.classes == {"Mul": "MulLayer", "Add": "AddLayer", "Relu": "Relu",
                            "Sigmoid": "sigmoid", "Affine": "Affine",
                            "SoftmaxWithLoss": "SoftmaxWithLoss"}


def test_short_names_any_case_and_the_books_spelling_first(tmp_path):
    """Mul/Add and any case are accepted; with MulLayer and Mul both, MulLayer
    is used; a function named like a layer (the book's sigmoid()) is not a class."""
    path = write(tmp_path, """
        class Mul: pass
        class MulLayer: pass
        class Add: pass
        class RELU: pass
        def sigmoid(x): return x
    """)
    with Learner(path) as learner:
        assert learner.classes == {"Mul": "MulLayer", "Add": "Add", "Relu": "RELU"}


RNG = np.random.default_rng(5)
R = RNG.standard_normal
CASES = {
    "Mul broadcast": ("Mul", (R((2, 3)), R(3)), R((2, 3))),
    "Add": ("Add", (R((2, 3)), R((2, 3))), R((2, 3))),
    "Relu": ("Relu", (R((3, 4)),), R((3, 4))),
    "Sigmoid": ("Sigmoid", (R(5),), R(5)),
    "Affine batch": ("Affine", (R((4, 3)), R((3, 2)), R(2)), R((4, 2))),
    "Affine images": ("Affine", (R((2, 1, 2, 3)), R((6, 2)), R(2)), R((2, 2))),
    "Affine 1-D x": ("Affine", (R(3), R((3, 2)), R(2)), R(2)),
    "Softmax one-hot": ("SoftmaxWithLoss", (R((4, 3)), np.eye(3)[[0, 2, 1, 2]]), np.array(1.0)),
    "Softmax labels": ("SoftmaxWithLoss", (R((4, 3)), np.array([0.0, 2, 1, 2])), np.array(1.0)),
    "Softmax 1-D x, label": ("SoftmaxWithLoss", (R(3), np.array([2.0])), np.array(1.0)),
    "Softmax 1-D x, one-hot": ("SoftmaxWithLoss", (R(3), np.array([0.0, 1, 0])), np.array(1.0)),
}


@pytest.mark.parametrize("case", CASES)
def test_book_classes_give_the_built_in_numbers(book, case):
    """Forward and backward through the book's interface equal the engine's
    layers (shapes too: a 1-D x comes back 1-D, SoftmaxWithLoss sends None to t)."""
    type_, inputs, dout = CASES[case]
    out, saved = LAYER_TYPES[type_].forward(*inputs)
    grads = LAYER_TYPES[type_].backward(dout, saved)
    fwd, bwd = book.call(type_, inputs), book.call(type_, inputs, dout)
    assert fwd.error is None and bwd.error is None
    assert len(fwd.outputs) == 1 and fwd.outputs[0].shape == np.shape(out)
    np.testing.assert_allclose(fwd.outputs[0], out, rtol=1e-12)
    assert len(bwd.outputs) == len(grads)
    for mine, expected in zip(bwd.outputs, grads):
        if expected is None:
            assert mine is None
        else:
            assert mine.dtype == np.float64 and mine.shape == expected.shape
            np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-15)


def test_the_in_place_relu_is_reported_and_the_parents_arrays_stay(book):
    """The book's `dout[self.mask] = 0` is reported as a write into dout (x is
    untouched); the caller's arrays, read-only as the engine's are, keep their values."""
    x, dout = np.array([1.0, -2.0, 3.0, 0.0]), np.array([5.0, 6.0, 7.0, 8.0])
    x.setflags(write=False)
    dout.setflags(write=False)
    call = book.call("Relu", (x,), dout)
    assert call.changed == ("dout",) and call.error is None
    np.testing.assert_array_equal(call.outputs[0], [5.0, 0.0, 7.0, 0.0])
    np.testing.assert_array_equal(call.mask, [False, True, False, True])
    np.testing.assert_array_equal(dout, [5.0, 6.0, 7.0, 8.0])
    assert book.call("Relu", (x,)).changed == ()  # forward alone writes nothing


def test_an_exception_gives_its_line_and_the_learners_frames(tmp_path):
    """The error is `Type: message`; the frames are those in the learner's file
    (name, line, function, code), the last one last, numpy's left out."""
    path = write(tmp_path, """\
        import numpy as np

        def scale(v):
            return v / 0

        class Relu:
            def forward(self, x):
                return x

            def backward(self, dout):
                return scale(1)

        class Sigmoid:
            def forward(self, x):
                return np.dot(x, x[:1])
    """, "mine.py")
    with Learner(path) as learner:
        call = learner.call("Relu", (np.ones(2),), np.ones(2))
        assert call == Call(None, "ZeroDivisionError: division by zero",
                            (("mine.py", 11, "backward", "return scale(1)"),
                             ("mine.py", 4, "scale", "return v / 0")))
        call = learner.call("Sigmoid", (np.ones(2),))
        assert call.error == ("ValueError: shapes (2,) and (1,) not aligned: "
                              "2 (dim 0) != 1 (dim 0)")
        assert call.frames == (("mine.py", 15, "forward", "return np.dot(x, x[:1])"),)


AFFINE = "class Affine:\n def __init__(self, W, b): self.W = W\n def forward(self, x): return x @ self.W\n"
WRONG = {
    "a str": ("class Relu:\n def forward(self, x): return 'out'", "Relu", False,
              "Relu.forward returned a str, not an array"),
    "None": ("class sigmoid:\n def forward(self, x): pass", "Sigmoid", False,
             "sigmoid.forward returned None, not an array"),
    "one value for two": ("class Mul:\n def forward(self, x, y): return x * y\n"
                          + " def backward(self, dout): return dout", "Mul", True,
                          "Mul.backward returned an array of float64, not 2 values (dx, dy)"),
    "dy None": ("class AddLayer:\n def forward(self, x, y): return x + y\n"
                + " def backward(self, dout): return dout, None", "Add", True,
                "AddLayer.backward: dy is None, not an array"),
    "Affine's three": (AFFINE + " def backward(self, dout): return dout, dout, dout", "Affine", True,
                       ("Affine.backward returned a tuple of 3 values; Affine.backward returns dx"
                        " (dW and db are set on self)")),
    "db not set": (AFFINE + " def backward(self, dout): self.dW = 0; return dout @ self.W.T",
                   "Affine", True, "Affine.backward did not set self.db"),
}


@pytest.mark.parametrize("case", WRONG)
def test_a_wrong_return_is_one_line(tmp_path, case):
    """A return the engine cannot use names the class, the method and what came back."""
    text, type_, backward, error = WRONG[case]
    inputs = {"Mul": 2, "Add": 2, "Affine": 0}.get(type_, 1)
    args = (np.ones((1, 2)), np.ones((2, 2)), np.ones(2)) if type_ == "Affine" else (np.ones(2),) * inputs
    with Learner(write(tmp_path, text)) as learner:
        call = learner.call(type_, args, np.ones((1, 2)) if backward else None)
    assert (call.outputs, call.error, call.frames) == (None, error, ())


LOOPS = """
    import os

    class Relu:
        def forward(self, x):
            while True:
                pass

    class Sigmoid:
        def forward(self, x):
            os._exit(3)

    class Add:
        def forward(self, x, y):
            return x + y
"""


def test_a_hang_is_stopped_within_the_timeout_and_the_next_call_works(tmp_path):
    """An endless loop is stopped after timeout (0.5 s here) with one line, its
    process killed; a new child imports the file and answers the next call."""
    with Learner(write(tmp_path, LOOPS), timeout=0.5) as learner:
        first = learner.pid
        start = time.perf_counter()
        call = learner.call("Relu", (np.ones(2),))
        assert time.perf_counter() - start < 1.5
        assert call == Call(None, "did not return within 0.5 s: stopped")
        assert not alive(first) and learner.pid != first
        np.testing.assert_array_equal(learner.call("Add", (np.ones(2), np.ones(2))).outputs[0], [2, 2])


def test_a_process_that_dies_is_reported_and_the_next_call_works(tmp_path):
    """os._exit in the learner's code ends its process: the exit code is said
    and the next call runs in a new child."""
    with Learner(write(tmp_path, LOOPS), timeout=0.5) as learner:
        assert learner.call("Sigmoid", (np.ones(2),)) == Call(
            None, "the layer's process ended (exit code 3)")
        np.testing.assert_array_equal(learner.call("Add", (np.ones(2), np.ones(2))).outputs[0], [2, 2])


@pytest.mark.parametrize("text, error", [
    ("x = 1\ndef f(:\n    pass\n", "does not import: SyntaxError: invalid syntax (line 2)"),
    ("import numpy\nimport no_such_module_here\n",
     "does not import: ModuleNotFoundError: No module named 'no_such_module_here' (line 2)"),
    ("while True:\n    pass\n", "does not import: did not finish within 0.5 s: stopped"),
    ("class Layer: pass\ndef sigmoid(x): return x\n",
     "no layer class of the book's names (MulLayer, AddLayer, Relu, Sigmoid, Affine, SoftmaxWithLoss)"),
])
def test_a_file_that_cannot_be_used_is_one_line_without_the_path(tmp_path, text, error):
    """A SyntaxError, a failing import, an endless import or no book class
    raise LearnerError with one line that leaves out the path."""
    with pytest.raises(LearnerError) as raised:
        Learner(write(tmp_path, text), timeout=0.5)
    assert str(raised.value) == error


def test_it_runs_like_python_file_but_skips_the_main_block(tmp_path):
    """The file's folder is on sys.path (a helper beside it imports) and an
    `if __name__ == "__main__":` block does not run."""
    write(tmp_path, "def double(v):\n    return 2 * v\n", "helper.py")
    path = write(tmp_path, """
        from helper import double

        class AddLayer:
            def forward(self, x, y):
                return double(x + y)

        if __name__ == "__main__":
            print("main ran")
    """)
    with Learner(path) as learner:
        assert learner.printed == ""
        np.testing.assert_array_equal(learner.call("Add", (np.ones(2), np.ones(2))).outputs[0], [4, 4])


def test_prints_never_reach_the_terminal_and_are_kept(tmp_path, capfd):
    """print and stderr at import and in a call, even os.write to fd 1, stay out
    of the parent's stdout and stderr; the Python-level ones are in `printed`."""
    path = write(tmp_path, """
        import os, sys
        print("importing")

        class Relu:
            def forward(self, x):
                print("x is", x)
                sys.stderr.write("careful\\n")
                os.write(1, b"raw fd 1")
                os.write(2, b"raw fd 2")
                return x
    """)
    with Learner(path) as learner:
        call = learner.call("Relu", (np.array([1.5]),))
        assert learner.printed == "importing\n"
    assert call.printed == "x is [1.5]\ncareful\n"
    assert capfd.readouterr() == ("", "")


def test_restart_imports_the_edited_file(tmp_path):
    """restart (the app's r key) runs the file as it is now, in a new child; a
    broken edit raises, and the calls after it say why until a good restart."""
    path = write(tmp_path, "class AddLayer:\n def forward(self, x, y): return x - y\n")
    with Learner(path) as learner:
        first = learner.pid
        write(tmp_path, "class AddLayer:\n def forward(self, x, y): return x + y\n")
        learner.restart()
        assert not alive(first)
        np.testing.assert_array_equal(learner.call("Add", (np.ones(1), np.ones(1))).outputs[0], [2])
        write(tmp_path, "class AddLayer:\n def forward(self, x, y) return x\n")
        with pytest.raises(LearnerError):
            learner.restart()
        assert learner.call("Add", (np.ones(1), np.ones(1))) == Call(
            None, "does not import: SyntaxError: expected ':' (line 2)")


def test_close_and_garbage_collection_leave_no_child(tmp_path):
    """close() ends the child (and later calls say so); a Learner dropped
    without close() ends its child when it is collected."""
    path = write(tmp_path, "class Relu: pass\n")
    learner = Learner(path)
    pid = learner.pid
    learner.close()
    assert not alive(pid) and learner.pid is None
    assert learner.call("Relu", (np.ones(1),)).error == "the layers' process was closed"
    dropped = Learner(path)
    pid = dropped.pid
    del dropped
    gc.collect()
    assert not alive(pid)


def test_a_restart_runs_an_edit_that_kept_the_files_size_and_time(tmp_path, monkeypatch):
    """With bytecode caching on, r runs an edit of the same size and mtime; no __pycache__ is left."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    path = write(tmp_path, "class AddLayer:\n def forward(self, x, y): return x - y\n")
    stamp = os.stat(path).st_mtime_ns
    with Learner(path) as learner:
        np.testing.assert_array_equal(learner.call("Add", (np.ones(1), np.ones(1))).outputs[0], [0])
        write(tmp_path, "class AddLayer:\n def forward(self, x, y): return x + y\n")
        os.utime(path, ns=(stamp, stamp))
        learner.restart()
        np.testing.assert_array_equal(learner.call("Add", (np.ones(1), np.ones(1))).outputs[0], [2])
    assert not (tmp_path / "__pycache__").exists()


# -- the child's side and the adapter in this process: the mutation run sees only the code a test
# runs in its own process, so these call child.load and adapt.call here, with exact results ------

def _fake_python(tmp_path, body: str) -> str:
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def imported(tmp_path, monkeypatch):
    """child.load of a file written under tmp_path, in this process; sys.path,
    sys.argv and the module it adds to sys.modules are put back afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    before = set(sys.modules)

    def load(text: str, name: str = "layers.py"):
        return child.load(write(tmp_path, text, name))

    yield load
    for name in set(sys.modules) - before:
        if name in ("layers", "mine", "helper", "learner_layers", "broken", "book_layers"):
            del sys.modules[name]


def _call(classes, type_, inputs, dout=None, path=""):
    return adapt.call(classes[type_], type_, inputs, dout, path)


def test_the_import_message_names_the_books_classes_and_what_was_printed(imported):
    """load() answers {"classes": type -> class name, "printed": ...} and the classes themselves."""
    message, classes = imported(BOOK + "\nprint('hello')\n", "book_layers.py")
    assert message == {"classes": {"Mul": "MulLayer", "Add": "AddLayer", "Relu": "Relu",
                                   "Sigmoid": "sigmoid", "Affine": "Affine",
                                   "SoftmaxWithLoss": "SoftmaxWithLoss"},
                       "printed": "hello\n"}
    assert {t: c.__name__ for t, c in classes.items()} == message["classes"]


@pytest.mark.parametrize("case", CASES)
def test_the_adapter_gives_the_built_in_numbers_in_process(imported, case):
    """adapt.call of the book's classes gives the built-in layers' numbers, shapes and dtype."""
    _, classes = imported(BOOK, "book_layers.py")
    type_, inputs, dout = CASES[case]
    out, saved = LAYER_TYPES[type_].forward(*inputs)
    grads = LAYER_TYPES[type_].backward(dout, saved)
    fwd, bwd = _call(classes, type_, inputs), _call(classes, type_, inputs, dout)
    assert (fwd.get("error"), bwd.get("error"), fwd["printed"], fwd["changed"]) == (None, None, "", ())
    assert len(fwd["outputs"]) == 1 and fwd["outputs"][0].shape == np.shape(out)
    assert fwd["outputs"][0].dtype == np.float64
    np.testing.assert_allclose(fwd["outputs"][0], out, rtol=1e-12)
    assert len(bwd["outputs"]) == len(grads)
    for mine, expected in zip(bwd["outputs"], grads):
        if expected is None:
            assert mine is None
        else:
            assert mine.dtype == np.float64 and mine.shape == expected.shape
            np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-15)


def test_the_in_place_relu_is_reported_as_a_write_into_dout_in_process(imported):
    """The book's dout[self.mask] = 0: changed == ("dout",), the mask kept, the caller's arrays untouched."""
    _, classes = imported(BOOK)
    x, dout = np.array([1.0, -2.0, 3.0, 0.0]), np.array([5.0, 6.0, 7.0, 8.0])
    result = _call(classes, "Relu", (x,), dout)
    assert result["changed"] == ("dout",) and "error" not in result
    np.testing.assert_array_equal(result["outputs"][0], [5.0, 0.0, 7.0, 0.0])
    assert result["mask"].tolist() == [False, True, False, True]
    assert dout.tolist() == [5.0, 6.0, 7.0, 8.0] and x.tolist() == [1.0, -2.0, 3.0, 0.0]
    forward = _call(classes, "Relu", (x,))
    assert forward["changed"] == () and forward["mask"].tolist() == [False, True, False, True]


def test_a_write_in_forward_is_not_blamed_on_backward_and_its_prints_are_dropped(imported):
    """A backward call reports only what backward wrote and printed: forward's were said at the forward step."""
    _, classes = imported("""
        class Relu:
            def forward(self, x):
                x[0] = 9.0
                print("forward")
                return x
            def backward(self, dout):
                print("backward")
                return dout
    """)
    x = np.array([1.0, 2.0])
    forward = _call(classes, "Relu", (x,))
    assert (forward["changed"], forward["printed"]) == (("x",), "forward\n")
    backward = _call(classes, "Relu", (x,), np.array([3.0, 4.0]))
    assert (backward["changed"], backward["printed"]) == ((), "backward\n")
    assert backward["outputs"][0].tolist() == [3.0, 4.0] and "mask" not in backward


def test_an_exception_in_process_gives_its_line_and_the_learners_frames(imported, tmp_path):
    """`Type: message` and the frames in the learner's file, last frame last."""
    path = str(tmp_path / "mine.py")
    _, classes = imported("""\
        import numpy as np

        def scale(v):
            return v / 0

        class Relu:
            def forward(self, x):
                return x

            def backward(self, dout):
                return scale(1)
    """, "mine.py")
    result = _call(classes, "Relu", (np.ones(2),), np.ones(2), path)
    assert result == {"outputs": None, "error": "ZeroDivisionError: division by zero",
                      "frames": (("mine.py", 11, "backward", "return scale(1)"),
                                 ("mine.py", 4, "scale", "return v / 0")),
                      "printed": "", "changed": ()}


@pytest.mark.parametrize("case", WRONG)
def test_a_wrong_return_is_one_line_in_process(imported, case):
    """The same lines as through the child: class, method, what came back."""
    text, type_, backward, error = WRONG[case]
    _, classes = imported(text)
    inputs = {"Mul": 2, "Add": 2, "Affine": 0}.get(type_, 1)
    args = (np.ones((1, 2)), np.ones((2, 2)), np.ones(2)) if type_ == "Affine" else (np.ones(2),) * inputs
    result = _call(classes, type_, args, np.ones((1, 2)) if backward else None)
    assert (result["outputs"], result["error"], result.get("frames", ())) == (None, error, ())


MORE_WRONG = {
    "a list for Relu": ("class Relu:\n def forward(self, x): return x\n def backward(self, d): return [d]",
                        "Relu", "Relu.backward returned a list of 1 value, not one array (dx)"),
    "a complex array": ("class Relu:\n def forward(self, x): return x\n def backward(self, d): return d * 1j",
                        "Relu", "Relu.backward returned an array of complex128, not an array"),
    "a huge int": ("class Relu:\n def forward(self, x): return x\n def backward(self, d): return 10 ** 400",
                   "Relu", "Relu.backward returned a number too large for a float"),
    "dW not set": ("class Affine:\n def __init__(self, W, b): self.W = W\n def forward(self, x): return x\n"
                   " def backward(self, d): return d", "Affine", "Affine.backward did not set self.dW"),
    "db a str": ("class Affine:\n def __init__(self, W, b): self.W = W\n def forward(self, x): return x\n"
                 " def backward(self, d): self.dW = d; self.db = 'b'; return d",
                 "Affine", "Affine.backward: self.db is a str, not an array"),
    "dx a dict": ("class Mul:\n def forward(self, x, y): return x\n def backward(self, d): return {}, d",
                  "Mul", "Mul.backward: dx is a dict, not an array"),
    "three for Mul": ("class Mul:\n def forward(self, x, y): return x\n def backward(self, d): return d, d, d",
                      "Mul", "Mul.backward returned a tuple of 3 values, not 2 values (dx, dy)"),
}


@pytest.mark.parametrize("case", MORE_WRONG)
def test_each_unusable_return_says_what_it_was(imported, case):
    """A list, a complex array, an int beyond float, an unset or non-numeric dW/db, a dict: each one line."""
    text, type_, error = MORE_WRONG[case]
    _, classes = imported(text)
    args = {"Relu": (np.ones(2),), "Mul": (np.ones(2), np.ones(2)),
            "Affine": (np.ones((1, 2)), np.ones((2, 2)), np.ones(2))}[type_]
    result = _call(classes, type_, args, np.ones((1, 2)) if type_ == "Affine" else np.ones(2))
    assert (result["outputs"], result["error"]) == (None, error)


def test_numbers_of_any_numeric_kind_come_back_as_float64_arrays():
    """as_array: bool, int, float, numpy scalars and int arrays become new float64 arrays."""
    for value, expected in ((True, 1.0), (3, 3.0), (2.5, 2.5), (np.int32(4), 4.0), (np.float32(0.5), 0.5)):
        a = adapt.as_array(value, "x is")
        assert type(a) is np.ndarray and a.dtype == np.float64 and a.shape == () and a == expected
    given = np.array([1, 2], dtype=np.int8)
    a = adapt.as_array(given, "x is")
    assert a.dtype == np.float64 and a.tolist() == [1.0, 2.0] and a is not given
    floats = np.array([1.5])
    assert adapt.as_array(floats, "x is") is not floats
    assert adapt.as_array(np.array([True, False]), "x is").tolist() == [1.0, 0.0]
    assert adapt.as_array(np.array([7], dtype=np.uint8), "x is").tolist() == [7.0]


def test_what_came_back_is_named_by_its_kind():
    """The error line names what forward returned: None, a tuple of 1 value / 0 values, a list of 2, an array of
    its dtype, a type's name."""
    def said(value):
        class Relu:
            def forward(self, x):
                return value
        return adapt.call(Relu, "Relu", (np.ones(2),), None, "")["error"]

    assert said(None) == "Relu.forward returned None, not an array"
    assert said((1,)) == "Relu.forward returned a tuple of 1 value, not an array"
    assert said([1, 2]) == "Relu.forward returned a list of 2 values, not an array"
    assert said(()) == "Relu.forward returned a tuple of 0 values, not an array"
    assert said(np.array(["a", "b"])) == "Relu.forward returned an array of <U1, not an array"
    assert said("s") == "Relu.forward returned a str, not an array"


def test_the_book_classes_are_found_by_any_case_the_books_spelling_first():
    """find_classes: MulLayer beats Mul, Add beats add, the first alphabetically after that; functions do not count."""
    class A: pass  # noqa: E701
    ns = {"Mul": A, "MulLayer": A, "add": A, "Add": A, "RELU": A, "relu": A, "sigmoid": lambda x: x,
          "affine": A, "Softmaxwithloss": A, "SoftmaxWithLoss": A, "Other": A}
    assert adapt.find_classes(ns) == {"Mul": "MulLayer", "Add": "Add", "Relu": "RELU",
                                      "Affine": "affine", "SoftmaxWithLoss": "SoftmaxWithLoss"}
    assert list(adapt.find_classes({"relu": A, "mullayer": A, "Sigmoid": A})) == ["Mul", "Relu", "Sigmoid"]
    assert adapt.find_classes({"MulLayer": A, "mul": A}) == {"Mul": "MulLayer"}
    assert adapt.find_classes({"mul": A, "Mul": A}) == {"Mul": "Mul"}
    assert adapt.find_classes({"mUl": A, "mul": A}) == {"Mul": "mUl"}


def test_a_long_message_is_one_line_cut_at_300_characters():
    """one_line joins the lines and cuts a long text with an ellipsis at the limit."""
    assert adapt.one_line("a\n  b\tc ") == "a b c"
    assert adapt.one_line("x" * 300) == "x" * 300
    assert adapt.one_line("x" * 301) == "x" * 299 + "…"
    assert adapt.one_line("abcdef", limit=4) == "abc…"


def test_an_exception_is_described_by_its_type_and_message():
    """Type: message; the type alone for an empty message or a __str__ that fails."""
    class Odd(Exception):
        def __str__(self):
            raise RuntimeError("no")

    assert adapt.describe_exception(ValueError("bad\nvalue")) == "ValueError: bad value"
    assert adapt.describe_exception(KeyError()) == "KeyError"
    assert adapt.describe_exception(Odd()) == "Odd"


def test_a_syntax_error_is_described_by_its_line_and_the_other_files_name(tmp_path):
    """In the learner's own file: (line N); in a file it imports: (helper.py, line N)."""
    path = str(tmp_path / "layers.py")
    own = SyntaxError("invalid syntax", (path, 3, 1, "x(", 3, 2))
    assert adapt.describe_exception(own, path) == "SyntaxError: invalid syntax (line 3)"
    other = SyntaxError("expected ':'", (str(tmp_path / "helper.py"), 7, 1, "def f()", 7, 2))
    assert adapt.describe_exception(other, path) == "SyntaxError: expected ':' (helper.py, line 7)"
    assert adapt.describe_exception(other) == "SyntaxError: expected ':' (line 7)"
    nameless = SyntaxError("bad", (None, 2, 1, "", 2, 1))
    assert adapt.describe_exception(nameless, path) == "SyntaxError: bad (line 2)"


def test_a_deep_traceback_keeps_the_last_ten_frames_of_the_learners_file(imported, tmp_path):
    """A RecursionError's thousand frames: the last FRAME_LIMIT (10) in the file, each (name, line, function, code)."""
    path = str(tmp_path / "layers.py")
    _, classes = imported("class Relu:\n def forward(self, x): return self.forward(x)\n")
    result = _call(classes, "Relu", (np.ones(1),), None, path)
    assert result["error"] == "RecursionError: maximum recursion depth exceeded"
    assert result["frames"] == (("layers.py", 2, "forward", "def forward(self, x): return self.forward(x)"),) * 10
    assert adapt.FRAME_LIMIT == 10


def test_prints_are_kept_up_to_ten_thousand_characters_and_the_rest_counted():
    """Capture keeps PRINT_LIMIT characters and says how many more there were."""
    printed = adapt.Capture()
    assert printed.writable() is True
    assert printed.write("a" * 9_998) == 9_998
    assert printed.text() == "a" * 9_998
    assert printed.write(12345) == 5
    assert printed.text() == "a" * 9_998 + "12\n… (3 more characters)"
    assert printed.size == 10_003
    assert printed.write("zz") == 2
    assert printed.text() == "a" * 9_998 + "12\n… (5 more characters)"
    exact = adapt.Capture()
    exact.write("b" * 10_000)
    assert exact.text() == "b" * 10_000


def test_the_inputs_are_handed_as_fresh_float64_rows_and_one_hot_t():
    """hand: writable float64 copies; Affine and SoftmaxWithLoss take a 1-D x (and dout) as one row; t one-hot."""
    x = np.array([1, 2], dtype=np.int64)
    h = adapt.hand("Mul", (x, np.array([3.0, 4.0])), None)
    assert h.init == () and h.dout is None and h.one_row is False
    assert [a.tolist() for a in h.args] == [[1.0, 2.0], [3.0, 4.0]] and h.args[0].dtype == np.float64
    assert h.args[0] is not x and list(h.named) == ["x", "y", "dout"]
    h = adapt.hand("Affine", (np.array([1.0, 2.0]), np.ones((2, 3)), np.zeros(3)), np.array([1.0, 2.0, 3.0]))
    assert h.one_row and h.args[0].shape == (1, 2) and h.dout.shape == (1, 3)
    assert [a.shape for a in h.init] == [(2, 3), (3,)] and list(h.named) == ["x", "W", "b", "dout"]
    h = adapt.hand("Affine", (np.ones((2, 2)), np.ones((2, 3)), np.zeros(3)), np.ones((2, 3)))
    assert not h.one_row and h.args[0].shape == (2, 2) and h.dout.shape == (2, 3)
    h = adapt.hand("Relu", (np.array([1.0, 2.0]),), np.array([5.0, 6.0]))
    assert not h.one_row and h.dout.tolist() == [5.0, 6.0] and h.named["dout"] is h.dout
    h = adapt.hand("SoftmaxWithLoss", (np.array([0.1, 0.2, 0.3]), np.array([2.0])), np.array(1.0))
    assert h.one_row and h.args[0].shape == (1, 3) and h.args[1].tolist() == [[0.0, 0.0, 1.0]]
    assert h.dout.shape == () and list(h.named) == ["x", "t", "dout"]
    h = adapt.hand("SoftmaxWithLoss", (np.zeros((2, 3)), np.array([1.0, 0.0])), None)
    assert h.args[1].tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]] and not h.one_row
    onehot = np.array([[0.0, 0.0, 1.0]])
    h = adapt.hand("SoftmaxWithLoss", (np.zeros((1, 3)), onehot), None)
    assert h.args[1].tolist() == [[0.0, 0.0, 1.0]]
    h = adapt.hand("SoftmaxWithLoss", (np.zeros(3), np.array([0.0, 1.0, 0.0])), None)
    assert h.args[1].tolist() == [[0.0, 1.0, 0.0]] and h.args[1].shape == (1, 3)


def test_a_one_row_result_comes_back_one_dimensional():
    """Affine's (1, M) result loses its row axis only when a 1-D x was handed as one row; other shapes stay."""
    def shape(x, result):
        class Affine:
            def __init__(self, W, b):
                pass

            def forward(self, x):
                return result
        return adapt.call(Affine, "Affine", (x, np.ones((2, 3)), np.zeros(3)), None, "")["outputs"][0].shape

    assert shape(np.ones(2), np.ones((1, 3))) == (3,)
    assert shape(np.ones((1, 2)), np.ones((1, 3))) == (1, 3)
    assert shape(np.ones(2), np.ones((2, 3))) == (2, 3)
    assert shape(np.ones(2), np.ones(3)) == (3,)


def test_inputs_the_adapter_cannot_pass_are_one_line():
    """An input that is not numbers: cannot pass the inputs, with numpy's reason."""
    result = adapt.call(object, "Relu", (["a"],), None, "")
    assert result == {"outputs": None, "error": "cannot pass the inputs: ValueError: "
                                                "could not convert string to float: 'a'"}


def test_a_softmax_that_fails_on_labels_says_t_was_one_hot(imported):
    """An IndexError or ValueError in SoftmaxWithLoss adds that t came as one-hot rows; others do not."""
    _, classes = imported("""
        class SoftmaxWithLoss:
            def forward(self, x, t):
                return x[0, int(t.sum()) + 5]
        class Relu:
            def forward(self, x):
                return x[5]
    """)
    result = _call(classes, "SoftmaxWithLoss", (np.zeros((1, 2)), np.array([1.0])))
    assert result["error"] == ("IndexError: index 6 is out of bounds for axis 1 with size 2"
                               " (t was handed as one-hot rows, as the notebook's SoftmaxWithLoss expects)")
    assert _call(classes, "Relu", (np.zeros(2),))["error"] == (
        "IndexError: index 5 is out of bounds for axis 0 with size 2")


def test_a_system_exit_in_the_learners_code_is_an_error_not_an_exit(imported):
    """sys.exit() in a call is reported as SystemExit; printed text before it is kept."""
    _, classes = imported("import sys\nclass Relu:\n def forward(self, x):\n  print('bye')\n  sys.exit(2)\n")
    result = _call(classes, "Relu", (np.zeros(1),))
    assert (result["outputs"], result["error"], result["printed"]) == (None, "SystemExit: 2", "bye\n")


def test_the_file_is_imported_as_python_file_runs_it_without_the_main_block(imported, tmp_path):
    """Its folder first on sys.path (a helper imports), sys.argv = [FILE], no __main__ block, a fresh compile."""
    write(tmp_path, "def double(v):\n    return 2 * v\n", "helper.py")
    message, classes = imported("""
        import sys
        from helper import double
        ARGV = list(sys.argv)

        class AddLayer:
            def forward(self, x, y):
                return double(x + y)

        if __name__ == "__main__":
            print("main ran")
    """)
    path = str(tmp_path / "layers.py")
    assert sys.path[0] == str(tmp_path) and sys.argv == [path]
    assert message == {"classes": {"Add": "AddLayer"}, "printed": ""}
    module = sys.modules["layers"]
    assert module.ARGV == [path] and module.__name__ == "layers"
    assert _call(classes, "Add", (np.ones(2), np.ones(2)))["outputs"][0].tolist() == [4.0, 4.0]
    assert list(tmp_path.glob("__pycache__/layers.*")) == []  # the file itself is compiled afresh


def test_a_file_that_does_not_import_gives_its_error_and_frames(imported):
    """A SyntaxError: its line, no frames; an exception at import: its line and the file's frames; prints kept."""
    message, classes = imported("print('before')\nx = 1\ndef f(:\n    pass\n", "broken.py")
    assert (message, classes) == ({"error": "SyntaxError: invalid syntax (line 3)", "frames": (),
                                   "printed": ""}, {})
    message, classes = imported("print('before')\nimport no_such_module_here\n", "broken.py")
    assert classes == {} and message == {
        "error": "ModuleNotFoundError: No module named 'no_such_module_here' (line 2)",
        "frames": (("broken.py", 2, "<module>", "import no_such_module_here"),), "printed": "before\n"}
    message, _ = imported("import sys\nsys.exit(3)\n", "broken.py")
    assert message["error"] == "SystemExit: 3 (line 2)"


def test_the_module_is_named_after_the_file_unless_it_cannot_be(imported):
    """__name__, as the file prints it at import: the stem when it is an identifier not yet imported; else
    learner_layers."""
    def name(file):
        return imported("print(__name__)\n", file)[0]["printed"]

    assert name("mine.py") == "mine\n"
    assert name("my-layers.py") == "learner_layers\n"
    assert name("numpy.py") == "learner_layers\n"
    assert name("layers.txt") == "layers\n"
    message, _ = imported("class Relu: pass\n", "my-layers.py")
    assert message["classes"] == {"Relu": "Relu"} and "learner_layers" in sys.modules


def test_the_fresh_loader_compiles_the_current_text_each_time(imported, tmp_path, monkeypatch):
    """Each import runs the file as it is now (an edit of the same size and mtime, bytecode caching on), and its
    frames are the file's."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    text = "A = {}\nclass Relu:\n def forward(self, x):\n  return x * A\n def backward(self, dout):\n  return 1 / 0\n"
    path = write(tmp_path, text.format(1))
    stamp = os.stat(path).st_mtime_ns
    _, classes = imported(text.format(1))
    assert _call(classes, "Relu", (np.ones(1),))["outputs"][0].tolist() == [1.0]
    _, classes = imported(text.format(2))
    os.utime(path, ns=(stamp, stamp))
    _, classes = imported(text.format(2))
    assert _call(classes, "Relu", (np.ones(1),))["outputs"][0].tolist() == [2.0]
    assert _call(classes, "Relu", (np.ones(1),), np.ones(1), path)["frames"] == (
        ("layers.py", 6, "backward", "return 1 / 0"),)


def _reply(conn: Connection):
    assert conn.poll(5), "no reply within 5 s"
    return conn.recv()


def _child_here(path: str, requests: list) -> tuple[Connection, object, object]:
    """child.main on ``path`` in this process, ``requests`` sent on its fd 0
    and its replies read from its fd 1 (fds 0-2 and SIGINT restored after):
    the replies, the SIGINT handler the child set, and the module it imported."""
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    sending = Connection(request_w, readable=False)
    for request in requests:
        sending.send(request)
    sending.close()
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    handler = signal.getsignal(signal.SIGINT)
    try:
        os.dup2(request_r, 0)
        os.dup2(reply_w, 1)
        os.close(request_r)
        os.close(reply_w)
        child.main(["child", path])
    finally:
        for fd, copy in zip((0, 1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)
        ignored = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, handler)
        module = sys.modules.pop("layers", None)
    return Connection(reply_r, writable=False), ignored, module


def test_the_child_answers_hello_the_import_and_each_call_until_stdin_closes(tmp_path, monkeypatch):
    """child.main on fds 0/1: hello, the import, a reply per call; fds 0-2 on /dev/null, Ctrl-C ignored."""
    path = write(tmp_path, """
        import os
        FDS = [os.readlink(f"/proc/self/fd/{fd}") for fd in range(3)]

        class AddLayer:
            def forward(self, x, y):
                print("adding")
                return x + y
            def backward(self, dout):
                return dout, 2 * dout

        class Sigmoid:
            def forward(self, x):
                return 1 / 0
    """)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    watched = []
    monkeypatch.setattr(child, "_watch_parent", lambda: watched.append(True))
    replies, ignored, module = _child_here(os.path.relpath(path), [
        ("call", "Add", (np.ones(2), np.array([1.0, 2.0])), None),
        ("call", "Add", (np.ones(2), np.ones(2)), np.array([1.0, 3.0])),
        ("call", "Sigmoid", (np.ones(2),), None),
        ("call", "Relu", (np.ones(2),), None)])
    assert _reply(replies) == ("hello",)
    assert _reply(replies) == {"classes": {"Add": "AddLayer", "Sigmoid": "Sigmoid"}, "printed": ""}
    add = _reply(replies)
    assert add["outputs"][0].tolist() == [2.0, 3.0] and add["printed"] == "adding\n" and "error" not in add
    back = _reply(replies)
    assert [g.tolist() for g in back["outputs"]] == [[1.0, 3.0], [2.0, 6.0]]
    sigmoid = _reply(replies)
    assert (sigmoid["error"], sigmoid["frames"]) == (
        "ZeroDivisionError: division by zero", (("layers.py", 14, "forward", "return 1 / 0"),))
    assert _reply(replies) == {"outputs": None, "error": "the file has no Relu class"}
    assert ignored == signal.SIG_IGN and watched == [True]
    assert module.FDS == ["/dev/null"] * 3
    assert sys.argv == [path]


def test_the_child_ends_itself_when_its_parent_is_gone(monkeypatch):
    """_watch_parent's thread (daemon, "watch-parent") looks every 0.5 s and exits with 0 once the parent changed."""
    import time

    sleeps, exits = [], []
    ppids = iter([100, 100, 100, 1])
    done = threading.Event()

    def end(code):
        me = threading.current_thread()
        exits.append((code, me.name, me.daemon))
        done.set()
        raise SystemExit

    monkeypatch.setattr(os, "getppid", lambda: next(ppids))
    monkeypatch.setattr(time, "sleep", lambda s: sleeps.append(s) if len(sleeps) < 10 else end("looped"))
    monkeypatch.setattr(os, "_exit", end)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the SystemExit that ends it
    child._watch_parent()
    assert done.wait(5)
    for thread in threading.enumerate():
        if thread.name == "watch-parent":
            thread.join(5)
    assert exits == [(0, "watch-parent", True)] and sleeps == [0.5, 0.5, 0.5]


def test_how_the_childs_end_is_said(tmp_path):
    """A call whose process ends: a signal by its name, an exit code (0 too) by its number, a signal without a
    name (a real-time one, 40) as a code."""
    path = write(tmp_path, """
        import os
        class Relu:
            def forward(self, x):
                code = int(x[0])
                if code < 0:
                    os.kill(os.getpid(), -code)
                os._exit(code)
    """)
    with Learner(path) as learner:
        def said(code):
            return learner.call("Relu", (np.array([float(code)]),)).error
        assert said(-9) == "the layer's process ended (signal SIGKILL)"
        assert said(-11) == "the layer's process ended (signal SIGSEGV)"
        assert said(0) == "the layer's process ended (exit code 0)"
        assert said(3) == "the layer's process ended (exit code 3)"
        assert said(-40) == "the layer's process ended (exit code -40)"


def test_a_child_that_never_said_hello_is_explained_by_its_last_stderr_line(tmp_path, monkeypatch):
    """A Python that ends before hello: its end, then ': <last line>' of its stderr (bad bytes replaced), nothing
    for an empty stderr; a stderr already closed reads as nothing."""
    from backprop_engine.learner.runner import _last_line  # a closed pipe: no way to it through Learner
    path = write(tmp_path, ADD_ONLY)
    for stderr, said in ((r"Traceback\n  File x\nImportError: no numpy\n\n", ": ImportError: no numpy"),
                         (r"bad \377 byte\n", ": bad \ufffd byte"), ("", "")):
        monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, f"printf '{stderr}' >&2\nexit 1\n"))
        with pytest.raises(LearnerError) as raised:
            Learner(path)
        assert str(raised.value) == "the layer's process ended (exit code 1)" + said
    closed = subprocess.Popen(["true"], stderr=subprocess.PIPE)
    closed.wait()
    closed.stderr.close()
    assert _last_line(closed) == ""


def test_an_import_error_keeps_the_learners_frames(tmp_path):
    """LearnerError for an exception at import carries the file's frames."""
    path = write(tmp_path, "x = 1\nraise KeyError('k')\n", "broken.py")
    with pytest.raises(LearnerError) as raised:
        Learner(path)
    assert str(raised.value) == "does not import: KeyError: 'k' (line 2)"
    assert raised.value.frames == (("broken.py", 2, "<module>", "raise KeyError('k')"),)
    assert LearnerError("m").frames == ()


def test_a_bundled_name_a_path_or_a_toml_file_name_resolves(tmp_path, monkeypatch):
    """resolve: a path or a .toml name as given, a bundled name to its file, else the closest name."""
    from backprop_engine import ScenarioError, bundled, resolve
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").write_text("")
    assert resolve("apple") == bundled()["apple"]
    assert str(resolve("mine")) == "mine" and str(resolve("new.toml")) == "new.toml"
    assert str(resolve("sub/apple")) == "sub/apple"
    with pytest.raises(ScenarioError) as raised:
        resolve("aple")
    assert raised.value.problems[0].startswith("no such file, and no bundled scenario of that name (did you mean "
                                               "'apple'?) (bundled: affine_one, affine_softmax, apple,")


ADD_ONLY = "class AddLayer:\n def forward(self, x, y): return x + y\n"


def test_a_call_names_the_type_by_the_books_name_or_refuses_it(tmp_path):
    """call: "AddLayer" is Add; a type the file lacks is one line naming the file; a type no book layer has raises."""
    with Learner(write(tmp_path, ADD_ONLY)) as learner:
        assert learner.call("AddLayer", (np.ones(1), np.ones(1))).outputs[0].tolist() == [2.0]
        assert learner.call("Relu", (np.ones(1),)) == Call(None, "layers.py has no Relu class")
        with pytest.raises(ValueError, match=r"^not a layer type of the book: 'Exp'$"):
            learner.call("Exp", (np.ones(1),))


def test_a_call_interrupted_between_request_and_reply_gets_a_new_child_next_time(tmp_path, monkeypatch):
    """Ctrl-C during a call: it raises, the child is dropped, and the next call starts a new one and answers."""
    with Learner(write(tmp_path, ADD_ONLY)) as learner:
        first = learner.pid

        def interrupted(*args):
            raise KeyboardInterrupt

        monkeypatch.setattr(learner, "_exchange", interrupted)
        with pytest.raises(KeyboardInterrupt):
            learner.call("Add", (np.ones(1), np.ones(1)))
        assert learner.pid is None
        monkeypatch.undo()
        assert learner.call("Add", (np.ones(1), np.ones(1))).outputs[0].tolist() == [2.0]
        assert learner.pid not in (None, first)


def test_a_child_killed_between_calls_is_reported_and_replaced(tmp_path):
    """The child killed from outside: the next call says how it ended; the one after runs in a new child."""
    import time
    with Learner(write(tmp_path, ADD_ONLY)) as learner:
        first = learner.pid
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        assert learner.call("Add", (np.ones(1), np.ones(1))) == Call(
            None, "the layer's process ended (signal SIGKILL)")
        assert learner.call("Add", (np.ones(1), np.ones(1))).outputs[0].tolist() == [2.0]
        assert learner.pid != first


def test_mul_and_add_win_over_other_spellings_after_the_books():
    """find_classes: Mul beats MUL and Add beats ADD (though upper case sorts first)."""
    class A: pass  # noqa: E701
    assert adapt.find_classes({"MUL": A, "Mul": A}) == {"Mul": "Mul"}
    assert adapt.find_classes({"ADD": A, "Add": A}) == {"Add": "Add"}


def test_a_frame_whose_line_is_gone_has_no_code(imported, tmp_path):
    """The file deleted after its import: the frame keeps name, line and function, with no code line."""
    path = str(tmp_path / "layers.py")
    _, classes = imported("class Relu:\n def forward(self, x):\n  return 1 / 0\n")
    os.remove(path)
    result = _call(classes, "Relu", (np.ones(1),), None, path)
    assert result["frames"] == (("layers.py", 3, "forward", ""),)


def test_one_character_past_the_limit_is_counted():
    """10,001 characters printed: the first 10,000 and '… (1 more characters)'."""
    printed = adapt.Capture()
    printed.write("c" * 10_001)
    assert printed.text() == "c" * 10_000 + "\n… (1 more characters)"


def test_dout_is_handed_as_float64_whatever_it_was():
    """hand: an integer dout becomes a float64 copy."""
    given = np.array([1, 2])
    h = adapt.hand("Relu", (np.array([1.0, -1.0]),), given)
    assert h.dout.dtype == np.float64 and h.dout.tolist() == [1.0, 2.0] and h.dout is not given


def test_a_one_row_db_comes_back_one_dimensional(imported):
    """A 1-D x: an Affine that sets db = dout (5.6.1's one sample) gives db of shape (M,), like the built-in."""
    _, classes = imported("""
        import numpy as np
        class Affine:
            def __init__(self, W, b):
                self.W = W
            def forward(self, x):
                self.x = x
                return x @ self.W
            def backward(self, dout):
                self.dW = self.x.T @ dout
                self.db = dout
                return dout @ self.W.T
    """)
    result = _call(classes, "Affine", (np.array([1.0, 2.0]), np.ones((2, 3)), np.zeros(3)), np.array([1.0, 2.0, 3.0]))
    dx, dW, db = result["outputs"]
    assert (dx.shape, dW.shape, db.shape) == ((2,), (2, 3), (3,)) and db.tolist() == [1.0, 2.0, 3.0]


def test_only_a_relus_mask_is_kept(imported):
    """A Sigmoid with a self.mask: no mask in the result."""
    _, classes = imported("""
        import numpy as np
        class Sigmoid:
            def forward(self, x):
                self.mask = x > 0
                return x
    """)
    assert "mask" not in _call(classes, "Sigmoid", (np.array([1.0, -1.0]),))


def test_writes_to_sys_stderr_are_kept_at_import_and_in_a_call(imported):
    """sys.stderr.write at import and in a call lands in printed, as print does."""
    message, classes = imported("""
        import sys
        sys.stderr.write("loading\\n")
        class Relu:
            def forward(self, x):
                sys.stderr.write("careful\\n")
                return x
    """)
    assert message["printed"] == "loading\n"
    assert _call(classes, "Relu", (np.ones(1),))["printed"] == "careful\n"


def test_a_syntax_error_raised_in_a_call_names_its_source(imported, tmp_path):
    """eval of bad code in forward: the SyntaxError names '<string>', which is not the learner's file."""
    path = str(tmp_path / "layers.py")
    _, classes = imported("class Relu:\n def forward(self, x):\n  return eval('1 +')\n")
    result = _call(classes, "Relu", (np.ones(1),), None, path)
    assert result["error"] == "SyntaxError: invalid syntax (<string>, line 1)"


def test_nan_in_an_input_left_alone_is_not_a_write(imported):
    """changed compares with nan equal to nan: an untouched x holding nan is not reported."""
    _, classes = imported("class Relu:\n def forward(self, x):\n  return x\n")
    assert _call(classes, "Relu", (np.array([np.nan, 1.0]),))["changed"] == ()


def test_the_learners_module_has_its_file(imported, tmp_path):
    """The module imported from the file has __file__ = the file, as python FILE.py gives it."""
    imported("import os\nWHERE = __file__\nclass Relu: pass\n")
    assert sys.modules["layers"].WHERE == str(tmp_path / "layers.py")


def test_a_syntax_error_in_a_helper_names_the_helper_without_a_second_line(imported, tmp_path):
    """The file imports helper.py, which does not parse: (helper.py, line 1), no '(line N)' of the import."""
    write(tmp_path, "def f(:\n", "helper.py")
    message, _ = imported("import helper\nclass Relu: pass\n")
    assert message["error"] == "SyntaxError: invalid syntax (helper.py, line 1)"
    assert message["frames"] == (("layers.py", 1, "<module>", "import helper"),)


def test_a_reply_that_cannot_be_pickled_is_said_as_one_line(tmp_path, monkeypatch):
    """child.main sends {"outputs": None, "error": "cannot send the result: ..."} when a reply does not pickle."""
    import pickle
    path = write(tmp_path, "class Relu:\n def forward(self, x): return x\n")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(child, "_watch_parent", lambda: None)
    unpicklable = {"outputs": (lambda: 0,)}
    monkeypatch.setattr(adapt, "call", lambda *args: unpicklable)
    try:
        pickle.dumps(unpicklable)
    except Exception as e:
        expected = f"cannot send the result: {adapt.one_line(str(e))}"
    replies, _, _ = _child_here(path, [("call", "Relu", (np.ones(2),), None)])
    assert _reply(replies) == ("hello",) and _reply(replies)["classes"] == {"Relu": "Relu"}
    assert _reply(replies) == {"outputs": None, "error": expected}
    assert expected.startswith("cannot send the result: Can't pickle")


def test_stopping_a_child_kills_it_and_closes_its_stderr():
    """_stop: the process is killed and reaped, its stderr pipe closed; a process without a stderr pipe stops too."""
    from backprop_engine.learner.runner import _stop
    piped = subprocess.Popen(["sleep", "30"], stderr=subprocess.PIPE)
    _stop(piped, ())
    assert piped.returncode == -signal.SIGKILL and piped.stderr.closed
    bare = subprocess.Popen(["sleep", "30"])
    _stop(bare, ())
    assert bare.returncode == -signal.SIGKILL


def test_the_child_finds_this_engine_first_on_its_path(tmp_path, monkeypatch):
    """The learner's code sees PYTHONPATH with the folder holding backprop_engine first, before what it held."""
    import backprop_engine
    root = str(Path(backprop_engine.__file__).resolve().parents[1])
    path = write(tmp_path, "import os\nprint(os.environ['PYTHONPATH'])\nclass Relu: pass\n")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    with Learner(path) as learner:
        assert learner.printed == os.pathsep.join([root, "/elsewhere"]) + "\n"
    monkeypatch.delenv("PYTHONPATH")
    with Learner(path) as learner:
        assert learner.printed == root + "\n"


def test_the_child_imports_the_same_engine_as_the_parent(tmp_path):
    """The learner's file, run in the child, sees backprop_engine from the parent's folder."""
    import backprop_engine
    path = write(tmp_path, "import backprop_engine\nprint(backprop_engine.__file__)\nclass Relu: pass\n")
    with Learner(path) as learner:
        assert learner.printed == backprop_engine.__file__ + "\n"


def test_a_path_that_is_no_file_is_refused_before_a_child_starts(tmp_path):
    """Learner(path): 'no such file' for a missing path, 'not a file' for a folder; the timeout is 5 s by default."""
    for path, line in ((tmp_path / "missing.py", "no such file"), (tmp_path, "not a file")):
        with pytest.raises(LearnerError) as raised:
            Learner(path)
        assert str(raised.value) == line
    with Learner(write(tmp_path, ADD_ONLY)) as learner:
        assert learner.timeout == 5.0


def test_a_process_that_ends_during_the_import_is_said_so(tmp_path):
    """os._exit(3) at import: 'does not import: the layer's process ended (exit code 3)'."""
    with pytest.raises(LearnerError) as raised:
        Learner(write(tmp_path, "import os\nos._exit(3)\n"))
    assert str(raised.value) == "does not import: the layer's process ended (exit code 3)"


def test_a_python_that_cannot_start_the_child_is_one_line(tmp_path, monkeypatch):
    """No interpreter, one that dies before hello, one that never says hello: each one line."""
    from backprop_engine.learner import runner
    path = write(tmp_path, ADD_ONLY)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no_python_here"))
    with pytest.raises(LearnerError) as raised:
        Learner(path)
    assert str(raised.value).startswith("cannot start Python: [Errno 2] No such file or directory")
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, "echo first >&2\necho 'no numpy' >&2\nexit 7\n"))
    with pytest.raises(LearnerError) as raised:
        Learner(path)
    assert str(raised.value) == "the layer's process ended (exit code 7): no numpy"
    monkeypatch.setattr(runner, "_START_LIMIT", 0.3)
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, "exec sleep 5\n"))
    with pytest.raises(LearnerError) as raised:
        Learner(path)
    assert str(raised.value) == "did not start within 30 s"


def test_a_garbled_reply_ends_the_child_and_the_next_call_works(tmp_path):
    """Learner code writing junk into the reply pipe: the child is killed and said so; a new one answers next."""
    path = write(tmp_path, """
        import os, struct

        class Relu:
            def forward(self, x):
                for fd in map(int, os.listdir("/proc/self/fd")):
                    if fd > 2:
                        try:
                            os.write(fd, struct.pack("!i", 5) + b"junk!")
                        except OSError:
                            pass
                return x

        class AddLayer:
            def forward(self, x, y):
                return x + y
    """)
    with Learner(path) as learner:
        first = learner.pid
        assert learner.call("Relu", (np.ones(1),)) == Call(None, "the layer's process ended (signal SIGKILL)")
        assert learner.call("Add", (np.ones(1), np.ones(1))).outputs[0].tolist() == [2.0]
        assert learner.pid != first
