"""A write outside the seed's write paths is a slip the implementer may fix, never a reason to run it.

Each test runs ``germinate run REPO --ticket ...`` as a user does (a subprocess, a clean
environment, a fresh ``GERMINATE_HOME``, the session's Prefect API) with the scripted model. The
seed runs target code with ``execution.sandbox: local``, so a test of the candidate that ran
would leave its marker file where this test looks: the marker's absence proves that none of
the blocked candidate's code was installed or run (in a sandbox it could not write there).
The transcript's ``match`` on the fix round's prompt proves the evidence reached the model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from examples.demo import make_target
from germinate.store import AgentRunRow, DecisionRow, Store

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
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
OUTSIDE = '''scripts/count.py
<<<<<<< SEARCH
=======
"""Count the tokens of each argument."""
>>>>>>> REPLACE
'''
STILL_OUTSIDE = '''scripts/count.py
<<<<<<< SEARCH
"""Count the tokens of each argument."""
=======
"""Count the tokens of each argument (kept here: the model did not listen)."""
>>>>>>> REPLACE
'''
# What the fix round's prompt must hold: the gate, what to do, the file and the seed's globs.
EVIDENCE = (r"write_paths: writes outside what the seed allows(.|\n)*What to do: Leave the file(.|\n)*"
            r"scripts/count\.py: outside automation_contract\.ai_access\.write_paths \(minicalc/\*\*, tests/\*\*")


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


def setup_repo(tmp_path: Path, implementer: list[dict], *, max_fix_rounds: int = 1) -> Path:
    """The demo target with a local sandbox and a transcript whose implementer says ``implementer``."""
    transcript = tmp_path / "transcript.yaml"
    responses = {"architect": [{"content": PLAN}], "tester": [{"content": "No new tests from me this round."}],
                 "implementer": implementer, "reviewer": [{"content": APPROVE, "repeat": True}],
                 "maintainer": [{"content": "fine", "repeat": True}]}
    transcript.write_text(yaml.safe_dump({"version": 1, "responses": responses}, sort_keys=False))
    repo = make_target(tmp_path / "minicalc")
    seed = yaml.safe_load((repo / "seed.yaml").read_text())
    seed["models"]["default"] = f"scripted/{transcript}"
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


def test_a_write_outside_the_write_paths_fixed_in_the_next_round_lands(prefect_harness: None,
                                                                      tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    repo = setup_repo(tmp_path, [
        {"match": EVIDENCE, "content": "scripts/count.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n"},
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE},
    ])

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "merged", reason
    assert roles.count("implementer") == 2 and "reviewer" in roles
    assert "count_tokens" in git(repo, "show", "main:minicalc/tokenizer.py")
    assert "scripts/count.py" not in git(repo, "ls-tree", "-r", "--name-only", "main")
    assert marker.exists()  # the fixed candidate's tests ran: the marker does show a run


def test_a_write_that_stays_outside_is_rejected_after_the_rounds_without_running(prefect_harness: None,
                                                                                tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    repo = setup_repo(tmp_path, [
        {"match": EVIDENCE, "content": STILL_OUTSIDE},
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE},
    ])
    main_before = git(repo, "rev-parse", "main")

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "rejected", reason
    assert "write_paths: writes outside what the seed allows: scripts/count.py" in reason
    assert "still blocking after 2 implementer rounds" in reason
    assert "rejected" in proc.stdout
    assert roles.count("implementer") == 2 and "reviewer" not in roles
    assert not marker.exists(), "a test of the blocked candidate ran"
    assert git(repo, "rev-parse", "main") == main_before


def test_a_secret_in_the_fix_round_still_ends_the_candidate_at_once(prefect_harness: None,
                                                                   tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    leak = 'minicalc/keys.py\n<<<<<<< SEARCH\n=======\nGITHUB = "ghp_' + "a1B2" * 9 + '"\n>>>>>>> REPLACE\n'
    repo = setup_repo(tmp_path, [
        {"match": EVIDENCE, "content": "scripts/count.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n\n" + leak},
        {"match": "secrets", "content": "minicalc/keys.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n"},  # never asked
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE},
    ], max_fix_rounds=3)

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "rejected" and "secrets" in reason, reason
    assert "write_paths" not in reason  # the fix round did move the code back inside
    assert roles.count("implementer") == 2 and "reviewer" not in roles  # rounds were left; none was given
    assert not marker.exists(), "a test of the candidate with a secret ran"
