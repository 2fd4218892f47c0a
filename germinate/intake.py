"""Intake, Prefect-free: forge tickets become store tickets, and say which cycles to start.

A ticket is *startable* when it is new to the store, or when its labels changed while it
was not being worked on (``open``, ``deferred``, ``rejected``). Starting one marks it
``queued`` in the store, so the next poll, a webhook for the same issue, or a replayed
delivery never starts it twice. In red-mode only fix work (regressions, ``bug``-labelled
tickets) starts; other tickets wait (status ``open``) and start on a later poll.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from germinate.errors import GerminateError
from germinate.models import QUEUED, WAITING_STATUSES, Ticket
from germinate.seed import Seed
from germinate.store import Store, TicketRow

# Starts a growth cycle for (repo, ticket_id); returns the flow run id (or "" if none).
CycleStarter = Callable[[str, str], str]


class DeploymentMissing(GerminateError):
    """The deployment that runs a cycle is not on the Prefect API: nothing was started."""


@dataclass
class IntakeResult:
    new: list[str] = field(default_factory=list)
    relabelled: list[str] = field(default_factory=list)
    started: dict[str, str] = field(default_factory=dict)  # ticket id -> flow run id
    waiting: dict[str, str] = field(default_factory=dict)  # ticket id -> why not started

    def summary(self) -> str:
        return (f"{len(self.new)} new, {len(self.relabelled)} relabelled, {len(self.started)} started, "
                f"{len(self.waiting)} waiting")


def record_tickets(store: Store, project: str, tickets: Iterable[Ticket]) -> tuple[list[str], list[str]]:
    """Upsert tickets into the store; returns (new ids, relabelled ids). Never duplicates a row.

    Another poller inserting the same ticket at the same moment makes this transaction fail
    on the unique key; it is then simply run again (the row now exists: not new here).
    """
    tickets = list(tickets)
    for attempt in range(3):
        try:
            return _record(store, project, tickets)
        except (IntegrityError, OperationalError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record(store: Store, project: str, tickets: list[Ticket]) -> tuple[list[str], list[str]]:
    new: list[str] = []
    relabelled: list[str] = []
    with store.session() as s:
        for ticket in tickets:
            row = s.scalars(select(TicketRow).where(TicketRow.project == project,
                                                    TicketRow.ticket_id == ticket.id)).first()
            if row is None:
                s.add(TicketRow(project=project, ticket_id=ticket.id, title=ticket.title, body=ticket.body,
                                kind=ticket.kind, source=ticket.source, source_ref=ticket.source_ref,
                                labels=list(ticket.labels), status="open"))
                new.append(ticket.id)
                continue
            if sorted(row.labels or []) != sorted(ticket.labels):
                relabelled.append(ticket.id)
            row.title, row.body, row.kind, row.labels = ticket.title, ticket.body, ticket.kind, list(ticket.labels)
    return new, relabelled


def _statuses(store: Store, project: str) -> dict[str, str]:
    with store.session() as s:
        return {r.ticket_id: r.status for r in s.scalars(select(TicketRow).where(TicketRow.project == project))}


def claim(store: Store, project: str, ticket_id: str) -> bool:
    """Atomically move a waiting ticket to ``queued``; False if someone else already did."""
    with store.session() as s:
        done = s.execute(update(TicketRow).where(
            TicketRow.project == project, TicketRow.ticket_id == ticket_id,
            TicketRow.status.in_(WAITING_STATUSES)).values(status=QUEUED))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def release(store: Store, project: str, ticket_id: str) -> None:
    """Back to ``open`` (starting the cycle failed): the next poll tries again."""
    with store.session() as s:
        row = s.scalars(select(TicketRow).where(TicketRow.project == project,
                                                TicketRow.ticket_id == ticket_id)).first()
        if row is not None and row.status == QUEUED:
            row.status = "open"


def intake(store: Store, project: str, seed: Seed, tickets: list[Ticket], *, repo: str,
           repo_labels: Iterable[str] = (), start: CycleStarter | None = None) -> IntakeResult:
    """Record ``tickets`` and start a cycle for each startable one (at most once each)."""
    new, relabelled = record_tickets(store, project, tickets)
    result = IntakeResult(new=new, relabelled=relabelled)
    red = seed.labels.red_mode in set(repo_labels)
    statuses = _statuses(store, project)
    for ticket in sorted(tickets, key=lambda t: t.rank):
        status = statuses.get(ticket.id, "open")
        if status not in WAITING_STATUSES:
            continue  # queued, in progress, done or in review: someone has it
        if status != "open" and ticket.id not in relabelled:
            continue  # deferred/rejected tickets restart only when a person relabels them
        if red and not ticket.is_fix(seed.labels.fix):
            result.waiting[ticket.id] = "red-mode: only fix work starts"
            continue
        if start is None:
            result.waiting[ticket.id] = "no cycle starter"
            continue
        if not claim(store, project, ticket.id):
            continue
        try:
            result.started[ticket.id] = start(repo, ticket.id)
        except Exception:
            release(store, project, ticket.id)
            raise
    return result


def store_tickets(store: Store, project: str, *, source: str = "webhook") -> list[Ticket]:
    """Open tickets that live only in the store (e.g. CI-failure fix tickets from webhooks)."""
    with store.session() as s:
        rows = s.scalars(select(TicketRow).where(TicketRow.project == project, TicketRow.source == source,
                                                 TicketRow.status.in_([*WAITING_STATUSES, QUEUED]))).all()
    return [Ticket(id=r.ticket_id, title=r.title, body=r.body, kind=r.kind, source=r.source,  # type: ignore[arg-type]
                   source_ref=r.source_ref, labels=list(r.labels or [])) for r in rows]
