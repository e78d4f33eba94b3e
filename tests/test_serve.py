"""--serve: the app in browser tabs (textual-serve). A real headless Chromium
(Debian's, driven by Playwright) opens the page; the screen is read by
feeding the websocket's frames into a terminal emulator (pyte), as the page's
xterm.js draws them. Then, without a browser: nothing a served app does
writes on the server, its picker lists files only, its help warns, and the
command line's refusals."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from textual.widgets import Input

from backprop_engine import bundled, load
from tests.conftest import SIZE, notifications, screen_text, steps
from tui.app import BackpropApp
from tui.cli import main
from tui.dialogs.picker import PickerDialog
from tui.serve import WEB_DRIVER, Served

REPO = Path(__file__).parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium "
                                    "(.ci/run installs Debian's: apt-get install chromium fonts-wqy-microhei)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(cwd: Path, *args: str):
    """``backprop-tui --serve ARGS`` on a free port, run in ``cwd``; yields the
    page's address once the port answers, stops the server (and its apps) after."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this tree's code, in the server and each tab's app
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "--serve", *args, "--port", str(port)], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


class Terminal:
    """The page's screen: the app's output (the websocket's binary frames) fed
    into a pyte screen of the size the page asked for (the socket's URL, then
    its resize messages)."""

    def __init__(self, page):
        import pyte
        self.pyte, self.page, self.screen, self.stream = pyte, page, None, None
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        size = parse_qs(urlparse(ws.url).query)
        self.screen = self.pyte.Screen(int(size["width"][0]), int(size["height"][0]))
        self.stream = self.pyte.ByteStream(self.screen)
        ws.on("framereceived", lambda payload: isinstance(payload, bytes) and self.stream.feed(payload))
        ws.on("framesent", self._sent)

    def _sent(self, payload) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self.screen.resize(size["height"], size["width"])

    @property
    def lines(self) -> list[str]:
        return self.screen.display if self.screen else []

    def wait_for(self, *patterns: str, timeout: float = 15) -> list[str]:
        """The screen's lines once each regex matches one of them."""
        deadline = time.monotonic() + timeout
        while not all(any(re.search(p, line) for line in self.lines) for p in patterns):
            assert time.monotonic() < deadline, "\n".join(self.lines)
            self.page.wait_for_timeout(50)  # Playwright's events (the frames) arrive while it waits
        return self.lines


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 720})
            # the page asks Google for a font; the test needs no network beyond the server
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
            yield page
        finally:
            browser.close()


def _open(page, url: str) -> Terminal:
    terminal = Terminal(page)
    page.goto(url)
    terminal.wait_for(r"step 0/4|第 0/4 步")
    page.locator(".xterm-helper-textarea").focus()  # where xterm.js takes the keys typed
    return terminal


@needs_chromium
def test_served_apple_in_chromium_shows_the_books_end_screen_and_s_downloads(tmp_path):
    """In a browser tab, n n n n reaches the book's end screen (price 220, gradients
    2.2, 110, 200, 1.1); s hands the scenario to the browser, and the server's folder stays empty."""
    with server(tmp_path, "apple") as url, browser_page() as page:
        terminal = _open(page, url)
        assert page.title() == "backprop-tui: apple"
        for _ in range(4):
            page.keyboard.press("n")
        lines = terminal.wait_for(r"step 4/4", r"price\s+scalar\s+220\s+1\b")
        assert "Buying apples" in lines[0] and "done" in lines[0]
        for row in (r"apple\s+scalar\s+100\s+2\.2\b", r"apple_num\s+scalar\s+2\s+110\b",
                    r"tax\s+scalar\s+1\.1\s+200\b", r"apple_price\s+scalar\s+200\s+1\.1\b"):
            assert any(re.search(row, line) for line in lines), row
        page.screenshot(path="/tmp/serve-apple.png")
        downloads = []  # (the page opens the download's address in a new tab, which closes once it starts)
        page.on("download", lambda download: downloads.append(download))
        page.keyboard.press("s")
        terminal.wait_for("apple-edited.toml: sent to your browser as a download")
        deadline = time.monotonic() + 10
        while not downloads:
            assert time.monotonic() < deadline, "no download"
            page.wait_for_timeout(50)
        assert downloads[0].suggested_filename == "apple-edited.toml"
        got = tmp_path.parent / f"{tmp_path.name}-downloaded.toml"
        downloads[0].save_as(got)
    assert load(got).leaves.keys() == {"apple", "apple_num", "tax"}
    assert float(load(got).leaves["apple"]) == 100 and float(load(got).leaves["tax"]) == 1.1
    assert list(tmp_path.iterdir()) == []  # nothing written where the server runs


@needs_chromium
def test_served_in_chinese_shows_chinese_in_chromium(tmp_path):
    """--lang zh: the tab's app speaks the book's Chinese terms (a CJK font draws them)."""
    with server(tmp_path, "apple", "--lang", "zh") as url, browser_page() as page:
        terminal = _open(page, url)
        page.keyboard.press("n")
        lines = terminal.wait_for(r"第 1/4 步", r"乘法层")
        assert any("正向传播" in line for line in lines)
        page.screenshot(path="/tmp/serve-zh.png")


def test_the_page_names_the_app_and_links_to_the_address_the_browser_used(tmp_path):
    """The title is the app's, not the command; behind a proxy (or --host
    0.0.0.0) the page's websocket is where the browser came from, not 127.0.0.1."""
    with server(tmp_path, "apple") as url:
        request = urllib.request.Request(url, headers={"Host": "class-a.school.example",
                                                       "X-Forwarded-Proto": "https"})
        page = urllib.request.urlopen(request, timeout=10).read().decode()
    assert "<title>backprop-tui: apple</title>" in page and "python" not in page
    assert 'data-session-websocket-url="wss://class-a.school.example/ws"' in page


