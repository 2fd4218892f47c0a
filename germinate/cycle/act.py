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
from germinate.models import Change, CoverageReport, Evaluation, GateResult, Plan, Review
from germinate.workspace import add_worktree, branch_name, commit_worktree, head_sha, run_git

if TYPE_CHECKING:
    from germinate.llm import Gateway
    from germinate.seed import Seed

MAX_FEEDBACK_CHARS = 8000
# What to do instead, for gates whose evidence names a file but not the way out.
FIX_HINTS: dict[str, str] = {
    "write_paths": "Leave the file(s) below as they are at the base: undo your edits to a file the base "
                   "has (SEARCH your text, REPLACE it with the base's, as the diff so far shows it), "
                   "remove a file you created (a DELETE block), create a file you deleted again. If the "
                   "code is needed, move it into a file inside the write paths named below; nothing "
                   "outside them can land.",
    "file_types": "Remove the binary or bytecode file(s) below (a DELETE block); write Python source or text "
                  "inside the write paths instead.",
}


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
    so_far = changeset_between(worktree, base_sha, start_sha).diff_text if start_sha != base_sha else ""
    try:
        result = implement(gateway, seed, plan, worktree, feedback=feedback, round=round, coverage=coverage,
                           diff=so_far)
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
    return _fit("\n".join(lines))


def test_failure_feedback(evaluation: Evaluation) -> str:
    """What the implementer is told when the tests fail: each failing case with its traceback
    (the junit ``<failure>`` text), then the end of the log."""
    run = evaluation.tests
    lines = [f"The tests fail ({run.status}: {run.failed} failed, {run.errors} errors). {run.reason}".strip()]
    failing = [c for c in run.cases if c.outcome in ("failed", "error")]
    per_case = max(600, (MAX_FEEDBACK_CHARS - 1500) // max(1, len(failing)))
    for case in failing:
        lines.append(f"- {case.id}: {case.message[:400]}")
        if case.details:
            lines.append(_indented(case.details[-per_case:]))
    lines.append("Log tail:\n" + run.log_tail[-1500:])
    return _fit("\n".join(lines))


def gate_feedback(failures: list[GateResult], *, uncovered: dict[str, list[int]] | None = None,
                  fix_round: int = 1, max_rounds: int = 1) -> str:
    """What the implementer is told when gates it can fix block the change: each gate, what it
    wanted, and where (file:line); the added lines no test executes, if coverage failed."""
    lines = [f"Deterministic gates blocked this change (fix round {fix_round} of {max_rounds}). "
             "Fix each finding below and keep the rest of the change; the gates run again."]
    for g in failures:
        lines.append(f"- {g.name}: {g.message}")
        if g.name in FIX_HINTS:
            lines.append(f"  What to do: {FIX_HINTS[g.name]}")
        lines += [f"    {e}" for e in g.evidence[:10]]
    if uncovered:
        lines.append("Added lines no test executes (add tests that run them, or remove the code):")
        lines += [f"    {path}:{_ranges(numbers)}" for path, numbers in sorted(uncovered.items())]
    return _fit("\n".join(lines))


def _ranges(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``3-5, 9``."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def _fit(text: str) -> str:
    """``text`` within ``MAX_FEEDBACK_CHARS``, saying so when cut (a model must know)."""
    if len(text) <= MAX_FEEDBACK_CHARS:
        return text
    return text[:MAX_FEEDBACK_CHARS] + f"\n[... {len(text) - MAX_FEEDBACK_CHARS} more characters of feedback not shown]"


def human_feedback(comment: str, by: str = "") -> str:
    """What the implementer is told when a person requests changes at the checkpoint."""
    who = f" ({by})" if by else ""
    return f"A maintainer{who} requested changes before approving: {comment or 'no comment given'}"
