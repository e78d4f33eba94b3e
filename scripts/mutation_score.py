"""The mutation score of backprop_engine/: how many small bugs the engine's own
tests catch (issue 17; docs/testing.md says what it runs and how long it takes).

Runs mutmut 3 as configured in pyproject.toml ([tool.mutmut]: the engine's
source, the engine's tests, not the snapshot or app tests) with 2 workers
within a time budget, then reads mutmut's results from mutants/ and prints the
counts by status, the survivors, the run time and, last,

    mutation score (backprop_engine): K/N

K: mutants killed, including those that timed out; N: every mutant, including
those no test covers and those the budget left unchecked.

    .venv/bin/pip install mutmut          # or: pip install -e ".[mutation]"
    .venv/bin/python scripts/mutation_score.py [--fresh] [--budget 150] [--workers 2]

mutmut keeps its results in mutants/ (git-ignored) and resumes from them: a
second run re-tests only the functions whose source changed. --fresh deletes
mutants/ first, for a full run from scratch. Not part of .ci/run (it is slow).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
LOG = MUTANTS / "mutation_score.log"
KILLED = ("killed", "timeout")


def status_of() -> dict:
    """mutmut's own exit code -> status table (mutmut.stats.status_by_exit_code)."""
    from mutmut.stats import status_by_exit_code
    return status_by_exit_code


def run_mutmut(workers: int, budget_s: float) -> tuple[float, bool]:
    """Run `mutmut run` until it ends or the budget is spent (then interrupt it,
    as Ctrl-C does: mutmut keeps what it has checked). Returns (seconds, finished)."""
    MUTANTS.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.pop("MUTANT_UNDER_TEST", None)
    # The mutated modules are large (every mutant of a function sits beside it): a
    # child process (the command line, the learner's layers) that compiles them
    # afresh takes over a second, enough to fail the tests that time a restart.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.monotonic()
    with open(LOG.with_suffix(".tmp"), "w") as log:
        # SIGINT back to its default: a shell's background job inherits it ignored, and then the
        # budget's interrupt would not reach mutmut
        proc = subprocess.Popen([sys.executable, "-m", "mutmut", "run", "--max-children", str(workers)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        finished = True
        try:
            proc.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            finished = False
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    LOG.with_suffix(".tmp").replace(LOG)
    if proc.returncode not in (0, -signal.SIGINT) and finished:
        tail = LOG.read_text(errors="replace").replace("\r", "\n").strip().splitlines()[-15:]
        sys.exit("mutmut run failed (exit code %s); the end of %s:\n%s"
                 % (proc.returncode, LOG.relative_to(ROOT), "\n".join(tail)))
    return time.monotonic() - start, finished


def results() -> dict[str, str]:
    """Every mutant of backprop_engine/ by name -> its status, from mutants/**/*.meta."""
    table = status_of()
    found = {}
    for meta in sorted((MUTANTS / "backprop_engine").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = table[code]
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=float, default=150, help="minutes before the run is interrupted (150)")
    ap.add_argument("--workers", type=int, default=2, help="mutants tested at once (2: this machine's cores)")
    ap.add_argument("--fresh", action="store_true", help="delete mutants/ first: every mutant is tested again")
    ap.add_argument("--no-run", action="store_true", help="only read the results of the last run")
    args = ap.parse_args()
    os.chdir(ROOT)
    if args.fresh and MUTANTS.exists():
        shutil.rmtree(MUTANTS)
    seconds, finished = (0.0, True) if args.no_run else run_mutmut(args.workers, args.budget * 60)
    found = results()
    if not found:
        sys.exit(f"no mutmut results in {MUTANTS.relative_to(ROOT)}/: run without --no-run")
    counts = Counter(found.values())
    for status, n in counts.most_common():
        print(f"{status:>30}: {n}")
    for name, status in sorted(found.items()):
        if status not in (*KILLED, "not checked"):  # unchecked ones are only counted (a spent budget)
            print(f"  {status}: {name}")
    if not args.no_run:
        print(f"run time: {seconds / 60:.1f} min with {args.workers} workers"
              + ("" if finished else f" (budget of {args.budget:g} min spent: the rest is unchecked)"))
    killed = sum(counts[s] for s in KILLED)
    print(f"mutation score (backprop_engine): {killed}/{len(found)}")


if __name__ == "__main__":
    main()
