"""How the queue sees stored tickets: killed cycles resume, deferred tickets come back a bounded
number of times, a ticket another live process holds is left alone."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from germinate.cycle.lease import acquire, live_holders
from germinate.cycle.records import MAX_TICKET_ATTEMPTS, ticket_statuses
from germinate.store import CycleRow, LeaseRow, Store, TicketRow


def ticket(store: Store, ticket_id: str, status: str, attempts: int = 1) -> None:
    with store.session() as s:
        s.add(TicketRow(project="p", ticket_id=ticket_id, title=ticket_id, kind="epic", source="seed",
                        status=status, attempts=attempts))


def test_queue_statuses(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'state.db'}")
    ticket(store, "killed", "in_progress")
    ticket(store, "in-review", "in_progress")
    ticket(store, "deferred-once", "deferred", attempts=1)
    ticket(store, "deferred-often", "deferred", attempts=MAX_TICKET_ATTEMPTS)
    ticket(store, "held", "in_progress")
    soon = datetime.now(UTC) + timedelta(minutes=5)
    with store.session() as s:
        s.add(CycleRow(id="c-killed", project="p", ticket_id="killed", status="running"))
        s.add(CycleRow(id="c-review", project="p", ticket_id="in-review", status="finished"))
        s.add(CycleRow(id="c-held", project="p", ticket_id="held", status="running"))
        # the pytest process's parent is alive: a live holder on this machine
        s.add(LeaseRow(project="p", ticket_id="held", owner=f"{socket.gethostname()}:{os.getppid()}:x",
                       cycle_id="c-held", expires_at=soon))
        s.add(LeaseRow(project="p", ticket_id="killed", owner=f"{socket.gethostname()}:999999999:x",
                       cycle_id="c-killed", expires_at=soon))  # no such process: dead at once
    assert ticket_statuses(store, "p") == {
        "killed": "resume", "in-review": "in_progress", "deferred-once": "retry",
        "deferred-often": "deferred", "held": "leased",
    }
    assert set(live_holders(store, "p")) == {"held"}
    assert acquire(store, "p", "held") is not None  # a live holder keeps it
    assert acquire(store, "p", "killed") is None  # a dead one's lease is taken over
