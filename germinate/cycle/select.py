"""Which ticket a cycle works on: the plan stage's priorities, Prefect-free.

Priority: regressions on the default branch (red-mode) > bug tickets > forge
tickets > roadmap epics (``seed.growth_objectives``) > improvement candidates (the scout).
Tickets already finished or rejected, deferred too often, or held by another run's live
cycle (a lease) are not picked; a killed cycle's ticket (``resume``) and a deferred one with
attempts left (``retry``) are;
a ticket intake has ``queued`` belongs to the cycle intake started for it (``ticket_id``),
never to a scheduled run. In red-mode only fix work (regressions and bug tickets) may run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from germinate.models import QUEUED, Snapshot, Ticket
from germinate.seed import Epic, Seed

# Ticket statuses (store ``tickets.status``) that take a ticket out of the queue.
SETTLED_STATUSES: frozenset[str] = frozenset({"done", "rejected", "in_progress", "deferred", "leased", QUEUED})


class Selection(BaseModel):
    """The ordered queue for the next cycle(s), and why the queue is what it is."""

    model_config = ConfigDict(frozen=True)

    queue: list[Ticket] = Field(default_factory=list)
    red_mode: bool = False
    reason: str = ""
    skipped: dict[str, str] = Field(default_factory=dict)  # ticket id -> why not picked


def epic_ticket(epic: Epic) -> Ticket:
    """A roadmap epic from the seed as a ticket (``epic-<id>``)."""
    body = epic.description.strip()
    if epic.acceptance:
        body += "\n\nAcceptance:\n" + "\n".join(f"- {a}" for a in epic.acceptance)
    return Ticket(
        id=f"epic-{epic.id}", title=epic.title, body=body.strip(), kind="epic", source="seed",
        source_ref=epic.id, scope=list(epic.modules), score=float(epic.priority),
    )


def regression_ticket(snapshot: Snapshot) -> Ticket:
    """The fix ticket for a red default branch: failing tests are the evidence."""
    failing = [c for c in snapshot.tests.cases if c.outcome in ("failed", "error")]
    lines = [f"- {c.id}: {c.message.splitlines()[0] if c.message else c.outcome}" for c in failing[:20]]
    reason = snapshot.tests.reason or f"{snapshot.tests.failed} failed, {snapshot.tests.errors} errors"
    return Ticket(
        id=f"regression-{snapshot.commit[:10]}", title="Fix the failing tests on the default branch",
        body=f"The test suite is red at {snapshot.commit[:10]} ({reason}).\n" + "\n".join(lines),
        kind="regression", source="scout", source_ref=snapshot.commit,
        evidence=snapshot.tests.log_tail[-2000:],
    )


def classify_forge_ticket(ticket: Ticket, seed: Seed) -> Ticket:
    """A forge ticket labelled with the fix label is a bug (higher priority)."""
    if ticket.kind == "forge" and seed.labels.fix in ticket.labels:
        return ticket.model_copy(update={"kind": "bug"})
    return ticket


def is_red_mode(snapshot: Snapshot, seed: Seed, repo_labels: Iterable[str] = ()) -> bool:
    """Red-mode: the default branch's tests fail, or the repository carries the red-mode label."""
    return snapshot.health == "red" or seed.labels.red_mode in set(repo_labels)


def select_tickets(
    snapshot: Snapshot,
    seed: Seed,
    *,
    forge_tickets: Iterable[Ticket] = (),
    statuses: Mapping[str, str] | None = None,
    repo_labels: Iterable[str] = (),
    only: str | None = None,
) -> Selection:
    """Order every candidate ticket by plan priority; drop settled and (in red-mode) non-fix work."""
    statuses = statuses or {}
    red = is_red_mode(snapshot, seed, repo_labels)
    pool: dict[str, Ticket] = {}
    if snapshot.health == "red":
        pool[regression_ticket(snapshot).id] = regression_ticket(snapshot)
    for ticket in [*snapshot.open_tickets, *forge_tickets]:
        pool.setdefault(ticket.id, classify_forge_ticket(ticket, seed))
    for epic in seed.growth_objectives.roadmap_epics:
        pool.setdefault(f"epic-{epic.id}", epic_ticket(epic))
    for ticket in snapshot.candidates:
        pool.setdefault(ticket.id, ticket)

    skipped: dict[str, str] = {}
    queue: list[Ticket] = []
    for ticket in sorted(pool.values(), key=lambda t: t.rank):
        status = statuses.get(ticket.id, "open")
        if only is not None and ticket.id != only:
            continue
        if only is None and status in SETTLED_STATUSES:
            skipped[ticket.id] = _why_settled(status)
        elif red and not ticket.is_fix(seed.labels.fix):
            skipped[ticket.id] = "red-mode: only fix tickets run until the default branch is green"
        else:
            queue.append(ticket)
    if only is not None and not queue:
        reason = f"ticket {only!r} is not open (known: {', '.join(sorted(pool)) or 'none'})"
    elif not queue:
        reason = "nothing worth doing: " + ("red-mode and no fix ticket" if red else "every ticket is settled")
    else:
        reason = f"{len(queue)} ticket(s) queued; next: {queue[0].id} ({queue[0].kind})"
    return Selection(queue=queue, red_mode=red, reason=reason, skipped=skipped)


def _why_settled(status: str) -> str:
    if status == "leased":
        return "another run's live cycle holds it (lease)"
    if status == "deferred":
        return "deferred on every attempt; a person decides (germinate status)"
    return f"already {status}"
