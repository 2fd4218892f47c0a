"""The act -> gates -> test -> review loop of a cycle, bounded by the seed's rounds.

The order follows the cost of being wrong. Static gates (paths, sizes, secrets, dependencies)
read the change without running it: a security verdict (or a path escaping the tree, a
symlink, a submodule) ends the candidate before any of its code executes; a fixable static
block (a write outside the write paths, a file too long) goes back to the implementer, still
without running anything; a new package waiting for a person (the dependencies gate) returns to the
caller, which asks before anything of the change is installed. Then the tests run (in the
execution seam), then the gates that need their results (coverage, tests weakened, and the ticket's proof: a changed test that fails on the
base and passes with the change, FAIL_TO_PASS), and only a change that passes them all is shown to the
reviewer, with the test and gate results in its prompt. A blocking gate the implementer can
fix, or failing tests, go back to it with the evidence (up to ``execution.max_fix_rounds``);
the reviewer asking for changes too (up to ``execution.max_review_rounds``). What still fails
when the rounds run out is decided (``rejected``) by the gates. Each act round starts from the
previous round's commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from prefect import get_run_logger

from germinate.cycle.act import gate_feedback, review_feedback, test_failure_feedback
from germinate.cycle.decide import ends_candidate, fixable_failures
from germinate.errors import BudgetExceeded, GerminateError
from germinate.models import Change, Evaluation, GateResult, Plan, Review, Snapshot
from germinate.policy.dependencies import DEPENDENCIES
from germinate.seed import LoadedSeed
from tasks._caching import persisted
from tasks.act import act_task
from tasks.critique import critique_task
from tasks.log import update_progress
from tasks.test import gates_task, proof_task, run_tests_task, static_gates_task


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
    # the dependency verdicts a person approved, and the one waiting for a person now
    installs_approved: set[str] = field(default_factory=set)
    install_wait: list[GateResult] = field(default_factory=list)


@dataclass
class Rounds:
    """Rounds used so far in one ``improve_change``: each kind has its own bound."""

    review: int = 0
    fix: int = 0


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


def _fix_round(state: CycleState, rounds: Rounds) -> tuple[int, int] | None:
    """(this fix round, the bound) if a fix round is left, else None."""
    bound = state.loaded.seed.execution.max_fix_rounds
    if rounds.fix >= bound:
        return None
    rounds.fix += 1
    return rounds.fix, bound


def _gate_fix(state: CycleState, rounds: Rounds, gates: list[GateResult], change: Change,
              evaluation: Evaluation | None) -> str | None:
    """Feedback for a fix round if fixable gates block and a round is left; else None."""
    failures = fixable_failures(gates)
    if not failures:
        return None
    numbered = _fix_round(state, rounds)
    if numbered is None:
        return None
    from germinate.cycle.evidence import uncovered_added_lines

    uncovered = uncovered_added_lines(change, evaluation) if evaluation is not None else None
    get_run_logger().info("Gate(s) %s block the change: fix round %d of %d",
                          ", ".join(g.name for g in failures), *numbered)
    return gate_feedback(failures, uncovered=uncovered, fix_round=numbered[0], max_rounds=numbered[1])


def _unapproved_install(state: CycleState, static: list[GateResult]) -> list[GateResult]:
    """What a person must approve before the change is installed: every static gate asking for
    a person, when the dependencies gate is one of them (a new package, a build requirement...)
    and a person has not already approved exactly these verdicts in this cycle."""
    asks = [g for g in static if not g.passed and g.severity == "needs_approval"]
    if not any(g.name == DEPENDENCIES for g in asks) or {g.message for g in asks} <= state.installs_approved:
        return []
    return asks


def _review(state: CycleState, plan: Plan, change: Change, evaluation: Evaluation,
            gates: list[GateResult], round: int) -> Review | Change:
    """The reviewer's verdict (a budget running out ends the change as ``budget_exhausted``)."""
    try:
        return persisted(critique_task)(state.repo, state.loaded, plan, change, round=round,
                                        cycle_id=state.cycle_id, run_id=state.run_id,
                                        findings=gates, evaluation=evaluation)
    except BudgetExceeded as exc:
        return change.model_copy(update={"outcome": "budget_exhausted", "reason": str(exc)})
    except GerminateError as exc:  # the review is an input, not a gate: go on without it
        get_run_logger().warning("No review this round (%s); the gates still decide", exc)
        return Review(verdict="comment", summary=f"no review: {exc}", round=round)


def improve_change(state: CycleState, plan: Plan, feedback: str = "",
                   resume: Change | None = None) -> tuple[Change, Evaluation | None]:
    """Act, gate, test and review until all are satisfied or the rounds run out.

    Returns the last change and its evaluation; ``None`` when its tests never ran (the act
    round failed, a static gate ended the candidate, or a new package waits for a person:
    ``state.install_wait``). ``resume``: go on with that change (a person approved its
    install) instead of acting first.
    """
    rounds = Rounds()
    while True:
        if resume is not None:
            change, resume = resume, None
        else:
            update_progress(state.progress, 30 + 10 * min(state.act_round, 3), f"acting (round {state.act_round})")
            change = _act(state, plan, feedback)
        if change.outcome != "ok":
            return change, None
        static = static_gates_task(state.repo, state.loaded, plan, change)
        if ends_candidate(static):
            return change, None  # a security verdict: none of the change's code runs
        fix = _gate_fix(state, rounds, static, change, None)
        if fix is not None:
            feedback = fix
            continue
        if fixable_failures(static):
            return change, None  # still blocked, no round left: the gates reject it
        state.install_wait = _unapproved_install(state, static)
        if state.install_wait:
            return change, None  # a person first: installing the package would run its code
        update_progress(state.progress, 50, "testing")
        evaluation = persisted(run_tests_task)(state.repo, state.loaded, change)
        if not evaluation.tests.green:
            numbered = _fix_round(state, rounds)
            if numbered is None:
                return change, evaluation
            feedback = test_failure_feedback(evaluation)
            get_run_logger().info("The tests fail: fix round %d of %d\n%s", *numbered, feedback[:1500])
            continue
        evaluation = persisted(proof_task)(state.repo, state.loaded, plan, change, evaluation)
        gates = gates_task(state.repo, state.loaded, plan, change, evaluation, state.before)
        fix = _gate_fix(state, rounds, gates, change, evaluation)
        if fix is not None:
            feedback = fix
            continue
        if ends_candidate(gates) or fixable_failures(gates):
            return change, evaluation  # the reviewer is not paid to read what cannot land
        update_progress(state.progress, 65, "reviewing")
        review = _review(state, plan, change, evaluation, gates, rounds.review)
        if isinstance(review, Change):
            return review, evaluation
        if review.verdict == "request_changes" and rounds.review < state.loaded.seed.execution.max_review_rounds:
            rounds.review += 1
            feedback = review_feedback(review)
            continue
        return change, evaluation
