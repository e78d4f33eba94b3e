"""--serve: the app in web browsers, one app process per browser tab, with
textual-serve (an optional extra: ``pip install "backprop-tui[serve]"``).

For each tab the server runs ``backprop-tui [SCENARIO | FOLDER]`` under
textual-serve's web driver. ``in_browser()`` is the one place that says an
app runs so; the command line then gives the app a ``Served``, and with it
nothing the app does writes on the server (s and x hand the file to the
browser as a download), its picker lists the bundled scenarios and the
teacher's FOLDER only, and its help says that a closed tab loses unsaved edits.
textual_serve is imported only when serving: the app processes never load it;
what only the server needs (sockets, quoting) is imported where it is used,
since every start of the command line reads this module.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from backprop_engine import ScenarioError, load, resolve

WEB_DRIVER = "textual.drivers.web_driver:WebDriver"  # what textual-serve sets TEXTUAL_DRIVER to
HOST, PORT = "127.0.0.1", 8000  # loopback: only this machine, until --host says otherwise
INSTALL = 'pip install "backprop-tui[serve]" (in a clone of the repository: pip install ".[serve]")'
TITLE = "backprop-tui"


@dataclass(frozen=True)
class Served:
    """What the app knows of its being served."""

    folder: Path | None = None
    """The teacher's FOLDER: its scenario files are in the picker (None: the bundled ones only)."""


def in_browser() -> bool:
    """The app runs in a browser tab (textual-serve started it, with its web driver)."""
    return os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def served_folder(target: str | None) -> Path | None:
    """SCENARIO | FOLDER: the folder, or None for a scenario (a bundled name too)."""
    return Path(target) if target is not None and Path(target).is_dir() else None


def app_command(args, target: str | None) -> str:
    """The command each tab runs: this Python, the app on the target, in the language asked."""
    import shlex
    precision = "full" if args.precision is None else str(args.precision)
    argv = [sys.executable, "-m", "tui.cli", "--lang", args.lang, "--precision", precision]
    return shlex.join(argv + (["--", target] if target is not None else []))


def serve(args, tr) -> int:
    """Check what is to be served, then serve it until Ctrl+C; 2 on bad usage."""
    target = args.scenario
    if args.layers:
        return _error(f"--layers cannot be served: {args.layers} would run its code on this machine "
                      "for anyone who opens the page")
    if target is not None and served_folder(target) is None:
        try:
            load(resolve(target))
        except ScenarioError as e:
            print("\n".join(e.lines), file=sys.stderr)
            return 2
    try:
        from textual_serve.server import Server
    except ImportError:
        return _error(f"--serve needs textual-serve, which is not installed; install it with: {INSTALL}")
    host, port = args.host or HOST, args.port or PORT
    what = target or tr("the bundled scenarios")
    server = _classroom(Server)(app_command(args, target), host=host, port=port,
                                title=f"{TITLE}: {Path(target).stem or target}" if target else TITLE)
    server.started = tr("backprop-tui: serving {what} on http://{host}:{port}/ (one app per browser tab; "
                        "Ctrl+C stops)", what=what, host=host, port=port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        server.started += "\n" + tr("{host}: anyone who can reach this machine on port {port} can open the app",
                                    host=host, port=port)
    try:
        _try_listening(host, port)  # before the server says it serves
        server.serve()
    except OSError as e:  # the port in use, a host that is no address of this machine
        reason = os.strerror(e.errno).lower() if e.errno and e.errno > 0 else e.strerror or str(e)
        return _error(f"--host {host} --port {port}: cannot listen on {host}:{port}: {reason}")
    return 0


def _try_listening(host: str, port: int) -> None:
    """Raise OSError where the server could not listen (as the server would, a moment later)."""
    import socket
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
        s.bind(address)


def _error(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return 2


def _classroom(Server: type) -> type:
    """textual-serve's Server, with the page's links made from the address the
    browser used (a --host 0.0.0.0 server, a reverse proxy), not from --host
    and --port, a <title> naming the app, and one line on start-up."""
    import html

    class ClassroomServer(Server):
        started = ""

        async def handle_index(self, request):
            # no await before the page is made: no other request sees this public_url
            scheme = request.headers.get("X-Forwarded-Proto", request.scheme)
            self.public_url = f"{scheme}://{request.host}"
            response = await super().handle_index(request)
            response.text = response.text.replace("<head>", f"<head>\n    <title>{html.escape(self.title)}</title>", 1)
            return response

        async def on_startup(self, app) -> None:  # (in place of textual-serve's logo and command line)
            self.console.print(self.started, highlight=False, markup=False, soft_wrap=True)

    return ClassroomServer
