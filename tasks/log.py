"""log: the cycle's report in the store and as Prefect artifacts; a progress bar while it runs."""

from __future__ import annotations

import contextvars
import itertools
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from germinate.cycle.decide import ticket_status
from germinate.cycle.records import finish_cycle, set_ticket_status
from germinate.cycle.report import cycle_markdown, metrics_rows
from germinate.models import CycleReport, Evaluation, Plan, Snapshot
from germinate.workspace import remove_worktree
from tasks._context import open_store

# Outcomes after which the change's worktree is no longer needed (its branch stays).
DONE_WITH_WORKTREE = frozenset({"merged", "rejected", "no_op", "failed"})


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower())[:100].strip("-")


def shorten(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut at a word boundary with an ellipsis when longer than ``limit``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] if " " in flat[: limit - 1] else flat[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def start_progress(cycle_id: str) -> UUID:
    """The progress artifact of a running cycle."""
    return create_progress_artifact(  # type: ignore[return-value] # sync in a sync flow
        0.0, key=artifact_key("progress", cycle_id), description=f"cycle {cycle_id}: sensing")


# Progress updates go to the API from one background thread, in order, so that no stage waits
# a round trip for its progress bar (a cycle moves it about ten times); an update that a newer
# one has superseded before it was sent is skipped.
_PROGRESS_SENDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="germinate-progress")
_PROGRESS_LATEST: dict[UUID, int] = {}
_PROGRESS_NUMBERS = itertools.count()
_PROGRESS_LOCK = threading.Lock()


def _send_progress(artifact_id: UUID, number: int, percent: float, stage: str) -> None:
    with _PROGRESS_LOCK:
        if _PROGRESS_LATEST.get(artifact_id) != number:
            return  # a newer value is queued: it says more
    try:
        update_progress_artifact(artifact_id, percent, description=stage, _sync=True)  # type: ignore[call-arg]
    except Exception as exc:  # noqa: BLE001 - a progress bar must never fail a cycle
        get_run_logger().warning("Progress bar not updated (%s: %s)", type(exc).__name__, exc)


