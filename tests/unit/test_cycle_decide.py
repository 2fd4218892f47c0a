"""The decide logic: gates + merge policy + checkpoints -> a named outcome with its reason."""

from __future__ import annotations

import pytest

from germinate.cycle.decide import Approval, decide, ticket_status
from germinate.models import Change, GateResult, Reward, Ticket
from germinate.seed import Seed

TICKET = Ticket(id="epic-x", title="X", kind="epic", source="seed")
CHANGE = Change(ticket_id="epic-x", branch="germinate/epic-x", worktree="/w", base_sha="b" * 40,
                head_sha="h" * 40, files_changed=["pkg/a.py"], diff="+x")
PASS = GateResult(name="tests_pass", passed=True, message="ok")
BLOCK = GateResult(name="write_paths", passed=False, message="writes .github/workflows/ci.yml")
ASK = GateResult(name="approval", passed=False, severity="needs_approval", message="security-critical path")
WARN = GateResult(name="diff_coverage", passed=False, severity="warn", message="low")


def seed(auto_merge: bool = True, reviewers: list[str] | None = None) -> Seed:
    return Seed.model_validate({"project": {"name": "p"}, "automation_contract": {"merge_policy": {
        "allow_auto_merge": auto_merge, "require_human_review_from": reviewers or []}}})


def run(gates: list[GateResult], *, change: Change = CHANGE, approval: Approval | None = None,
        approve_mode: str = "auto", **seed_kw: object):
    return decide(cycle_id="c1", ticket=TICKET, change=change, gates=gates, reward=Reward(total=1.0),
                  seed=seed(**seed_kw), approve_mode=approve_mode, approval=approval)  # type: ignore[arg-type]


def test_all_gates_pass_with_auto_merge_merges_and_without_opens_a_change_request() -> None:
    assert run([PASS, WARN]).outcome == "merged"
    decision = run([PASS], auto_merge=False)
    assert decision.outcome == "pr_opened" and "a person merges" in decision.reason


def test_a_blocking_gate_rejects_naming_it_even_when_approved() -> None:
    decision = run([PASS, BLOCK, ASK], approval=Approval(action="approve", by="ada"))
    assert decision.outcome == "rejected"
    assert "write_paths: writes .github/workflows/ci.yml" in decision.reason
    assert decision.head_sha == CHANGE.head_sha and decision.branch == CHANGE.branch


def test_a_label_a_person_set_defers_instead_of_rejecting() -> None:
    frozen = GateResult(name="freeze", passed=False, message="ticket epic-x: labelled 'needs-human-review'")
    red = GateResult(name="red_mode", passed=False, message="only fixes land")
    held = run([PASS, frozen, red])
    assert held.outcome == "deferred" and "needs-human-review" in held.reason and "kept" in held.reason
    assert run([PASS, frozen, BLOCK]).outcome == "rejected"  # a real problem still rejects


def test_checkpoint_waits_for_a_person_then_follows_the_answer() -> None:
    assert run([PASS, ASK]).outcome == "awaiting_human"
    approved = run([PASS], approval=Approval(action="approve", by="ada", approval_id=7))
    assert approved.outcome == "merged" and "approved by ada" in approved.reason and approved.approval_id == 7
    rejected = run([PASS, ASK], approval=Approval(action="reject", by="ada", comment="too risky"))
    assert rejected.outcome == "rejected" and "too risky" in rejected.reason
    deferred = run([PASS, ASK], approval=Approval(action="timeout"))
    assert deferred.outcome == "deferred" and "branch and ticket kept" in deferred.reason
    out_of_rounds = run([PASS, ASK], approval=Approval(action="request_changes", comment="still wrong"))
    assert out_of_rounds.outcome == "rejected" and "still wrong" in out_of_rounds.reason


def test_human_mode_and_required_reviewers_ask_a_person() -> None:
    assert run([PASS], approve_mode="human").outcome == "awaiting_human"
    decision = run([PASS], reviewers=["ada"])
    assert decision.outcome == "awaiting_human" and "ada" in decision.reason


@pytest.mark.parametrize(("outcome", "reason", "expected"), [
    ("no_change", "nothing", "no_op"), ("failed", "no edits applied", "failed"),
    ("budget_exhausted", "tokens", "deferred"),
])
def test_a_change_that_is_not_usable_never_reaches_the_gates(outcome: str, reason: str, expected: str) -> None:
    change = CHANGE.model_copy(update={"outcome": outcome, "reason": reason, "files_changed": []})
    decision = run([PASS], change=change)
    assert decision.outcome == expected and reason in decision.reason


def test_ticket_status_after_each_outcome() -> None:
    assert [ticket_status(o) for o in ("merged", "pr_opened", "rejected", "deferred", "no_op")] == [
        "done", "in_progress", "rejected", "deferred", "open"]


def test_a_person_answering_before_the_tests_ran_decides_an_untested_change() -> None:
    """The install checkpoint: a new package waits for a person before anything of it runs."""
    deps = GateResult(name="dependencies", passed=False, severity="needs_approval", message="new package 'x'")

    def untested(approval: Approval | None):
        return decide(cycle_id="c1", ticket=TICKET, change=CHANGE, gates=[deps], reward=Reward(), seed=seed(),
                      approval=approval, tested=False)

    rejected = untested(Approval(action="reject", by="ada", comment="no new packages"))
    assert rejected.outcome == "rejected" and "rejected by ada" in rejected.reason
    assert untested(Approval(action="timeout")).outcome == "deferred"
    # no answer, or an approval without a test run, never lands an untested change
    assert untested(None).outcome == "rejected" and "never ran" in untested(None).reason
    approved = untested(Approval(action="approve", by="ada"))
    assert approved.outcome == "rejected" and "never ran" in approved.reason
