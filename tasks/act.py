"""act: the implementer (tests first) edits the change's worktree; each round is a commit."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from germinate.cycle_act import act_round, prepare_worktree
from germinate.models import Change, CoverageReport, Plan
from germinate.seed import LoadedSeed
from tasks._caching import content_key
from tasks._context import open_gateway, open_store


@task(name="prepare-worktree", retries=2, retry_delay_seconds=[1, 5])
def prepare_worktree_task(repo: str, ticket_id: str, base_sha: str) -> tuple[str, str]:
    """The change's own branch and worktree under the germinate home (reused on resume)."""
    branch, path = prepare_worktree(Path(repo), ticket_id, base_sha)
    return branch, str(path)


def _act_key(p: dict) -> list[object]:
    return [p["cycle_id"], p["plan"], p["base_sha"], p["start_sha"], p["feedback"], p["round"],
            p["loaded"].sha256]


@task(name="act", cache_key_fn=content_key(_act_key), persist_result=True)
def act_task(repo: str, loaded: LoadedSeed, plan: Plan, *, worktree: str, branch: str, base_sha: str,
             start_sha: str, feedback: str, round: int, cycle_id: str, run_id: str,
             coverage: CoverageReport | None = None) -> Change:
    """One implementer round from ``start_sha``; the committed result as a ``Change``.

    ``coverage`` (the base snapshot's) shows the tester which lines in scope are uncovered; it
    follows from ``base_sha``, so it is not part of the cache key.
    """
    store = open_store(repo)
    try:
        gw = open_gateway(loaded, store, cycle_id=cycle_id, run_id=run_id)
        return act_round(gw, loaded.seed, plan, worktree=Path(worktree), branch=branch, base_sha=base_sha,
                         start_sha=start_sha, feedback=feedback, round=round, coverage=coverage)
    finally:
        store.close()
