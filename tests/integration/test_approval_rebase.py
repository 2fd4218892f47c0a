"""Approvals survive a clean rebase and only a clean one: while the power-operator change waits
for a person, someone commits to ``main``. An unrelated commit: the approval covers the rebased
change (same patch id) and it lands on the one answer. A commit that changes the lines around
the change: the rebased change is not what was approved, so the cycle pauses again and lands
only on the second answer. Never a dead-end ``deferred``, never "approved" for other content."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from examples.demo import TRANSCRIPT, make_target
from germinate.store import ApprovalRow, Store
from tests.integration.checkpoint_person import approvals, cycle_with_person

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-power-operator"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def cycle_with_approver(repo: Path, move_main: Callable[[Path], None]) -> tuple[object, list[str]]:
    """The cycle, with a person who approves every pause once; before the first answer,
    someone commits to main (``move_main``). Also the pause keys answered."""
    answered: list[str] = []

    def answer(_client: object, run: Any) -> dict[str, str] | None:
        key = str(run.state.state_details.pause_key)
        if key in answered:
            return None
        if not answered:
            move_main(repo)
        answered.append(key)
        return {"action": "approve", "comment": "", "by": "ada"}

    return cycle_with_person(repo, TICKET, answer), answered


@pytest.fixture
def target(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_APPROVAL_POLL_SECONDS", "1")
    return make_target(tmp_path / "minicalc")


def unrelated_commit(repo: Path) -> None:
    (repo / "NOTES.md").write_text("someone else's work\n")
    git(repo, "add", "NOTES.md")
    git(repo, "commit", "-qm", "notes")


def commit_next_to_the_change(repo: Path) -> None:
    path = repo / "minicalc" / "evaluator.py"
    lines = path.read_text().splitlines(keepends=True)
    assert lines[3].strip() == "" and lines[6].startswith("PRECEDENCE")
    lines[3] = "# operators and how tightly they bind\n"  # inside the change's context lines
    path.write_text("".join(lines))
    git(repo, "commit", "-qam", "comment the operators")


def test_a_clean_rebase_keeps_the_approval(target: Path) -> None:
    report, answered = cycle_with_approver(target, unrelated_commit)
    decision = report.decision  # type: ignore[attr-defined]
    assert decision.outcome == "merged", decision.reason
    assert "re-tested after rebase" in decision.reason and "asked again" not in decision.reason
    assert len(answered) == 1 and approvals(target) == [("approve", "")]
    assert decision.approval_id is not None
    assert "NOTES.md" in git(target, "ls-tree", "--name-only", "main")


def test_a_rebase_that_changed_the_content_asks_again(target: Path) -> None:
    report, answered = cycle_with_approver(target, commit_next_to_the_change)
    decision = report.decision  # type: ignore[attr-defined]
    assert decision.outcome == "merged", decision.reason
    assert len(answered) == 2 and approvals(target) == [("approve", ""), ("approve", "")]
    with Store.open(repo=target).session() as s:
        second = s.scalars(select(ApprovalRow).order_by(ApprovalRow.id.desc())).first()
    assert second is not None and decision.approval_id == second.id  # landed on the second answer
    evaluator = git(target, "show", "main:minicalc/evaluator.py")
    assert "# operators and how tightly they bind" in evaluator and '"**": 3' in evaluator
