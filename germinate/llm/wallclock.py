"""Time is a budget: ``budgets.per_cycle.wall_minutes`` and ``budgets.per_run.wall_minutes``
bound a cycle from inside.

The cycle's clock starts when its current holder took the ticket's lease (a resumed cycle
gets the time again; the killed run's spend is already in the ledger). The run's clock starts
when the run began: the ``runs`` row the grow flow writes with its run id and wall limit (a
lone cycle's run is dated by its first ledger row or its lease, whichever is older). Before
each call the time left in both must allow one (``BudgetExceeded`` otherwise), and a call's
timeout is the seed's ``models.timeout_seconds`` lowered to the time left, so a hanging model
cannot hold a cycle or a run past its limit; a retry's backoff must fit the time left as well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from germinate.errors import BudgetExceeded
from germinate.seed import Budgets
from germinate.store import AgentRunRow, LeaseRow, RunRow, Store

# A call with less than this many seconds left is not started.
MIN_CALL_SECONDS = 1.0


@dataclass(frozen=True)
class Limit:
    """One wall-clock limit: its name in messages, the seed key, minutes and monotonic deadline."""

    name: str
    seed_key: str
    minutes: float
    deadline: float

    def left(self) -> float:
        return self.deadline - time.monotonic()


@dataclass(frozen=True)
class WallClock:
    """The deadlines of one cycle: its own and its run's (none: no wall limit)."""

    limits: tuple[Limit, ...] = ()

    @classmethod
    def for_cycle(cls, budgets: Budgets, store: Store | None, project: str, cycle_id: str | None,
                  run_id: str | None = None) -> WallClock:
        limits: list[Limit] = []
        minutes = budgets.per_cycle.wall_minutes
        if minutes is not None:
            started = _lease_start(store, project, cycle_id) if store is not None and cycle_id else None
            limits.append(_limit("per-cycle", "budgets.per_cycle.wall_minutes", minutes, started))
        if store is not None and run_id:
            run_minutes, run_started = run_window(store, project, run_id, budgets.per_run.wall_minutes, cycle_id)
            if run_minutes is not None:
                limits.append(_limit("per-run", "budgets.per_run.wall_minutes", run_minutes, run_started))
        elif budgets.per_run.wall_minutes is not None:
            limits.append(_limit("per-run", "budgets.per_run.wall_minutes", budgets.per_run.wall_minutes, None))
        return cls(tuple(limits))

    def _tightest(self) -> Limit | None:
        return min(self.limits, key=lambda lim: lim.deadline, default=None)

    def left(self) -> float | None:
        tightest = self._tightest()
        return None if tightest is None else tightest.left()

    def check_room(self, role: str, seconds: float = 0.0) -> None:
        """Raise ``BudgetExceeded`` unless ``seconds`` (and then one call) fit the time left."""
        tightest = self._tightest()
        if tightest is None:
            return
        left = tightest.left()
        if left - seconds < MIN_CALL_SECONDS:
            raise BudgetExceeded(
                f"{tightest.name} time budget reached: {max(0.0, left):.1f} s left of {tightest.minutes:g} min, "
                f"not enough for another {role} call ({tightest.seed_key} in seed.yaml); raise it "
                "or narrow the ticket"
            )

    def call_timeout(self, timeout: float, role: str) -> float:
        """The seed's call timeout, lowered to the time left (raises when none is left)."""
        self.check_room(role)
        left = self.left()
        return timeout if left is None else max(MIN_CALL_SECONDS, min(timeout, left))


def _limit(name: str, seed_key: str, minutes: float, started: datetime | None) -> Limit:
    elapsed = (datetime.now(UTC) - started).total_seconds() if started is not None else 0.0
    return Limit(name, seed_key, minutes, time.monotonic() + minutes * 60 - max(0.0, elapsed))


def record_run_start(store: Store, project: str, run_id: str, wall_minutes: float | None) -> datetime:
    """Write when run ``run_id`` started and its wall limit (once: a second call keeps the first)."""
    with store.session() as s:
        row = s.get(RunRow, run_id)
        if row is not None:
            return row.started_at
    try:
        with store.session() as s:
            s.add(RunRow(run_id=run_id, project=project, started_at=datetime.now(UTC), wall_minutes=wall_minutes))
    except IntegrityError:  # a parallel cycle of the same run wrote it first
        pass
    with store.session() as s:
        row = s.get(RunRow, run_id)
        assert row is not None
        return row.started_at


def run_window(store: Store, project: str, run_id: str, seed_minutes: float | None,
               cycle_id: str | None) -> tuple[float | None, datetime]:
    """(wall limit in minutes, start) of run ``run_id``.

    A run the grow flow recorded keeps its own limit and start. Otherwise (a lone cycle is its
    own run) the start is the older of the run's first ledger row and the cycle's lease, and it
    is recorded so that later calls of the run count from the same moment."""
    with store.session() as s:
        row = s.get(RunRow, run_id)
        if row is not None:
            return row.wall_minutes, row.started_at
        first = s.scalar(select(func.min(AgentRunRow.created_at))
                         .where(AgentRunRow.project == project, AgentRunRow.run_id == run_id))
    lease = _lease_start(store, project, cycle_id) if cycle_id else None
    known = [t for t in (first, lease) if t is not None]
    started = min(known) if known else datetime.now(UTC)
    try:
        with store.session() as s:
            s.add(RunRow(run_id=run_id, project=project, started_at=started, wall_minutes=seed_minutes))
    except IntegrityError:
        return run_window(store, project, run_id, seed_minutes, cycle_id)
    return seed_minutes, started


def _lease_start(store: Store, project: str, cycle_id: str) -> datetime | None:
    with store.session() as s:
        row = s.scalars(select(LeaseRow).where(LeaseRow.project == project, LeaseRow.cycle_id == cycle_id)).first()
    return row.acquired_at if row is not None else None
