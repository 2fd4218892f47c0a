"""Cycle benchmark (issue 6): figures written to docs/benchmarks/cycle.md.

1. Cycle overhead: wall time of one full growth cycle with the scripted model (epic-units-tests
   of the demo: plan, two act rounds, two reviews, tests, gates, merge, growth log) divided by
   the bare work it cannot avoid: one run of the target's tests under coverage
   (``coverage run -m pytest`` + ``coverage json``) plus radon on the changed files. On the demo
   target and on a larger one (the demo plus generated modules and tests). Reported cold (the
   base commit not sensed yet: sense runs the tests too) and warm (base snapshot cached, as in
   a grow run after the previous cycle).
   Each configuration runs ``--repeat`` times (default 3) on fresh targets: medians reported,
   with the range; the stages of the last run of each are read back from the Prefect API.
2. Prefect overhead per task run: a flow of N trivial tasks against the same API, minus N plain
   calls, divided by N.
3. Resume: a cycle killed after its test stage (SIGKILL of the process running it) and started
   again, versus the fresh cycle.

Run: ``python tests/benchmarks/bench_cycle.py [--modules 40] [--repeat 3]``. Needs no network: a temporary
Prefect server (the test harness) is started for the run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
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
    seconds, outcome, _ = timed_cycle_run(repo)
    return seconds, outcome


def timed_cycle_run(repo: Path) -> tuple[float, str, str]:
    """(wall seconds, outcome, flow run id) of one growth cycle on ``repo``."""
    from flows.growth_cycle import growth_cycle
    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)
    started = time.perf_counter()
    report = growth_cycle(repo=str(repo), ticket_id=TICKET)
    outcome = report.decision.outcome if report.decision else "none"
    return time.perf_counter() - started, outcome, str(report.flow_run_id or "")


STAGES = ("select-tickets", "prepare-worktree", "record-approval", "sense", "plan", "act", "critique", "test",
          "decide", "land", "log")


def stage_seconds(flow_run_id: str) -> dict[str, float]:
    """Wall seconds per stage (summed over its task runs) of one flow run, from the Prefect API."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])))
    totals: dict[str, float] = {}
    for run in runs:
        begun = run.start_time or run.created
        if begun is None or run.end_time is None:
            continue
        stage = next((s for s in STAGES if re.match(rf"{s}(-|$)", run.name)), run.name)
        totals[stage] = totals.get(stage, 0.0) + (run.end_time - begun).total_seconds()
    return totals


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


def overhead(work: Path, name: str, modules: int, warm: bool, repeat: int = 3) -> dict:
    """``repeat`` cycles on fresh copies of one target: medians, ranges, stages of the last."""
    cycles, bares, ratios, outcomes = [], [], [], []
    stages: dict[str, float] = {}
    for i in range(repeat):
        repo = make_target(work / f"{name}-{'warm' if warm else 'cold'}-{i}")
        if modules:
            grow_target(repo, modules)
        if warm:
            warm_base(repo)
        cycle_s, outcome, flow_run_id = timed_cycle_run(repo)
        # the bare work on the changed tree (the merged result), measured after the cycle
        bare_s = min(bare_work(repo) for _ in range(2))
        cycles.append(cycle_s)
        bares.append(bare_s)
        ratios.append(cycle_s / bare_s)
        outcomes.append(outcome)
        if flow_run_id:
            stages = stage_seconds(flow_run_id) | {"cycle": cycle_s}
        print(f"{name} {'warm' if warm else 'cold'} #{i + 1}: cycle {cycle_s:.2f} s, bare {bare_s:.2f} s, "
              f"ratio {cycle_s / bare_s:.2f}, {outcome}", flush=True)
    return {"target": name, "mode": "warm" if warm else "cold", "cycle_s": statistics.median(cycles),
            "bare_s": statistics.median(bares), "ratio": statistics.median(ratios),
            "cycle_range": (min(cycles), max(cycles)), "ratio_range": (min(ratios), max(ratios)),
            "outcome": "/".join(sorted(set(outcomes))), "stages": stages, "n": repeat}


def task_overhead(n: int = 200) -> float:
    """Inside one flow run: (n trivial task runs - n plain calls) / n."""
    from prefect import flow, task

    def plain(i: int) -> int:
        return i

    noop = task(name="noop")(plain)

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


BEGIN, END = "<!-- bench_cycle:begin -->", "<!-- bench_cycle:end -->"


