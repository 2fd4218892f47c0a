"""Grow: growth cycles until the energy budget is spent or nothing worth doing is left.

Why a flow: it runs unattended for hours (scheduled deployment ``grow/scheduled``), so it
must stop by itself: after ``max cycles``, ``dollars`` or ``hours`` (the seed's
``budgets.per_run``, or the parameters), when no ticket is left, or in red-mode when no fix
ticket is left. Up to ``execution.max_parallel`` tickets run at once, each a
``growth-cycle`` subflow in its own worktree; landing is serialised per repository (a lock
held by the land task; tag ``germinate-land`` for a Prefect concurrency limit), and a change
whose base moved is rebased and re-tested before it lands.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.context import get_run_context
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, ConfigDict, Field

from flows.growth_cycle import APPROVE, REPO, ApproveMode, current_flow_run_id, growth_cycle
from flows.outcome import target_label
from germinate.cycle.lease import TicketBusy
from germinate.cycle.report import summary_table
from germinate.llm import Spend, spend_from_ledger
from germinate.llm.wallclock import record_run_start
from germinate.models import CycleReport
from germinate.seed import LoadedSeed, growth_seed
from germinate.workspace import ensure_usable
from tasks._caching import persisted
from tasks._context import open_store
from tasks.log import publish_grow_summary
from tasks.plan import select_tickets_task
from tasks.sense import sense

CYCLES = Field(None, ge=1, description="Stop after this many cycles; empty: the seed's "
               "budgets.per_run.max_cycles.")
DOLLARS = Field(None, ge=0, description="Stop once this run has spent this many dollars; empty: "
                "budgets.per_run.dollars.")
HOURS = Field(None, gt=0, description="Start no cycle after this many hours; empty: "
              "budgets.per_run.wall_minutes / 60.")


class GrowResult(BaseModel):
    """What a grow run did and why it stopped."""

    model_config = ConfigDict(frozen=True)

    cycles: list[CycleReport] = Field(default_factory=list)
    stopped_because: str = ""
    tokens: int = 0
    dollars: float = 0.0
    cost_known: bool = True  # False: some call had no price; ``dollars`` counts only the priced ones

    @property
    def failed(self) -> list[CycleReport]:
        """Cycles that ended in an error (``failed``), not in a decision."""
        return [r for r in self.cycles if r.decision is not None and r.decision.outcome == "failed"]


class Energy(BaseModel):
    """The run's budget: cycles, dollars, tokens, hours."""

    model_config = ConfigDict(frozen=True)

    max_cycles: int
    dollars: float | None
    hours: float | None
    tokens: int | None = None

    def exhausted(self, cycles: int, spent: Spend, started: float, reports: Sequence[CycleReport] = ()) -> str:
        """Why no further cycle may start ("" if one may): budgets first, then time, then cycles.

        A cycle is not started when the run cannot afford one call: the dollars or tokens are
        spent, fewer than ``MIN_CALL_TOKENS`` tokens are left, or the last cycle was stopped by
        the per-run budget itself."""
        if self.dollars is not None and spent.dollars >= self.dollars:
            return f"dollar budget spent (${spent.dollars:.4f} of ${self.dollars:.2f}, budgets.per_run.dollars)"
        if self.tokens is not None and spent.tokens + MIN_CALL_TOKENS > self.tokens:
            return f"token budget spent ({spent.tokens:,} of {self.tokens:,}, budgets.per_run.tokens)"
        stopped = [r.decision.reason for r in reports if r.decision is not None and "per-run" in r.decision.reason
                   and "budget" in r.decision.reason]
        if stopped:
            reason = stopped[-1]
            return reason[reason.index("per-run"):][:300]  # "per-run time budget reached: ..."
        if self.hours is not None and time.monotonic() - started >= self.hours * 3600:
            return f"time budget spent ({self.hours * 60:g} min, budgets.per_run.wall_minutes)"
        if cycles >= self.max_cycles:
            return f"max cycles reached ({cycles})"
        return ""


# Fewer tokens left than this in the run: no cycle could make even one useful call.
MIN_CALL_TOKENS = 1000