@pytest.mark.parametrize("target", ["apple", "FOLDER"])
def test_the_app_under_the_web_driver_starts_without_a_terminal(target, tmp_path):
    """The tty check lets textual-serve's web driver through: the app (on a scenario,
    or a FOLDER's picker) greets it; only the driver: on pipes alone, the same command
    says it needs a terminal (or, a folder, that it is no scenario)."""
    command = [sys.executable, "-m", "tui.cli", str(tmp_path) if target == "FOLDER" else target]
    proc = subprocess.Popen(command, cwd=REPO, env={**os.environ, "TEXTUAL_DRIVER": WEB_DRIVER},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"__GANGLION__\n"  # what textual-serve waits for
    finally:
        proc.kill()
        proc.communicate()
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    r = subprocess.run(command, cwd=REPO, env=env, stdin=subprocess.PIPE, capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr == ("error: the app needs a terminal; without one, try --print or "
                                              "--markdown\n" if target == "apple" else
                                              f"error: {tmp_path}: is a directory, not a scenario file\n")


# -- a served app, without a browser ---------------------------------------------------

def served_app(scenario: str | None = "apple", folder: Path | None = None, lang: str = "en") -> BackpropApp:
    app = BackpropApp(load(bundled()[scenario]) if scenario else None, lang=lang)
    app.served = Served(folder)
    return app


async def test_s_and_x_in_a_served_app_deliver_the_files_and_write_nothing(tmp_path, monkeypatch):
    """s and x hand the file to the browser (Textual's deliver_text) without a dialog
    asking for a file name; no file appears on the server."""
    monkeypatch.chdir(tmp_path)
    app = served_app()
    delivered = []
    app.deliver_text = lambda file, save_filename=None, **kw: delivered.append((save_filename, file.read()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "s")
        await pilot.pause()
        assert app.screen is steps(app)  # no save dialog
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is steps(app)
        assert [note.message for note in notifications(app)[-2:]] == ["apple-edited.toml: sent to your browser as a download",
                                          "apple-steps.md: sent to your browser as a download"]
    assert [name for name, _ in delivered] == ["apple-edited.toml", "apple-steps.md"]
    assert 'title = "Buying apples"' in delivered[0][1] and "apple = 100" in delivered[0][1]
    assert "220" in delivered[1][1] and "| apple " in delivered[1][1]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("with_folder", [True, False])
async def test_the_served_picker_lists_the_bundled_and_the_teachers_folder_only(tmp_path, monkeypatch, with_folder):
    """Served, the picker lists the bundled scenarios and FOLDER's scenario files,
    never the server's current folder, and has no box to type a path in."""
    apple = Path(bundled()["apple"]).read_text()
    (tmp_path / "here.toml").write_text(apple)  # in the server's current folder: not offered
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "mine.toml").write_text(apple.replace('title = "Buying apples"', 'title = "My apples"'))
    (folder / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no scenario: not listed
    monkeypatch.chdir(tmp_path)
    app = served_app(None, folder if with_folder else None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PickerDialog)
        assert not app.screen.query(Input)
        mine = [folder / "mine.toml"] if with_folder else []
        assert app.screen.paths == [*map(Path, bundled().values()), *mine]


@pytest.mark.parametrize("lang, says", [
    ("en", ["closing this tab ends the app, and edits not downloaded are lost",
            "download the scenario as edited or trained (nothing is written on the server)"]),
    ("zh", ["关闭这个标签页就会结束应用", "下载修改或学习后的场景"])])
async def test_the_served_help_says_a_closed_tab_loses_the_edits_and_s_downloads(lang, says):
    """The page closes the app without asking: the help of a served app says so, and
    that s downloads the scenario; the terminal app's help says neither."""
    for served in (True, False):
        app = served_app(lang=lang) if served else BackpropApp(load(bundled()["apple"]), lang=lang)
        async with app.run_test(size=(100, 60)) as pilot:
            await pilot.press("question_mark")
            shown = " ".join(screen_text(app).split())
            assert all((s in shown) == served for s in says), shown


# -- the command line -----------------------------------------------------------------

def _main(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err


def test_serve_without_textual_serve_says_what_to_install(monkeypatch, capsys):
    """textual-serve is an optional extra: without it, one line naming the command that installs it."""
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    code, err = _main(["--serve", "apple"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: --serve needs textual-serve") and 'pip install "backprop-tui[serve]"' in err


@pytest.mark.parametrize("argv, error", [
    (["--serve", "--layers", "examples/my_layers.py", "apple"], "error: --layers cannot be served"),
    (["--serve", "nope.toml"], "error: nope.toml: no such file"),
    (["--serve", "--port", "0"], "error: argument --port: --port takes a port number from 1 to 65535"),
    (["apple", "--port", "9000"], "error: --host and --port go with --serve"),
    (["--serve", "--print", "apple"], "error: argument --print: not allowed with argument --serve"),
])
def test_serve_refuses_what_it_cannot_serve_before_serving(argv, error, capsys):
    """Each refusal is one error line and exit 2, before a server listens."""
    code, err = _main(argv, capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith(error), err


def test_each_tab_runs_the_app_in_the_language_asked():
    """The command textual-serve runs per tab: this Python, the app, the language, the target."""
    from tui.cli import parser
    from tui.serve import app_command
    args = parser().parse_args(["--serve", "--lang", "ja", "--precision", "full", "my class/apple.toml"])
    assert shlex.split(app_command(args, args.scenario)) == [
        sys.executable, "-m", "tui.cli", "--lang", "ja", "--precision", "full", "--", "my class/apple.toml"]
