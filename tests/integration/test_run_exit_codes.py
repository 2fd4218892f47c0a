"""``germinate run`` as a user runs it (a subprocess, clean environment, fresh home): a cycle
that fails (no model answers) exits 3, its unknown cost is never printed as ``$0.0000``, and a
budget that stops the run is named as the reason."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo import make_target

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(repo: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    from prefect.settings import PREFECT_API_URL

    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GERMINATE_HOME": os.environ["GERMINATE_HOME"],
             "PREFECT_API_URL": str(PREFECT_API_URL.value()), "GERMINATE_TARGET_VENV": sys.prefix,
             "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **env}
    return subprocess.run([sys.executable, "-m", "germinate.cli", "run", str(repo), *args], env=clean, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_a_failed_cycle_exits_3_and_an_unknown_cost_is_not_zero(prefect_harness: None, tmp_path: Path) -> None:
    repo = make_target(tmp_path / "minicalc")
    proc = run(repo, tmp_path, "--cycles", "1", GERMINATE_MODEL="openai/local-model", OPENAI_API_KEY="sk-test",
               OPENAI_API_BASE=f"http://127.0.0.1:{closed_port()}/v1")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "failed" in proc.stdout and "no model answered" in proc.stdout
    assert "Traceback" not in proc.stderr and "no model answered" in proc.stderr  # logged, as one line
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("stopped: ") and "$0.0000" not in last and "cost unknown" in last, last


def test_a_spent_run_budget_is_the_reason_it_stops(prefect_harness: None, tmp_path: Path) -> None:
    repo = make_target(tmp_path / "minicalc")
    seed = repo / "seed.yaml"
    seed.write_text(seed.read_text().replace("per_run: {dollars: 2.0, tokens: 500000",
                                              "per_run: {dollars: 2.0, tokens: 3000"))
    subprocess.run(["git", "commit", "-qam", "a tiny run budget"], cwd=repo, check=True)
    proc = run(repo, tmp_path, "--cycles", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert "budget" in last and "max cycles" not in last, proc.stdout
    assert proc.stdout.count("epic-") <= 2  # it did not go on starting cycles it could not afford
