"""The decide stage's logic: gates + merge policy + checkpoints -> an outcome. Prefect-free.

Only code decides what lands (docs/architecture.md): the reviewer's verdict and the
maintainer's advice reach this module only as gate results and as ``advisory`` text.

Outcomes:
- ``rejected``: a blocking gate failed (the reason names each), or a human rejected it;
- ``awaiting_human``: every blocking gate passed but a checkpoint, the merge policy or
  ``--approve human`` asks for a person, and no approval is on record yet;
- ``deferred``: the approval timed out (branch and ticket are kept), a budget ran out, or
  the only blocking gates are labels a person set (freeze, red-mode): the work waits for them;
- ``merged``: auto-merge allowed (and approved where required);
- ``pr_opened``: auto-merge not allowed: a change request waits for a human merge;
- ``no_op`` / ``failed``: the change is empty, or the act stage could not produce one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from germinate.models import Change, Decision, GateResult, Reward, Ticket
from germinate.policy import SECURITY_GATES, architecture, coverage, limits, paths, testsuite
from germinate.seed import Seed

ApproveMode = Literal["auto", "human"]
# Blocking gates that mean "a person holds this for now", not "this change is wrong".
HOLD_GATES: frozenset[str] = frozenset({"freeze", "red_mode"})
# Blocking gates the implementer can fix in another round: the evidence goes back to it.
# A security verdict (``policy.SECURITY_GATES``: secrets, dependencies, test infrastructure),
# a finding its gate marks ``ends_candidate`` (a write_paths entry escaping the tree, a
# file_types symlink or submodule), a hold, or any gate added later until someone lists it
# here ends the candidate: fail closed.
FIXABLE_GATES: frozenset[str] = frozenset({
    paths.WRITE_PATHS, paths.FILE_TYPES,
    limits.CHANGE_BUDGET, limits.SYNTAX, limits.FILE_LENGTH, limits.FUNCTION_LENGTH, limits.COMPLEXITY,
    testsuite.TESTS_PASS, testsuite.TESTS_KEPT, testsuite.TESTS_NOT_SKIPPED, testsuite.ASSERTIONS_KEPT,
    *coverage.NAMES, architecture.FORBIDDEN_IMPORTS, "ticket_proof",
}) - SECURITY_GATES
ApprovalAction = Literal["approve", "reject", "request_changes", "timeout"]


class Approval(BaseModel):
    """A human's answer at a checkpoint, as recorded in the store."""

    model_config = ConfigDict(frozen=True)

    action: ApprovalAction
    by: str = ""
    comment: str = ""
    approval_id: int | None = None


def human_reasons(seed: Seed, gates: list[GateResult], approve_mode: ApproveMode) -> list[str]:
    """Why a person must look before this change lands (empty: nobody needs to)."""
    reasons = [f"{g.name}: {g.message}" for g in gates if not g.passed and g.severity == "needs_approval"]
    if approve_mode == "human":
        reasons.append("this run asked for a person on every change (approve=human)")
    policy = seed.automation_contract.merge_policy
    if policy.allow_auto_merge and policy.require_human_review_from:
        reasons.append("merge policy requires review from " + ", ".join(policy.require_human_review_from))
    return reasons


def gate_summary(gates: list[GateResult]) -> str:
    """One line per failed blocking gate: the rejection reason a user reads."""
    return "; ".join(f"{g.name}: {g.message}" for g in gates if not g.passed and g.severity == "block")


def blocking_failures(gates: list[GateResult]) -> list[GateResult]:
    """The failed gates that block landing."""
    return [g for g in gates if not g.passed and g.severity == "block"]


def fixable_failures(gates: list[GateResult]) -> list[GateResult]:
    """Blocking failures another implementer round may fix (empty if one of them cannot be)."""
    failures = blocking_failures(gates)
    if ends_candidate(failures):
        return []  # a security verdict or a hold ends the candidate, whatever else failed
    return failures


