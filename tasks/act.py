"""act: the implementer (tests first) edits the change's worktree; each round is a commit."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task

from germinate.cycle.act import act_round, prepare_worktree
from germinate.errors import GerminateError
from germinate.models import Change, CoverageReport, Plan
from germinate.seed import LoadedSeed
from tasks._caching import content_key
from tasks._context import open_gateway, open_store
from tasks._retry import retry_on_io
from tasks.log import round_run_name


@task(name="prepare-worktree", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io)
def prepare_worktree_task(repo: str, ticket_id: str, base_sha: str) -> tuple[str, str]:
    """The change's own branch and worktree under the germinate home (reused on resume)."""
    branch, path = prepare_worktree(Path(repo), ticket_id, base_sha)
    return branch, str(path)


@task(name="review-feedback", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=retry_on_io)
def forge_feedback_task(repo: str, loaded: LoadedSeed, branch: str) -> str:
    """What people asked for on the branch's open change request, for the implementer's first round.

    A cycle started again after a "changes requested" review sees those comments; none: "".
    """
    from germinate.forge.errors import ForgeUnreachable
    from germinate.forge.factory import open_forge
    from germinate.forge.feedback import feedback_text, review_feedback_of

    store = open_store(repo)
    try:
        forge = open_forge(Path(repo), loaded.seed, store)
        feedback = review_feedback_of(forge, branch, loaded.seed)
        if feedback.ignored:  # outsiders on a public repository: on record here, never in a prompt
            get_run_logger().warning("Review feedback on %s not given to the model:\n%s", branch,
                                     feedback.ignored_summary())
        return feedback_text(feedback.trusted)
    except ForgeUnreachable:
        raise  # transient: retried
    except GerminateError as exc:  # the comments are an input, never a reason to stop the cycle
        get_run_logger().warning("Could not read review feedback for %s: %s", branch, exc)
        return ""
    finally:
        store.close()


def _act_key(p: dict) -> list[object]:
    return [p["cycle_id"], p["plan"], p["base_sha"], p["start_sha"], p["feedback"], p["round"],
            p["loaded"].sha256]


@task(name="act", task_run_name=round_run_name("act"), cache_key_fn=content_key(_act_key), persist_result=True)
def act_task(repo: str, loaded: LoadedSeed, plan: Plan, *, worktree: str, branch: str, base_sha: str,
             start_sha: str, feedback: str, round: int, cycle_id: str, run_id: str,
             coverage: CoverageReport | None = None) -> Change:
    """One implementer round from ``start_sha``; the committed result as a ``Change``.

    ``coverage`` (the base snapshot's) shows the tester which lines in scope are uncovered; it
    follows from ``base_sha``, so it is not part of the cache key.
    """
    store = open_store(repo)
    try:
        gw = open_gateway(repo, loaded, store, cycle_id=cycle_id, run_id=run_id)
        return act_round(gw, loaded.seed, plan, worktree=Path(worktree), branch=branch, base_sha=base_sha,
                         start_sha=start_sha, feedback=feedback, round=round, coverage=coverage)
    finally:
        store.close()
