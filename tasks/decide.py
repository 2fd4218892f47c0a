"""decide: every gate from the seed, the reward, the maintainer's advice -> a Decision; landing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect import get_run_logger, task

from germinate.cycle.decide import Approval, ApproveMode, decide
from germinate.cycle.evidence import prove, reward_for, run_gates, static_gates, ticket_gates
from germinate.cycle.land import Landing, land_change
from germinate.cycle.records import record_decision, set_cycle_outcome
from germinate.errors import GerminateError
from germinate.models import Change, Decision, Evaluation, GateResult, Plan, Reward, Snapshot
from germinate.seed import LoadedSeed
from germinate.store import Store
from tasks._caching import content_key
from tasks._context import open_gateway, open_store
from tasks._retry import retry_on_io


def _decide_key(p: dict) -> list[object]:
    approval = p.get("approval")
    return [p["cycle_id"], p["change"], p["evaluation"], p["approve"],
            approval.model_dump_json() if approval else "", p["loaded"].sha256]


@task(name="decide", cache_key_fn=content_key(_decide_key), persist_result=True)
def decide_task(repo: str, loaded: LoadedSeed, plan: Plan, change: Change, evaluation: Evaluation | None,
                before: Snapshot, *, approve: ApproveMode, cycle_id: str, run_id: str,
                approval: Approval | None = None, advisory: str | None = None) -> Decision:
    """Gates decide; the maintainer model only advises (asked once per cycle). Recorded in the store."""
    store = open_store(repo)
    try:
        gates: list[GateResult] = []
        reward = Reward()
        if change.outcome == "ok" and change.files_changed and evaluation is not None:
            gates = run_gates(Path(repo), loaded, change, evaluation=evaluation, before=before,
                              ticket=plan.ticket, labels=list(plan.ticket.labels),
                              repo_labels=_repo_labels(repo, loaded, store),
                              approved=approval is not None and approval.action == "approve")
            if evaluation.fail_to_pass is None:  # not computed by the loop (a direct decision): compute it
                evaluation = prove(Path(repo), loaded, plan, change, evaluation)
            gates += ticket_gates(loaded, plan, change, evaluation)
            reward = reward_for(before, evaluation, loaded)
        elif change.outcome == "ok" and change.files_changed:  # the loop stopped it before its tests
            gates = static_gates(repo, loaded, change, plan.ticket)
        if advisory is None and gates:
            advisory = _advise(repo, loaded, store, plan, change, gates, reward, cycle_id, run_id)
        decision = decide(cycle_id=cycle_id, ticket=plan.ticket, change=change, gates=gates,
                          reward=reward, seed=loaded.seed, approve_mode=approve,
                          approval=approval, advisory=advisory or "", tested=evaluation is not None)
        record_decision(store, decision)
        set_cycle_outcome(store, cycle_id, decision.outcome, decision.reason, decision.head_sha)
        return decision
    finally:
        store.close()


def _repo_labels(repo: str, loaded: LoadedSeed, store: Store) -> list[str]:
    """The repository's labels now (freeze, red-mode); unreadable: none here, and the write gate,
    which reads them again before any write, fails closed."""
    from germinate.forge.factory import open_forge

    try:
        return open_forge(Path(repo), loaded.seed, store).repo_labels()
    except GerminateError as exc:
        get_run_logger().warning("Could not read the repository's labels: %s", exc)
        return []


def _advise(repo: str, loaded: LoadedSeed, store: Store, plan: Plan, change: Change,
            gates: list[GateResult], reward: Reward, cycle_id: str, run_id: str) -> str:
    from germinate.agents import advise

    gw = open_gateway(repo, loaded, store, cycle_id=cycle_id, run_id=run_id)
    try:
        return str(advise(gw, loaded.seed, plan, change.diff, gates, reward))
    except GerminateError as exc:  # advice is optional: a failed call never blocks a decision
        return f"(no advice: {exc})"


LAND_TAG = "germinate-land"


@contextmanager
def land_slot() -> Iterator[None]:
    """A slot of the Prefect concurrency limit on the tag ``germinate-land``, if one is set
    (``prefect concurrency-limit create germinate-land 1``: landings across workers one at
    a time); without such a limit, nothing to hold.

    This is what a task tag would do, minus its cost: for a tagged task Prefect asks the
    server for a slot on every run, limit or not, and that request takes the server's write
    lock; on a busy SQLite server it waited ~2 s per cycle. Looking the limit up is a read.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.concurrency.sync import concurrency
    from prefect.exceptions import ObjectNotFound
    from prefect.runtime import task_run

    name = f"tag:{LAND_TAG}"
    with get_client(sync_client=True) as client:
        try:
            active = bool(client.read_global_concurrency_limit_by_name(name).active)
        except ObjectNotFound:
            active = False
    if not active:
        yield
        return
    holder = ConcurrencyLeaseHolder(type="task_run", id=task_run.id) if task_run.id else None
    with concurrency(name, occupy=1, lease_duration=60, holder=holder):
        yield


@task(name="land", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_on_io)
def land_task(repo: str, loaded: LoadedSeed, plan: Plan, decision: Decision, change: Change, *,
              before: Snapshot, evaluation: Evaluation, approve: ApproveMode,
              approval: Approval | None = None) -> Landing:
    """Merge or open a change request through the write gate (serialised per repository,
    and across workers by a concurrency limit on the tag ``germinate-land`` if one is set).
    Retried once on I/O failures only: a refused, frozen or blocked write fails at once."""
    with land_slot():
        return _land(repo, loaded, plan, decision, change, before=before, evaluation=evaluation, approve=approve,
                     approval=approval)


def _land(repo: str, loaded: LoadedSeed, plan: Plan, decision: Decision, change: Change, *,
          before: Snapshot, evaluation: Evaluation, approve: ApproveMode, approval: Approval | None) -> Landing:
    store = open_store(repo)
    try:
        landing = land_change(Path(repo), loaded, store, plan, decision, change, before=before,
                              evaluation=evaluation, approve_mode=approve, approval=approval)
        set_cycle_outcome(store, decision.cycle_id, landing.decision.outcome, landing.decision.reason,
                          landing.decision.head_sha)
        return landing
    finally:
        store.close()


@task(name="record-approval")
def record_approval_task(repo: str, cycle_id: str, action: str, by: str, comment: str, head_sha: str,
                         flow_run_id: str = "") -> int:
    """The human's answer at the checkpoint, in the store (the write gate checks it)."""
    from germinate.writegate import record_approval

    store = open_store(repo)
    try:
        return int(record_approval(store, cycle_id, action, by, comment, head_sha, flow_run_id=flow_run_id))
    finally:
        store.close()
