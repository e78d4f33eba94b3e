"""The child process that runs the learner's file: ``python -m
backprop_engine.learner.child FILE.py`` (started by ``runner.Learner``).

Its stdin and stdout are the two pipes of the protocol (pickled messages,
``multiprocessing.connection.Connection``); right away they are taken over and
fds 0, 1 and 2 are pointed at /dev/null, so nothing the learner's code writes
(print, os.write, a C library) reaches the terminal the app draws on. Prints
at the Python level are captured per call instead (``adapt.Capture``).

Messages: the child sends ``("hello",)`` once it runs, then the import's
result ``{"classes": ..., "printed": ...}`` or ``{"error": ..., "frames": ...}``;
then it answers each ``("call", type, inputs, dout)`` with a dict of
``runner.Call``'s fields, until its stdin closes.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from importlib.machinery import SourceFileLoader
from multiprocessing.connection import Connection

from backprop_engine.learner import adapt


def _take_pipes() -> tuple[Connection, Connection]:
    requests, replies = os.dup(0), os.dup(1)  # os.dup: not inherited by the learner's children
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    return Connection(requests, writable=False), Connection(replies, readable=False)


def _watch_parent(interval: float = 0.5) -> None:
    """End this process when the parent is gone (killed without closing the
    pipes), even while the learner's code loops: a thread gets the GIL."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


class _FreshLoader(SourceFileLoader):
    """Compiles the file on every import, as ``python FILE.py`` does: no
    __pycache__ is read or written beside it, so a restart runs the file as it
    is now even after an edit that kept its size within the same second."""

    def get_code(self, fullname):
        return self.source_to_code(self.get_data(self.path), self.path)


def _module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem.isidentifier() and stem not in sys.modules else "learner_layers"


def load(path: str) -> tuple[dict, dict]:
    """Import the learner's file as ``python FILE.py`` would run it, except
    that ``__name__`` is the file's stem (``if __name__ == "__main__":`` does
    not run): its folder first on sys.path, sys.argv = [FILE.py].

    Returns the message for the parent and {type: class}."""
    sys.path.insert(0, os.path.dirname(path))
    sys.argv = [path]
    name = _module_name(path)
    printed = adapt.Capture()
    try:
        # any file name, as python FILE would run it (not only *.py)
        spec = importlib.util.spec_from_file_location(name, path, loader=_FreshLoader(name, path))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with redirect_stdout(printed), redirect_stderr(printed):
            spec.loader.exec_module(module)
    except BaseException as e:  # the learner's module-level code: SystemExit too
        frames = adapt.learner_frames(e.__traceback__, path)
        error = adapt.describe_exception(e, path)
        if frames and not isinstance(e, SyntaxError):
            error += f" (line {frames[-1][1]})"
        return {"error": error, "frames": frames, "printed": printed.text()}, {}
    classes = adapt.find_classes(vars(module))
    return ({"classes": classes, "printed": printed.text()},
            {t: getattr(module, n) for t, n in classes.items()})


def main(argv: list[str] | None = None) -> None:
    path = os.path.abspath((argv or sys.argv)[1])
    requests, replies = _take_pipes()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _watch_parent()
    replies.send(("hello",))
    message, classes = load(path)
    replies.send(message)
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            return
        _, type_, inputs, dout = request
        if type_ not in classes:
            reply = {"outputs": None, "error": f"the file has no {type_} class"}
        else:
            reply = adapt.call(classes[type_], type_, inputs, dout, path)
        try:
            replies.send(reply)
        except Exception as e:  # not picklable: a bug of the adapter, said as one line
            replies.send({"outputs": None, "error": f"cannot send the result: {adapt.one_line(str(e))}"})


if __name__ == "__main__":
    main()
