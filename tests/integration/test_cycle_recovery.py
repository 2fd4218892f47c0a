"""A plain rerun picks up a killed cycle: ``kill -9`` mid-act, then the grow flow again with no
``--ticket``: the same cycle resumes (its dead holder's lease taken over), the killed flow run
ends Crashed in Prefect, the call that was in flight is on record as ``interrupted``, the
architect is not asked again, and the change lands once. On SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from germinate.store import AgentRunRow, CycleRow, LeaseRow, WriteRow
from tests.integration.killed_cycle import TICKET, killed_cycle

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def test_a_plain_rerun_resumes_the_killed_cycle_and_crashes_its_flow_run(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_env: dict[str, str]
) -> None:
    from prefect.client.orchestration import get_client

    from flows.grow import grow

    repo, store = killed_cycle(tmp_path, monkeypatch, database_env)
    with store.session() as s:
        (killed,) = list(s.scalars(select(CycleRow)))
        pending = [r.role for r in s.scalars(select(AgentRunRow).where(AgentRunRow.outcome == "pending"))]
    assert killed.status == "running" and pending == ["tester"]  # the call in flight is on record

    result = grow(repo=str(repo), cycles=1)

    assert [r.ticket.id for r in result.cycles if r.ticket] == [TICKET]
    assert result.cycles[0].decision is not None and result.cycles[0].decision.outcome == "merged"
    with store.session() as s:
        cycles = [(c.id, c.status) for c in s.scalars(select(CycleRow))]
        rows = [(r.role, r.outcome) for r in s.scalars(select(AgentRunRow).order_by(AgentRunRow.id))]
        merges = list(s.scalars(select(WriteRow).where(WriteRow.kind == "merge", WriteRow.allowed)))
        leases = list(s.scalars(select(LeaseRow)))
    assert cycles == [(killed.id, "finished")]  # the same cycle, resumed
    assert [r for r in rows if r[0] == "architect"] == [("architect", "ok")]
    assert ("tester", "interrupted") in rows and ("tester", "pending") not in rows
    assert len(merges) == 1 and leases == []
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(killed.flow_run_id)).state
    assert state is not None and state.type.value == "CRASHED", state
