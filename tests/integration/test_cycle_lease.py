"""One cycle per ticket at a time: two real ``germinate run`` processes started 0.5 s apart on
one target never join the same cycle, worktree or ticket; ``--ticket`` on a held ticket
refuses with the holder's name; a killed holder's lease is taken over at once (on SQLite and
on PostgreSQL)."""

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
from germinate.store import AgentRunRow, CycleRow, LeaseRow, Store

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
ROOT = Path(__file__).resolve().parents[2]


def slow_architect(dest: Path, seconds: float) -> Path:
    """The demo transcript, but the architect thinks for ``seconds`` (cycles overlap)."""
    data = yaml.safe_load(TRANSCRIPT.read_text())
    for entry in data["responses"]["architect"]:
        entry["delay_seconds"] = seconds
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def environment(tmp_path: Path, transcript: Path) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "GERMINATE_TARGET_VENV": sys.prefix,
            "GERMINATE_MODEL": f"scripted/{transcript}"}


def germinate_run(repo: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "germinate.cli", "run", str(repo), *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_two_runs_half_a_second_apart_take_different_tickets(prefect_harness: None, tmp_path: Path) -> None:
    repo = make_target(tmp_path / "minicalc")
    env = environment(tmp_path, slow_architect(tmp_path / "slow.yaml", 4))
    first = germinate_run(repo, env, "--cycles", "1")
    time.sleep(0.5)
    second = germinate_run(repo, env, "--cycles", "1")
    outs = [p.communicate(timeout=300) for p in (first, second)]
    for proc, (out, err) in zip((first, second), outs, strict=True):
        assert proc.returncode == 0, out + err

    store = Store.open(repo=repo)
    with store.session() as s:
        cycles = list(s.scalars(select(CycleRow)))
        architect = [r.ticket_id for r in s.scalars(select(AgentRunRow).where(AgentRunRow.role == "architect"))]
        leases = list(s.scalars(select(LeaseRow)))
    tickets = [c.ticket_id for c in cycles]
    assert len(cycles) == 2 and len(set(tickets)) == 2, tickets  # one cycle each, never the same one
    assert len({c.flow_run_id for c in cycles}) == 2
    assert sorted(architect) == sorted(tickets)  # each ticket planned once
    assert leases == []  # both gave their lease back


def test_a_held_ticket_is_refused_by_name_and_a_killed_holder_is_taken_over(
    prefect_harness: None, tmp_path: Path, database_env: dict[str, str]
) -> None:
    repo = make_target(tmp_path / "minicalc")
    env = {**environment(tmp_path, slow_architect(tmp_path / "slow.yaml", 60)), **database_env}
    holder = germinate_run(repo, env, "--ticket", "epic-units-tests")
    store = Store.open(database_env.get("GERMINATE_DATABASE_URL"), repo=repo)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with store.session() as s:
                if s.scalars(select(AgentRunRow)).first() is not None or s.scalars(select(LeaseRow)).first():
                    break
            time.sleep(0.3)
        time.sleep(1)
        refused = subprocess.run([sys.executable, "-m", "germinate.cli", "run", str(repo), "--ticket",
                                  "epic-units-tests"], env=env, cwd=ROOT, capture_output=True, text=True,
                                 timeout=120)
        assert refused.returncode != 0
        assert "is being worked on by another run" in refused.stderr and "Fix:" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.communicate(timeout=30)
    with store.session() as s:
        (lease,) = list(s.scalars(select(LeaseRow)))
    assert str(holder.pid) in lease.owner  # the dead holder's lease is still there ...

    from germinate.cycle.lease import acquire

    assert acquire(store, lease.project, "epic-units-tests") is None  # ... and dead: taken over at once
