"""The command line (contract section 2). Textual is imported only for the app,
and Rich, the gradient check and training only for the modes that print them,
so --json and the app start without what they do not use."""

from __future__ import annotations

import argparse
import gc
import os
import sys

import numpy as np

from backprop_engine import Engine, ScenarioError, __version__, bundled, load, resolve
from backprop_engine.trace import to_json

from .format import FULL
from .i18n import catalogs
from .serve import Served, in_browser, serve, served_folder

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        sys.stderr.write(f"error: {message} (see backprop-tui --help)\n")
        sys.exit(USAGE_ERROR)


def _precision(s: str) -> int | None:
    """1 to 17 significant digits, or "full": None, the shortest repr that round-trips."""
    if s == "full":
        return FULL
    n = int(s) if s.isdigit() else 0
    if not 1 <= n <= 17:
        raise argparse.ArgumentTypeError(f"--precision takes a whole number from 1 to 17, or full, got {s!r}")
    return n


def _steps(s: str) -> int:
    n = int(s) if s.isdigit() else 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"--train takes a whole number of steps >= 1, got {s!r}")
    return n


def _port(s: str) -> int:
    n = int(s) if s.isdigit() else 0
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"--port takes a port number from 1 to 65535, got {s!r}")
    return n


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="backprop-tui",
        description="Step through backpropagation as chapter 5 of Deep Learning from Scratch "
                    "teaches it. With a SCENARIO and no mode, opens the interactive app; "
                    "with no SCENARIO, a picker of the bundled scenarios.",
        epilog="Exit codes: 0 success, 1 a check failed, 2 bad usage or a scenario that "
               "cannot be loaded.")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="a scenario .toml file, or the name of a bundled one (see --list); with --serve, "
                        "also a FOLDER: a picker of the bundled scenarios and the folder's scenario files")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--print", action="store_true", help="print every step as tables, no app")
    mode.add_argument("--json", action="store_true", help="print the full trace as JSON, no app")
    mode.add_argument("--check", action="store_true",
                      help="compare every gradient with a central difference, and [expect]; "
                           "exit 1 on any failure (an entry at a Relu kink is left out)")
    mode.add_argument("--markdown", action="store_true",
                      help="print the whole step-by-step run as Markdown, no app")
    mode.add_argument("--train", type=_steps, metavar="N",
                      help="run N gradient-descent steps on the [train] params (default all of [values]) "
                           "and print the loss before training and after each step; with [data], N "
                           "iterations of mini-batch SGD over the data set, with the train and test "
                           "accuracy at each epoch's end")
    mode.add_argument("--list", action="store_true", help="list the bundled scenarios")
    mode.add_argument("--serve", action="store_true",
                      help="serve the app to web browsers, one app per browser tab (needs the serve extra: "
                           'pip install "backprop-tui[serve]"); nothing is written on this machine, s and x '
                           "download the file in the browser")
    p.add_argument("--host", metavar="HOST", help="with --serve: the address to listen on (default 127.0.0.1, "
                   "this machine only; 0.0.0.0: anyone who can reach this machine)")
    p.add_argument("--port", type=_port, metavar="PORT", help="with --serve: the port (default 8000)")
    p.add_argument("--precision", type=_precision, default=6, metavar="N|full",
                   help="significant digits shown (default 6), or full: the shortest repr that "
                        "round-trips (220.00000000000003); --json is always full precision")
    p.add_argument("--layers", metavar="FILE.py",
                   help="use your own layer classes from FILE.py (the book's MulLayer, AddLayer, Relu, Sigmoid, "
                        "Affine, SoftmaxWithLoss) in place of the built-in ones, each step checked beside the "
                        "built-in layer; with --check, a verdict per layer (exit 1 when one differs). This RUNS "
                        "FILE.py's code, as `python FILE.py` would (in a separate process)")
    p.add_argument("--lang", default="en", metavar="CODE",
                   help="language of labels and explanations: en (default), zh or ja")
    p.add_argument("--version", action="version", version=f"backprop-tui {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    # No garbage collection while the app starts: its passes over what the
    # imports make (Textual: 10-20 ms), none of it garbage, slow the start.
    # The app turns it on once its first screen is drawn (BackpropApp._settle),
    # the other modes before they run (_mode, --serve).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if collecting:
            gc.enable()


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    np.seterr(all="ignore")  # inf and nan (1/0 in a Reciprocal) are results shown, not warnings
    languages = catalogs()
    if args.lang not in languages:
        sys.stderr.write(f"error: --lang: unknown language code {args.lang!r} "
                         f"(choose {', '.join(languages)})\n")
        return USAGE_ERROR
    tr = languages[args.lang]
    if (args.host or args.port) and not args.serve:
        parser().error("--host and --port go with --serve")
    if args.serve:
        gc.enable()
        return serve(args, tr)
    if args.list and args.scenario:
        parser().error("--list takes no SCENARIO")
    if args.list:
        for name, path in bundled().items():
            print(f"{name:16} {tr.own(load(path).title)}")
        return 0
    if args.scenario is None:
        if args.print or args.json or args.check or args.train or args.markdown:
            parser().error("this mode needs a SCENARIO")
        if args.layers:
            return _with_layers(None, args, tr, languages)  # the picker's scenarios with them
        return _app(None, args, languages)
    folder = served_folder(args.scenario) if in_browser() else None
    if folder is not None:  # a tab of --serve FOLDER: its picker
        return _app(None, args, languages, folder=folder)
    try:
        scenario = load(resolve(args.scenario))
    except ScenarioError as e:
        print("\n".join(e.lines), file=sys.stderr)
        return USAGE_ERROR
    if args.layers:
        return _with_layers(scenario, args, tr, languages)
    return _mode(scenario, args, tr, languages)


def _with_layers(scenario, args, tr, languages) -> int:
    """--layers FILE.py: the learner's classes in a child process, beside the built-in layers."""
    # here, not at the top: its child process's machinery (multiprocessing) would slow every --json
    from backprop_engine.learner.runner import Learner, LearnerError
    from backprop_engine.learner.beside import own_layers
    try:
        learner = Learner(args.layers)
    except LearnerError as e:
        sys.stderr.write(f"error: {args.layers}: {e}\n")
        return USAGE_ERROR
    try:
        if scenario is None:
            return _app(None, args, languages, learner)
        return _mode(own_layers(scenario, learner), args, tr, languages, learner)
    finally:
        learner.close()


def _mode(scenario, args, tr, languages, learner=None) -> int:
    """Run the mode asked for on a loaded scenario."""
    if not (args.json or args.markdown or args.check or args.train or args.print):
        return _app(scenario, args, languages, learner)
    gc.enable()  # (off for the app's start: main)
    if args.json:
        print(to_json(Engine(scenario)))
        return 0
    # Here, not at the top: --json starts without Rich, the app without the
    # gradient check and training (tests/test_pane_repaint.py checks it).
    from backprop_engine.train import LayerFailed

    from .reports import check, layers_check, markdown, steps, train
    if args.markdown:
        sys.stdout.write(markdown.run_markdown(scenario, tr, args.precision))
        return 0
    if args.check:
        if learner is not None:
            return layers_check.check_layers(scenario, learner, tr, args.precision)
        return check.check(scenario, tr, args.precision)
    if args.train:
        if learner is not None:
            print(tr("with your layers from {file}", file=args.layers))
        try:
            return train.train(scenario, args.train, tr, args.precision)
        except LayerFailed as e:  # --layers: their code failed; training stops there
            sys.stderr.write(f"error: {args.layers}: {e}; training stopped\n")
            return 1
    return steps.print_steps(scenario, tr, args.precision)


def _app(scenario, args, languages, learner=None, folder=None) -> int:
    # a browser tab of --serve has no terminal, but a web driver
    served = Served(folder) if in_browser() else None
    if served is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        sys.stderr.write("error: the app needs a terminal; without one, try --print or --markdown\n")
        return USAGE_ERROR
    from .app import BackpropApp  # Textual: only for the app (the garbage collector is off: main)
    app = BackpropApp(scenario, precision=args.precision, lang=args.lang, languages=languages, learner=learner)
    app.served = served
    app.run()
    return app.return_code or 0  # non-zero if the app stopped on an error


def run() -> None:
    """The console script: main(), and a quiet exit when the reader of our
    output goes away early (``backprop-tui apple --json | head``)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    run()
