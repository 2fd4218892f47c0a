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


def test_germinate_run_stops_a_hanging_model_at_the_run_wall_limit(prefect_harness: None, tmp_path: Path) -> None:
    """A real ``germinate run`` against the loopback OpenAI-compatible fake, whose answers hang:
    the first call's 240 s timeout is cut to the run's time left, the cycle ends deferred with
    the real reason, and the run stops saying "per-run time budget reached"."""
    from prefect.settings import PREFECT_API_URL

    from germinate.llm import ledger_rows
    from tests.fakes.openai_server import FakeOpenAI, Reply

    repo = make_target(tmp_path / "minicalc")
    seed = repo / "seed.yaml"
    text = seed.read_text().replace("wall_minutes: 30, max_cycles: 3", "wall_minutes: 1, max_cycles: 3")
    seed.write_text(text.replace("  prices:", "  timeout_seconds: 240\n  max_retries: 0\n  prices:"))
    subprocess.run(["git", "commit", "-qam", "a one-minute run"], cwd=repo, check=True)
    with FakeOpenAI() as fake:
        fake.default = Reply(content="too late", delay=300.0)
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
               "GERMINATE_HOME": os.environ["GERMINATE_HOME"], "PREFECT_API_URL": str(PREFECT_API_URL.value()),
               "GERMINATE_TARGET_VENV": sys.prefix, "GERMINATE_MODEL": "openai/gpt-4o-mini",
               **fake.environment()}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "germinate.cli", "run", str(repo)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=280)
        took = time.monotonic() - started
        requests = len(fake.requests)
    out = done.stdout + done.stderr
    assert took < 200, out  # well before the 300 s hang and the 240 s timeout
    assert done.returncode == 0, out  # a budget is a decision (deferred), not an error
    assert "per-run time budget reached" in done.stdout, out
    assert "max cycles reached" not in done.stdout
    rows = ledger_rows(Store.open(repo=repo), "minicalc")
    assert requests == 1 and [r.outcome for r in rows] == ["timeout", "budget"], [r.outcome for r in rows]
    assert rows[0].latency_ms < 61_000  # the call was cut at the run's time left, not at 240 s
    assert "budgets.per_run.wall_minutes" in rows[1].error
