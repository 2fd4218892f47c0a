"""One cycle per ticket at a time: a lease in the store, across processes and workers.

A cycle takes its ticket's lease before it starts (owner, heartbeat, expiry) and gives it
back when it ends. While a live lease exists no other run joins that ticket's cycle or its
worktree: a grow run takes another ticket, ``--ticket`` refuses with the holder's name.
A lease is dead once it expired (no heartbeat for ``GERMINATE_LEASE_SECONDS``) or, on the
same machine, as soon as its owner's process is gone (a ``kill -9``): the next plain run
takes it over and resumes the killed cycle.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from germinate.errors import GerminateError
from germinate.models import Ticket
from germinate.processes import process_alive
from germinate.store import LeaseRow, Store

DEFAULT_LEASE_SECONDS = 120.0


class TicketBusy(GerminateError):
    """Another live run holds the ticket's lease."""


def lease_seconds() -> float:
    """How long a lease lives without a heartbeat (``GERMINATE_LEASE_SECONDS``, default 120)."""
    try:
        return max(2.0, float(os.environ.get("GERMINATE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)))
    except ValueError:
        return DEFAULT_LEASE_SECONDS


_PROCESS_TOKEN = uuid.uuid4().hex[:12]


def this_owner() -> str:
    """``host:pid:token``: who holds a lease (the token tells a reused pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_PROCESS_TOKEN}"


def owner_alive(owner: str) -> bool | None:
    """Whether the owner's process still runs: True/False on this machine, None elsewhere."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    if owner == this_owner():
        return True
    return process_alive(int(pid_text))


@dataclass(frozen=True)
class Holder:
    """Who holds a ticket's lease, and until when."""

    owner: str
    cycle_id: str
    flow_run_id: str
    expires_at: datetime

    def describe(self) -> str:
        return (f"cycle {self.cycle_id or '(starting)'} (flow run {self.flow_run_id or '?'}, "
                f"process {self.owner}, lease until {self.expires_at:%H:%M:%S} UTC)")


def _now() -> datetime:
    return datetime.now(UTC)


def is_live(row: LeaseRow, now: datetime | None = None) -> bool:
    """A lease counts while it has not expired and its owner is not known to be gone."""
    if row.expires_at <= (now or _now()):
        return False
    return owner_alive(row.owner) is not False


def live_holders(store: Store, project: str) -> dict[str, Holder]:
    """ticket id -> holder, for every live lease of ``project`` (not ours)."""
    with store.session() as s:
        rows = list(s.scalars(select(LeaseRow).where(LeaseRow.project == project)))
    return {r.ticket_id: _holder(r) for r in rows if is_live(r) and r.owner != this_owner()}


def _holder(row: LeaseRow) -> Holder:
    return Holder(row.owner, row.cycle_id, row.flow_run_id, row.expires_at)


def acquire(store: Store, project: str, ticket_id: str, *, flow_run_id: str = "") -> Holder | None:
    """Take the ticket's lease for this process; None on success, else who holds it.

    Atomic on every backend: a new lease is an insert the unique key lets only one writer
    make; a dead lease is taken over by an update that only matches while it is still dead.
    """
    now, me = _now(), this_owner()
    expires = now + timedelta(seconds=lease_seconds())
    try:
        with store.session() as s:
            s.add(LeaseRow(project=project, ticket_id=ticket_id, owner=me, flow_run_id=flow_run_id,
                           acquired_at=now, heartbeat_at=now, expires_at=expires))
        return None
    except IntegrityError:
        pass
    with store.session() as s:
        row = s.scalars(select(LeaseRow).where(LeaseRow.project == project,
                                               LeaseRow.ticket_id == ticket_id)).first()
        if row is None:  # released in between: try once more from the top
            return acquire(store, project, ticket_id, flow_run_id=flow_run_id)
        if row.owner != me and is_live(row, now):
            return _holder(row)
        taken = s.execute(
            update(LeaseRow).where(LeaseRow.id == row.id, LeaseRow.owner == row.owner,
                                   LeaseRow.heartbeat_at == row.heartbeat_at)
            .values(owner=me, flow_run_id=flow_run_id, acquired_at=now, heartbeat_at=now, expires_at=expires)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return None
    return acquire(store, project, ticket_id, flow_run_id=flow_run_id)


def attach_cycle(store: Store, project: str, ticket_id: str, cycle_id: str) -> None:
    """Name the cycle the lease is held for (shown to a run that finds the ticket busy)."""
    with store.session() as s:
        s.execute(update(LeaseRow).where(LeaseRow.project == project, LeaseRow.ticket_id == ticket_id,
                                         LeaseRow.owner == this_owner()).values(cycle_id=cycle_id))


def heartbeat(store: Store, project: str, ticket_id: str) -> bool:
    """Extend our lease; False if it is no longer ours (taken over after it expired)."""
    now = _now()
    with store.session() as s:
        done = s.execute(update(LeaseRow).where(
            LeaseRow.project == project, LeaseRow.ticket_id == ticket_id, LeaseRow.owner == this_owner()
        ).values(heartbeat_at=now, expires_at=now + timedelta(seconds=lease_seconds())))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def release(store: Store, project: str, ticket_id: str) -> None:
    """Give the lease back (only if it is still ours)."""
    with store.session() as s:
        s.execute(delete(LeaseRow).where(LeaseRow.project == project, LeaseRow.ticket_id == ticket_id,
                                         LeaseRow.owner == this_owner()))


class HeldLease:
    """A lease held for the length of a ``with`` block, its heartbeat sent in the background."""

    def __init__(self, store: Store, project: str, ticket_id: str):
        self.store, self.project, self.ticket_id = store, project, ticket_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{ticket_id}", daemon=True)

    def __enter__(self) -> HeldLease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        release(self.store, self.project, self.ticket_id)

    def _beat(self) -> None:
        interval = lease_seconds() / 3
        while not self._stop.wait(interval):
            try:
                heartbeat(self.store, self.project, self.ticket_id)
            except Exception:  # noqa: BLE001 - a missed beat only shortens the lease; the next one retries
                continue


def claim(store: Store, project: str, queue: list[Ticket], only: str | None, *,
          flow_run_id: str = "") -> Ticket | None:
    """The first ticket of ``queue`` whose lease this process could take; None if all are held.

    With ``only`` (one named ticket) a held lease is an error that names the holder.
    """
    for ticket in queue:
        holder = acquire(store, project, ticket.id, flow_run_id=flow_run_id)
        if holder is None:
            return ticket
        if only is not None:
            raise TicketBusy(busy_message(ticket.id, holder))
    return None


def busy_message(ticket_id: str, holder: Holder) -> str:
    return (f"ticket {ticket_id!r} is being worked on by another run: {holder.describe()}. "
            "Fix: wait for that run to finish ('germinate status' shows it), or pick another "
            "ticket; a killed run's lease is taken over as soon as its process is gone")
