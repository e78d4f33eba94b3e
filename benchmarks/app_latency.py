"""What a user feels: key-to-screen latency and start-up time of the app, in a
real terminal, against a fair floor: the least Textual code that shows the same
screens.

What it measures
----------------
The app runs in a real terminal emulator -- tmux, 100x30, ``TERM=xterm-256color``
-- as a user would run it, and the benchmark looks only at what tmux shows:

* step latency: for every step of the scenario it sends a key with
  ``tmux send-keys`` (``n`` steps forward one layer, then backward; ``home``
  goes back to the start) and polls ``tmux capture-pane -p`` in a tight loop
  (every ~1 ms) until the pane's text changes to show the key's effect: the
  status line at the top reads "step k/n" with the expected k. Key sent ->
  that change is the latency. (Not just "any change": the app can still draw
  a late frame of the step before -- a re-wrap when a scrollbar comes or goes,
  the graph pane's scroll, the footer -- and that must not count as the next
  key's answer. Such stray changes are counted and reported.)
  ``backprop-tui mnist_size`` (8 steps) and ``backprop-tui apple`` (4 steps)
  are walked again and again: n x steps, then home, at least ``KEYS`` (100) n
  keys each. Before each key the pane must have been still for ``QUIET``
  (200 ms), so no measurement overlaps the previous one; the time of the last
  change before that quiet spell is reported too ("settled": when the app's
  last frame for the key was drawn).
* the floor (``floor_app.py``): first the app is walked once, untimed, and
  tmux's screen is kept at every step, colours included (``capture-pane -e``).
  The floor app is given those screens: it has the app's layout (the status
  line, the graph pane across the top, step | values beneath, their borders and
  titles, Textual's compact footer with the app's keys, greyed at the ends as
  the app greys them) and for each key repaints exactly the rows of each pane
  that differ between the app's screens at that step, from ready-made strips.
  So it changes what the app changes, measured from the app's own screens,
  with no rendering, scrolling or layout of its own: what Textual, Python, the
  pty and tmux need for that change. Its screens are checked to be the app's,
  colours included (tmux's captures compared as they are), step by step,
  before anything is timed. The floor's walks are
  interleaved with the app's, round by round, the order alternating.
* start-up: process start (``tmux new-session`` with the command) -> first
  drawn screen, i.e. until the pane shows a known text: the scenario title
  "MNIST-sized net, random numbers" for ``backprop-tui mnist_size`` and for the
  floor (its first screen is the app's), the counter's first text for the bare
  app. The floor's start is its layout plus ``import numpy``, which the app
  cannot do without. ``START_RUNS`` runs of each, interleaved, after one
  untimed warm-up run of each (it writes ``__pycache__``, even where
  ``PYTHONDONTWRITEBYTECODE`` is set, and fills the OS file cache); each
  process is ended and gone before the next one starts.
* for information, as before: a bare Textual app (one ``Static``, one binding
  ``n`` that updates its text, a counter) and the app with its graph as the
  list (g), ``INFO_ROUNDS`` rounds each; and the app's first round alone (the
  app keeps what it drew for a step, and its scrollbars: the
  first round draws them).

Printed: median and max of each measurement in ms, the rows each key changes,
whether the goals are met, and as the last three lines::

    step ratio app/floor (mnist_size): X.XX    (goal: at most 1.2)
    step ratio app/floor (apple): X.XX
    start ratio app/floor: X.XX                (goal: at most 1.1)

each the app's median over the floor's median.

Why not Textual's Pilot
-----------------------
``Pilot.press`` runs the app headless and waits on its own: for every key,
``App._press_keys`` calls ``wait_for_idle(0)`` twice (each sleeps in 20 ms
slices until the process looks idle) and waits for the animator, then
``press`` waits for the screen to finish processing -- some 40-60 ms whatever
the app does. Timing a press therefore measures Pilot's waiting, not the app;
and a headless app never writes to a terminal, so the escape sequences and the
terminal's own work are left out too. Here the only clock is what the
terminal shows.

How it works
------------
All tmux commands go to a private tmux server (``tmux -S <unique socket in a
temporary folder>``, like ``-L`` but removed afterwards, with ``-f /dev/null``:
never the user's server or configuration) through one tmux
control-mode client, so a ``capture-pane`` round trip costs ~0.1 ms rather than
the ~4 ms of starting a tmux client process per poll, and the polling steals
little CPU from the app. The server is killed in a ``finally`` block (also on
Ctrl-C and SIGTERM). If a pane never changes, or never shows the expected text,
within ``TIMEOUT`` (10 s), or its process dies, the benchmark stops with the
pane's content and exits 1.

How to run
----------
From the repository root, with the package installed (editable is fine) in the
Python that runs the script; the ``backprop-tui`` script is taken from next to
``sys.executable``::

    python benchmarks/app_latency.py

Needs tmux (3.0 or later). Takes about three minutes. The exit code is 0
when everything was measured, whether or not the goals are met. The figures
are only worth reading on a quiet machine (the load average is printed): run
it two or three times.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

WIDTH, HEIGHT = 100, 30
TERM = "xterm-256color"
SCENARIOS = {"mnist_size": 8, "apple": 4}   # name: steps (checked against the status line)
START_SCENARIO, START_TEXT = "mnist_size", "MNIST-sized net, random numbers"
KEYS = 100          # at least this many n keys per scenario and side
INFO_ROUNDS = 5     # walks of the bare app and of the list (g): information only
DRAWN_GOAL = 1.05   # a step with the drawn graph against the same step with the list
START_RUNS = 7      # timed starts of each, interleaved
POLL = 0.001        # s between captures while waiting for a change
QUIET = 0.200       # s without a change = the screen is stable (the app draws late frames)
TIMEOUT = 10.0      # s: a pane that never changes is a failure
STEP_GOAL, START_GOAL = 1.2, 1.1
FLOOR = Path(__file__).with_name("floor_app.py")
PANES = ("graph", "step", "values")

BARE_TEXT = "bare counter 0"
BARE_APP = '''\
"""The floor: the least a Textual app can do for a key."""
from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App):
    BINDINGS = [("n", "bump", "Next")]
    count = 0

    def compose(self) -> ComposeResult:
        yield Static("bare counter 0", id="counter")

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#counter", Static).update(f"bare counter {self.count}")


if __name__ == "__main__":
    Bare().run()
'''

STATUS = re.compile(r"step (\d+)/(\d+)")


class Failure(Exception):
    """Something was not measured: a pane never changed, a process died..."""


def quote(arg: str) -> str:
    """One argument for tmux's command parser."""
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


