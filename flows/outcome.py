"""How a run shows its outcome in the Prefect UI: run names, tags and the final state.

A cycle that merged, one a gate rejected and one that was deferred all *completed*; what
differs is the outcome. So a cycle ends in a ``Completed`` state named for its outcome
("Merged", "Rejected", "Deferred", "PR opened"...) whose message is the reason, and its tags
say the outcome and the target: the runs list reads at a glance and filters by tag.

Two checkouts may hold projects of the same name: run names and tags carry the target's key
(the project name and 8 hex digits of its path, as under the germinate home).
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.states import Completed

from germinate.home import project_key
from germinate.models import CycleReport

# The name of a cycle's final state for each outcome (all are Completed: the cycle did its job).
STATE_NAMES = {
    "merged": "Merged",
    "pr_opened": "PR opened",
    "rejected": "Rejected",
    "deferred": "Deferred",
    "awaiting_human": "Awaiting approval",
    "no_op": "No change",
    "failed": "Gave up",
}
IDLE = "Idle"


def target_label(repo: str, project: str) -> str:
    """``minicalc@3f2a9c1e``: the project and its checkout (8 hex digits of its real path)."""
    return f"{project}@{project_key(repo).rsplit('-', 1)[-1]}"


def target_tags(repo: str, project: str) -> list[str]:
    return ["germinate", f"project:{project}", f"target:{target_label(repo, project)}"]


def outcome_of(report: CycleReport) -> str:
    return report.decision.outcome if report.decision else "idle"


def state_name(report: CycleReport) -> str:
    return STATE_NAMES.get(outcome_of(report), IDLE)


def state_message(report: CycleReport) -> str:
    if report.decision is None:
        return "nothing to do: no startable ticket"
    ticket = report.ticket.id if report.ticket else report.decision.ticket_id
    return f"{ticket}: {report.decision.reason}"[:2000]


def tag_current_run(tags: list[str]) -> None:
    """Add ``tags`` to the running flow run (its own tags are kept)."""
    run = get_run_context().flow_run  # type: ignore[union-attr]
    assert run is not None
    merged = list(dict.fromkeys([*(run.tags or []), *tags]))
    with get_client(sync_client=True) as client:
        client.update_flow_run(UUID(str(run.id)), tags=merged)
    run.tags = merged


def final_state(report: CycleReport) -> CycleReport:
    """The cycle's final state: ``Completed`` named for its outcome, the reason as its message.

    Prefect makes a State returned by a flow the run's final state and hands a caller (a
    parent flow, ``germinate run``) its data, so callers still receive the report.
    """
    state: Any = Completed(name=state_name(report), message=state_message(report), data=report)
    return cast(CycleReport, state)


def outcome_tags(repo: str, report: CycleReport) -> list[str]:
    return [*target_tags(repo, report.project), f"outcome:{outcome_of(report)}"]
