"""Approvals survive a clean rebase and only a clean one: while the power-operator change waits
for a person, someone commits to ``main``. An unrelated commit: the approval covers the rebased
change (same patch id) and it lands on the one answer. A commit that changes the lines around
the change: the rebased change is not what was approved, so the cycle pauses again and lands
only on the second answer. Never a dead-end ``deferred``, never "approved" for other content."""

from __future__ import annotations

import contextvars
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from examples.demo import TRANSCRIPT, make_target
from germinate.store import ApprovalRow, Store

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-power-operator"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def person(repo: Path, move_main: Callable[[Path], None], stop: threading.Event, answered: list[str]) -> None:
    """Answers every pause with approve; before the first answer, someone commits to main."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run

    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    seen: set[str] = set()
    while not stop.wait(0.3):
        with get_client(sync_client=True) as client:
            runs = [r for r in client.read_flow_runs(flow_run_filter=paused) if r.name.endswith(TICKET)]
        if not runs or not runs[0].state or not runs[0].state.state_details.run_input_keyset:
            continue
        key = str(runs[0].state.state_details.pause_key)
        if key in seen:
            continue
        seen.add(key)
        if not answered:
            move_main(repo)
        resume_flow_run(runs[0].id, run_input={"action": "approve", "comment": "", "by": "ada"})
        answered.append(key)


def cycle_with_person(repo: Path, move_main: Callable[[Path], None]) -> tuple[object, list[str]]:
    from flows.growth_cycle import growth_cycle

    stop, answered = threading.Event(), []
    thread = threading.Thread(target=contextvars.copy_context().run,
                              args=(person, repo, move_main, stop, answered), daemon=True)
    thread.start()
    try:
        return growth_cycle(repo=str(repo), ticket_id=TICKET), answered
    finally:
        stop.set()
        thread.join(timeout=10)


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


def approvals(repo: Path) -> list[str]:
    with Store.open(repo=repo).session() as s:
        return [a.action for a in s.scalars(select(ApprovalRow).order_by(ApprovalRow.id))]


def test_a_clean_rebase_keeps_the_approval(target: Path) -> None:
    report, answered = cycle_with_person(target, unrelated_commit)
    decision = report.decision  # type: ignore[attr-defined]
    assert decision.outcome == "merged", decision.reason
    assert "re-tested after rebase" in decision.reason and "asked again" not in decision.reason
    assert len(answered) == 1 and approvals(target) == ["approve"]
    assert decision.approval_id is not None
    assert "NOTES.md" in git(target, "ls-tree", "--name-only", "main")


def test_a_rebase_that_changed_the_content_asks_again(target: Path) -> None:
    report, answered = cycle_with_person(target, commit_next_to_the_change)
    decision = report.decision  # type: ignore[attr-defined]
    assert decision.outcome == "merged", decision.reason
    assert len(answered) == 2 and approvals(target) == ["approve", "approve"]
    with Store.open(repo=target).session() as s:
        second = s.scalars(select(ApprovalRow).order_by(ApprovalRow.id.desc())).first()
    assert second is not None and decision.approval_id == second.id  # landed on the second answer
    evaluator = git(target, "show", "main:minicalc/evaluator.py")
    assert "# operators and how tightly they bind" in evaluator and '"**": 3' in evaluator
