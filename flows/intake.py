"""Intake: poll the forge, record its tickets, start a growth cycle for each new one.

Why a flow: deployed with a short interval (deployment "poll"), it is the polling half of
intake (the webhook receiver, ``germinate webhook serve``, is the push half; both share
``germinate.intake``). Each startable ticket is claimed in the store before its cycle is
started, so overlapping polls, webhooks and retries never start a ticket twice. Cycles are
started through a deployment (``run_deployment``, not a subflow call) so they run on the
work pool, each as its own flow run, and this flow finishes in seconds.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.deployments import run_deployment
from pydantic import Field

from germinate.forge.factory import open_forge
from germinate.intake import DeploymentMissing, IntakeResult, intake
from germinate.models import Ticket
from germinate.seed import find_seed, load_seed
from germinate.store import Store
from tasks._retry import retry_on_io

CYCLE_DEPLOYMENT = "growth-cycle/on-demand"
REPO = Field(..., description="Path of the target repository (its root holds seed.yaml).")
DEPLOYMENT = Field(CYCLE_DEPLOYMENT, description="Deployment that runs one growth cycle ('flow/deployment').")


def start_growth_cycle(repo: str, ticket_id: str, deployment: str = CYCLE_DEPLOYMENT) -> str:
    """Start (not wait for) a growth cycle on ``ticket_id``; returns the flow run id."""
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import get_current_settings

    try:
        run = run_deployment(name=deployment, parameters={"repo": repo, "ticket_id": ticket_id}, timeout=0)
    except ObjectNotFound:
        api = get_current_settings().api.url or "the temporary Prefect server"
        raise DeploymentMissing(f"no deployment '{deployment}' on {api}, so no cycle was started for {ticket_id}. "
                                f"Fix: serve it there ('germinate deploy {repo}', or 'prefect deploy' with a "
                                "worker); the ticket stays open for the next delivery or poll") from None
    return str(run.id)  # type: ignore[union-attr]


@task(retries=2, retry_delay_seconds=[5, 30], task_run_name="poll-forge", retry_condition_fn=retry_on_io)
def poll_forge(repo: str) -> tuple[list[Ticket], list[str]]:
    """The forge's open task-labelled tickets and the repository's labels (retried on I/O failures only)."""
    seed = load_seed(find_seed(repo)).seed
    store = Store.open(repo=Path(repo))
    try:
        forge = open_forge(Path(repo), seed, store)
        labels = seed.automation_contract.task_labels.auto_managed_labels
        return forge.list_tickets(labels), forge.repo_labels()
    finally:
        store.close()


def intake_run_name() -> str:
    """``intake-{repository folder}``."""
    from prefect.context import get_run_context

    params = get_run_context().flow_run.parameters  # type: ignore[union-attr]
    return f"intake-{Path(params['repo']).name}"


@flow(name="intake", flow_run_name=intake_run_name, log_prints=True)
def intake_flow(repo: str = REPO, deployment: str = DEPLOYMENT) -> dict[str, object]:
    """Record new and relabelled forge tickets; start one growth cycle per startable ticket."""
    logger = get_run_logger()
    repo = str(Path(repo).resolve())
    seed = load_seed(find_seed(repo)).seed
    tickets, repo_labels = poll_forge(repo)
    store = Store.open(repo=Path(repo))
    try:
        result: IntakeResult = intake(store, seed.project.name, seed, tickets, repo=repo, repo_labels=repo_labels,
                                      start=lambda r, t: start_growth_cycle(r, t, deployment))
    finally:
        store.close()
    logger.info("intake: %s", result.summary())
    for ticket_id, why in result.waiting.items():
        logger.info("waiting: %s (%s)", ticket_id, why)
    return {"new": result.new, "relabelled": result.relabelled, "started": result.started, "waiting": result.waiting}
