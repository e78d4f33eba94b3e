"""A classroom of browsers: key-to-screen latency and memory of the app served
with textual-serve (``backprop-tui --serve``) to many sessions at once.

What it measures
----------------
The benchmark starts ``backprop-tui --serve SCENARIO --port P`` on loopback
(a free port unless ``--port`` is given) and opens ``SESSIONS`` (30) sessions
at once, as that many browser tabs would, but with a small asyncio client
speaking textual-serve's protocol (no browser):

* each session GETs the page, takes the websocket URL from it
  (``data-session-websocket-url``), connects with ``?width=100&height=30``
  and, as the page's script (textual-serve's ``static/js/textual.js``) does,
  sends ``["resize", {"width": 100, "height": 30}]`` and ``["ping", ms]``,
  then, once the app's first screen shows, ``["focus"]`` (what the page
  sends when the learner clicks into it: until then the app draws no
  footer). Keys are ``["stdin", text]`` messages: ``n``, and ``ESC [ H``
  for home, as xterm.js encodes them.
  Every binary websocket message is the app's terminal output; it is fed to
  the session's own ``pyte`` screen (100x30), so the client sees exactly the
  screen a browser would draw.
* a session is up when its status line (the top row) reads "step 0/n" and
  the footer is drawn. Once all are up, each session steps through the
  scenario as a learner reading the screen would: it waits 0.5-2 s (uniform,
  seeded per session), presses ``n`` -- ``home`` when the status line reads
  "step n/n", to go round again -- and so on, ``KEYS`` (20) keys each.
* key -> screen: from sending the key to the receipt of the first websocket
  message after which the session's screen shows the key's step ("step k/n"
  with the expected k). Printed: the median and the 95th percentile
  (nearest rank) over all keys of all sessions, in ms.
* memory: the PSS (``/proc/PID/smaps_rollup``: shared pages are split
  between the processes that share them, so they count once in a sum) of
  every process the server started (its descendants, found through the
  parent PID in ``/proc/*/stat``: the ``sh -c`` textual-serve runs and the
  app under it), once all sessions are up and again after the keys; the
  total, per session, and the server's own.
* sessions lost: a websocket that closed, a session that never came up
  (``START_TIMEOUT``) or a key never answered (``KEY_TIMEOUT``).
* goals: 30 sessions, none lost, p95 under 250 ms, under 2 GB in all (the
  app processes and the server), each printed as met or not.
* where the time goes: CPU seconds of the server, of the app processes and
  of this client over the walk (and per key and per frame), the machine's
  CPU use (``/proc/stat``, others' work included), the server's own round
  trip (``ping`` -> ``pong``, which never reaches an app), the start-up
  time and CPU of the sessions (connect -> first screen, all starting at
  once), the frames and bytes a key costs (to its answer, and in all: the
  app draws more after the answer), and key -> screen by how many other
  keys were waiting for their answer when the key was sent.
* last, one session's app process is killed (SIGKILL) and every session
  presses one more key: all the others must answer; the killed one cannot.

The server runs in its own process group; it is stopped in a ``finally``
block (SIGINT, as Ctrl-C stops it; then SIGKILL to whatever is left of
its group), also on Ctrl-C and SIGTERM, and the benchmark prints how many of the
processes it saw are left (0).

How to run
----------
From the repository root, with the package and its ``serve`` extra
(textual-serve) and ``pyte`` installed in the Python that runs the script;
``backprop-tui`` is taken from next to ``sys.executable``::

    python benchmarks/serve_load.py [--sessions 30] [--keys 20] [--scenario apple] [--port P]

Takes about a minute with 30 sessions. Exit code 0 when it measured, whether
or not the goals are met; 1 when the server or every session failed. The
machine's load is printed: on a shared machine, run it two or three times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import aiohttp  # textual-serve's own dependency
    import pyte
except ImportError as e:
    sys.stderr.write(f"error: serve_load.py needs {e.name}: pip install \".[serve]\" pyte\n")
    sys.exit(2)

WIDTH, HEIGHT = 100, 30
SESSIONS, KEYS, SCENARIO = 30, 20, "apple"
PAUSE = (0.5, 2.0)          # s a learner reads a screen before the next key
SEED = 16
START_TIMEOUT = 120.0       # s for all sessions to show their first screen
KEY_TIMEOUT = 10.0          # s: a key never answered loses its session
KILL_TIMEOUT = 5.0          # s to answer the key after one app was killed
STOP_GRACE = 10.0           # s for the server to stop on SIGINT
PING_EVERY = 0.25           # s between the server round trips measured
QUIET = 2.0                 # s the apps are left idle before the walk, to measure what idling costs
GOAL_SESSIONS, GOAL_P95_MS, GOAL_BYTES = 30, 250.0, 2 * 1024 ** 3
HOME = "\x1b[H"
STATUS = re.compile(r"step (\d+)/(\d+)")
WS_URL = re.compile(r'data-session-websocket-url="([^"]+)"')
TICK = os.sysconf("SC_CLK_TCK")


class Lost(Exception):
    """A session's websocket closed, or it never answered."""


