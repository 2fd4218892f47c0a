"""Time is a budget: ``budgets.per_cycle.wall_minutes`` bounds a cycle from inside.

The cycle's clock starts when its current holder took the ticket's lease (a resumed cycle
gets the time again; the killed run's spend is already in the ledger). Before each call
the time left must allow one (``BudgetExceeded`` otherwise), and a call's timeout is the
seed's ``models.timeout_seconds`` lowered to the time left, so a hanging model cannot hold
a cycle past its limit; a retry's backoff must fit the time left as well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from germinate.errors import BudgetExceeded
from germinate.seed import Budgets
from germinate.store import LeaseRow, Store

# A call with less than this many seconds left is not started.
MIN_CALL_SECONDS = 1.0


@dataclass(frozen=True)
class WallClock:
    """The monotonic deadline of one cycle (None: no wall limit)."""

    deadline: float | None
    minutes: float | None = None

    @classmethod
    def for_cycle(cls, budgets: Budgets, store: Store | None, project: str, cycle_id: str | None) -> WallClock:
        minutes = budgets.per_cycle.wall_minutes
        if minutes is None:
            return cls(None)
        started = _lease_start(store, project, cycle_id) if store is not None and cycle_id else None
        elapsed = (datetime.now(UTC) - started).total_seconds() if started is not None else 0.0
        return cls(time.monotonic() + minutes * 60 - max(0.0, elapsed), minutes)

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def check_room(self, role: str, seconds: float = 0.0) -> None:
        """Raise ``BudgetExceeded`` unless ``seconds`` (and then one call) fit the time left."""
        left = self.left()
        if left is not None and left - seconds < MIN_CALL_SECONDS:
            raise BudgetExceeded(
                f"per-cycle time budget reached: {max(0.0, left):.1f} s left of {self.minutes:g} min, not "
                f"enough for another {role} call (budgets.per_cycle.wall_minutes in seed.yaml); raise it "
                "or narrow the ticket"
            )

    def call_timeout(self, timeout: float, role: str) -> float:
        """The seed's call timeout, lowered to the time left (raises when none is left)."""
        self.check_room(role)
        left = self.left()
        return timeout if left is None else max(MIN_CALL_SECONDS, min(timeout, left))


def _lease_start(store: Store, project: str, cycle_id: str) -> datetime | None:
    with store.session() as s:
        row = s.scalars(select(LeaseRow).where(LeaseRow.project == project, LeaseRow.cycle_id == cycle_id)).first()
    return row.acquired_at if row is not None else None
