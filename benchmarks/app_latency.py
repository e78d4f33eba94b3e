"""What a user feels: the installed app's key-to-screen latency and its start,
in a real terminal, against a budget a person can feel: a key's answer within
one 60 Hz frame (p95 <= 16 ms), the first screen within half a second.

What it measures
----------------
``backprop-tui mnist_size``, ``digits`` and ``apple`` run in tmux, 100x30,
``TERM=xterm-256color``, as a user runs them; the benchmark looks only at what
tmux shows (``capture-pane -p``, the pane's text):

* a key: ``tmux send-keys`` writes ``n`` (the next step) or ``p`` (the one
  before) into the pane's terminal; then the pane's text is captured every
  ``POLL`` (1 ms) until its status line (the top line) reads "step k/N" with
  the step the key goes to ("shown"), and on until the pane has been still for
  ``QUIET`` (200 ms): the time of its last change is "complete", when the app's
  last frame for the key was on screen. The goal is checked on the complete
  time's p95. A change that does not show the key's step (a late frame of the
  key before) is counted as stray and waited past. Each scenario is walked n to
  its last step, then p back to step 0, again and again, at least ``KEYS``
  (100) keys of each, the scenarios' walks interleaved round by round; the
  first walk includes the engine computing each step (it is done once, when a
  step is first reached), so the p95 includes first visits.
* the start: ``tmux new-session`` with the command -> the pane's first complete
  screen (the status line at step 0 and the footer are there, and the pane is
  then still for ``QUIET``; the time of its last change counts).
  ``START_RUNS`` (7) starts of each, interleaved, after one untimed start of
  each (it writes ``__pycache__``, which a user's installed app has; so
  ``PYTHONDONTWRITEBYTECODE`` is dropped); each process is gone before the next
  one starts.

What the measurement costs
--------------------------
Every figure includes tmux: its send-keys, the pty, parsing what the program
writes, and the capture (one round trip through a control-mode client, about
0.1 ms, printed) polled every 1 ms. That is measured on a trivial program
(``ECHO_APP``: Python in raw mode writing "step k/N" and a footer for each key,
no Textual), walked and started as the app is: its figures are the
measurement's own floor, printed first. The goals are checked on the app's
figures as measured, that floor included.

Beside the wall-clock figures, "cpu" is the program's own CPU time (user +
system, from ``/proc/PID/stat`` in clock ticks of 10 ms): for a start, until
its first complete screen has been still for ``QUIET`` (so what the program
does right after its first frame is in, such as the app's garbage
collection); per key, the walk's total over its keys (the still waits
included). On a busy machine the wall-clock figures include waiting for
a core; the CPU time much less so.

For information, beside them, no goal: a bare Textual app (``BARE_APP``: a
status line, three bordered ``Static`` widgets laid out as the app's panes and
Textual's footer; each key updates every one with about a screen of new text,
as a step of the app does) walked and started the same way: what Textual
itself needs for a key and a start on this machine.

Why not Textual's Pilot: ``Pilot.press`` runs the app headless and, for every
key, waits for the app to be idle in 20 ms slices, some 40-60 ms whatever the
app does; and a headless app writes nothing to a terminal.

How it works
------------
All tmux commands go to a private tmux server (``tmux -S <socket in a temporary
folder> -f /dev/null``: never the user's server or configuration) through one
control-mode client, so a capture costs ~0.1 ms, not the ~4 ms of a tmux client
process per poll. The server is killed in a ``finally`` block (also on SIGTERM).
If a pane never shows what is waited for within ``TIMEOUT`` (10 s), or its
process dies, the benchmark stops with the pane's content and exits 1.
``latency_growth.py`` uses the same ``private_tmux``, ``installed_app`` and
``Walk``.

How to run
----------
From the repository root, with the package installed in the Python that runs
the script (``backprop-tui`` is taken from next to ``sys.executable``)::

    python benchmarks/app_latency.py

Needs tmux (3.0 or later); about five minutes. Exit code 0 when everything was
measured, met or not. The figures are worth reading on a quiet machine only
(the load average is printed): run it two or three times.
"""

from __future__ import annotations

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
from importlib.metadata import version
from pathlib import Path

