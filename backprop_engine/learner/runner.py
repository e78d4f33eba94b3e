"""The parent's side: a child process that runs the learner's file, one call at
a time, stopped and started again when the learner's code hangs or dies.

A Python thread cannot be stopped, so the learner's code never runs in this
process: ``Learner`` starts ``python -m backprop_engine.learner.child FILE.py``
(a new interpreter, never a fork: the app has threads) and speaks pickle with
it over two pipes. The child can only send plain data back (float64 arrays,
numbers, strings), so nothing of the learner's code is unpickled here.
"""

from __future__ import annotations

import os
import signal
import site
import subprocess
import sys
import threading
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from ..layers import ALIASES
from .adapt import BOOK_NAMES, INPUTS

_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds backprop_engine/
_CLOSED = "the layers' process was closed"
_DUE = "a new process is due"  # after an interrupted call: started at the next call
_START_LIMIT = 30.0  # seconds for the interpreter and numpy to start (not the learner's import)


class LearnerError(Exception):
    """The learner's file cannot be used: one line without the path, e.g.
    ``does not import: SyntaxError: invalid syntax (line 12)``. ``frames``
    holds the traceback's frames in the file, when there are any."""

    def __init__(self, message: str, frames: tuple = ()):
        super().__init__(message)
        self.frames = frames


@dataclass(frozen=True)
class Call:
    """One call of the learner's class: its outputs (one gradient per engine
    input for backward) or the error, and what the call did on the side."""

    outputs: tuple[np.ndarray | None, ...] | None  # None when the call failed (error set)
    error: str | None = None  # one line
    frames: tuple[tuple[str, int, str, str], ...] = ()  # (file name, line, function, code line)
    changed: tuple[str, ...] = ()  # arrays the learner's code wrote into: "x", "W", ..., "dout"
    printed: str = ""  # what the learner's code printed during the call
    mask: np.ndarray | None = None  # Relu: the learner's self.mask after forward


def _stop(proc: subprocess.Popen, conns: tuple) -> None:
    """Kill the child (it keeps nothing worth a graceful end) and reap it."""
    for conn in conns:
        try:
            conn.close()
        except OSError:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stderr and not proc.stderr.closed:
        proc.stderr.close()


def _ended(proc: subprocess.Popen) -> str:
    code = proc.wait()
    if code < 0:
        try:
            return f"the layer's process ended (signal {signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"the layer's process ended (exit code {code})"


def _env() -> dict:
    """The environment with this package importable (a source checkout not on
    the path), without putting site-packages before the standard library."""
    env = dict(os.environ)
    installed = {os.path.realpath(p) for p in (*site.getsitepackages(), site.getusersitepackages())}
    if os.path.realpath(_ROOT) not in installed:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
    return env


class _Child:
    """One child process and its two pipes; killed when garbage collected."""

    def __init__(self, path: str):
        to_child, from_parent = os.pipe()[::-1]
        from_child, to_parent = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "backprop_engine.learner.child", path],
                stdin=from_parent, stdout=to_parent, stderr=subprocess.PIPE, env=_env())
        except OSError:
            os.close(to_child)
            os.close(from_child)
            raise
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self.requests = Connection(to_child, readable=False)
        self.replies = Connection(from_child, writable=False)
        self._finalizer = weakref.finalize(self, _stop, self.proc, (self.requests, self.replies))

    def receive(self, timeout: float):
        """("ok", message), ("timeout", None) or ("ended", the sentence)."""
        try:
            if not self.replies.poll(timeout):
                return "timeout", None
            return "ok", self.replies.recv()
        except (EOFError, OSError):
            return "ended", _ended(self.proc)
        except Exception:  # the learner's code wrote into the reply pipe: what came is no reply
            self.proc.kill()
            return "ended", _ended(self.proc)

    def send(self, message) -> bool:
        try:
            self.requests.send(message)
            return True
        except OSError:  # BrokenPipeError: the child has ended
            return False

    def started(self) -> None:
        """Wait for the child's hello; raise LearnerError if it never runs."""
        status, message = self.receive(_START_LIMIT)
        if status == "ok":
            self.proc.stderr.close()  # the child has pointed its fd 2 at /dev/null
            return
        why = ("did not start within 30 s" if status == "timeout"
               else message + _last_line(self.proc))
        self.stop()
        raise LearnerError(why)

    def stop(self) -> None:
        self._finalizer()


def _last_line(proc: subprocess.Popen) -> str:
    try:
        lines = proc.stderr.read().decode(errors="replace").strip().splitlines()
    except (OSError, ValueError):
        return ""
    return f": {lines[-1]}" if lines else ""


