"""The act -> critique -> test loop of a cycle, bounded by the seed's rounds.

The reviewer asking for changes sends its comments back to the implementer (up to
``execution.max_review_rounds``); failing tests send the failure summary back (up to
``execution.max_fix_rounds``). Each act round starts from the previous round's commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from prefect import get_run_logger

from germinate.cycle.act import review_feedback, test_failure_feedback
from germinate.errors import BudgetExceeded, GerminateError
from germinate.models import Change, Evaluation, Plan, Review, Snapshot
from germinate.seed import LoadedSeed
from tasks._caching import persisted
from tasks.act import act_task
from tasks.critique import critique_task
from tasks.log import update_progress
from tasks.test import run_tests_task


@dataclass
class CycleState:
    """What every stage of one cycle needs to know (plain values: paths, SHAs, ids)."""

    repo: str
    loaded: LoadedSeed
    before: Snapshot
    cycle_id: str
    run_id: str
    branch: str
    worktree: str
    progress: UUID | None = None
    act_round: int = 0
    head: str = ""
    history: list[str] = field(default_factory=list)


def _act(state: CycleState, plan: Plan, feedback: str) -> Change:
    start = state.head or state.before.commit
    change = persisted(act_task)(
        state.repo, state.loaded, plan, worktree=state.worktree, branch=state.branch,
        base_sha=state.before.commit, start_sha=start, feedback=feedback, round=state.act_round,
        cycle_id=state.cycle_id, run_id=state.run_id, coverage=state.before.coverage,
    )
    state.act_round += 1
    if change.outcome == "ok":
        state.head = change.head_sha
    state.history.append(f"act round {state.act_round}: {change.outcome} {change.reason}".strip())
    return change


def improve_change(state: CycleState, plan: Plan, feedback: str = "") -> tuple[Change, Evaluation | None]:
    """Act, review and test until the reviewer and the tests are satisfied or rounds run out."""
    execution = state.loaded.seed.execution
    review_rounds = fix_rounds = 0
    while True:
        update_progress(state.progress, 30 + 10 * min(state.act_round, 3), f"acting (round {state.act_round})")
        change = _act(state, plan, feedback)
        if change.outcome != "ok":
            return change, None
        update_progress(state.progress, 50, "reviewing")
        try:
            review = persisted(critique_task)(state.repo, state.loaded, plan, change, round=review_rounds,
                                              cycle_id=state.cycle_id, run_id=state.run_id)
        except BudgetExceeded as exc:
            return change.model_copy(update={"outcome": "budget_exhausted", "reason": str(exc)}), None
        except GerminateError as exc:  # the review is an input, not a gate: go on without it
            get_run_logger().warning("No review this round (%s); the gates still decide", exc)
            review = Review(verdict="comment", summary=f"no review: {exc}", round=review_rounds)
        if review.verdict == "request_changes" and review_rounds < execution.max_review_rounds:
            review_rounds += 1
            feedback = review_feedback(review)
            continue
        update_progress(state.progress, 65, "testing")
        evaluation = persisted(run_tests_task)(state.repo, state.loaded, change)
        if not evaluation.tests.green and fix_rounds < execution.max_fix_rounds:
            fix_rounds += 1
            feedback = test_failure_feedback(evaluation)
            continue
        return change, evaluation