WIDTH, HEIGHT = 100, 30
TERM = "xterm-256color"
SCENARIOS = ("mnist_size", "digits", "apple")
KEYS = 100          # at least this many n keys, and as many p keys, per program walked
START_RUNS = 7      # timed starts of each, interleaved
POLL = 0.001        # s between captures while waiting
QUIET = 0.200       # s without a change: the screen is complete
TIMEOUT = 10.0      # s: a pane that never shows what is waited for is a failure
KEY_GOAL, START_GOAL = 0.016, 0.5   # s: one 60 Hz frame (p95); half a second
STATUS = re.compile(r"step (\d+)/(\d+)")

ECHO_APP = '''\
"""The measurement's floor: a key read in raw mode, "step k/8" written back."""
import sys, termios, tty
out, fd, k = sys.stdout, sys.stdin.fileno(), 0
tty.setraw(fd)
def show():
    out.write(f"\\x1b[H\\x1b[2K step {k}/8\\x1b[{HEIGHT}H\\x1b[2Kn Next p Prev q Quit")
    out.flush()
out.write("\\x1b[2J"); show()
while (c := sys.stdin.read(1)) != "q":
    k = min(k + 1, 8) if c == "n" else max(k - 1, 0) if c == "p" else k
    show()
'''.replace("{HEIGHT}", str(HEIGHT))

