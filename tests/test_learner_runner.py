"""The learner's own layer classes run in a child process (backprop_engine.learner):
found by the book's names, adapted to the engine's interface (same numbers as
the built-in layers), their in-place writes, errors, hangs and crashes reported
as one line, their prints kept off the terminal, and no child left behind."""

from __future__ import annotations

import gc
import os
import textwrap
import time

import numpy as np
import pytest

from backprop_engine.layers import LAYER_TYPES
from backprop_engine.learner import Call, Learner, LearnerError

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
