"""A change that adds a package nobody approved pauses for a person before anything of it
is installed or run (real Prefect API, real git, the scripted model).

The person (a background thread answering through ``resume_flow_run``, as ``germinate
approve`` does) looks, at the moment of the pause, at which tasks of the cycle already ran:
no test run, no proof may be among them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from examples.demo import TRANSCRIPT, make_target
from tests.integration.checkpoint_person import approvals, cycle_with_person, in_turn

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-units-tests"
ADD_PACKAGE = "requirements.txt\n<<<<<<< SEARCH\n=======\ntomli-w\n>>>>>>> REPLACE\n"


def run_cycle(repo: Path, answers: list[dict[str, str]]) -> tuple[Any, list[dict[str, Any]]]:
    """The cycle, with a person who notes which tasks already ran before each answer."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    seen: list[dict[str, Any]] = []
    next_answer = in_turn(answers)

    def answer(client: Any, run: Any) -> dict[str, str] | None:
        if not answers:
            return None
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
        seen.append({"tasks": sorted(t.name for t in tasks)})
        return next_answer(client, run)

    return cycle_with_person(repo, TICKET, answer), seen


@pytest.fixture
def target(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from germinate.llm.transcript import reset

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_APPROVAL_POLL_SECONDS", "1")
    data = yaml.safe_load(TRANSCRIPT.read_text())
    first = next(r for r in data["responses"]["implementer"] if r.get("match") == f"Ticket {TICKET}")
    first["content"] = ADD_PACKAGE + first["content"]  # the change also adds a package to pyproject.toml
    reviews = data["responses"]["reviewer"]
    reviews.remove(next(r for r in reviews if r["content"].get("verdict") == "request_changes"))  # approve at once
    transcript = tmp_path / "transcript.yaml"
    transcript.write_text(yaml.safe_dump(data, sort_keys=False))
    reset(transcript)
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")
    repo = make_target(tmp_path / "minicalc")
    seed = repo / "seed.yaml"
    text = seed.read_text().replace('"AUTOGEN_LOG.md"]', '"AUTOGEN_LOG.md", "requirements.txt"]')
    seed.write_text(text.replace("allowlisted_packages: []",
                                 "allowlisted_packages: []\n      outside_allowlist: needs_approval"))
    subprocess.run(["git", "commit", "-qam", "new packages need a person"], cwd=repo, check=True)
    return repo


def _ran_code(tasks: list[str]) -> list[str]:
    return [t for t in tasks if t.startswith(("test-", "ticket-proof", "gates-"))]


def test_new_package_pauses_before_any_test_and_reject_ends_it(target: Path) -> None:
    report, seen = run_cycle(target, [{"action": "reject", "comment": "no new packages", "by": "ada"}])
    assert len(seen) == 1, seen
    assert any(t.startswith("static-gates") for t in seen[0]["tasks"]), seen
    assert _ran_code(seen[0]["tasks"]) == [], seen
    assert report.decision.outcome == "rejected" and "rejected by ada" in report.decision.reason
    assert report.coverage_after is None  # the change's tests never ran
    assert approvals(target) == [("reject", "no new packages")]
    log = subprocess.run(["git", "log", "--format=%s", "main"], cwd=target, capture_output=True, text=True).stdout
    assert "germinate:" not in log


def test_approve_runs_the_tests_then_lands_with_one_approval(target: Path) -> None:
    report, seen = run_cycle(target, [{"action": "approve", "comment": "", "by": "ada"},
                                      {"action": "approve", "comment": "second pause", "by": "ada"}])
    assert len(seen) == 1, seen  # no second pause for the same content
    assert _ran_code(seen[0]["tasks"]) == [], seen
    assert report.decision.outcome == "merged", report.decision.reason
    assert report.decision.approval_action == "approve" and report.decision.approval_by == "ada"
    assert report.coverage_after is not None  # the tests ran after the approval
    assert approvals(target) == [("approve", "")]
    requirements = subprocess.run(["git", "show", "main:requirements.txt"], cwd=target,
                                  capture_output=True, text=True, check=True).stdout
    assert "tomli-w" in requirements


def test_no_answer_defers_with_nothing_run(target: Path) -> None:
    seed = target / "seed.yaml"
    seed.write_text(seed.read_text().replace("approval_timeout_minutes: 60", "approval_timeout_minutes: 0.05"))
    subprocess.run(["git", "commit", "-qam", "shorter approval timeout"], cwd=target, check=True)
    report, _ = run_cycle(target, [])
    assert report.decision.outcome == "deferred" and "timed out" in report.decision.reason
    assert report.coverage_after is None
    assert approvals(target) == [("timeout", "no answer within 0.05 minutes")]


def test_a_later_round_that_changes_the_commit_is_asked_about_again(target: Path) -> None:
    """The reviewer sends the approved change back once: the new commit is shown again (the write
    gate checks the approval against the commit that lands), now with its test results."""
    reset_reviews = yaml.safe_load(TRANSCRIPT.read_text())["responses"]["reviewer"]
    transcript = Path(os.environ["GERMINATE_MODEL"].removeprefix("scripted/"))
    data = yaml.safe_load(transcript.read_text())
    data["responses"]["reviewer"] = reset_reviews  # the reviewer asks for a mass test first
    transcript.write_text(yaml.safe_dump(data, sort_keys=False))
    report, seen = run_cycle(target, [{"action": "approve", "comment": "", "by": "ada"},
                                      {"action": "approve", "comment": "again", "by": "ada"}])
    assert len(seen) == 2, seen
    assert _ran_code(seen[0]["tasks"]) == [] and _ran_code(seen[1]["tasks"]), seen
    assert report.decision.outcome == "merged", report.decision.reason
    assert approvals(target) == [("approve", ""), ("approve", "again")]