def energy_for(loaded: LoadedSeed, cycles: int | None, dollars: float | None, hours: float | None) -> Energy:
    per_run = loaded.seed.budgets.per_run
    return Energy(
        max_cycles=cycles or per_run.max_cycles or 10,
        dollars=dollars if dollars is not None else per_run.dollars,
        hours=hours if hours is not None else (per_run.wall_minutes / 60 if per_run.wall_minutes else None),
        tokens=per_run.tokens,
    )


@task(name="run-cycle")
def run_cycle_task(repo: str, ticket_id: str, approve: Literal["auto", "human"], run_id: str) -> CycleReport:
    """One growth-cycle subflow (lets several run at once on the task runner)."""
    return growth_cycle(repo=repo, ticket_id=ticket_id, approve=approve, run_id=run_id)


def _run_batch(repo: str, ticket_ids: list[str], approve: Literal["auto", "human"], run_id: str) -> list[CycleReport]:
    """The batch's cycles; a ticket another run took meanwhile (its lease) is left to that run."""
    reports: list[CycleReport] = []
    if len(ticket_ids) == 1:
        try:
            reports.append(growth_cycle(repo=repo, ticket_id=ticket_ids[0], approve=approve, run_id=run_id))
        except TicketBusy as busy:
            get_run_logger().info("Skipped: %s", busy)
        return reports
    futures = [run_cycle_task.submit(repo, t, approve, run_id) for t in ticket_ids]
    for future in futures:
        try:
            reports.append(future.result())
        except TicketBusy as busy:
            get_run_logger().info("Skipped: %s", busy)
    return reports


def grow_run_name() -> str:
    """``grow-{project}@{checkout}``: two targets with the same project name read apart."""
    repo = str(get_run_context().flow_run.parameters["repo"])  # type: ignore[union-attr]
    try:
        return f"grow-{target_label(repo, growth_seed(repo).seed.project.name)}"
    except Exception:  # noqa: BLE001 - a name must never fail the run; the flow reports the error
        return f"grow-{Path(repo).name}"


@flow(name="grow", flow_run_name=grow_run_name, log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def grow(repo: str = REPO, cycles: int | None = CYCLES, approve: ApproveMode = APPROVE,  # type: ignore[assignment]
         dollars: float | None = DOLLARS, hours: float | None = HOURS) -> GrowResult:
    """Run growth cycles until the energy budget is spent or nothing worth doing is left."""
    logger = get_run_logger()
    repo = str(Path(repo).expanduser().resolve())
    loaded = growth_seed(repo)
    ensure_usable(repo)
    run_id = current_flow_run_id()
    energy = energy_for(loaded, cycles, dollars, hours)
    started = time.monotonic()
    _record_start(repo, project := loaded.seed.project.name, run_id, energy)
    reports: list[CycleReport] = []
    tried: list[str] = []
    default = f"refs/heads/{loaded.seed.project.repo.default_branch}"
    stop = energy.exhausted(0, _spent(repo, project, run_id), started)
    while not stop:
        snapshot = persisted(sense)(repo, loaded, ref=default)
        selection = select_tickets_task(repo, loaded, snapshot, None, exclude=tried)
        if not selection.queue:
            stop = selection.reason
            break
        room = energy.max_cycles - len(reports)
        batch = [t.id for t in selection.queue[: max(1, min(loaded.seed.execution.max_parallel, room))]]
        tried += batch
        reports += _run_batch(repo, batch, approve, run_id)
        stop = energy.exhausted(len(reports), _spent(repo, project, run_id), started, reports)
    total = _spent(repo, project, run_id)
    logger.info("Stopped: %s\n%s", stop, summary_table(reports))
    publish_grow_summary(repo, project, reports, stop, energy.max_cycles)
    return GrowResult(cycles=reports, stopped_because=stop, tokens=total.tokens, dollars=total.dollars,
                      cost_known=total.cost_known)


def _record_start(repo: str, project: str, run_id: str, energy: Energy) -> None:
    """Date the run and its wall limit in the store: its cycles' calls count time from here."""
    store = open_store(repo)
    try:
        record_run_start(store, project, run_id, energy.hours * 60 if energy.hours is not None else None)
    finally:
        store.close()


def _spent(repo: str, project: str, run_id: str) -> Spend:
    store = open_store(repo)
    try:
        return spend_from_ledger(store, project, run_id=run_id)
    finally:
        store.close()