class Learner:
    """The learner's layer classes in FILE.py, run in a child process.

    The file is executed like ``python FILE.py`` would run it: its folder is
    first on sys.path and its module-level code runs, with the user's rights.
    One difference: ``__name__`` is the file's stem, not "__main__", so an
    ``if __name__ == "__main__":`` block does not run. Its prints and output
    never reach the terminal.

    ``classes`` maps the canonical layer types ("Mul", "Add", "Relu",
    "Sigmoid", "Affine", "SoftmaxWithLoss") to the class names found in the
    file (case-insensitive; MulLayer/Mul and AddLayer/Add both count).
    ``call`` is thread-safe (one call at a time). A call that does not
    return within ``timeout`` seconds, or whose process dies, is reported in
    its ``Call.error`` and the child is started again (the file imported
    anew). If that new import fails, later calls report the import's error
    until ``restart`` succeeds.
    """

    def __init__(self, path, timeout: float = 5.0):
        self.path = os.path.abspath(path)
        self.timeout = timeout
        self.classes: dict[str, str] = {}
        self.printed = ""  # what the file printed when it was imported
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._broken = _CLOSED
        self._interrupted = False  # interrupt() stopped the call running
        self._start()

    def _start(self) -> None:
        """A new child that imports the file; LearnerError if it cannot."""
        if not os.path.isfile(self.path):
            self._fail(LearnerError("no such file" if not os.path.exists(self.path)
                                    else "not a file"))
        try:
            child = _Child(self.path)
            child.started()
        except (OSError, LearnerError) as e:  # the interpreter did not start: not the file's fault
            self._fail(e if isinstance(e, LearnerError) else LearnerError(f"cannot start Python: {e}"))
        status, message = child.receive(self.timeout)
        if status != "ok":
            child.stop()
            why = (f"did not finish within {self.timeout:g} s: stopped" if status == "timeout"
                   else message)
            self._fail(LearnerError(f"does not import: {why}"))
        self.printed = message.get("printed", "")
        if "error" in message:
            child.stop()
            self._fail(LearnerError(f"does not import: {message['error']}", message["frames"]))
        if not message["classes"]:
            child.stop()
            names = ", ".join(BOOK_NAMES.values())
            self._fail(LearnerError(f"no layer class of the book's names ({names})"))
        self.classes = message["classes"]
        self._child, self._broken = child, ""

    def _fail(self, error: LearnerError):
        self._child, self._broken = None, str(error)
        raise error

    def restart(self) -> None:
        """Stop the child and import the file again (after the learner edited it)."""
        with self._lock:
            self._close()
            self._start()

    def close(self) -> None:
        """Stop the child; later calls report that the learner is closed."""
        with self._lock:
            self._close()
            self._broken = _CLOSED

    def _close(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None

    @property
    def pid(self) -> int | None:
        """The child's process id (None when closed or after a failed import)."""
        return self._child.proc.pid if self._child else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, type_: str, inputs: tuple, dout: np.ndarray | None = None) -> Call:
        """Forward (``dout`` None: outputs = (out,)) or backward (forward on
        the same inputs, then backward(dout): one gradient per engine input)
        of the learner's class of that type, on one fresh object."""
        type_ = ALIASES.get(type_, type_)
        if type_ not in INPUTS:
            raise ValueError(f"not a layer type of the book: {type_!r}")
        with self._lock:
            if self._child is None and self._broken == _DUE:
                self._replace()
            if self._child is None:
                return Call(None, error=self._broken)
            if type_ not in self.classes:
                return Call(None, error=f"{Path(self.path).name} has no {type_} class")
            try:
                status, reply = self._exchange(type_, inputs, dout)
            except BaseException:  # interrupted (Ctrl-C) between request and reply:
                self._close()  # the child is out of step; a new one at the next call
                self._broken = _DUE
                raise
            if status == "ok":
                return Call(**reply)
            error = ("stopped (escape) before it returned" if self._interrupted else
                     f"did not return within {self.timeout:g} s: stopped" if status == "timeout" else reply)
            self._interrupted = False
            self._replace()
            return Call(None, error=error)

    def interrupt(self) -> None:
        """From another thread: stop the call running now (the learner's code
        takes too long); it returns an error saying so, and the next call
        starts a new child."""
        child = self._child
        if child is not None and self._lock.locked():
            self._interrupted = True
            child.proc.kill()

    def _exchange(self, type_: str, inputs: tuple, dout):
        inputs = tuple(np.asarray(a) for a in inputs)
        dout = None if dout is None else np.asarray(dout)
        if not self._child.send(("call", type_, inputs, dout)):
            return "ended", _ended(self._child.proc)
        return self._child.receive(self.timeout)

    def _replace(self) -> None:
        """A new child after a hang or a death; an import error is kept for later calls."""
        self._close()
        try:
            self._start()
        except LearnerError:
            pass
