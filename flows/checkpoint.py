"""The human checkpoint: pause the cycle with a typed form, resume with a person's answer.

The form (``ApprovalInput``) shows the diff, the gate table and the reward in its
description. Answer it in the Prefect UI, or from a shell with
``germinate approve RUN_ID [--reject | --request-changes] [--comment TEXT]`` (which calls
``prefect.flow_runs.resume_flow_run(id, run_input={...})``: Prefect has no CLI verb for it).
A timeout is not a failure: the cycle ends ``deferred`` with its branch and ticket kept.
"""

from __future__ import annotations

import os
from typing import Literal
from uuid import UUID

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.states import Running
from pydantic import Field

from germinate.cycle.decide import Approval
from germinate.cycle.report import approval_description
from germinate.models import Decision, Plan

# Seconds between checks while paused (the demo and tests shorten it).
POLL_ENV = "GERMINATE_APPROVAL_POLL_SECONDS"


ACTION_HELP = (
    "Required, no default: choose deliberately. "
    "approve = land the change now (merge, or open the PR, as the seed's merge policy says); "
    "reject = drop the change: the cycle ends Rejected, its branch is kept, the ticket is rejected; "
    "request_changes = send your comment to the implementer for another round, then ask again.")


class ApprovalInput(RunInput):
    """A person's answer at a checkpoint."""

    action: Literal["approve", "reject", "request_changes"] = Field(..., title="Action", description=ACTION_HELP)
    comment: str = Field("", description="Why. With request_changes this is what the implementer is told.")
    by: str = Field(..., min_length=1, title="Your name",
                    description="Who decides: recorded with the approval and shown in the run's summary.")


def approve_command(flow_run_id: str) -> str:
    """The shell command that answers a paused cycle."""
    return f"germinate approve {flow_run_id} [--reject | --request-changes] [--comment TEXT]"


def _resume_running(flow_run_id: str) -> None:
    """After a timed-out pause the run is still Paused on the server: mark it running again."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(flow_run_id, Running(message="approval timed out; deferring"), force=True)


def run_origin(approve: str) -> str:
    """How the run this cycle belongs to was started, and where ``approve`` came from."""
    from prefect.runtime import flow_run

    root_id = str(flow_run.root_flow_run_id or flow_run.id)
    with get_client(sync_client=True) as client:
        root = client.read_flow_run(UUID(root_id))
        if root.deployment_id is not None:
            deployment = client.read_deployment(root.deployment_id)
            flow = client.read_flow(deployment.flow_id)
            return (f"run '{root.name}' from deployment '{flow.name}/{deployment.name}' "
                    f"(its parameter approve={approve})")
    return (f"run '{root.name}' started directly, not from a deployment ('germinate run --approve {approve}' "
            f"or a Python call with approve={approve})")


def wait_for_approval(decision: Decision, plan: Plan, diff: str, *, timeout_minutes: float,
                      round: int, approve: str = "auto") -> Approval:
    """Pause this flow run until a person answers (or the timeout passes: ``timeout``)."""
    logger = get_run_logger()
    flow_run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    origin = run_origin(approve)
    description = (f"**Started:** {origin}\n\n"
                   + approval_description(decision, plan, diff, approve_command=approve_command(flow_run_id)))
    logger.info("Waiting for a person: %s\nStarted: %s\nAnswer with: %s", decision.reason, origin,
                approve_command(flow_run_id))
    poll = int(os.environ.get(POLL_ENV, "5"))
    try:
        answer = pause_flow_run(
            wait_for_input=ApprovalInput.with_initial_data(description=description),
            timeout=max(1, int(timeout_minutes * 60)), poll_interval=poll, key=f"approval-{round}",
        )
    except FlowPauseTimeout:
        _resume_running(flow_run_id)
        return Approval(action="timeout", comment=f"no answer within {timeout_minutes:g} minutes")
    if answer is None:  # only without wait_for_input; kept for the type checker
        return Approval(action="timeout", comment="no answer")
    return Approval(action=answer.action, by=answer.by, comment=answer.comment)
