"""The cycle's rows in the store: cycles, tickets, decisions, gate results, spend. Prefect-free.

A cycle's id is derived from what it works on (ticket, base commit) so that a run killed
mid-cycle and started again continues the same cycle (same ledger rows, same branch)
instead of starting a duplicate; a finished cycle is never reopened: a new attempt gets a
``-2``, ``-3``... suffix.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from germinate.models import CycleReport, Decision, Ticket
from germinate.store import (
    ApprovalRow,
    CycleRow,
    DecisionRow,
    GateResultRow,
    Store,
    TicketRow,
    sha256_json,
)

# Cycles a deferred ticket gets (counting the first) before it stays deferred for a person.
MAX_TICKET_ATTEMPTS = 3


def _slug(text: str, limit: int) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:limit] or "x"


def cycle_id_for(store: Store, ticket_id: str, base_sha: str) -> str:
    """The id of the cycle for ``ticket_id`` on ``base_sha``: an unfinished one is resumed."""
    stem = f"{_slug(ticket_id, 40)}-{base_sha[:8]}"
    with store.session() as s:
        rows = {r.id: r.status for r in s.scalars(select(CycleRow).where(CycleRow.id.like(f"{stem}%")))}
    for n in range(1, 1000):
        candidate = stem if n == 1 else f"{stem}-{n}"
        if candidate not in rows or rows[candidate] == "running":
            return candidate
    return f"{stem}-{len(rows) + 1}"


def start_cycle(
    store: Store, *, cycle_id: str, project: str, ticket: Ticket, flow_run_id: str,
    base_sha: str, branch: str, seed_hash: str,
) -> None:
    """Create (or, on resume, refresh) the cycle's row and mark its ticket in progress.

    On resume the caller holds the ticket's lease, so a model call the killed run left
    ``pending`` will never complete: it becomes ``interrupted``, its reserved spend kept."""
    from germinate.llm.ledger import interrupt_pending

    interrupt_pending(store, project, cycle_id)
    with store.session() as s:
        row = s.get(CycleRow, cycle_id)
        new = row is None
        if row is None:
            row = CycleRow(id=cycle_id, project=project, ticket_id=ticket.id)
            s.add(row)
        row.flow_run_id, row.status, row.base_sha = flow_run_id, "running", base_sha
        row.branch, row.seed_hash = branch, seed_hash
    set_ticket_status(store, project, ticket, "in_progress", new_attempt=new)


def set_ticket_status(store: Store, project: str, ticket: Ticket, status: str, *,
                      new_attempt: bool = False) -> None:
    """Upsert the ticket's row with ``status`` (``new_attempt``: a cycle starts on it)."""
    with store.session() as s:
        row = s.scalars(select(TicketRow).where(
            TicketRow.project == project, TicketRow.ticket_id == ticket.id)).first()
        if row is None:
            row = TicketRow(project=project, ticket_id=ticket.id, title=ticket.title, body=ticket.body,
                            kind=ticket.kind, source=ticket.source, source_ref=ticket.source_ref,
                            labels=list(ticket.labels))
            s.add(row)
        row.status = status
        if new_attempt:
            row.attempts = (row.attempts or 0) + 1


def ticket_statuses(store: Store, project: str) -> dict[str, str]:
    """ticket id -> status as the plan stage's queue sees it.

    ``leased`` while another run's live cycle holds the ticket; a ticket whose cycle is still
    ``running`` but no live run holds it (a killed cycle) is ``resume``; a ``deferred`` ticket is
    ``retry`` until it has had ``MAX_TICKET_ATTEMPTS`` cycles. (``in_progress`` with a finished
    cycle, e.g. a change request waiting for review, stays settled.)
    """
    from germinate.cycle.lease import live_holders

    held = live_holders(store, project)
    with store.session() as s:
        rows = list(s.scalars(select(TicketRow).where(TicketRow.project == project)))
        running = set(s.scalars(select(CycleRow.ticket_id).where(CycleRow.project == project,
                                                                  CycleRow.status == "running")))
    statuses: dict[str, str] = {}
    for r in rows:
        status = r.status
        if r.ticket_id in held:
            status = "leased"
        elif status == "in_progress" and r.ticket_id in running:
            status = "resume"
        elif status == "deferred" and (r.attempts or 0) < MAX_TICKET_ATTEMPTS:
            status = "retry"
        statuses[r.ticket_id] = status
    statuses.update({t: "leased" for t in held})
    return statuses


def ticket_row(store: Store, project: str, ticket_id: str) -> TicketRow | None:
    with store.session() as s:
        return s.scalars(select(TicketRow).where(TicketRow.project == project,
                                                 TicketRow.ticket_id == ticket_id)).first()


def record_decision(store: Store, decision: Decision) -> int:
    """Store the decision and its gate results; returns the decision row id."""
    data = decision.model_dump(mode="json")
    with store.session() as s:
        for g in decision.gates:
            s.add(GateResultRow(cycle_id=decision.cycle_id, head_sha=decision.head_sha, name=g.name,
                                passed=g.passed, severity=g.severity, message=g.message,
                                evidence=list(g.evidence)))
        row = DecisionRow(cycle_id=decision.cycle_id, ticket_id=decision.ticket_id,
                          outcome=decision.outcome, reason=decision.reason,
                          reward_total=decision.reward.total, head_sha=decision.head_sha,
                          data=data, sha256=sha256_json(data))
        s.add(row)
        s.flush()
        return int(row.id)


def set_cycle_outcome(store: Store, cycle_id: str, outcome: str, reason: str, head_sha: str = "") -> None:
    """Record the cycle's current outcome while it is still running (e.g. awaiting a human)."""
    with store.session() as s:
        row = s.get(CycleRow, cycle_id)
        if row is not None:
            row.outcome, row.reason = outcome, reason
            row.head_sha = head_sha or row.head_sha


def finish_cycle(store: Store, report: CycleReport) -> None:
    """Close the cycle's row with its report and outcome."""
    d = report.decision
    with store.session() as s:
        row = s.get(CycleRow, report.cycle_id)
        if row is None:
            return
        row.status = "finished"
        row.outcome = d.outcome if d else "no_op"
        row.reason = d.reason if d else "no ticket"
        row.head_sha = d.head_sha if d else row.head_sha
        row.finished_at = datetime.now(UTC)
        row.report = report.model_dump(mode="json")
        ticket = s.scalars(select(TicketRow).where(TicketRow.project == row.project,
                                                   TicketRow.ticket_id == row.ticket_id)).first()
        if ticket is not None:
            ticket.reason = row.reason[:2000]


def recent_cycles(store: Store, project: str | None = None, limit: int = 20) -> list[CycleRow]:
    """The newest cycles first."""
    q = select(CycleRow).order_by(CycleRow.started_at.desc()).limit(limit)
    if project is not None:
        q = q.where(CycleRow.project == project)
    with store.session() as s:
        return list(s.scalars(q))


def pending_approvals(store: Store, project: str | None = None) -> list[CycleRow]:
    """Cycles paused for a person right now."""
    q = select(CycleRow).where(CycleRow.status == "running", CycleRow.outcome == "awaiting_human")
    if project is not None:
        q = q.where(CycleRow.project == project)
    with store.session() as s:
        return list(s.scalars(q.order_by(CycleRow.started_at)))


def approvals_for(store: Store, cycle_id: str) -> list[ApprovalRow]:
    with store.session() as s:
        return list(s.scalars(select(ApprovalRow).where(ApprovalRow.cycle_id == cycle_id)
                              .order_by(ApprovalRow.id)))
