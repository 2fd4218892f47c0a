"""The Germinate demo: ``python -m examples.demo`` (``make demo``). Offline, about a minute.

It copies ``examples/target`` (minicalc, a small calculator library with partial tests and a
seed with three roadmap epics) to a fresh git repository, starts a local Prefect server with
its UI (kept running afterwards), and runs the ``grow`` flow for three cycles with the
scripted model replaying ``examples/transcript.yaml``:

1. ``epic-units-tests`` lands (``merged``) and raises coverage; the reviewer sends it back once;
2. ``epic-live-rates`` is ``rejected``: it edits CI configuration, outside the write paths.
   The write-paths gate sends it back with the evidence before any of its code runs; the fix
   round moves the CI step into another workflow, still outside, so after the round (the
   seed's ``max_fix_rounds: 1``) it is rejected with the reason (only code decides what lands);
3. ``epic-power-operator`` touches a security-critical path, so the cycle pauses for a
   person; the demo approves it (printing the equivalent ``germinate approve`` command) and
   it lands.

Then it prints where to look in the UI and a summary table.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
TARGET = EXAMPLES / "target"
TRANSCRIPT = EXAMPLES / "transcript.yaml"
APPROVER = "demo-approver"


@dataclass
class DemoResult:
    repo: Path
    reports: list = field(default_factory=list)  # list[CycleReport]
    approved_runs: list[str] = field(default_factory=list)
    stopped_because: str = ""


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Demo", "GIT_AUTHOR_EMAIL": "demo@localhost",
           "GIT_COMMITTER_NAME": "Demo", "GIT_COMMITTER_EMAIL": "demo@localhost"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def make_target(dest: Path) -> Path:
    """A fresh git repository holding a copy of the example target, seeded for the replay."""
    from germinate.home import project_home

    if dest.exists():
        shutil.rmtree(dest)
    shutil.rmtree(project_home(dest), ignore_errors=True)  # a fresh demo starts with fresh state
    shutil.copytree(TARGET, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".coverage"))
    seed = dest / "seed.yaml"
    seed.write_text(seed.read_text().replace("scripted/examples/transcript.yaml", f"scripted/{TRANSCRIPT}"))
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "minicalc: tokenizer, evaluator, units")
    return dest


def _approve_paused_runs(stop: threading.Event, approved: list[str], poll: float = 0.5) -> None:
    """Answer every paused growth cycle with 'approve', as a person would from a shell."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run

    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    while not stop.wait(poll):
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=paused)
        for run in runs:
            run_id = str(run.id)
            waiting = run.state is not None and run.state.state_details.run_input_keyset
            if run_id in approved or not waiting or not run.name.startswith("cycle-minicalc@"):
                continue
            comment = "Checked the diff and the gate table; the evaluator change is safe."
            print(f"\n>>> cycle {run.name} waits for a person. The demo answers as if you had typed:\n"
                  f">>>   germinate approve {run_id} --comment '{comment}'\n", flush=True)
            resume_flow_run(run.id, run_input={"action": "approve", "comment": comment, "by": APPROVER})
            approved.append(run_id)


def run_demo(workdir: Path, *, cycles: int = 3) -> DemoResult:
    """Build the target under ``workdir`` and grow it (needs a Prefect API: server or harness)."""
    from germinate.llm.transcript import reset
    from germinate.metrics.environment import ENV_VAR

    repo = make_target(workdir / "minicalc")
    # The target needs no install (pytest's pythonpath): its tests run with this interpreter's
    # pytest and coverage, so the demo needs no network.
    os.environ.setdefault(ENV_VAR, sys.prefix)
    os.environ.setdefault("GERMINATE_APPROVAL_POLL_SECONDS", "1")
    reset(TRANSCRIPT)
    from flows.grow import grow

    result = DemoResult(repo=repo)
    stop = threading.Event()
    approver = threading.Thread(target=contextvars.copy_context().run,
                                args=(_approve_paused_runs, stop, result.approved_runs), daemon=True)
    approver.start()
    try:
        outcome = grow(repo=str(repo), cycles=cycles, approve="auto")
    finally:
        stop.set()
        approver.join(timeout=10)
    result.reports, result.stopped_because = list(outcome.cycles), outcome.stopped_because
    return result


def print_summary(result: DemoResult, ui_url: str | None) -> None:
    from germinate.cycle.report import summary_table

    print("\n" + "=" * 78)
    print(f"Demo target: {result.repo}  (git log --oneline there shows what landed)")
    print(summary_table(result.reports))  # its "why:" lines give the rejection's reason
    print(f"\nStopped: {result.stopped_because}")
    if ui_url:
        print(f"\nPrefect UI: {ui_url}  (the server keeps running; stop it with 'germinate server --stop')")
        print(f"  Runs:       {ui_url}/runs  -> 'grow-minicalc@...' and its 'cycle-minicalc@...-*' subflows")
        print(f"  Artifacts:  {ui_url}/artifacts  -> cycle reports, plans, metrics, progress")
        print("  Approvals:  a paused cycle shows its form (diff, gates, reward) on its run page")
    print("Status from a shell: germinate status " + str(result.repo))


def main() -> int:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from germinate.cli._prefect_api import resolve_api
    from germinate.home import germinate_home

    api = resolve_api(start=True)  # PREFECT_API_URL / profile, else Germinate's server (started here)
    started = time.monotonic()
    result = run_demo(germinate_home() / "demo")
    print_summary(result, api.ui_url if api else None)
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s.")
    outcomes = {r.decision.outcome for r in result.reports if r.decision}
    return 0 if {"merged", "rejected"} <= outcomes else 1


if __name__ == "__main__":
    sys.exit(main())
