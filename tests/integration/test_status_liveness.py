"""``germinate status`` tells a live cycle from a killed one: a real ``germinate run`` is
"running" (with its owner and heartbeat) while it works, and "interrupted — resumes on the
next `germinate run`" once it was killed with SIGKILL; each status is a clean subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from examples.demo import make_target
from germinate.store import AgentRunRow, CycleRow, Store
from tests.integration.test_cycle_lease import ROOT, environment, germinate_run, slow_architect

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-units-tests"


def status(repo: Path) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "GERMINATE_HOME": os.environ["GERMINATE_HOME"]}
    done = subprocess.run([sys.executable, "-m", "germinate.cli", "status", str(repo)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(line for line in done.stdout.splitlines()
                if TICKET in line and ("running" in line or "interrupted" in line))


def test_status_says_running_while_the_run_lives_and_interrupted_once_it_was_killed(
    prefect_harness: None, tmp_path: Path
) -> None:
    repo = make_target(tmp_path / "minicalc")
    run = germinate_run(repo, environment(tmp_path, slow_architect(tmp_path / "slow.yaml", 90)),
                        "--ticket", TICKET)
    store = Store.open(repo=repo)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the cycle is on record and its architect call in flight
            with store.session() as s:
                if s.scalars(select(CycleRow)).first() and s.scalars(select(AgentRunRow)).first():
                    break
            assert run.poll() is None, run.communicate()
            time.sleep(0.3)
        live = status(repo)
        assert " running " in live and f":{run.pid}:" in live and "heartbeat" in live, live
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)

    dead = status(repo)
    assert "interrupted" in dead and "resumes on the next `germinate run`" in dead, dead
    assert " running " not in dead
    with store.session() as s:
        assert [c.status for c in s.scalars(select(CycleRow))] == ["running"]  # status only reads