def ends_candidate(gates: list[GateResult]) -> list[GateResult]:
    """Blocking failures no round may fix: a security verdict, a finding its gate marks as
    ending the candidate, a hold, an unknown gate."""
    return [g for g in blocking_failures(gates) if g.name not in FIXABLE_GATES or g.ends_candidate]


def _change_problem(change: Change) -> tuple[str, str] | None:
    if change.outcome == "ok" and change.files_changed:
        return None
    if change.outcome == "budget_exhausted":
        return "deferred", f"budget exhausted while acting: {change.reason}"
    if change.outcome == "failed":
        return "failed", f"no usable change: {change.reason or 'the implementer produced no applicable edit'}"
    return "no_op", f"the change is empty: {change.reason or 'nothing to land'}"


def decide(
    *,
    cycle_id: str,
    ticket: Ticket,
    change: Change,
    gates: list[GateResult],
    reward: Reward,
    seed: Seed,
    approve_mode: ApproveMode = "auto",
    approval: Approval | None = None,
    advisory: str = "",
    tested: bool = True,
) -> Decision:
    """The outcome of a cycle from its evidence; pure and deterministic.

    ``tested=False``: the change's tests never ran (a static gate stopped it); it cannot land.
    """

    def outcome(name: str, reason: str) -> Decision:
        return Decision(
            cycle_id=cycle_id, ticket_id=ticket.id, outcome=name,  # type: ignore[arg-type]
            reason=reason, gates=gates, reward=reward, base_sha=change.base_sha,
            head_sha=change.head_sha, branch=change.branch, advisory=advisory,
            approval_id=approval.approval_id if approval else None,
            approval_action=approval.action if approval else "", approval_by=approval.by if approval else "",
        )

    problem = _change_problem(change)
    if problem is not None:
        return outcome(*problem)
    blocking = gate_summary(gates)
    if blocking:
        held = all(g.name in HOLD_GATES for g in gates if not g.passed and g.severity == "block")
        if held:
            return outcome("deferred", f"held by a label a person set: {blocking}; branch and ticket kept")
        rounds = ""
        if fixable_failures(gates) and change.rounds > 1:  # fix rounds were tried and did not fix it
            rounds = f" still failing after {change.rounds} implementer rounds"
        return outcome("rejected", f"blocked by gate(s){rounds}: {blocking}")
    reasons = human_reasons(seed, gates, approve_mode)
    # a person who said no before anything ran (e.g. to installing a new package) decides it
    answered_no = bool(reasons) and approval is not None and approval.action != "approve"
    if not tested and not answered_no:
        return outcome("rejected", "the change's tests never ran, so nothing shows it works; branch kept")
    if reasons:
        if approval is None:
            return outcome("awaiting_human", "needs a human: " + "; ".join(reasons))
        if approval.action == "request_changes":
            return outcome("rejected", "changes were requested again after the last round a person may ask "
                           "for (execution.max_review_rounds + 1); branch kept" +
                           (f": {approval.comment}" if approval.comment else ""))
        if approval.action == "timeout":
            return outcome("deferred", "approval timed out; branch and ticket kept for later: " + "; ".join(reasons))
        if approval.action == "reject":
            who = f" by {approval.by}" if approval.by else ""
            return outcome("rejected", f"rejected{who} at the checkpoint" + (f": {approval.comment}" if approval.comment else ""))
    approved = ""
    if approval is not None and approval.action == "approve":
        approved = f" (approved by {approval.by})" if approval.by else " (approved)"
    if seed.automation_contract.merge_policy.allow_auto_merge:
        return outcome("merged", f"every blocking gate passed; auto-merge allowed{approved}")
    return outcome("pr_opened", f"every blocking gate passed; auto-merge not allowed: a person merges{approved}")


def ticket_status(outcome: str) -> str:
    """The store status a ticket gets after a cycle with ``outcome``."""
    return {
        "merged": "done", "pr_opened": "in_progress", "awaiting_human": "in_progress",
        "rejected": "rejected", "deferred": "deferred",
    }.get(outcome, "open")
