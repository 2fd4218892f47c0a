"""A representative end-to-end cycle on PostgreSQL: the same cycle the SQLite tests run,
through the budget checks, the ledger, landing and ``germinate status`` (a subprocess with
a clean environment), against a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from examples.demo import TRANSCRIPT, make_target
from germinate.store import AgentRunRow, CycleRow, Store, WriteRow

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-units-tests"


def germinate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "germinate.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])


def test_a_cycle_lands_on_postgresql_and_status_reads_it(
    prefect_harness: None, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.growth_cycle import growth_cycle
    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)  # the replay's place is per process: start it from the top
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_DATABASE_URL", pg_url)
    repo = make_target(tmp_path / "minicalc")

    report = growth_cycle(repo=str(repo), ticket_id=TICKET)

    assert report.decision is not None and report.decision.outcome == "merged", report.decision
    assert report.tokens > 0 and report.cost_known and report.cost_usd > 0
    store = Store.open(pg_url)
    with store.session() as s:
        cycles = [(c.ticket_id, c.status, c.outcome) for c in s.scalars(select(CycleRow))]
        roles = [r.role for r in s.scalars(select(AgentRunRow))]
        merges = list(s.scalars(select(WriteRow).where(WriteRow.kind == "merge", WriteRow.allowed)))
    assert cycles == [(TICKET, "finished", "merged")]
    assert {"architect", "implementer", "reviewer"} <= set(roles) and len(merges) == 1
    assert not (Path(str(repo)) / "state.db").exists()

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GERMINATE_HOME": str(tmp_path / "home"),
           "GERMINATE_DATABASE_URL": pg_url, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    status = germinate("status", str(repo), env=env)
    assert status.returncode == 0, status.stderr
    assert TICKET in status.stdout and "merged" in status.stdout
    assert "Traceback" not in status.stderr