def _send_quietly(what: str, fn: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    try:
        fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a name or an artifact must never fail a cycle
        get_run_logger().warning("%s not sent (%s: %s)", what, type(exc).__name__, exc)


def in_background(what: str, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Call ``fn`` (an API write: an artifact, a run name) on the progress thread, in order,
    in a copy of the current run's context; a failure is logged, not raised."""
    context = contextvars.copy_context()
    _PROGRESS_SENDER.submit(context.run, _send_quietly, what, fn, args, kwargs)


def flush_background() -> None:
    """Return once everything sent in the background so far has been sent."""
    _PROGRESS_SENDER.submit(lambda: None).result()


def update_progress(artifact_id: UUID | None, percent: float, stage: str, *, wait: bool = False) -> None:
    """Move the cycle's progress bar (sent in the background; ``wait``: return once it is sent)."""
    if artifact_id is None:
        return
    with _PROGRESS_LOCK:
        number = next(_PROGRESS_NUMBERS)
        _PROGRESS_LATEST[artifact_id] = number
    context = contextvars.copy_context()  # the API settings and the run's logger
    sent = _PROGRESS_SENDER.submit(context.run, _send_progress, artifact_id, number, min(100.0, percent), stage)
    if wait:
        sent.result()


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
    # The artifacts are independent API calls: sent side by side (each thread in a copy of this
    # task run's context, so they belong to it), while the worktree is removed; any that fails
    # fails this task as before.
    key = artifact_key("cycle", report.project, report.ticket.id if report.ticket else "none")
    outcome = report.decision.outcome if report.decision else "no ticket"
    calls: list[tuple[Callable[..., object], tuple[object, ...], dict[str, object]]] = [
        (create_markdown_artifact, (cycle_markdown(report, plan, diff),),
         {"key": key, "description": f"cycle {report.cycle_id}: {outcome}"}),
        (create_table_artifact, (metrics_rows(before, evaluation),),
         {"key": artifact_key("metrics", report.project, report.cycle_id),
          "description": f"metrics before/after cycle {report.cycle_id}"}),
    ]
    # one key per cycle: the Artifacts page lists every cycle's metrics and change, not only the last
    change_key = artifact_key("change", report.project, report.cycle_id)
    if report.change_url.startswith("http"):
        calls.append((create_link_artifact, (report.change_url,), {
            "link_text": f"change for {report.ticket.id if report.ticket else ''}", "key": change_key}))
    elif report.change_url:
        calls.append((create_markdown_artifact, (f"Landed as `{report.change_url}`.",), {"key": change_key}))
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="germinate-artifacts") as pool:
        sent = [pool.submit(contextvars.copy_context().run, partial(fn, *args, **kwargs)) for fn, args, kwargs in calls]
        if worktree and report.decision is not None and report.decision.outcome in DONE_WITH_WORKTREE:
            remove_worktree(Path(repo), Path(worktree))
        for future in sent:
            future.result()
    return report


def _bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def grow_summary_rows(reports: list[CycleReport]) -> list[dict[str, str]]:
    """One row per cycle: what it worked on, how it ended, who decided, what it cost."""
    from germinate.metrics.report import percent

    rows = []
    for i, r in enumerate(reports, 1):
        d = r.decision
        rows.append({
            "#": str(i), "ticket": r.ticket.id if r.ticket else "-", "outcome": d.outcome if d else "idle",
            "decided by": (d.decided_by or "gates") if d else "-",
            "coverage": f"{percent(r.coverage_before)} -> {percent(r.coverage_after)}",
            "tokens": str(r.tokens), "cost": f"${r.cost_usd:.4f}" if r.cost_known else "n/a",
            "why": shorten(d.reason, 160) if d else "", "cycle run": r.flow_run_id,
        })
    return rows


def grow_summary_markdown(title: str, reports: list[CycleReport], stopped: str, max_cycles: int) -> str:
    """The run at a glance: cycles used of the budget, and one bar per cycle (coverage after)."""
    lines = [f"# {title}", "", f"**Stopped:** {stopped or 'finished'}", "", "```",
             f"cycles    {_bar(len(reports) / max(1, max_cycles))}  {len(reports)}/{max_cycles}"]
    for i, r in enumerate(reports, 1):
        outcome = r.decision.outcome if r.decision else "idle"
        after = r.coverage_after if r.coverage_after is not None else r.coverage_before
        cov = f"{after:.0%}" if after is not None else "  -"
        lines.append(f"{i:>2} {(r.ticket.id if r.ticket else '-')[:24]:<24} {outcome:<14} coverage {cov:>4} "
                     f"{_bar(after or 0.0)}")
    return "\n".join([*lines, "```", ""])


def publish_grow_summary(repo: str, project: str, reports: list[CycleReport], stopped: str, max_cycles: int) -> None:
    """The grow run's summary artifacts (table and picture) and tags with the target and outcomes."""
    from flows.outcome import tag_current_run, target_label, target_tags

    label = target_label(repo, project)
    key = artifact_key("grow", label)
    outcomes = sorted({r.decision.outcome for r in reports if r.decision})
    try:
        if reports:
            create_table_artifact(grow_summary_rows(reports), key=key, description=f"grow {label}: {stopped}")
        create_markdown_artifact(grow_summary_markdown(f"grow {label}", reports, stopped, max_cycles),
                                 key=artifact_key("grow", label, "picture"), description=f"grow {label} at a glance")
        tag_current_run([*target_tags(repo, project), *(f"outcome:{o}" for o in outcomes)])
    except Exception as exc:  # noqa: BLE001 - a summary must never fail a run that did its work
        get_run_logger().warning("Grow summary not published (%s: %s)", type(exc).__name__, exc)


def round_run_name(stage: str) -> Callable[[], str]:
    """A task run name with the round it ran in, counted from 1: ``act-round-2``."""

    def name() -> str:
        from prefect.runtime import task_run

        return f"{stage}-round-{int(task_run.parameters.get('round', 0)) + 1}"

    return name


def tested_commit_name() -> str:
    """``test-<head sha>``: which commit the tests ran on."""
    from prefect.runtime import task_run

    change = task_run.parameters.get("change")
    return f"test-{getattr(change, 'head_sha', '')[:8] or 'change'}"
