"""Cycle benchmark (issue 6): figures written to docs/benchmarks/cycle.md.

1. Cycle overhead: wall time of one full growth cycle with the scripted model (epic-units-tests
   of the demo: plan, two act rounds, two reviews, tests, gates, merge, growth log) divided by
   the bare work it cannot avoid: one run of the target's tests under coverage
   (``coverage run -m pytest`` + ``coverage json``) plus radon on the changed files. On the demo
   target and on a larger one (the demo plus generated modules and tests). Reported cold (the
   base commit not sensed yet: sense runs the tests too) and warm (base snapshot cached, as in
   a grow run after the previous cycle).
2. Prefect overhead per task run: a flow of N trivial tasks against the same API, minus N plain
   calls, divided by N.
3. Resume: a cycle killed after its test stage (SIGKILL of the process running it) and started
   again, versus the fresh cycle.

Run: ``python tests/benchmarks/bench_cycle.py [--modules 40]``. Needs no network: a temporary
Prefect server (the test harness) is started for the run.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GERMINATE_TARGET_VENV", sys.prefix)

from examples.demo import TRANSCRIPT, make_target  # noqa: E402

TICKET = "epic-units-tests"
CHANGED = ["minicalc/units.py", "tests/test_units.py"]
RUN_CYCLE = "import sys; from flows.growth_cycle import growth_cycle; growth_cycle(repo=sys.argv[1], ticket_id=sys.argv[2])"


def grow_target(repo: Path, modules: int) -> None:
    """Make the demo target larger: generated modules, each with tests, committed."""
    for i in range(modules):
        funcs = "\n\n".join(
            f"def f{i}_{j}(x: int) -> int:\n    \"\"\"Step {j}.\"\"\"\n    if x > {j}:\n        return x - {j}\n"
            f"    return x + {j}" for j in range(20))
        (repo / "minicalc" / f"gen_{i:02d}.py").write_text(f'"""Generated module {i}."""\n\n\n{funcs}\n')
        tests = "\n\n".join(f"def test_f{i}_{j}():\n    assert m.f{i}_{j}({j + 1}) == 1" for j in range(20))
        (repo / "tests" / f"test_gen_{i:02d}.py").write_text(f"from minicalc import gen_{i:02d} as m\n\n\n{tests}\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "generated"],
                   cwd=repo, check=True)


def bare_work(repo: Path) -> float:
    """One coverage run of the tests + coverage json + radon on the changed files, by hand."""
    from radon.complexity import cc_visit
    from radon.metrics import mi_visit
    from radon.raw import analyze

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                   cwd=repo, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "coverage", "json", "-q", "-o", "/dev/null"], cwd=repo, check=True,
                   capture_output=True)
    for rel in CHANGED:
        path = repo / rel
        if path.exists():
            source = path.read_text()
            cc_visit(source), mi_visit(source, True), analyze(source)
    return time.perf_counter() - started


def timed_cycle(repo: Path) -> tuple[float, str]:
    from flows.growth_cycle import growth_cycle
    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)
    started = time.perf_counter()
    report = growth_cycle(repo=str(repo), ticket_id=TICKET)
    return time.perf_counter() - started, report.decision.outcome if report.decision else "none"


def warm_base(repo: Path) -> None:
    """Sense the base once (as the previous cycle of a grow run would have)."""
    from prefect import flow

    from germinate.seed import load_seed
    from tasks._caching import persisted
    from tasks.sense import sense

    @flow(name="bench-warm-sense")
    def warm() -> None:
        persisted(sense)(str(repo), load_seed(repo / "seed.yaml"), ref="refs/heads/main")

    warm()


def overhead(work: Path, name: str, modules: int, warm: bool) -> dict[str, float | str]:
    repo = make_target(work / f"{name}-{'warm' if warm else 'cold'}")
    if modules:
        grow_target(repo, modules)
    if warm:
        warm_base(repo)
    cycle_s, outcome = timed_cycle(repo)
    # the bare work on the changed tree (the merged result), measured after the cycle
    bare_s = min(bare_work(repo) for _ in range(2))
    return {"target": name, "mode": "warm" if warm else "cold", "cycle_s": cycle_s, "bare_s": bare_s,
            "ratio": cycle_s / bare_s, "outcome": outcome}


def task_overhead(n: int = 200) -> float:
    """Inside one flow run: (n trivial task runs - n plain calls) / n."""
    from prefect import flow, task

    def plain(i: int) -> int:
        return i

    noop = task(plain, name="noop")

    @flow(name="bench-task-overhead")
    def measure(count: int) -> float:
        started = time.perf_counter()
        for i in range(count):
            plain(i)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(count):
            noop(i)
        return (time.perf_counter() - started - bare) / count

    measure(5)  # warm-up: flow registration, client
    return min(measure(n) for _ in range(2))


def resume_vs_fresh(work: Path, modules: int) -> float:
    """Kill a cycle (subprocess) once its test result is persisted; time the resumed run."""
    from prefect.settings import PREFECT_API_URL

    from tasks._caching import results_dir

    repo = make_target(work / "resume")
    if modules:
        grow_target(repo, modules)
    before = set(results_dir().iterdir())
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    proc = subprocess.Popen([sys.executable, "-c", RUN_CYCLE, str(repo), TICKET], env=env, cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith("test-") for p in set(results_dir().iterdir()) - before):
            break
        time.sleep(0.02)
    if proc.poll() is not None:
        raise RuntimeError("the cycle finished before it could be killed after its test stage")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed_s, _ = timed_cycle(repo)
    return resumed_s


def write_markdown(rows: list[dict[str, float | str]], per_task: float, fresh: float, resumed: float,
                   modules: int) -> str:
    lines = [
        "# Cycle benchmark (tests/benchmarks/bench_cycle.py)", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "Prefect test server (SQLite) on loopback; scripted model (no network).", "",
        "## Cycle overhead: full cycle / (coverage test run + radon on changed files)", "",
        "Full cycle = `growth-cycle` on epic-units-tests of the demo: sense, plan, 2 act rounds, "
        "2 reviews, tests + coverage, every gate, advice, merge through the write gate, growth log.",
        f"Larger target = demo + {modules} generated modules of 20 functions with 20 tests each.", "",
        "| target | base snapshot | cycle (s) | bare work (s) | fixed overhead (s) | ratio | outcome |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fixed = float(r["cycle_s"]) - float(r["bare_s"]) * (2 if r["mode"] == "cold" else 1)
        lines.append(f"| {r['target']} | {r['mode']} | {r['cycle_s']:.2f} | {r['bare_s']:.2f} | {fixed:.2f} | "
                     f"{r['ratio']:.2f} | {r['outcome']} |")
    lines += [
        "", "Cold: the base commit was never sensed, so the cycle runs the tests twice (sense on the base, "
        "test on the change) plus a gate-side checkout; warm: the base snapshot is cached (the normal case "
        "inside a grow run, where the previous cycle sensed it). Fixed overhead = cycle minus the test "
        "runs it contains (2 bare runs cold, 1 warm): the scripted model calls, Prefect task runs, git "
        "worktrees, the gates' base checkout, the write gate's merge and the growth-log commit. It does not "
        "grow with the test suite, so the ratio is 1 + fixed / bare: it reaches the 1.5 goal once the "
        "target's tests take about twice the fixed overhead; on these small targets it does not.",
        "A warm-up cycle (untimed) pays the one-time imports (litellm, Prefect client) first.", "",
        "## Prefect overhead per task run", "",
        f"{per_task * 1000:.1f} ms per task run: (200 trivial task runs - 200 plain calls) / 200 inside one "
        "flow run, best of 2, against the local test server. A cycle has about 12 task runs.", "",
        "## Resumed vs fresh cycle", "",
        f"Fresh cycle (larger target, cold): {fresh:.2f} s. Killed (SIGKILL) after its test stage and started "
        f"again: {resumed:.2f} s ({resumed / fresh:.0%} of fresh): sense, plan, act rounds, reviews and tests "
        "come back from persisted results (no model call, no test run repeated); decide, land and log run "
        "again. Landing (write gate checks, merge in a worktree, compare-and-swap of the branch, syncing the "
        "user's checkout, the growth-log commit) is most of what is left.", "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=40, help="generated modules in the larger target")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "cycle.md"))
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
        os.environ["GERMINATE_HOME"] = str(Path(tmp) / "home")
        work = Path(tmp) / "work"
        timed_cycle(make_target(work / "warm-up"))  # pays the one-time imports (litellm, prefect) untimed
        rows = [overhead(work, "demo", 0, warm=False), overhead(work, "demo", 0, warm=True),
                overhead(work, "larger", args.modules, warm=False),
                overhead(work, "larger", args.modules, warm=True)]
        per_task = task_overhead()
        fresh = float(rows[2]["cycle_s"])
        resumed = resume_vs_fresh(work, args.modules)
    text = write_markdown(rows, per_task, fresh, resumed, args.modules)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