class Session:
    """One browser tab: a websocket and the pyte screen its frames draw."""

    pending = 0   # keys sent and not yet answered, all sessions

    def __init__(self, index: int, http: aiohttp.ClientSession, page: str):
        self.index, self.http, self.page = index, http, page
        self.rng = random.Random(SEED * 1000 + index)
        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.ByteStream(self.screen)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.changed = asyncio.Event()
        self.want = None                 # what until() waits for: checked after every frame
        self.hit: float | None = None    # perf_counter of the frame after which want() held
        self.frames = self.bytes = 0
        self.closed: str | None = None   # why the websocket ended
        self.lost: str | None = None
        self.start_s: float | None = None
        self.latencies: list[float] = []
        self.crowd: list[int] = []       # for each key: the other keys in flight when it was sent
        self.pongs: list[float] = []
        self.reader: asyncio.Task | None = None

    def row(self, y: int) -> str:
        line = self.screen.buffer[y]
        return "".join(line[x].data for x in range(WIDTH))

    def step(self) -> tuple[int, int] | None:
        m = STATUS.search(self.row(0))
        return (int(m[1]), int(m[2])) if m else None

    async def open(self) -> None:
        """The page, the websocket, and what the page's script sends on open."""
        t0 = time.perf_counter()
        async with self.http.get(self.page) as response:
            url = WS_URL.search(await response.text())[1]
        self.ws = await self.http.ws_connect(f"{url}?width={WIDTH}&height={HEIGHT}")
        self.reader = asyncio.create_task(self.read())
        await self.send(["resize", {"width": WIDTH, "height": HEIGHT}])
        await self.send(["ping", str(int(time.time() * 1000))])
        await self.until(lambda: (self.step() or (None,))[0] == 0, START_TIMEOUT)
        await self.send(["focus"])   # the learner clicks into the page that shows the app
        await self.until(lambda: self.row(HEIGHT - 1).strip(), START_TIMEOUT)
        self.start_s = time.perf_counter() - t0

    async def send(self, message: list) -> None:
        if self.closed:
            raise Lost(f"websocket closed ({self.closed})")
        await self.ws.send_str(json.dumps(message))

    async def read(self) -> None:
        try:
            async for message in self.ws:
                now = time.perf_counter()
                if message.type == aiohttp.WSMsgType.BINARY:
                    self.stream.feed(message.data)
                    self.frames, self.bytes = self.frames + 1, self.bytes + len(message.data)
                    if self.want is not None and self.want():
                        self.hit, self.want = now, None
                        self.changed.set()
                elif message.type == aiohttp.WSMsgType.TEXT:
                    kind, data = json.loads(message.data)
                    if kind == "pong" and data.startswith("p"):
                        self.pongs.append(now - float(data[1:]))
            self.closed = f"closed by the server, code {self.ws.close_code}"
        except Exception as e:  # noqa: BLE001 -- any end of the socket loses the session
            self.closed = f"{type(e).__name__}: {e}"
        self.changed.set()

    async def until(self, shown, timeout: float) -> float:
        """Wait until shown() is true of the screen; the receipt time of the first frame
        after which it was (now, if it already is)."""
        if shown():
            return time.perf_counter()
        self.hit, self.want = None, shown
        self.changed.clear()
        try:
            await asyncio.wait_for(self.changed.wait(), timeout)
        except TimeoutError:
            raise Lost(f"no answer in {timeout:.0f} s; status line: {self.row(0).strip()!r}") from None
        finally:
            self.want = None
        if self.hit is None:
            raise Lost(f"websocket closed ({self.closed})")
        return self.hit

    async def press(self, timeout: float = KEY_TIMEOUT) -> tuple[float, int, int]:
        """n (home at the last step); ms to the screen showing the next step, frames, bytes."""
        k, n = self.step()
        key, want = (HOME, 0) if k == n else ("n", k + 1)
        frames, nbytes, crowd = self.frames, self.bytes, Session.pending
        Session.pending += 1
        try:
            t0 = time.perf_counter()
            await self.send(["stdin", key])
            t1 = await self.until(lambda: (self.step() or (None,))[0] == want, timeout)
        finally:
            Session.pending -= 1
        self.crowd.append(crowd)
        return (t1 - t0) * 1000, self.frames - frames, self.bytes - nbytes

    async def walk(self, keys: int, costs: list) -> None:
        for _ in range(keys):
            await asyncio.sleep(self.rng.uniform(*PAUSE))
            ms, frames, nbytes = await self.press()
            self.latencies.append(ms)
            costs.append((frames, nbytes))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader


