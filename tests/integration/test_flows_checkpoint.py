"""The human checkpoint against a real Prefect API: reject, request changes then approve, timeout.

The power-operator epic of the demo touches a security-critical path, so its cycle pauses
with the typed form; a background "person" answers through ``resume_flow_run`` exactly as
``germinate approve`` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from examples.demo import TRANSCRIPT, make_target
from germinate.cycle.records import ticket_statuses
from germinate.store import Store
from tests.integration.checkpoint_person import approvals, cycle_with_person, in_turn

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-power-operator"


def run_cycle(repo: Path, answers: list[dict[str, str]]):
    return cycle_with_person(repo, TICKET, in_turn(answers))


@pytest.fixture
def target(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from germinate.llm.transcript import reset

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_APPROVAL_POLL_SECONDS", "1")
    data = yaml.safe_load(TRANSCRIPT.read_text())
    data["responses"]["implementer"].append({"match": "requested changes", "content": (
        "minicalc/evaluator.py\n<<<<<<< SEARCH\nRIGHT_ASSOCIATIVE = {\"**\"}\n=======\n"
        "# ** groups to the right: 2 ** 3 ** 2 == 2 ** 9.\nRIGHT_ASSOCIATIVE = {\"**\"}\n>>>>>>> REPLACE\n")})
    data["responses"]["reviewer"].append({"match": TICKET, "content": {"verdict": "approve", "summary": "ok"}})
    transcript = tmp_path / "transcript.yaml"
    transcript.write_text(yaml.safe_dump(data, sort_keys=False))
    reset(transcript)
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")
    return make_target(tmp_path / "minicalc")


def test_rejected_at_the_checkpoint(target: Path) -> None:
    report = run_cycle(target, [{"action": "reject", "comment": "not now", "by": "ada"}])
    assert report.decision.outcome == "rejected" and "rejected by ada" in report.decision.reason
    assert approvals(target) == [("reject", "not now")]
    assert "germinate:" not in subprocess.run(["git", "log", "--format=%s", "main"], cwd=target,
                                              capture_output=True, text=True).stdout


def test_request_changes_sends_the_comment_to_the_implementer_then_approve_lands(target: Path) -> None:
    report = run_cycle(target, [
        {"action": "request_changes", "comment": "explain the associativity", "by": "ada"},
        {"action": "approve", "comment": "", "by": "ada"},
    ])
    assert report.decision.outcome == "merged", report.decision.reason
    assert [a for a, _ in approvals(target)] == ["request_changes", "approve"]
    evaluator = subprocess.run(["git", "show", "main:minicalc/evaluator.py"], cwd=target,
                               capture_output=True, text=True, check=True).stdout
    assert "# ** groups to the right" in evaluator


def test_approval_timeout_defers_and_keeps_the_branch(target: Path) -> None:
    seed = target / "seed.yaml"
    seed.write_text(seed.read_text().replace("approval_timeout_minutes: 60", "approval_timeout_minutes: 0.05"))
    subprocess.run(["git", "commit", "-qam", "shorter approval timeout"], cwd=target, check=True)
    report = run_cycle(target, [])
    assert report.decision.outcome == "deferred" and "timed out" in report.decision.reason
    store = Store.open(repo=target)
    assert ticket_statuses(store, "minicalc")[TICKET] == "retry"  # deferred: it comes back on a later run
    branches = subprocess.run(["git", "branch", "--list", f"germinate/{TICKET}"], cwd=target,
                              capture_output=True, text=True).stdout
    assert branches.strip()
