"""Kill a growth cycle mid-act, start it again: no paid call repeated for a completed stage,
no second branch, worktree, cycle or landing.

The first run is a real subprocess whose tester call hangs (the scripted model's
``delay_seconds``); it is killed (SIGKILL, the whole process group) once the ledger shows the
architect's call and the plan's result is persisted. The second run uses the normal
transcript and must pick up the persisted plan instead of asking the architect again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from examples.demo import TRANSCRIPT, make_target
from germinate.store import AgentRunRow, CycleRow, Store, WriteRow
from tasks._caching import results_dir

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-units-tests"
RUN_CYCLE = (
    "import sys; from flows.growth_cycle import growth_cycle; "
    "growth_cycle(repo=sys.argv[1], ticket_id=sys.argv[2])"
)


def slow_transcript(dest: Path) -> Path:
    """The demo transcript, but the tester hangs for a minute (time to kill the run)."""
    data = yaml.safe_load(TRANSCRIPT.read_text())
    for entry in data["responses"]["tester"]:
        entry["delay_seconds"] = 60
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def ledger(store: Store) -> list[str]:
    with store.session() as s:
        return [r.role for r in s.scalars(select(AgentRunRow).order_by(AgentRunRow.id))]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def kill_mid_act(repo: Path, store: Store, env: dict[str, str]) -> None:
    proc = subprocess.Popen([sys.executable, "-c", RUN_CYCLE, str(repo), TICKET], env=env,
                            cwd=Path(__file__).resolve().parents[2], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: "architect" in ledger(store), 120, "the architect's call in the ledger")
        wait_for(lambda: any(p.name.startswith("plan-") for p in results_dir().iterdir()), 30,
                 "the plan's persisted result")
        time.sleep(1.0)  # the tester call is in flight (it hangs for 60 s)
        assert proc.poll() is None, "the first run ended before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_killed_cycle_resumes_without_repeating_paid_work(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL

    from flows.growth_cycle import growth_cycle

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    store = Store.open(repo=repo)
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "GERMINATE_MODEL": f"scripted/{slow_transcript(tmp_path / 'slow.yaml')}"}
    kill_mid_act(repo, store, env)
    assert ledger(store) == ["architect", "tester"]  # the tester call in flight is on record (pending)

    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{TRANSCRIPT}")
    report = growth_cycle(repo=str(repo), ticket_id=TICKET)

    assert report.decision is not None and report.decision.outcome == "merged"
    roles = ledger(store)
    assert roles.count("architect") == 1, roles  # the plan came from the persisted result
    with store.session() as s:
        testers = [r.outcome for r in s.scalars(select(AgentRunRow).where(AgentRunRow.role == "tester"))]
    assert testers == ["interrupted", "ok"]  # the killed call kept its spend; asked once more
    with store.session() as s:
        cycles = list(s.scalars(select(CycleRow)))
        merges = list(s.scalars(select(WriteRow).where(WriteRow.kind == "merge", WriteRow.allowed)))
    assert [(c.ticket_id, c.status) for c in cycles] == [(TICKET, "finished")]  # the same cycle resumed
    assert len(merges) == 1
    branches = subprocess.run(["git", "branch", "--list", "germinate/*"], cwd=repo, capture_output=True,
                              text=True, check=True).stdout.split()
    assert branches == [f"germinate/{TICKET}"]
    log = subprocess.run(["git", "log", "--format=%s", "main"], cwd=repo, capture_output=True, text=True,
                         check=True).stdout
    assert log.count(f"germinate: {TICKET}: ") == 1 and log.count("round 0") == 1