BARE_APP = '''\
"""Bare Textual: the app's layout, about a screen of new text per key."""
from textual.app import App
from textual.containers import Horizontal
from textual.widgets import Footer, Static


class Bare(App):
    CSS = """
    #status { height: 1; }
    .pane { border: round $primary; height: 1fr; }
    #graph { height: 17; }
    """
    BINDINGS = [("n", "move(1)", "Next"), ("p", "move(-1)", "Prev"), ("q", "quit", "Quit")]
    k = 0

    def compose(self):
        yield Static(id="status")
        yield Static(id="graph", classes="pane")
        with Horizontal():
            yield Static(id="step", classes="pane")
            yield Static(id="values", classes="pane")
        yield Footer(compact=True)

    def on_mount(self):
        self.show()

    def action_move(self, d):
        self.k = min(max(self.k + d, 0), 8)
        self.show()

    def show(self):
        k = self.k
        self.query_one("#status").update(f" A bare Textual app  |  step {k}/8")
        for name, rows, width in (("graph", 15, 96), ("step", 10, 46), ("values", 10, 46)):
            text = "\\n".join(" ".join(f"{(k + 1) * (r + 1) * (c + 1) / 7:8.4f}"
                                       for c in range(width // 9)) for r in range(rows))
            self.query_one("#" + name).update(text)


if __name__ == "__main__":
    Bare().run()
'''


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
        self.base = [exe, "-S", str(Path(folder) / f"tmux-{self.token}")]
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("TMUX", "TMUX_PANE", "PYTHONDONTWRITEBYTECODE")}
        self.env["TERM"] = TERM
        self.client: subprocess.Popen | None = None
        self.sessions: list[str] = []
        self.started = False

    def start(self) -> None:
        keep = f"keep-{self.token}"
        # the server lives as long as this idle session; remain-on-exit keeps a
        # crashed app's last words readable (not the idle session's)
        subprocess.run(
            [*self.base, "-f", "/dev/null", "new-session", "-d", "-s", keep,
             "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 1800",
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
        for name in list(self.sessions):
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

    def spawn(self, label: str, argv: list[str]) -> tuple[str, str, int]:
        """A new detached WIDTHxHEIGHT session running argv (no shell): (name, pane, pid)."""
        name = f"{label}-{self.token}-{secrets.token_hex(3)}"
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
                os.kill(pid, signal.SIGKILL)  # the program we started, by its pid
                break
            time.sleep(0.005)

    def capture(self, pane: str) -> str:
        return "\n".join(self.cmd(f"capture-pane -p -t {pane}"))

    def send(self, pane: str, key: str) -> None:
        self.cmd(f"send-keys -t {pane} {key}")

    def check_alive(self, pane: str, what: str) -> None:
        dead, size = self.cmd(f"display-message -p -t {pane} '#{{pane_dead}} "
                              f"#{{pane_width}}x#{{pane_height}}'")[0].split()
        if dead == "1":
            raise Failure(f"{what}: the process in the pane died; the pane shows:\n" + self.capture(pane))
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


def installed_app(who: str) -> Path | None:
    """backprop-tui beside this Python, with tmux to run it in; None (the reason
    said on stderr) when either is missing."""
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


# -- measuring -------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the process has used, s (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def step_of(text: str) -> tuple[int, int] | None:
    """(k, N) from "step k/N" on the status line (the top line)."""
    m = STATUS.search(text.split("\n", 1)[0])
    return (int(m[1]), int(m[2])) if m else None


def first_screen(text: str) -> bool:
    """The status line at step 0 and the footer (Textual draws it in a later frame)."""
    kn = step_of(text)
    return kn is not None and kn[0] == 0 and bool(text.rsplit("\n", 1)[-1].strip())


def wait_for(tmux: Tmux, pane: str, done, what: str, t0: float) -> tuple[float, str]:
    """Capture until done(text): (seconds since t0, text)."""
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


def wait_still(tmux: Tmux, pane: str, what: str, text: str, changed: float) -> tuple[float, str]:
    """Capture until the pane, showing ``text`` since ``changed``, has not
    changed for QUIET: (the time of its last change, its text)."""
    began = time.perf_counter()
    while True:
        time.sleep(POLL)
        now_text, now = tmux.capture(pane), time.perf_counter()
        if now_text != text:
            text, changed = now_text, now
            if now - began > TIMEOUT:
                raise Failure(f"{what}: not still after {TIMEOUT:.0f} s; the pane shows:\n{text}")
        elif now - changed >= QUIET:
            return changed, text


class Walk:
    """One pane running a program that shows "step k/N" on its top line: n to
    step N, then p back to 0, again and again. ``shown[key]`` and
    ``complete[key]``: the seconds from each key to its step on the status line
    and to the pane's last change."""

    def __init__(self, tmux: Tmux, argv: list[str], label: str):
        self.tmux, self.label = tmux, label
        self.name, self.pane, self.pid = tmux.spawn("walk", argv)
        what = f"{label}: first screen"
        _, text = wait_for(tmux, self.pane, first_screen, what, time.perf_counter())
        _, self.text = wait_still(tmux, self.pane, what, text, time.perf_counter())
        tmux.check_alive(self.pane, what)  # and WIDTHxHEIGHT
        self.steps = step_of(self.text)[1]
        self.shown: dict[str, list[float]] = {"n": [], "p": []}
        self.complete: dict[str, list[float]] = {"n": [], "p": []}
        self.stray = 0
        self.cpu = 0.0  # the CPU time its rounds used, s

    def round(self) -> None:
        cpu = cpu_seconds(self.pid)
        for k in [*range(1, self.steps + 1), *range(self.steps - 1, -1, -1)]:
            self.press("n" if k > step_of(self.text)[0] else "p", k)
        self.cpu += cpu_seconds(self.pid) - cpu

    def press(self, key: str, want: int) -> None:
        what, before = f"{self.label}: {key} to step {want}", self.text

        def shows(text: str) -> bool:
            nonlocal before
            if text == before:
                return False
            if step_of(text) == (want, self.steps):
                return True
            self.stray, before = self.stray + 1, text  # a late frame of the key before
            return False

        t0 = time.perf_counter()
        self.tmux.send(self.pane, key)
        shown, text = wait_for(self.tmux, self.pane, shows, what, t0)
        last, self.text = wait_still(self.tmux, self.pane, what, text, t0 + shown)
        if step_of(self.text) != (want, self.steps):
            raise Failure(f"{what}: the screen changed again and no longer shows it:\n{self.text}")
        self.shown[key].append(shown)
        self.complete[key].append(last - t0)

    def end(self) -> None:
        self.tmux.kill(self.name, self.pid)


def walk_all(walks: dict[str, Walk], keys: int) -> None:
    """Each walk's rounds until it has had ``keys`` n keys, interleaved round by
    round, the order reversed every other round."""
    rounds = {label: -(-keys // w.steps) for label, w in walks.items()}  # ceil
    for r in range(max(rounds.values())):
        for label in (list(walks) if r % 2 == 0 else list(walks)[::-1]):
            if r < rounds[label]:
                walks[label].round()


def time_start(tmux: Tmux, argv: list[str], label: str) -> tuple[float, float]:
    """``tmux new-session`` -> the first complete screen, s, and the CPU time the
    process used until that screen was still; the process is gone afterwards."""
    t0 = time.perf_counter()
    name, pane, pid = tmux.spawn("start", argv)
    try:
        what = f"{label}: start"
        shown, text = wait_for(tmux, pane, first_screen, what, t0)
        last, _ = wait_still(tmux, pane, what, text, t0 + shown)
        cpu = cpu_seconds(pid)
    finally:
        tmux.kill(name, pid)
    return last - t0, cpu


def time_starts(tmux: Tmux, programs: dict[str, list[str]]) -> dict[str, list[tuple[float, float]]]:
    """START_RUNS timed starts of each, interleaved, after one untimed start of each."""
    for label, argv in programs.items():
        time_start(tmux, argv, label)
    starts: dict[str, list[tuple[float, float]]] = {label: [] for label in programs}
    for r in range(START_RUNS):
        for label in (list(programs) if r % 2 == 0 else list(programs)[::-1]):
            starts[label].append(time_start(tmux, programs[label], label))
    return starts


# -- reporting ---------------------------------------------------------------------

def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.1f}"


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(walks: dict[str, Walk], starts: dict[str, list[tuple[float, float]]], trip: float, elapsed: float) -> None:
    tmux_version = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    print(f"backprop-tui in tmux {WIDTH}x{HEIGHT}, TERM={TERM}: Python {sys.version.split()[0]}, "
          f"Textual {version('textual')}, {tmux_version}, {os.cpu_count()} cores; "
          f"{elapsed:.0f} s, load average {os.getloadavg()[0]:.2f}")
    print(f"capture round trip {trip * 1e3:.2f} ms (median), polled every {POLL * 1e3:.0f} ms; "
          f"complete = the last change before {QUIET * 1e3:.0f} ms still")
    print()
    print(f"key -> screen (ms)        {'shown':>15}  {'complete':>23}")
    print(f"  {'':22}{'median':>7} {'p95':>7}  {'median':>7} {'p95':>7} {'max':>7} {'keys':>5}  cpu/key")
    for label, w in walks.items():
        cpu = w.cpu / sum(map(len, w.complete.values()))
        for key in ("n", "p"):
            shown, done = w.shown[key], w.complete[key]
            print(f"  {label:20}{key} {ms(statistics.median(shown))} {ms(p95(shown))}  "
                  f"{ms(statistics.median(done))} {ms(p95(done))} {ms(max(done))} {len(done):5d}"
                  + (f"  {ms(cpu)}" if key == "n" else ""))
    for label, w in walks.items():
        if w.stray:
            print(f"  {label}: {w.stray} stray change(s) before a key's step was shown: waited past them")
    print(f"start: new-session -> first complete screen (ms), {START_RUNS} runs each")
    print(f"  {'':22}{'median':>7} {'min':>7} {'max':>7}      cpu")
    for label, runs in starts.items():
        wall = [w for w, _ in runs]
        print(f"  {label:22}{ms(statistics.median(wall))} {ms(min(wall))} {ms(max(wall))}  "
              f"{ms(statistics.median(c for _, c in runs))}")
    print()
    for name in SCENARIOS:
        w = walks[name]
        worst = max(p95(w.complete["n"]), p95(w.complete["p"]))
        print(f"goal: {name:10} key p95 <= {KEY_GOAL * 1e3:.0f} ms: {worst * 1e3:5.1f} ms "
              f"{verdict(worst <= KEY_GOAL)}")
    for name in SCENARIOS:
        start = statistics.median(wall for wall, _ in starts[name])
        print(f"goal: {name:10} start <= {START_GOAL:.1f} s: {start:5.2f} s {verdict(start <= START_GOAL)}")


def main() -> int:
    exe = installed_app("app_latency")
    if exe is None:
        return 1
    began = time.perf_counter()
    try:
        with private_tmux("app-latency-") as (tmux, folder):
            programs = {name: [str(exe), name] for name in SCENARIOS}
            for label, script in (("bare Textual", BARE_APP), ("echo (no Textual)", ECHO_APP)):
                path = Path(folder) / f"{label.split()[0]}_app.py"
                path.write_text(script)
                programs[label] = [sys.executable, str(path)]
            starts = time_starts(tmux, programs)
            walks = {label: Walk(tmux, argv, label) for label, argv in programs.items()}
            trips = []
            for _ in range(50):
                t = time.perf_counter()
                tmux.capture(walks["echo (no Textual)"].pane)
                trips.append(time.perf_counter() - t)
            walk_all(walks, KEYS)
    except Failure as e:
        print(f"app_latency: FAILED: {e}", file=sys.stderr)
        return 1
    order = ["echo (no Textual)", *SCENARIOS, "bare Textual"]
    report({label: walks[label] for label in order}, {label: starts[label] for label in order},
           statistics.median(trips), time.perf_counter() - began)
    return 0


if __name__ == "__main__":
    sys.exit(main())