# ---- processes, memory and CPU from /proc ----

def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()   # [state, ppid, pgrp, ...]


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                children.setdefault(int(_stat(int(name))[1]), []).append(int(name))
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def pss(pid: int) -> int:
    """Bytes of PSS, 0 for a process gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu(pids) -> float:
    """CPU seconds (user + system) the processes used so far."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total / TICK


def machine() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK, sum(values[:8]) / TICK


def app_pids(server: int) -> list[int]:
    """The app processes: descendants of the server with no children (not the sh -c)."""
    procs = descendants(server)
    parents = set()
    for pid in procs:
        try:
            parents.add(int(_stat(pid)[1]))
        except (OSError, ValueError, IndexError):
            pass
    return [pid for pid in procs if pid not in parents]


# ---- the server ----

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(scenario: str, port: int) -> list[str]:
    return [str(Path(sys.executable).with_name("backprop-tui")), "--serve", scenario, "--port", str(port)]


def start_server(scenario: str, port: int, log) -> subprocess.Popen:
    return subprocess.Popen(serve_command(scenario, port), stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(server: subprocess.Popen, seen: set[int]) -> None:
    """SIGINT (Ctrl-C) to the server, then SIGKILL to its process group; say what is left."""
    seen.update(descendants(server.pid))
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            print(f"server: still running {STOP_GRACE:.0f} s after SIGINT; killed")
    time.sleep(0.5)
    try:
        os.killpg(server.pid, signal.SIGKILL)   # its group: anything it left behind
    except ProcessLookupError:
        pass
    server.wait()
    left = [pid for pid in seen if Path(f"/proc/{pid}").exists() and _stat(pid)[0] != "Z"]
    print(f"server stopped (exit code {server.returncode}); processes left behind: {len(left)}"
          + (f" {left}" if left else ""))


async def wait_http(page: str, server: subprocess.Popen, http: aiohttp.ClientSession) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 30:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            async with http.get(page) as response:
                if response.status == 200 and WS_URL.search(await response.text()):
                    return time.perf_counter() - t0
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit("the server did not answer HTTP in 30 s")


# ---- the run ----

def p95(values: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def memory(server: int, sessions: int, when: str) -> int:
    procs = descendants(server)
    total, own = sum(pss(pid) for pid in procs), pss(server)
    print(f"memory ({when}): app processes {total / 2**20:.0f} MB PSS in all "
          f"({len(procs)} processes), {total / 2**20 / max(sessions, 1):.1f} MB per session; "
          f"server {own / 2**20:.0f} MB; with the server {(total + own) / 2**20:.0f} MB")
    return total + own


async def open_all(sessions: list[Session], server: int) -> None:
    t0 = time.perf_counter()
    results = await asyncio.gather(*(s.open() for s in sessions), return_exceptions=True)
    for s, result in zip(sessions, results):
        if isinstance(result, BaseException):
            s.lost = f"never came up: {type(result).__name__}: {result}"
    starts = [s.start_s for s in sessions if s.start_s is not None]
    started = cpu(descendants(server))
    print(f"sessions up: {len(starts)} of {len(sessions)} in {time.perf_counter() - t0:.1f} s; "
          f"connect -> first screen median {statistics.median(starts or [0]):.2f} s, "
          f"max {max(starts or [0]):.2f} s; CPU of the app processes so far "
          f"{started:.1f} s, {started / max(len(starts), 1):.2f} s per session")


async def pinger(sessions: list[Session]) -> None:
    """The server's own round trip: a ping every PING_EVERY s, on each session in turn."""
    i = 0
    while True:
        await asyncio.sleep(PING_EVERY)
        live = [s for s in sessions if not s.lost and not s.closed]
        if live:
            s = live[i % len(live)]
            i += 1
            try:
                await s.send(["ping", f"p{time.perf_counter()}"])
            except (Lost, ConnectionError):
                pass


async def walk_all(sessions: list[Session], keys: int, server: int) -> tuple[list, dict]:
    """Every session walks; returns the key costs and the CPU seconds used meanwhile."""
    live = [s for s in sessions if not s.lost]
    apps = descendants(server)
    await asyncio.sleep(QUIET)   # the apps idle: what they cost without a key
    idle = cpu(apps)
    await asyncio.sleep(QUIET)
    idle = (cpu(apps) - idle) / QUIET / max(len(live), 1)
    before = (cpu([server]), cpu(apps), time.process_time(), machine(), time.perf_counter(),
              sum(s.frames for s in live))
    costs: list[tuple[int, int]] = []
    ping = asyncio.create_task(pinger(live))
    results = await asyncio.gather(*(s.walk(keys, costs) for s in live), return_exceptions=True)
    ping.cancel()
    after = (cpu([server]), cpu(apps), time.process_time(), machine(), time.perf_counter(),
             sum(s.frames for s in live))
    for s, result in zip(live, results):
        if isinstance(result, BaseException):
            s.lost = f"after {len(s.latencies)} keys: {type(result).__name__}: {result}"
    used = {"server": after[0] - before[0], "apps": after[1] - before[1], "client": after[2] - before[2],
            "machine": after[3][0] - before[3][0], "wall": after[4] - before[4],
            "frames": after[5] - before[5], "idle": idle}
    return costs, used


def report_walk(sessions: list[Session], costs: list, used: dict) -> float | None:
    latencies = [ms for s in sessions for ms in s.latencies]
    if not latencies:
        print("key -> screen: no key answered")
        return None
    high = p95(latencies)
    print(f"key -> screen ({len(latencies)} keys): median {statistics.median(latencies):.0f} ms, "
          f"p95 {high:.0f} ms, max {max(latencies):.0f} ms")
    frames, nbytes = sum(c[0] for c in costs), sum(c[1] for c in costs)
    sent = used["frames"]
    pairs = [(c, ms) for s in sessions for c, ms in zip(s.crowd, s.latencies)]
    print("key -> screen by other keys in flight when sent: " + ", ".join(
        f"{label}: median {statistics.median(v):.0f} ms, p95 {p95(v):.0f} ms ({len(v)} keys)"
        for label, test in (("0", lambda c: c == 0), ("1", lambda c: c == 1), ("2-3", lambda c: 2 <= c <= 3),
                            ("4+", lambda c: c >= 4))
        if (v := [ms for c, ms in pairs if test(c)])))
    print(f"per key: {frames / len(costs):.1f} frames, {nbytes / len(costs) / 1024:.1f} KB to its answer; "
          f"{used['frames'] / len(costs):.1f} frames in all")
    wall = used["wall"]
    print(f"CPU over the walk ({wall:.1f} s, 2 cores = {2 * wall:.0f} CPU s): "
          f"server {used['server']:.2f} s ({used['server'] / max(sent, 1) * 1000:.2f} ms per frame sent), "
          f"apps {used['apps']:.1f} s ({used['apps'] / len(costs) * 1000:.0f} ms per key; idle, before the "
          f"walk: {used['idle'] * 100:.1f}% of a core per app), "
          f"this client {used['client']:.1f} s, whole machine {used['machine']:.1f} s "
          f"(load average {os.getloadavg()[0]:.2f})")
    pongs = [ms * 1000 for s in sessions for ms in s.pongs]
    if pongs:
        print(f"server round trip (ping -> pong, no app): median {statistics.median(pongs):.1f} ms, "
              f"p95 {p95(pongs):.1f} ms ({len(pongs)} pings)")
    return high


async def kill_one(server: int, sessions: list[Session]) -> None:
    """Kill one app process; every other session must still answer a key."""
    live = [s for s in sessions if not s.lost and not s.closed]
    apps = app_pids(server)
    if not live or not apps:
        print("kill check: no session to check")
        return
    victim = apps[0]
    os.kill(victim, signal.SIGKILL)
    await asyncio.sleep(1.5)
    results = await asyncio.gather(*(s.press(KILL_TIMEOUT) for s in live), return_exceptions=True)
    silent = [(s, r) for s, r in zip(live, results) if isinstance(r, BaseException)]
    answered = [r[0] for r in results if not isinstance(r, BaseException)]
    print(f"kill check: app process {victim} killed; {len(answered)} of {len(live)} sessions answered a key "
          f"(median {statistics.median(answered or [0]):.0f} ms); not answering: {len(silent)}"
          + "".join(f"\n  session {s.index}: {r}; websocket {'closed' if s.closed else 'still open'}"
                    for s, r in silent))
    ok = len(silent) <= 1 and len(answered) >= len(live) - 1
    print(f"kill check: {'passed' if ok else 'FAILED'} (goal: every session but the killed one answers)")



def goals(sessions: list[Session], high: float | None, total: int) -> None:
    lost = [s for s in sessions if s.lost or s.closed]
    print(f"sessions lost: {len(lost)} of {len(sessions)}"
          + "".join(f"\n  session {s.index}: {s.lost or s.closed}" for s in lost))
    up = sum(s.start_s is not None for s in sessions)
    for what, met in ((f"{GOAL_SESSIONS} sessions (up: {up})", up >= GOAL_SESSIONS),
                      ("none lost", not lost),
                      (f"p95 key -> screen under {GOAL_P95_MS:.0f} ms", high is not None and high < GOAL_P95_MS),
                      (f"under {GOAL_BYTES / 2**30:.0f} GB in all", total < GOAL_BYTES)):
        print(f"goal: {what}: {'met' if met else 'NOT met'}")


async def bench(args, server: subprocess.Popen, port: int, seen: set[int]) -> int:
    page = f"http://127.0.0.1:{port}/"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        print(f"server answers HTTP after {await wait_http(page, server, http):.2f} s")
        sessions = [Session(i, http, page) for i in range(args.sessions)]
        try:
            await open_all(sessions, server.pid)
            seen.update(descendants(server.pid))
            if all(s.lost for s in sessions):
                goals(sessions, None, 0)
                return 1
            memory(server.pid, args.sessions, "all sessions up")
            costs, used = await walk_all(sessions, args.keys, server.pid)
            high = report_walk(sessions, costs, used)
            total = memory(server.pid, args.sessions, f"after {args.keys} keys each")
            goals(sessions, high, total)
            await kill_one(server.pid, sessions)
        finally:
            seen.update(descendants(server.pid))
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return 0


def _positive(s: str) -> int:
    if not s.isdigit() or int(s) < 1:
        raise argparse.ArgumentTypeError(f"a whole number >= 1, got {s!r}")
    return int(s)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=_positive, default=SESSIONS, help=f"sessions at once (default {SESSIONS})")
    p.add_argument("--keys", type=_positive, default=KEYS, help=f"keys each session presses (default {KEYS})")
    p.add_argument("--scenario", default=SCENARIO, help=f"the scenario served (default {SCENARIO})")
    p.add_argument("--port", type=_positive, help="the server's port (default: a free one)")
    args = p.parse_args(argv)
    port = args.port or free_port()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # the finally below runs
    print(f"backprop-tui --serve {args.scenario} on 127.0.0.1:{port}: {args.sessions} sessions, "
          f"{args.keys} keys each, {WIDTH}x{HEIGHT}; load average {os.getloadavg()[0]:.2f}")
    seen: set[int] = set()
    with tempfile.TemporaryFile() as log:
        server = start_server(args.scenario, port, log)
        try:
            return asyncio.run(bench(args, server, port, seen))
        except KeyboardInterrupt:
            print("interrupted")
            return 130
        finally:
            stop_server(server, seen)
            if server.returncode not in (0, -signal.SIGINT, 130):
                log.seek(0)
                print("server output:\n" + log.read().decode(errors="replace")[-3000:])


if __name__ == "__main__":
    sys.exit(main())