class Tmux:
    """A private tmux server, driven through one control-mode client."""

    def __init__(self, folder: str) -> None:
        exe = shutil.which("tmux")
        if exe is None:
            raise Failure("tmux is not installed")
        self.token = f"{os.getpid()}-{secrets.token_hex(4)}"
        # its own socket, in our temporary folder (like -L, but removed with it)
        self.base = [exe, "-S", str(Path(folder) / f"tmux-{self.token}")]
        # PYTHONDONTWRITEBYTECODE (set on some build machines) would make every
        # start compile the app's modules again; a user's installed app has its
        # bytecode, so the warm-up run must be able to write it.
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("TMUX", "TMUX_PANE", "PYTHONDONTWRITEBYTECODE")}
        self.env["TERM"] = TERM
        self.client: subprocess.Popen | None = None
        self.sessions: list[str] = []
        self.started = False

    # -- server and client ----------------------------------------------------
    def start(self) -> None:
        keep = f"keep-{self.token}"
        # the server lives as long as this idle session; panes get TERM from
        # default-terminal; remain-on-exit keeps a crashed app's last words
        # readable (but not the idle session's: it may end, the server with it)
        subprocess.run(
            [*self.base, "-f", "/dev/null", "new-session", "-d", "-s", keep,
             "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 900",
             ";", "set-option", "-g", "default-terminal", TERM,
             ";", "set-option", "-g", "remain-on-exit", "on",
             ";", "set-option", "-w", "-t", keep, "remain-on-exit", "off"],
            env=self.env, check=True, stdin=subprocess.DEVNULL, capture_output=True)
        self.started = True
        self.client = subprocess.Popen(
            [*self.base, "-C", "attach-session", "-t", keep], env=self.env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._reply("attach-session")  # the client's own first command answers first
        self.cmd("refresh-client -f no-output")  # no %output notifications: we poll

    def close(self) -> None:
        for name in self.sessions:
            try:
                self.cmd(f"kill-session -t {quote('=' + name)}")
            except Exception:
                pass
        if self.client is not None:
            try:
                self.client.stdin.close()
                self.client.wait(timeout=2)
            except Exception:
                self.client.kill()
        if self.started:  # our private server only: -S names its socket
            subprocess.run([*self.base, "kill-server"], env=self.env,
                           stdin=subprocess.DEVNULL, capture_output=True)

    def cmd(self, command: str) -> list[str]:
        """Run one tmux command; its output lines. %error raises Failure."""
        assert self.client is not None
        self.client.stdin.write(command.encode() + b"\n")
        self.client.stdin.flush()
        return self._reply(command)

    def _reply(self, command: str) -> list[str]:
        out: list[str] = []
        inside = False
        while True:
            raw = self.client.stdout.readline()
            if not raw:
                raise Failure(f"the tmux control client quit (running {command!r})")
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not inside:
                inside = line.startswith("%begin")  # anything else is a notification
                continue
            if line.startswith("%end"):
                return out
            if line.startswith("%error"):
                raise Failure(f"tmux {command!r}: {' '.join(out)}")
            out.append(line)

    # -- panes ------------------------------------------------------------------
    def spawn(self, label: str, argv: list[str]) -> tuple[str, str, int]:
        """A new detached WIDTHxHEIGHT session running argv (no shell);
        (session name, pane id, pid)."""
        name = f"{label}-{self.token}-{len(self.sessions)}"
        self.sessions.append(name)
        out = self.cmd(f"new-session -d -P -F {quote('#{pane_id} #{pane_pid}')} -s {quote(name)} "
                       f"-x {WIDTH} -y {HEIGHT} " + " ".join(map(quote, argv)))
        pane, pid = out[0].split()
        return name, pane, int(pid)

    def kill(self, name: str, pid: int) -> None:
        """End a session and wait until its process is gone."""
        self.cmd(f"kill-session -t {quote('=' + name)}")
        self.sessions.remove(name)
        deadline = time.perf_counter() + 5
        while _alive(pid):
            if time.perf_counter() > deadline:
                os.kill(pid, signal.SIGKILL)  # the app we started, by its pid
                break
            time.sleep(0.005)

    def capture(self, pane: str) -> str:
        return "\n".join(self.cmd(f"capture-pane -p -t {pane}"))

    def capture_colours(self, pane: str) -> list[str]:
        """The pane's lines with their colours and attributes (SGR escapes), trailing blanks kept."""
        return self.cmd(f"capture-pane -p -e -N -t {pane}")

    def send(self, pane: str, key: str) -> None:
        self.cmd(f"send-keys -t {pane} {key}")

    def check_alive(self, pane: str, what: str) -> None:
        dead, size = self.cmd(f"display-message -p -t {pane} '#{{pane_dead}} "
                              f"#{{pane_width}}x#{{pane_height}}'")[0].split()
        if dead == "1":
            raise Failure(f"{what}: the process in the pane died; the pane shows:\n"
                          + self.capture(pane))
        if size != f"{WIDTH}x{HEIGHT}":
            raise Failure(f"{what}: the pane is {size}, not {WIDTH}x{HEIGHT}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- measuring -------------------------------------------------------------------

def wait_for(tmux: Tmux, pane: str, done, what: str, t0: float) -> tuple[float, str]:
    """Poll until done(text); (seconds since t0, text)."""
    polls = 0
    while True:
        text = tmux.capture(pane)
        now = time.perf_counter()
        if done(text):
            return now - t0, text
        if now - t0 > TIMEOUT:
            tmux.check_alive(pane, what)
            raise Failure(f"{what}: nothing after {TIMEOUT:.0f} s; the pane shows:\n{text}")
        polls += 1
        if polls % 200 == 0:
            tmux.check_alive(pane, what)
        time.sleep(POLL)


def wait_stable(tmux: Tmux, pane: str, what: str, text: str | None = None) -> tuple[float, str]:
    """Poll until the pane has not changed for QUIET; (time of the last change, text)."""
    start = last_change = time.perf_counter()
    if text is None:
        text = tmux.capture(pane)
    while True:
        time.sleep(POLL)
        now_text = tmux.capture(pane)
        now = time.perf_counter()
        if now_text != text:
            text, last_change = now_text, now
        elif now - last_change >= QUIET:
            return last_change, text
        if now - start > TIMEOUT:
            tmux.check_alive(pane, what)
            raise Failure(f"{what}: the screen never settles ({TIMEOUT:.0f} s); it shows:\n{text}")


class Press:
    """One key on a stable screen: the time to the first change of the pane that
    shows the key's effect (``done``), and to the last change before the screen
    is still again. A change that does not show it (a late frame of the step
    before, on a loaded machine) is counted as stray and waited past."""

    def __init__(self, tmux: Tmux, pane: str, key: str, before: str, done, what: str):
        t0 = time.perf_counter()
        tmux.send(pane, key)
        self.stray = 0

        def changed(text: str) -> bool:
            nonlocal before
            if text == before:
                return False
            if done(text):
                return True
            self.stray += 1
            before = text
            return False

        self.first, text = wait_for(tmux, pane, changed, what, t0)
        last_change, self.text = wait_stable(tmux, pane, what, text)
        self.settled = last_change - t0
        if not done(self.text):
            raise Failure(f"{what}: the screen changed again and no longer shows it:\n{self.text}")


def _step(text: str) -> tuple[int, int] | None:
    """(k, n) from "step k/n" on the status line (the top line)."""
    m = STATUS.search(text.split("\n", 1)[0])
    return (int(m[1]), int(m[2])) if m else None


def status(text: str, what: str) -> tuple[int, int]:
    kn = _step(text)
    if kn is None:
        raise Failure(f"{what}: no 'step k/n' on the status line; the pane shows:\n{text}")
    return kn


class Walk:
    """One pane running the app (or the floor) on a scenario: n x steps, then
    home, again and again."""

    def __init__(self, tmux: Tmux, argv: list[str], label: str, first_keys: tuple[str, ...] = ()):
        """``first_keys``: pressed once before any measurement (g: the graph as the list)."""
        self.tmux, self.label = tmux, label
        self.name, self.pane, self.pid = tmux.spawn("walk", argv)
        what = f"{label}: first screen"
        # the status line and the footer (Textual fills it in a later frame)
        wait_for(tmux, self.pane, lambda t: STATUS.search(t) and t.rsplit("\n", 1)[-1].strip(), what,
                 time.perf_counter())
        _, self.text = wait_stable(tmux, self.pane, what)
        for key in first_keys:
            tmux.send(self.pane, key)
            _, self.text = wait_stable(tmux, self.pane, f"{what}, then {key}")
        tmux.check_alive(self.pane, what)  # and WIDTHxHEIGHT
        k, self.steps = status(self.text, what)
        if k != 0:
            raise Failure(f"{what}: starts at step {k}, not 0")
        self.step, self.home = [], []            # first change, s
        self.stray = 0
        self.step_settled, self.home_settled = [], []
        self.screens: list[str] = [self.text]    # what tmux shows after each key of a round
        self.colours: list[list[str]] = []       # the same, with colours, when asked for

    def round(self, colours: bool = False) -> None:
        """n to each step, then home; ``colours``: keep each screen with its colours."""
        self.screens = [self.text]
        self.colours = [self.tmux.capture_colours(self.pane)] if colours else []
        for k in range(1, self.steps + 1):
            self._key("n", k, self.step, self.step_settled, colours)
        self._key("Home", 0, self.home, self.home_settled, colours)

    def _key(self, key: str, want: int, first: list, settled: list, colours: bool) -> None:
        what = f"{self.label}: {key} to step {want}"
        p = Press(self.tmux, self.pane, key, self.text,
                  lambda t: _step(t) == (want, self.steps), what)
        self.text, self.stray = p.text, self.stray + p.stray
        first.append(p.first)
        settled.append(p.settled)
        self.screens.append(p.text)
        if colours:  # the screen is still (Press waited for QUIET)
            self.colours.append(self.tmux.capture_colours(self.pane))

    def end(self) -> None:
        self.tmux.kill(self.name, self.pid)


# -- the floor: the app's own screens ------------------------------------------------

def panes_of(text: str, what: str) -> dict[str, tuple[int, int, int, int]]:
    """Where the panes are on a screen of the app: the inside of each rounded
    border "╭─ title ─...╮" as (x, y, width, height), by title."""
    rows = text.split("\n")
    found = {}
    for y, line in enumerate(rows):
        for m in re.finditer(r"╭─ (\S+) ─", line):
            x0, x1 = m.start(), line.index("╮", m.start())
            y1 = next((y2 for y2 in range(y + 1, len(rows)) if rows[y2][x0:x0 + 1] == "╰"), None)
            if y1 is None:
                raise Failure(f"{what}: the pane {m[1]!r} has no bottom border:\n{text}")
            found[m[1]] = (x0 + 1, y + 1, x1 - x0 - 1, y1 - y - 1)
    graph, step, values = (found.get(name) for name in PANES)
    # the floor has the layout the app has at 100x30: the drawing across the top, step | values beneath
    if None in (graph, step, values) or not (graph[2] == WIDTH - 2 and step[1] == values[1] > graph[1]
                                              and step[0] < values[0]):
        raise Failure(f"{what}: not the layout the floor has (the graph drawn across the top, "
                      f"step | values beneath):\n{text}")
    return found


def floor_data(walk: Walk, what: str) -> dict:
    """What the floor app shows: the app's screens of one round, with colours,
    where its panes are and the keys its footer lists."""
    regions = panes_of(walk.screens[0], what)
    regions["status"] = (0, 0, WIDTH, 1)
    tokens = walk.screens[0].split("\n")[-1].split()
    if not tokens:
        raise Failure(f"{what}: no keys in the footer:\n{walk.screens[0]}")
    return {"regions": regions, "titles": {name: name for name in PANES},
            "footer": list(zip(tokens[::2], tokens[1::2])),
            "screens": [sent_lines(screen) for screen in walk.colours]}


def sent_lines(screen: list[str]) -> list[str]:
    """A screen as tmux captures it with colours (``capture-pane -e``) made into
    lines that each say all their colours, as Textual would send them: tmux
    writes a colour where it changes, also from one line to the next, and by
    its 256-colour number; Textual writes a colour given by number through its
    ANSI theme, which lands on a neighbour (253 on 252). So each colour is
    given by an RGB that Textual writes as that number."""
    from rich.color import ColorSystem  # the app's own dependency, only for the floor's data
    from rich.console import Console
    from rich.text import Text

    console = Console(width=WIDTH, color_system="truecolor")
    return ["".join(_sent_style(style).render(text, color_system=ColorSystem.TRUECOLOR)
                    for text, style, _ in line.render(console, end=""))
            for line in Text.from_ansi("\n".join(screen)).split("\n", allow_blank=True)]


@lru_cache(maxsize=None)
def _sent_style(style):
    return style.without_color + style.from_color(_sent_colour(style.color), _sent_colour(style.bgcolor))


@lru_cache(maxsize=None)
def _sent_colour(colour):
    """An RGB colour that Textual sends to a 256-colour terminal as ``colour``'s number."""
    from rich.color import Color, ColorSystem, ColorType
    from rich.color_triplet import ColorTriplet

    if colour is None or colour.type == ColorType.DEFAULT:
        return None  # (none: the line's cell has the terminal's, not a widget's)
    if colour.type != ColorType.EIGHT_BIT:
        return colour
    # its own RGB; the greys; then any, on a grid of 4 (Rich sends an RGB of
    # low saturation to the grey ramp: 59's own RGB is one)
    grid = ((r, g, b) for r in range(0, 256, 4) for g in range(0, 256, 4) for b in range(0, 256, 4))
    for rgb in itertools.chain([tuple(colour.get_truecolor())], ((v, v, v) for v in range(256)), grid):
        if Color.from_triplet(ColorTriplet(*rgb)).downgrade(ColorSystem.EIGHT_BIT).number == colour.number:
            return Color.from_triplet(ColorTriplet(*rgb))
    raise Failure(f"no RGB colour is sent as colour {colour.number}")


def rows_changed(data: dict) -> dict[str, float]:
    """Per region, the rows that differ from one key's screen to the next (colours
    included), on average over a round's keys."""
    from rich.text import Text  # the app's own dependency, only for this count

    def cut(screen: list[str], region) -> list[tuple]:
        x, y, w, h = region
        rows = [Text.from_ansi(line)[x:x + w] for line in screen[y:y + h]]
        return [(t.plain, [(s.start, s.end, str(s.style)) for s in t.spans]) for t in rows]

    screens, counts = data["screens"], {}
    for name, region in data["regions"].items():
        cuts = [cut(screen, region) for screen in screens]
        counts[name] = statistics.mean(sum(a != b for a, b in zip(before, after))
                                        for before, after in itertools.pairwise(cuts))
    return counts


def check_floor(floor: Walk, app: Walk, what: str) -> None:
    """The floor's screens must be the app's, step by step, colours included
    (tmux's captures with colours: the same screen gives the same capture)."""
    for k, (ours, theirs) in enumerate(zip(floor.screens, app.screens)):
        if ours != theirs:
            raise Failure(f"{what}: after key {k} the floor shows\n{ours}\nbut the app showed\n{theirs}")
    for k, (ours, theirs) in enumerate(zip(floor.colours, app.colours, strict=True)):
        row = next((y for y, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b), None)
        if row is not None:
            raise Failure(f"{what}: after key {k} the floor's row {row} has other colours:\n"
                          f"{ours[row]!r}\nbut the app's:\n{theirs[row]!r}")


class BareWalk:
    """The bare app: the same number of n presses per round as the app's walk."""

    def __init__(self, tmux: Tmux, script: str, presses: int):
        self.tmux, self.presses, self.count = tmux, presses, 0
        self.name, self.pane, self.pid = tmux.spawn("bare", [sys.executable, script])
        what = "bare app: first screen"
        wait_for(tmux, self.pane, lambda t: BARE_TEXT in t, what, time.perf_counter())
        _, self.text = wait_stable(tmux, self.pane, what)
        tmux.check_alive(self.pane, what)  # and WIDTHxHEIGHT
        self.step, self.step_settled = [], []
        self.stray = 0

    def round(self) -> None:
        for _ in range(self.presses):
            self.count += 1
            what = f"bare app: n to {self.count}"
            want = f"bare counter {self.count}"
            p = Press(self.tmux, self.pane, "n", self.text, lambda t: want in t, what)
            self.text, self.stray = p.text, self.stray + p.stray
            self.step.append(p.first)
            self.step_settled.append(p.settled)


def time_start(tmux: Tmux, label: str, argv: list[str], needle: str) -> float:
    """Process start -> the needle on screen, s; the process is gone afterwards."""
    t0 = time.perf_counter()
    name, pane, pid = tmux.spawn(label, argv)
    try:
        elapsed, _ = wait_for(tmux, pane, lambda t: needle in t, f"{label}: start-up", t0)
    finally:
        tmux.kill(name, pid)
    return elapsed


# -- reporting ---------------------------------------------------------------------

LABEL = 44


def row(label: str, samples: list[float]) -> str:
    return (f"  {label:{LABEL}} {statistics.median(samples) * 1e3:8.1f} "
            f"{max(samples) * 1e3:8.1f} {len(samples):5d}")


def header(title: str) -> str:
    return f"{title}\n  {'':{LABEL}} {'median':>8} {'max':>8} {'n':>5}"


def floors(tmux: Tmux, exe: Path, folder: str) -> dict[str, tuple[list[str], dict]]:
    """For each scenario: the floor's command line and the rows the app changes
    per key. The app is walked once (untimed) for its screens; then the floor,
    whose screens must read the same."""
    made = {}
    for name, steps in SCENARIOS.items():
        app = Walk(tmux, [str(exe), name], f"backprop-tui {name}")
        if app.steps != steps:
            print(f"note: {name} has {app.steps} steps (expected {steps})")
        app.round(colours=True)
        app.end()
        data = floor_data(app, f"backprop-tui {name}")
        path = Path(folder) / f"floor-{name}.json"
        path.write_text(json.dumps(data))
        argv = [sys.executable, str(FLOOR), str(path)]
        floor = Walk(tmux, argv, f"floor {name}")
        floor.round(colours=True)
        floor.end()
        check_floor(floor, app, f"floor {name}")
        made[name] = argv, rows_changed(data)
    return made


def time_starts(tmux: Tmux, argvs: dict[str, list[str]], needles: dict[str, str]) -> dict[str, list[float]]:
    """START_RUNS timed starts of each, interleaved, after one untimed warm-up run of each."""
    for side, argv in argvs.items():
        time_start(tmux, f"{side}-start", argv, needles[side])
    starts: dict[str, list[float]] = {side: [] for side in argvs}
    for r in range(START_RUNS):
        order = list(argvs) if r % 2 == 0 else list(argvs)[::-1]
        for side in order:
            starts[side].append(time_start(tmux, f"{side}-start", argvs[side], needles[side]))
    return starts


def walk_all(tmux: Tmux, exe: Path, floor_argv: dict[str, list[str]], bare: str) -> dict:
    """The app's and the floor's walks of each scenario, interleaved round by round
    (the order alternating), at least KEYS n keys each; the bare app and the list
    for INFO_ROUNDS rounds."""
    walks = {name: {"app": Walk(tmux, [str(exe), name], f"backprop-tui {name}"),
                    "floor": Walk(tmux, floor_argv[name], f"floor {name}")} for name in SCENARIOS}
    rounds = {name: -(-KEYS // walks[name]["app"].steps) for name in SCENARIOS}  # ceil
    # the graph as the list (g), beside the drawing, the app's default at 100x30
    listed = Walk(tmux, [str(exe), "mnist_size"], "backprop-tui mnist_size (g)", first_keys=("g",))
    floor = BareWalk(tmux, bare, walks["mnist_size"]["app"].steps)
    trips = []  # the capture round trip: the resolution of every figure below
    for _ in range(50):
        t = time.perf_counter()
        tmux.capture(floor.pane)
        trips.append(time.perf_counter() - t)
    for r in range(max(rounds.values())):
        for name, pair in walks.items():
            if r < rounds[name]:
                for side in (("app", "floor") if r % 2 == 0 else ("floor", "app")):
                    pair[side].round()
        if r < INFO_ROUNDS:
            for side in ((listed, floor) if r % 2 == 0 else (floor, listed)):
                side.round()
    return {"walks": walks, "listed": listed, "bare": floor, "rounds": rounds, "trips": trips}


def installed_app(who: str) -> Path | None:
    """backprop-tui beside this Python, with tmux to run it in; None (the
    reason said on stderr) when either is missing."""
    exe = Path(sys.executable).parent / "backprop-tui"
    if not exe.exists():
        print(f"{who}: no backprop-tui next to {sys.executable}; install the package "
              "(pip install -e .) into this Python's environment", file=sys.stderr)
        return None
    if shutil.which("tmux") is None:
        print(f"{who}: tmux is not installed", file=sys.stderr)
        return None
    return exe


@contextmanager
def private_tmux(prefix: str):
    """A private tmux server (see Tmux) and a temporary folder, (tmux, folder);
    the server killed and the folder removed afterwards, also on SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that finally runs
    tmpdir = tempfile.TemporaryDirectory(prefix=prefix)
    tmux = Tmux(tmpdir.name)
    try:
        tmux.start()
        yield tmux, tmpdir.name
    finally:
        tmux.close()
        tmpdir.cleanup()


def main() -> int:
    exe = installed_app("app_latency")
    if exe is None:
        return 1
    began = time.perf_counter()
    try:
        with private_tmux("app-latency-") as (tmux, folder):
            bare = str(Path(folder) / "bare_app.py")
            Path(bare).write_text(BARE_APP)
            made = floors(tmux, exe, folder)
            starts = time_starts(tmux, {"app": [str(exe), START_SCENARIO], "floor": made[START_SCENARIO][0],
                                        "bare": [sys.executable, bare]},
                                 {"app": START_TEXT, "floor": START_TEXT, "bare": BARE_TEXT})
            done = walk_all(tmux, exe, {name: argv for name, (argv, _) in made.items()}, bare)
    except Failure as e:
        print(f"app_latency: FAILED: {e}", file=sys.stderr)
        return 1
    report(done, starts, {name: rows for name, (_, rows) in made.items()}, time.perf_counter() - began)
    return 0


def report(done: dict, starts: dict[str, list[float]], rows: dict[str, dict[str, float]],
           elapsed: float) -> None:
    walks, listed, bare, trips = done["walks"], done["listed"], done["bare"], done["trips"]
    print(f"backprop-tui in tmux {WIDTH}x{HEIGHT}, TERM={TERM}: Python {sys.version.split()[0]}, "
          f"Textual {version('textual')}, {subprocess.run(['tmux', '-V'], capture_output=True, text=True).stdout.strip()}; "
          f"{elapsed:.0f} s, load average {os.getloadavg()[0]:.2f}")
    print(f"capture-pane round trip: median {statistics.median(trips) * 1e3:.2f} ms, "
          f"polled every {POLL * 1e3:.0f} ms")
    for name, counts in rows.items():
        print(f"rows changed per key on {name} (mean over a round, colours included): "
              + ", ".join(f"{region} {n:.1f}" for region, n in counts.items()))
    print()
    print(header("key -> first pane change showing the key's effect (ms)"))
    for name, pair in walks.items():
        app, floor = pair["app"], pair["floor"]
        print(row(f"{name:11} n, the app ({done['rounds'][name]} rounds)", app.step))
        print(row(f"{name:11} n, the app, its first round only", app.step[:app.steps]))
        print(row(f"{name:11} n, the floor", floor.step))
        print(row(f"{name:11} home, the app", app.home))
        print(row(f"{name:11} home, the floor", floor.home))
    print(row(f"mnist_size  n, the list (g), {INFO_ROUNDS} rounds", listed.step))
    print(row(f"bare app    n ({bare.presses} a round)", bare.step))
    print(header(f"key -> settled (the last change before {QUIET * 1e3:.0f} ms still) (ms)"))
    for name, pair in walks.items():
        for side in ("app", "floor"):
            print(row(f"{name:11} n, the {side}", pair[side].step_settled))
    print(row("bare app    n", bare.step_settled))
    sides = [(f"{name} {side}", pair[side]) for name, pair in walks.items() for side in pair]
    for label, side in sides + [("bare app", bare)]:
        if side.stray:
            print(f"  {label}: {side.stray} stray change(s) came before a key's effect "
                  "(a late frame of the step before): waited past them")
    print(header(f"process start -> first drawn screen (ms), {START_RUNS} runs each"))
    print(row(f"backprop-tui {START_SCENARIO}", starts["app"]))
    print(row(f"floor {START_SCENARIO} (its layout + import numpy)", starts["floor"]))
    print(row("bare app", starts["bare"]))
    print()
    med = statistics.median
    step = {name: med(pair["app"].step) / med(pair["floor"].step) for name, pair in walks.items()}
    start = med(starts["app"]) / med(starts["floor"])
    for name, ratio in step.items():
        print(f"goal: step ratio app/floor ({name}) at most {STEP_GOAL:.2f}: {'met' if ratio <= STEP_GOAL else 'NOT met'}")
    print(f"goal: start ratio app/floor at most {START_GOAL:.2f}: {'met' if start <= START_GOAL else 'NOT met'}")
    mnist = walks["mnist_size"]["app"]
    print(f"information: drawn/list (mnist_size): {med(mnist.step) / med(listed.step):.2f} "
          f"(earlier goal: at most {DRAWN_GOAL:.2f}); "
          f"step ratio app/bare (mnist_size): {med(mnist.step) / med(bare.step):.2f}; "
          f"start ratio app/bare: {med(starts['app']) / med(starts['bare']):.2f}")
    for name, ratio in step.items():
        print(f"step ratio app/floor ({name}): {ratio:.2f}")
    print(f"start ratio app/floor: {start:.2f}")


if __name__ == "__main__":
    sys.exit(main())
