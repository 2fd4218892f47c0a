"""plan: pick the ticket (priorities) and have the architect write the plan."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from germinate.cycle.records import ticket_statuses
from germinate.cycle.select import Selection, select_tickets
from germinate.models import Plan, Snapshot, Ticket
from germinate.seed import LoadedSeed
from tasks._caching import content_key
from tasks._context import open_gateway, open_store
from tasks._retry import retry_on_io


@task(name="select-tickets", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=retry_on_io)
def select_tickets_task(repo: str, loaded: LoadedSeed, snapshot: Snapshot, ticket_id: str | None = None,
                        exclude: list[str] | None = None) -> Selection:
    """The ordered queue: regressions > bugs > forge tickets > roadmap epics > improvements."""
    from germinate.forge.factory import open_forge
    from germinate.intake import store_tickets

    store = open_store(repo)
    try:
        forge = open_forge(Path(repo), loaded.seed, store)
        labels = loaded.seed.automation_contract.task_labels.auto_managed_labels
        # forge tickets, and fix tickets that live only in the store (a webhook's ci-red-<sha>)
        forge_tickets = [*forge.list_tickets(labels), *store_tickets(store, loaded.seed.project.name)]
        repo_labels = forge.repo_labels()
        statuses = ticket_statuses(store, loaded.seed.project.name)
    finally:
        store.close()
    statuses.update({t: "in_progress" for t in exclude or []})
    return select_tickets(snapshot, loaded.seed, forge_tickets=forge_tickets, statuses=statuses,
                          repo_labels=repo_labels, only=ticket_id)


def _plan_key(p: dict) -> list[object]:
    return [p["cycle_id"], p["ticket"], p["snapshot"].commit, p["loaded"].sha256]


@task(name="plan", cache_key_fn=content_key(_plan_key), persist_result=True)
def plan_task(repo: str, loaded: LoadedSeed, ticket: Ticket, snapshot: Snapshot, *, worktree: str,
              cycle_id: str, run_id: str) -> Plan:
    """The architect's plan: acceptance criteria and scope, against a repo map of the ticket's scope."""
    from germinate.agents import plan_ticket
    from germinate.context import build_repo_map, summary_cache_dir

    store = open_store(repo)
    try:
        gw = open_gateway(repo, loaded, store, cycle_id=cycle_id, run_id=run_id)
        repo_map = build_repo_map(Path(worktree), scope=list(ticket.scope), mentions=[ticket.title, ticket.body],
                                  token_budget=4000, cache_dir=summary_cache_dir())
        plan = plan_ticket(gw, loaded.seed, ticket, snapshot, repo_map.text)
    finally:
        store.close()
    return plan.model_copy(update={"snapshot_commit": snapshot.commit, "seed_hash": loaded.sha256})
