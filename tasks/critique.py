"""critique: the reviewer reads the tested diff against the ticket, the seed rules, the test
results and every gate's result."""

from __future__ import annotations

from prefect import task

from germinate.cycle.evidence import pre_gate_findings
from germinate.models import Change, Evaluation, GateResult, Plan, Review
from germinate.seed import LoadedSeed
from tasks._caching import content_key
from tasks._context import open_gateway, open_store
from tasks.log import round_run_name


def _critique_key(p: dict) -> list[object]:
    return [p["cycle_id"], p["plan"], p["change"].head_sha, p["round"], p["loaded"].sha256]


@task(name="critique", task_run_name=round_run_name("critique"), cache_key_fn=content_key(_critique_key), persist_result=True)
def critique_task(repo: str, loaded: LoadedSeed, plan: Plan, change: Change, *, round: int,
                  cycle_id: str, run_id: str, findings: list[GateResult] | None = None,
                  evaluation: Evaluation | None = None) -> Review:
    """The reviewer's verdict on this round's change: an input to the gates, never a gate.

    ``findings``: the gates that already ran (default: the static ones); ``evaluation``: the
    change's test results, shown to the reviewer.
    """
    from germinate.agents import review_change

    if findings is None:
        findings = pre_gate_findings(repo, loaded, change, plan.ticket)
    store = open_store(repo)
    try:
        gw = open_gateway(repo, loaded, store, cycle_id=cycle_id, run_id=run_id)
        review = review_change(gw, loaded.seed, plan, change.diff, findings, round,
                               tests=evaluation.tests if evaluation else None)
    finally:
        store.close()
    return review.model_copy(update={"round": round, "head_sha": change.head_sha})