def write_markdown(rows: list[dict], per_task: float, fresh: float, resumed: float, modules: int) -> str:
    """The measured figures (the part of docs/benchmarks/cycle.md between BEGIN and END)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        BEGIN,
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{load:.1f} at the end; Prefect test server (SQLite) on loopback; scripted model (no network). "
        f"Medians of {rows[0]['n'] if rows else 0} cycles per row (fresh target each), range in brackets.", "",
        "Full cycle = `growth-cycle` on epic-units-tests of the demo: sense, plan, 2 act rounds, "
        "2 reviews, tests + coverage, every gate, advice, merge through the write gate, growth log.",
        f"Larger target = demo + {modules} generated modules of 20 functions with 20 tests each.", "",
        "| target | base snapshot | cycle (s) | bare work (s) | fixed overhead (s) | ratio | outcome |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fixed = float(r["cycle_s"]) - float(r["bare_s"]) * (2 if r["mode"] == "cold" else 1)
        lo, hi = r["cycle_range"]
        rlo, rhi = r["ratio_range"]
        lines.append(f"| {r['target']} | {r['mode']} | {r['cycle_s']:.2f} [{lo:.2f}-{hi:.2f}] | {r['bare_s']:.2f} | "
                     f"{fixed:.2f} | {r['ratio']:.2f} [{rlo:.2f}-{rhi:.2f}] | {r['outcome']} |")
    shown = [s for s in STAGES if any(s in r["stages"] for r in rows)]
    lines += ["", "Stages of the last cycle of each row (wall seconds per stage, from the task runs' start and end "
              "times in the Prefect API; \"rest\" = the cycle minus its task runs: flow run start and end, "
              "artifacts, store rows written by the flow itself):", "",
              "| target | base | " + " | ".join(shown) + " | rest |", "|---|---|" + "---|" * (len(shown) + 1)]
    for r in rows:
        st = r["stages"]
        rest = st.get("cycle", 0.0) - sum(v for k, v in st.items() if k != "cycle")
        lines.append(f"| {r['target']} | {r['mode']} | " + " | ".join(f"{st.get(s, 0.0):.2f}" for s in shown)
                     + f" | {rest:.2f} |")
    lines += [
        "", "Cold: the base commit was never sensed, so the cycle runs the tests twice (sense on the base, "
        "test on the change); warm: the base snapshot is cached (the normal case inside a grow run, where "
        "the previous cycle sensed it). Fixed overhead = cycle minus the test runs it contains (2 bare runs "
        "cold, 1 warm). A warm-up cycle (untimed) pays the one-time imports (litellm, Prefect client) first.", "",
        "Prefect overhead per task run: "
        f"{per_task * 1000:.1f} ms ((200 trivial task runs - 200 plain calls) / 200 inside one "
        "flow run, best of 2, against the local test server). A cycle has 12 task runs.", "",
        f"Resumed vs fresh cycle: fresh (larger target, cold, median) {fresh:.2f} s; killed (SIGKILL) after its "
        f"test stage and started again: {resumed:.2f} s ({resumed / fresh:.0%} of fresh): sense, plan, act "
        "rounds, reviews and tests come back from persisted results (no model call, no test run repeated); "
        "decide, land and log run again.",
        END,
    ]
    return "\n".join(lines)


def splice(path: Path, figures: str) -> str:
    """``path``'s text with the figures between the markers replaced (the prose around them kept)."""
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + figures + rest.split(END, 1)[1]
    return "# Cycle benchmark (tests/benchmarks/bench_cycle.py)\n\n" + figures + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=40, help="generated modules in the larger target")
    parser.add_argument("--repeat", type=int, default=3, help="cycles per configuration (medians reported)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "cycle.md"),
                        help="markdown file whose figures section is replaced ('-': print only)")
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
        os.environ["GERMINATE_HOME"] = str(Path(tmp) / "home")
        work = Path(tmp) / "work"
        timed_cycle(make_target(work / "warm-up"))  # pays the one-time imports (litellm, prefect) untimed
        rows = [overhead(work, name, modules, warm=warm, repeat=args.repeat)
                for name, modules in (("demo", 0), ("larger", args.modules)) for warm in (False, True)]
        per_task = task_overhead()
        fresh = float(rows[2]["cycle_s"])
        resumed = resume_vs_fresh(work, args.modules)
    figures = write_markdown(rows, per_task, fresh, resumed, args.modules)
    if args.out != "-":
        Path(args.out).write_text(splice(Path(args.out), figures))
    print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
