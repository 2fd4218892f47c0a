"""One act round, Prefect-free: reset the worktree, let the agents edit, commit, describe.

A round always starts from a known commit (the base for round 0, the previous round's head
after that) so a round killed half-way and run again never builds on half-applied edits.
The worktree and its branch belong to Germinate (under the state folder), never the user.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from germinate.diff import changeset_between
from germinate.errors import BudgetExceeded, GerminateError
from germinate.models import Change, CoverageReport, Evaluation, Plan, Review
from germinate.workspace import add_worktree, branch_name, commit_worktree, head_sha, run_git

if TYPE_CHECKING:
    from germinate.llm import Gateway
    from germinate.seed import Seed

MAX_FEEDBACK_CHARS = 4000


def prepare_worktree(repo: Path, ticket_id: str, base_sha: str) -> tuple[str, Path]:
    """The change's branch and worktree at ``base_sha`` (reused on resume: no duplicate)."""
    branch = branch_name(ticket_id)
    path = add_worktree(repo, branch, base_sha, branch=branch)
    return branch, path


def reset_worktree(worktree: Path, sha: str) -> None:
    """Put the (Germinate-owned) worktree exactly at ``sha``: no stray edits survive."""
    run_git(worktree, "reset", "-q", "--hard", sha)
    run_git(worktree, "clean", "-q", "-fd")


def describe_change(
    ticket_id: str, branch: str, worktree: Path, base_sha: str, *, rounds: int,
    outcome: str = "ok", reason: str = "", notes: list[str] | None = None,
) -> Change:
    """The ``Change`` contract for what the branch holds now versus ``base_sha``."""
    head = head_sha(worktree)
    changes = changeset_between(worktree, base_sha, head)
    files = changes.paths()
    if outcome == "ok" and not files:
        outcome, reason = "no_change", reason or "the implementer made no change"
    return Change(
        ticket_id=ticket_id, branch=branch, worktree=str(worktree), base_sha=base_sha, head_sha=head,
        diff=changes.diff_text, files_changed=files, lines_added=changes.lines_added,
        lines_removed=changes.lines_removed, rounds=rounds, outcome=outcome,  # type: ignore[arg-type]
        reason=reason, notes=notes or [],
    )


def act_round(
    gateway: Gateway, seed: Seed, plan: Plan, *, worktree: Path, branch: str, base_sha: str,
    start_sha: str, feedback: str, round: int, coverage: CoverageReport | None = None,
) -> Change:
    """Run the implementer (tests first on round 0) once and commit what it applied."""
    from germinate.agents import implement

    reset_worktree(worktree, start_sha)
    try:
        result = implement(gateway, seed, plan, worktree, feedback=feedback, round=round, coverage=coverage)
    except BudgetExceeded as exc:
        reset_worktree(worktree, start_sha)
        return describe_change(plan.ticket.id, branch, worktree, base_sha, rounds=round + 1,
                               outcome="budget_exhausted", reason=str(exc))
    except GerminateError as exc:
        reset_worktree(worktree, start_sha)
        return describe_change(plan.ticket.id, branch, worktree, base_sha, rounds=round + 1,
                               outcome="failed", reason=f"{type(exc).__name__}: {exc}")
    message = f"germinate: {plan.ticket.id} round {round}\n\n{plan.summary or plan.ticket.title}".strip()
    commit_worktree(worktree, message)
    note = f"round {round}: {result.applied} edit(s) applied, {result.failed} failed ({result.stopped_reason})"
    change = describe_change(plan.ticket.id, branch, worktree, base_sha, rounds=round + 1, notes=[note])
    if change.outcome == "no_change" and result.message:
        change = change.model_copy(update={"reason": result.message[:500]})
    return change


def review_feedback(review: Review) -> str:
    """What the implementer is told when the reviewer asks for changes."""
    lines = [f"The reviewer asked for changes (round {review.round}): {review.summary}".strip()]
    for c in review.comments:
        where = f"{c.path}:{c.line}" if c.path and c.line else c.path
        lines.append(f"- [{c.severity}] {where + ': ' if where else ''}{c.body}")
    return "\n".join(lines)[:MAX_FEEDBACK_CHARS]


def test_failure_feedback(evaluation: Evaluation) -> str:
    """What the implementer is told when the tests fail: the failing cases and the log tail."""
    run = evaluation.tests
    lines = [f"The tests fail ({run.status}: {run.failed} failed, {run.errors} errors). {run.reason}".strip()]
    for case in run.cases:
        if case.outcome in ("failed", "error"):
            lines.append(f"- {case.id}: {case.message[:400]}")
    lines.append("Log tail:\n" + run.log_tail[-1500:])
    return "\n".join(lines)[:MAX_FEEDBACK_CHARS]


def human_feedback(comment: str, by: str = "") -> str:
    """What the implementer is told when a person requests changes at the checkpoint."""
    who = f" ({by})" if by else ""
    return f"A maintainer{who} requested changes before approving: {comment or 'no comment given'}"
