"""A growth cycle killed mid-act, for the tests that resume it.

The run is a real subprocess whose tester call hangs (the scripted model's ``delay_seconds``);
it is killed (SIGKILL, the whole process group) once the ledger shows the architect's call and
the plan's result is persisted, so the tester's call is in flight (a ``pending`` ledger row).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from examples.demo import TRANSCRIPT, make_target
from germinate.store import AgentRunRow, Store
from tasks._caching import results_dir

TICKET = "epic-units-tests"
RUN_CYCLE = (
    "import sys; from flows.growth_cycle import growth_cycle; "
    "growth_cycle(repo=sys.argv[1], ticket_id=sys.argv[2])"
)
ROOT = Path(__file__).resolve().parents[2]


def slow_transcript(dest: Path) -> Path:
    """The demo transcript, but the tester hangs for a minute (time to kill the run)."""
    data = yaml.safe_load(TRANSCRIPT.read_text())
    for entry in data["responses"]["tester"]:
        entry["delay_seconds"] = 60
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def ledger(store: Store) -> list[str]:
    """The roles of the ledger's rows, oldest first."""
    with store.session() as s:
        return [r.role for r in s.scalars(select(AgentRunRow).order_by(AgentRunRow.id))]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def kill_mid_act(repo: Path, store: Store, env: dict[str, str]) -> None:
    proc = subprocess.Popen([sys.executable, "-c", RUN_CYCLE, str(repo), TICKET], env=env, cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: "architect" in ledger(store), 120, "the architect's call in the ledger")
        wait_for(lambda: any(p.name.startswith("plan-") for p in results_dir().iterdir()), 30,
                 "the plan's persisted result")
        time.sleep(1.0)  # the tester call is in flight (it hangs for 60 s)
        assert proc.poll() is None, "the first run ended before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def killed_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 database: dict[str, str] | None = None) -> tuple[Path, Store]:
    """The demo target and its store after a cycle on it was killed mid-act; this process is set
    to rerun it with the normal demo transcript (from its top). ``database``: extra environment
    naming the store (``GERMINATE_DATABASE_URL``), else the project's own SQLite file."""
    from prefect.settings import PREFECT_API_URL

    from germinate.llm.transcript import reset

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    for name, value in (database or {}).items():
        monkeypatch.setenv(name, value)
    repo = make_target(tmp_path / "minicalc")
    store = Store.open((database or {}).get("GERMINATE_DATABASE_URL"), repo=repo)
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "GERMINATE_MODEL": f"scripted/{slow_transcript(tmp_path / 'slow.yaml')}"}
    kill_mid_act(repo, store, env)
    reset(TRANSCRIPT)
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{TRANSCRIPT}")
    return repo, store
