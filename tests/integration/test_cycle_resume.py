"""Kill a growth cycle mid-act, start it again: no paid call repeated for a completed stage,
no second branch, worktree, cycle or landing.

The first run is a real subprocess whose tester call hangs (the scripted model's
``delay_seconds``); it is killed (SIGKILL, the whole process group) once the ledger shows the
architect's call and the plan's result is persisted. The second run uses the normal
transcript and must pick up the persisted plan instead of asking the architect again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from germinate.store import AgentRunRow, CycleRow, WriteRow
from tests.integration.killed_cycle import TICKET, killed_cycle, ledger

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def test_killed_cycle_resumes_without_repeating_paid_work(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.growth_cycle import growth_cycle

    repo, store = killed_cycle(tmp_path, monkeypatch)
    assert ledger(store) == ["architect", "tester"]  # the tester call in flight is on record (pending)

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
