"""The grow loop says why it stopped: a cycle ended by the run's own time limit stops the run
with that reason, not with "max cycles reached"."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flows.grow import Energy
from germinate.llm import Spend
from germinate.models import CycleReport, Decision

REASON = ("per-run time budget reached: 0.4 s left of 1 min, not enough for another implementer call "
          "(budgets.per_run.wall_minutes in seed.yaml); raise it or narrow the ticket")


def report(reason: str) -> CycleReport:
    now = datetime.now(UTC)
    decision = Decision(cycle_id="c1", ticket_id="local-1", outcome="deferred", reason=reason)
    return CycleReport(cycle_id="c1", project="demo", ticket=None, decision=decision, started_at=now,
                       finished_at=now)


def test_a_cycle_stopped_by_the_run_wall_time_stops_the_run_with_that_reason() -> None:
    energy = Energy(max_cycles=1, dollars=None, hours=8)
    stop = energy.exhausted(1, Spend(), time.monotonic(), [report(f"planning stopped: BudgetExceeded: {REASON}")])
    assert stop == REASON  # before "max cycles reached", and said once


def test_a_cycle_stopped_by_the_cycle_wall_time_does_not_stop_the_run() -> None:
    energy = Energy(max_cycles=5, dollars=None, hours=8)
    assert energy.exhausted(1, Spend(), time.monotonic(), [report(REASON.replace("per-run", "per-cycle"))]) == ""
