"""A schedule fires: a deployment served with a short interval against a real Prefect server gets
scheduled runs from the server's scheduler, and the serving process executes them.

This is what SQLAlchemy 2.1 broke under Prefect 3.8.8 (no scheduled run was ever created),
hence the ``sqlalchemy<2.1`` pin.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PrefectServer, clean_env

FLOW = '''
from datetime import timedelta
from prefect import flow, serve

@flow(name="tick")
def tick() -> str:
    return "ticked"

if __name__ == "__main__":
    serve(tick.to_deployment(name="every-few-seconds", interval=timedelta(seconds=5)))
'''


def test_sqlalchemy_is_pinned_below_2_1() -> None:
    import sqlalchemy

    major, minor = (int(p) for p in sqlalchemy.__version__.split(".")[:2])
    assert (major, minor) < (2, 1), f"SQLAlchemy {sqlalchemy.__version__}: Prefect 3.8.8's scheduler fails with it"


@pytest.mark.slow
def test_interval_schedule_creates_and_runs_flow_runs(prefect_server: PrefectServer, tmp_path: Path) -> None:
    (tmp_path / "ticker.py").write_text(FLOW)
    env = clean_env(tmp_path / "home", PREFECT_API_URL=prefect_server.api_url, PREFECT_RUNNER_POLL_FREQUENCY="2")
    proc = subprocess.Popen([sys.executable, "ticker.py"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    api = httpx.Client(base_url=prefect_server.api_url, timeout=30)
    try:
        deadline = time.monotonic() + 240
        completed: list[dict] = []
        while not completed:
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "no scheduled run completed within 240 s"
            time.sleep(2)
            found = api.get("/deployments/name/tick/every-few-seconds")
            if found.status_code != 200:
                continue
            runs = api.post("/flow_runs/filter", json={
                "deployments": {"id": {"any_": [found.json()["id"]]}}}).json()
            assert all(r["auto_scheduled"] for r in runs)  # the scheduler made them, nobody else
            completed = [r for r in runs if r["state_type"] == "COMPLETED"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert completed[0]["state_name"] == "Completed"
