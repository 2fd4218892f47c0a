"""The loop gives a model its fair chances: a gate it can fix goes back to it with the evidence,
the tests run before the reviewer, a security verdict ends the candidate before its code runs.

Each test runs a whole growth cycle (real git, a real Prefect API, the real test run) with the
scripted model; the transcript's ``match`` on the fix round's prompt is what proves the
evidence reached the implementer (a prompt without it gets no answer and the cycle fails).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from examples.demo import make_target
from germinate.store import AgentRunRow, Store

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-units-tests"
PLAN = {"summary": "Add count_tokens() to the tokenizer.", "acceptance_criteria": ["count_tokens('1+2') == 3"],
        "scope": ["minicalc/tokenizer.py", "tests/test_count.py"], "tests_to_add": [], "risks": []}
ADD_FUNCTION = '''minicalc/tokenizer.py
<<<<<<< SEARCH
class TokenError(ValueError):
=======
def count_tokens(expr: str) -> int:
    """How many tokens ``expr`` holds."""
    total = 0
    for _token in tokenize(expr):
        total += 1
    return total


class TokenError(ValueError):
>>>>>>> REPLACE
'''
ADD_TEST = '''tests/test_count.py
<<<<<<< SEARCH
=======
from minicalc.tokenizer import count_tokens


def test_count_tokens():
    assert count_tokens("1+2") == 3
>>>>>>> REPLACE
'''
APPROVE = {"verdict": "approve", "summary": "ok",
           "rubric": {"correctness": 5, "tests": 5, "style": 5, "design": 5, "security": 5}}


def write_transcript(path: Path, responses: dict[str, list[dict]]) -> Path:
    from germinate.llm.transcript import reset

    base = {"architect": [{"content": PLAN}], "tester": [{"content": "No new tests from me this round."}],
            "reviewer": [{"content": APPROVE, "repeat": True}],
            "maintainer": [{"content": "fine", "repeat": True}]}
    path.write_text(yaml.safe_dump({"version": 1, "responses": {**base, **responses}}, sort_keys=False))
    reset(path)
    return path


@pytest.fixture
def target(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    seed = yaml.safe_load((repo / "seed.yaml").read_text())
    seed["quality_gates"]["coverage"]["diff_minimum"] = 0.9
    (repo / "seed.yaml").write_text(yaml.safe_dump(seed, sort_keys=False))
    import subprocess

    subprocess.run(["git", "commit", "-qam", "seed: diff coverage 90%"], cwd=repo, check=True)
    return repo


def roles(repo: Path) -> list[str]:
    store = Store.open(repo=repo)
    try:
        with store.session() as s:
            return [r.role for r in s.scalars(select(AgentRunRow).order_by(AgentRunRow.id))]
    finally:
        store.close()


def test_a_coverage_gate_failure_goes_back_and_the_fixing_round_lands(target: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.growth_cycle import growth_cycle

    fixed = r"diff_coverage: new code untested(.|\n)*minicalc/tokenizer\.py:\d+"
    transcript = write_transcript(tmp_path / "t.yaml", {"implementer": [
        {"match": fixed, "content": ADD_TEST},
        {"content": ADD_FUNCTION},
    ]})
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")

    report = growth_cycle(repo=str(target), ticket_id=TICKET)

    assert report.decision is not None and report.decision.outcome == "merged", report.decision
    proof = next(g for g in report.decision.gates if g.name == "ticket_proof")
    assert proof.passed and "tests.test_count::test_count_tokens" in proof.message  # fails on the base
    assert roles(target).count("implementer") == 2
    assert roles(target).index("reviewer") > roles(target).index("implementer", 2)  # reviewed after the fix


def test_what_stays_failing_after_the_fix_rounds_ends_rejected_without_a_review(
        target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.growth_cycle import growth_cycle

    unhelpful = ADD_FUNCTION.replace("How many tokens", "Count the tokens")
    transcript = write_transcript(tmp_path / "t.yaml", {"implementer": [
        {"content": ADD_FUNCTION},
        {"match": "diff_coverage", "content": unhelpful.replace("def count_tokens", "def count_all_tokens")},
    ]})
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")

    report = growth_cycle(repo=str(target), ticket_id=TICKET)

    assert report.decision is not None and report.decision.outcome == "rejected"
    assert "diff_coverage" in report.decision.reason
    assert "reviewer" not in roles(target)  # nobody is paid to review what cannot land


def test_a_secret_ends_the_candidate_before_any_of_its_code_runs(target: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.growth_cycle import growth_cycle

    leak = ADD_FUNCTION.replace("def count_tokens", 'GITHUB = "ghp_' + "a1B2" * 9 + '"\n\n\ndef count_tokens')
    transcript = write_transcript(tmp_path / "t.yaml", {"implementer": [
        {"content": leak + "\n" + ADD_TEST},
        {"match": "secrets", "content": ADD_FUNCTION},  # would be used if a fix round were given
    ]})
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")

    report = growth_cycle(repo=str(target), ticket_id=TICKET)

    decision = report.decision
    assert decision is not None and decision.outcome == "rejected" and "secrets" in decision.reason
    assert roles(target).count("implementer") == 1 and "reviewer" not in roles(target)
    assert "tests_pass" not in {g.name for g in decision.gates}  # the tests never ran


def test_prose_instead_of_the_feature_gets_a_fix_round_then_ends_rejected(
        target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The weak-model case: notes that pass every test prove nothing about the ticket."""
    from flows.growth_cycle import growth_cycle

    notes = "docs/notes.md\n<<<<<<< SEARCH\n=======\ncount_tokens() counts the tokens of an expression.\n" \
            ">>>>>>> REPLACE\n"
    plan = {**PLAN, "kind": "docs"}  # the label does not dodge the proof once code is touched...
    transcript = write_transcript(tmp_path / "t.yaml", {"architect": [{"content": plan}], "implementer": [
        {"content": notes.replace("docs/notes.md", "minicalc/notes.py").replace("count_tokens()", "# count_tokens()")},
        {"match": "no test shows the feature works", "content": notes.replace("counts", "really counts")},
    ]})
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")

    report = growth_cycle(repo=str(target), ticket_id=TICKET)

    decision = report.decision
    assert decision is not None and decision.outcome == "rejected", decision
    assert "ticket_proof: no test shows the feature works" in decision.reason
    assert roles(target).count("implementer") == 2 and "reviewer" not in roles(target)
