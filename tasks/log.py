"""log: the cycle's report in the store and as Prefect artifacts; a progress bar while it runs."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

from prefect import task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from germinate.cycle_decide import ticket_status
from germinate.cycle_records import finish_cycle, set_ticket_status
from germinate.cycle_report import cycle_markdown, metrics_rows
from germinate.models import CycleReport, Evaluation, Plan, Snapshot
from germinate.workspace import remove_worktree
from tasks._context import open_store

# Outcomes after which the change's worktree is no longer needed (its branch stays).
DONE_WITH_WORKTREE = frozenset({"merged", "rejected", "no_op", "failed"})


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")[:100]


def start_progress(cycle_id: str) -> UUID:
    """The progress artifact of a running cycle."""
    return create_progress_artifact(  # type: ignore[return-value] # sync in a sync flow
        0.0, key=artifact_key("progress", cycle_id), description=f"cycle {cycle_id}: sensing")


def update_progress(artifact_id: UUID | None, percent: float, stage: str) -> None:
    if artifact_id is not None:
        update_progress_artifact(artifact_id, min(100.0, percent), description=stage)


@task(name="log")
def log_task(repo: str, report: CycleReport, plan: Plan | None, diff: str, before: Snapshot | None,
             evaluation: Evaluation | None, worktree: str | None = None) -> CycleReport:
    """Store the report, settle the ticket, publish the artifacts, drop a finished worktree."""
    store = open_store(repo)
    try:
        finish_cycle(store, report)
        if report.ticket is not None and report.decision is not None:
            set_ticket_status(store, report.project, report.ticket, ticket_status(report.decision.outcome))
    finally:
        store.close()
    key = artifact_key("cycle", report.project, report.ticket.id if report.ticket else "none")
    create_markdown_artifact(cycle_markdown(report, plan, diff), key=key,
                             description=f"cycle {report.cycle_id}: {report.decision.outcome if report.decision else 'no ticket'}")
    create_table_artifact(metrics_rows(before, evaluation), key=artifact_key("metrics", report.project),
                          description=f"metrics before/after cycle {report.cycle_id}")
    if report.change_url.startswith("http"):
        create_link_artifact(report.change_url, link_text=f"change for {report.ticket.id if report.ticket else ''}",
                             key=artifact_key("change", report.project))
    elif report.change_url:
        create_markdown_artifact(f"Landed as `{report.change_url}`.", key=artifact_key("change", report.project))
    if worktree and report.decision is not None and report.decision.outcome in DONE_WITH_WORKTREE:
        remove_worktree(Path(repo), Path(worktree))
    return report
