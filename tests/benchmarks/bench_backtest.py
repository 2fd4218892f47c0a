"""Backtest benchmark (issue 14): ``germinate backtest --oracle`` on two real projects' histories.

The projects are cloned for the measurement from the local mirrors (never vendored):
more-itertools and cachetools. For each, the newest ``--commits`` commits that changed product
code and tests within the default change budget are replayed with the oracle (the true commit
as the model's answer: offline, no key), with a seed ``germinate init`` writes for the parent.

Figures, written to docs/benchmarks/backtest.md:
1. the gates' false-positive rate on human changes: tickets refused / tickets replayed, with
   the gate that refused each;
2. the pipeline's overhead: wall seconds per replayed ticket (a full cycle: sense of the base,
   plan, act, static gates, tests, FAIL_TO_PASS run on the base, gates, review, decision,
   landing, plus the hidden-test run), and its ratio to one bare ``python -m pytest -q`` of the
   project, measured side by side in the same run.

Run: ``python tests/benchmarks/bench_backtest.py [--commits 8]``. A temporary Prefect server
(the test harness) is started for the run; GERMINATE_TARGET_VENV is this interpreter's prefix
(the two projects have no runtime dependencies).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from germinate.backtest.score import TicketScore

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GERMINATE_TARGET_VENV", sys.prefix)

PROJECTS = {
    "more-itertools": Path("/work/.mirror/more-itertools+more-itertools/repo"),
    "cachetools": Path("/work/.mirror/tkem+cachetools/repo"),
}
OUT = ROOT / "docs" / "benchmarks" / "backtest.md"


def bare_pytest(repo: Path, runs: int = 2) -> float:
    """Median wall seconds of ``python -m pytest -q`` at the clone's HEAD (no coverage, no sandbox)."""
    times = []
    env = {**os.environ, "PYTHONPATH": str(repo / "src") + os.pathsep + str(repo)}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "--no-header"],
                       cwd=repo, env=env, capture_output=True, check=False, timeout=900)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, mirror: Path, commits: int, work: Path) -> dict:
    from flows.backtest import backtest

    clone = work / name
    subprocess.run(["git", "clone", "-q", str(mirror), str(clone)], check=True)
    bare = bare_pytest(clone)
    started = time.perf_counter()
    run = backtest(repo=str(clone), commits=commits, oracle=True, label="oracle bench")
    wall = time.perf_counter() - started
    bare_after = bare_pytest(clone)
    return {"name": name, "run": run, "wall": wall, "bare": statistics.median([bare, bare_after]),
            "head": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                                   text=True, check=True).stdout.strip()}


def _verdict(ticket: TicketScore) -> str:
    """A refusal is false when the commit's own tests pass on it, right when they fail."""
    hidden, detail = ticket.hidden_tests, ticket.hidden_detail
    if hidden == "pass":
        return "false refusal: its own tests pass"
    if hidden == "fail":
        return f"right refusal: its own tests fail: {detail[:120]}"
    return f"not judged: its own tests did not run: {detail[:120]}"


def write_markdown(rows: list[dict], commits: int) -> str:
    total = sum(len(r["run"].tickets) for r in rows)
    refused = sum(not t.landed for r in rows for t in r["run"].tickets)
    # a refusal is false only when the commit's own tests pass on it: else the gate was right
    false = sum(not t.landed and t.hidden_tests == "pass" for r in rows for t in r["run"].tickets)
    lines = ["# Backtest benchmark: the oracle on two real projects' histories", "",
             "Printed by `python tests/benchmarks/bench_backtest.py --commits "
             f"{commits}` (part of `make bench`). Machine: {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}; shared with other test suites while measuring.", "",
             "Each ticket is a past commit that changed product code and tests within the default change "
             "budget (400 lines, 10 files), replayed with `germinate backtest --oracle`: the true commit is "
             "the model's answer, so a refusal is a gate refusing a change a maintainer merged: "
             "a false positive, unless the commit's own tests fail on it (the maintainer merged a broken "
             "commit). The oracle's plan takes the kind from the commit's diff: `tests`, `docs` or `refactor` when no "
             "product code changed beyond layout and docstrings; `feature` when a public interface changed (a "
             "public function, class, method or name added, removed or re-signed), which owes a test that fails "
             "on the parent and passes on the commit (`ticket_proof`); else `refactor` (code changed behind the "
             "same interface).", "",
             f"**False-positive rate of the gates on human changes: {false}/{total} ({false / total:.0%})** "
             f"(refused: {refused}/{total}; a refusal whose change fails its own held-out tests is a right "
             "one)" if total else "No commit qualified.", "",
             "| project | HEAD | tickets | landed | refused by | hidden tests pass | s/ticket | bare pytest s | "
             "ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        run = r["run"]
        fired = sorted({g for t in run.tickets for g in t.gates_fired}) or ["-"]
        per = run.per_ticket("seconds")
        hidden = run.hidden_pass_rate
        lines.append(f"| {r['name']} | `{r['head']}` | {len(run.tickets)} | {sum(t.landed for t in run.tickets)} | "
                     f"{', '.join(fired)} | {'n/a' if hidden is None else f'{hidden:.0%}'} | {per:.1f} | "
                     f"{r['bare']:.1f} | {per / r['bare']:.1f}× |")
    lines += ["", "## Tickets", "", "| project | commit | subject | kind | outcome | hidden tests | gates that refused | rounds | s |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for t in r["run"].tickets:
            subject = t.subject.replace("|", "\\|")[:70]
            lines.append(f"| {r['name']} | `{t.sha[:10]}` | {subject} | {t.kind} | {t.outcome} | {t.hidden_tests} | "
                         f"{', '.join(t.gates_fired) or '-'} | {t.rounds} | {t.seconds:.1f} |")
    lines += ["", "## Why the refused ones were refused", ""]
    lines += [f"- {r['name']} `{t.sha[:10]}` ({_verdict(t)}): {t.reason[:300]}" for r in rows
              for t in r["run"].tickets if not t.landed] or ["- none"]
    lines += ["", "The ratio divides a ticket's wall time (a whole cycle plus the hidden-test run, all target "
              "code in the bubblewrap sandbox, tests under coverage, the base sensed once per ticket, the "
              "FAIL_TO_PASS run of the changed tests on the base) by one bare `pytest -q` of the project "
              "(no coverage, no sandbox), measured in the same run before and after the replay.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=8)
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="germinate-bench-backtest-") as tmp:
        os.environ["GERMINATE_HOME"] = str(Path(tmp) / "home")
        with prefect_test_harness():
            rows = [measure(name, mirror, args.commits, Path(tmp)) for name, mirror in PROJECTS.items()
                    if mirror.exists()]
    text = write_markdown(rows, args.commits)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
