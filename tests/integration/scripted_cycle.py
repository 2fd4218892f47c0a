"""Run one growth cycle the way a user does, with a scripted model: ``germinate run REPO
--ticket epic-units-tests`` in a subprocess with a clean environment, the session's Prefect API
and a fresh ``GERMINATE_HOME``, on a copy of the demo target whose seed the test adjusts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from examples.demo import make_target
from germinate.store import AgentRunRow, DecisionRow, Store

ROOT = Path(__file__).resolve().parents[2]
TICKET = "epic-units-tests"
PLAN = {"summary": "Add count_tokens() to the tokenizer.", "acceptance_criteria": ["count_tokens('1+2') == 3"],
        "scope": ["minicalc/tokenizer.py", "tests/test_count.py"], "tests_to_add": [], "risks": []}
APPROVE = {"verdict": "approve", "summary": "ok",
           "rubric": {"correctness": 5, "tests": 5, "style": 5, "design": 5, "security": 5}}
ADD_FUNCTION = '''minicalc/tokenizer.py
<<<<<<< SEARCH
class TokenError(ValueError):
=======
def count_tokens(expr: str) -> int:
    """How many tokens ``expr`` holds."""
    return len(tokenize(expr))


class TokenError(ValueError):
>>>>>>> REPLACE
'''
def add_test(marker: Path) -> str:
    """A test of count_tokens that leaves ``marker`` behind whenever it runs."""
    return f'''tests/test_count.py
<<<<<<< SEARCH
=======
from pathlib import Path

Path({str(marker)!r}).write_text("a test of this candidate ran")

from minicalc.tokenizer import count_tokens  # noqa: E402


def test_count_tokens():
    assert count_tokens("1+2") == 3
>>>>>>> REPLACE
'''


def setup_repo(tmp_path: Path, implementer: list[dict[str, Any]], *, max_fix_rounds: int = 1,
               models: dict[str, Any] | None = None) -> Path:
    """The demo target with a local sandbox (a test of the candidate that runs can write anywhere,
    so a marker shows it ran) and a transcript whose implementer says ``implementer``; ``models``
    adds keys to the seed's ``models`` section."""
    transcript = tmp_path / "transcript.yaml"
    responses = {"architect": [{"content": PLAN}], "tester": [{"content": "No new tests from me this round."}],
                 "implementer": implementer, "reviewer": [{"content": APPROVE, "repeat": True}],
                 "maintainer": [{"content": "fine", "repeat": True}]}
    transcript.write_text(yaml.safe_dump({"version": 1, "responses": responses}, sort_keys=False))
    repo = make_target(tmp_path / "minicalc")
    seed = yaml.safe_load((repo / "seed.yaml").read_text())
    seed["models"].update({"default": f"scripted/{transcript}", **(models or {})})
    seed["execution"].update({"sandbox": "local", "max_fix_rounds": max_fix_rounds})
    (repo / "seed.yaml").write_text(yaml.safe_dump(seed, sort_keys=False))
    git(repo, "commit", "-qam", "seed: scripted model, local runs")
    return repo


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def germinate_run(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    from prefect.settings import PREFECT_API_URL

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GERMINATE_HOME": os.environ["GERMINATE_HOME"],
           "PREFECT_API_URL": str(PREFECT_API_URL.value()), "GERMINATE_TARGET_VENV": sys.prefix,
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org"}
    return subprocess.run([sys.executable, "-m", "germinate.cli", "run", str(repo), "--ticket", TICKET],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


def decision_of(repo: Path) -> tuple[str, str, list[str]]:
    """The cycle's outcome, its reason, and the roles called in order (from the store)."""
    store = Store.open(repo=repo)
    try:
        with store.session() as s:
            row = s.scalars(select(DecisionRow).order_by(DecisionRow.id.desc())).first()
            roles = [r.role for r in s.scalars(select(AgentRunRow).order_by(AgentRunRow.id))]
            assert row is not None, "no decision recorded"
            return row.outcome, row.reason, roles
    finally:
        store.close()
