"""One growth cycle: sense -> plan -> act -> critique -> test -> decide -> log.

Why a flow: every stage is a cached, persisted task, so a run killed half-way and started
again repeats no completed model call and creates no second branch, commit or change
request; the human checkpoint is a Prefect pause with a typed form; the UI shows the plan,
the progress, the cycle report and the metrics as artifacts.

The loop is bounded by the seed: the reviewer may send the change back up to
``execution.max_review_rounds`` times, failing tests up to ``execution.max_fix_rounds``
times, a person (request changes) up to ``max_review_rounds + 1`` times. Then the gates
decide, whatever the state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from pydantic import BaseModel, ConfigDict, Field

from flows.checkpoint import wait_for_approval
from flows.cycle_loop import CycleState, improve_change
from flows.outcome import final_state, outcome_tags, tag_current_run, target_label
from germinate.cycle.act import human_feedback
from germinate.cycle.decide import Approval
from germinate.cycle.lease import HeldLease, attach_cycle, claim
from germinate.cycle.records import cycle_id_for, record_decision, start_cycle
from germinate.cycle.recovery import dead_flow_run, mark_crashed
from germinate.errors import BudgetExceeded, GerminateError
from germinate.models import Change, CycleReport, Decision, Evaluation, Plan, Snapshot, Ticket
from germinate.seed import LoadedSeed, growth_seed
from germinate.store import Store
from germinate.workspace import ensure_usable, head_sha
from tasks._caching import lean, persisted
from tasks._context import open_store
from tasks.act import forge_feedback_task, prepare_worktree_task
from tasks.decide import decide_task, land_task, record_approval_task
from tasks.log import (
    artifact_key,
    flush_background,
    in_background,
    log_task,
    shorten,
    start_progress,
    update_progress,
)
from tasks.plan import plan_task, select_tickets_task
from tasks.sense import sense

REPO = Field(..., description="Path of the target repository (its root holds seed.yaml).")
TICKET = Field(None, description="Work on this ticket id (e.g. epic-units-tests, local-3); "
               "empty: the highest-priority open one.")
APPROVE = Field("auto", description="auto: follow the seed's merge policy and checkpoints; "
                "human: a person approves every change before it lands.")
RUN = Field(None, description="The grow run this cycle belongs to (per-run budgets); empty: this flow run.")
ApproveMode = Literal["auto", "human"]


def _heartbeats_without_join() -> None:
    """Let a flow run end as soon as its work is done.

    Prefect 3.8's sync flow engine joins its heartbeat thread when a run ends, and that
    thread sleeps in one-second steps between checks of its stop flag: every flow run (so
    every cycle, and every cycle inside a grow run) ended 0-1 s late, 0.5 s on average, for
    nothing. Prefect's async engine already skips that join (``join_on_exit=False``); this
    does the same for the sync one. Heartbeats are sent exactly as before, and the thread,
    a daemon, still stops (without sending another heartbeat) within a second.
    """
    import prefect.flow_engine as engine

    send = getattr(engine, "_send_heartbeats", None)
    if send is None or getattr(send, "germinate_no_join", False):
        return  # another Prefect version: leave it alone

    def send_without_join(flow_engine: Any, join_on_exit: bool = True) -> Any:
        return send(flow_engine, join_on_exit=False)

    send_without_join.germinate_no_join = True  # type: ignore[attr-defined]
    engine._send_heartbeats = send_without_join  # type: ignore[assignment]


_heartbeats_without_join()


class Decided(BaseModel):
    """The decision and the change it judged (after any rounds a person asked for)."""

    model_config = ConfigDict(frozen=True)

    decision: Decision
    change: Change
    evaluation: Evaluation | None
    approval: Approval | None


def current_flow_run_id() -> str:
    """The id of the flow run this code runs in."""
    from prefect.runtime import flow_run

    return str(flow_run.id)


def cycle_run_name() -> str:
    """``cycle-{project}@{checkout}-{ticket}``: what runs and on which target, in the UI's run list."""
    params = get_run_context().flow_run.parameters  # type: ignore[union-attr]
    try:
        project = growth_seed(params["repo"]).seed.project.name
    except Exception:  # noqa: BLE001 - a name must never fail the run; the flow reports the error
        project = Path(params["repo"]).name
    return f"cycle-{target_label(str(params['repo']), project)}-{params.get('ticket_id') or 'next'}"


def _rename(ticket: Ticket, repo: str, project: str) -> None:
    """The run's name says the ticket (sent in the background: the cycle does not wait for it)."""

    def rename(flow_run_id: UUID, name: str) -> None:
        with get_client(sync_client=True) as client:
            client.update_flow_run(flow_run_id, name=name)

    in_background("flow run name", rename, UUID(current_flow_run_id()),
                  f"cycle-{target_label(repo, project)}-{ticket.id}")


def _finish(repo: str, report: CycleReport) -> CycleReport:
    """Tag the run with its outcome and target; end it in a state named for the outcome."""
    in_background("outcome tags", tag_current_run, outcome_tags(repo, report))
    flush_background()  # the name, artifacts, progress and tags are all sent before the run ends
    return final_state(report)


def _report(cycle_id: str, project: str, started: datetime, *, ticket: Ticket | None = None,
            decision: Decision | None = None, before: Snapshot | None = None, after: float | None = None,
            change_url: str = "", repo: str = "") -> CycleReport:
    from germinate.llm import spend_from_ledger

    tokens, dollars, known = 0, 0.0, True
    if repo:
        store = open_store(repo)
        try:
            s = spend_from_ledger(store, project, cycle_id=cycle_id)
            tokens, dollars, known = s.tokens, s.dollars, s.cost_known
        finally:
            store.close()
    return CycleReport(
        cycle_id=cycle_id, project=project, ticket=ticket, decision=decision,
        coverage_before=before.coverage.total if before else None, coverage_after=after, tokens=tokens,
        cost_usd=dollars, cost_known=known, started_at=started, finished_at=datetime.now(UTC),
        change_url=change_url, flow_run_id=current_flow_run_id(),
    )


@flow(name="growth-cycle", flow_run_name=cycle_run_name, log_prints=True)
def growth_cycle(repo: str = REPO, ticket_id: str | None = TICKET, approve: ApproveMode = APPROVE,  # type: ignore[assignment]
                 run_id: str | None = RUN) -> CycleReport:
    """Grow the target by one ticket: sense, plan, act, critique, test, decide, log."""
    started = datetime.now(UTC)
    repo = str(Path(repo).expanduser().resolve())
    loaded = growth_seed(repo)
    ensure_usable(repo)
    project = loaded.seed.project.name
    run_id = run_id or current_flow_run_id()
    default = f"refs/heads/{loaded.seed.project.repo.default_branch}"
    before = persisted(sense)(repo, loaded, ref=default)
    selection = lean(select_tickets_task)(repo, loaded, before, ticket_id)
    if not selection.queue:
        get_run_logger().info("Nothing to do: %s", selection.reason)
        return _finish(repo, _report(f"idle-{head_sha(repo, default)[:8]}", project, started, before=before))
    store = open_store(repo)
    try:
        # one cycle per ticket at a time: a ticket another live run holds is never joined
        ticket = claim(store, project, selection.queue, ticket_id, flow_run_id=current_flow_run_id())
        if ticket is None:
            get_run_logger().info("Nothing to do: every open ticket is held by another run's live cycle")
            return _finish(repo, _report(f"idle-{head_sha(repo, default)[:8]}", project, started, before=before))
        _rename(ticket, repo, project)
        with HeldLease(store, project, ticket.id):
            report = _grow_ticket(repo, loaded, ticket, before, approve=approve, run_id=run_id, started=started)
    finally:
        store.close()
        flush_background()  # the name, artifacts and progress are all sent before the run ends
    return _finish(repo, report)


def _grow_ticket(repo: str, loaded: LoadedSeed, ticket: Ticket, before: Snapshot, *,
                 approve: ApproveMode, run_id: str, started: datetime) -> CycleReport:
    project = loaded.seed.project.name
    store = open_store(repo)
    try:
        cycle_id = cycle_id_for(store, ticket.id, before.commit)
        attach_cycle(store, project, ticket.id, cycle_id)
        flow_run_id = current_flow_run_id()
        _end_the_dead_run(store, cycle_id, flow_run_id)
        branch, worktree = prepare_worktree_task(repo, ticket.id, before.commit)
        start_cycle(store, cycle_id=cycle_id, project=project, ticket=ticket, flow_run_id=flow_run_id,
                    base_sha=before.commit, branch=branch, seed_hash=loaded.sha256)
    finally:
        store.close()
    progress = start_progress(cycle_id)
    state = CycleState(repo=repo, loaded=loaded, before=before, cycle_id=cycle_id, run_id=run_id,
                       branch=branch, worktree=worktree, progress=progress)
    try:
        plan = persisted(plan_task)(repo, loaded, ticket, before, worktree=worktree, cycle_id=cycle_id,
                                    run_id=run_id)
    except GerminateError as exc:  # a budget, or no model answered: a named outcome, not a crash
        outcome: Literal["deferred", "failed"] = "deferred" if isinstance(exc, BudgetExceeded) else "failed"
        decision = Decision(cycle_id=cycle_id, ticket_id=ticket.id, outcome=outcome,
                            reason=f"planning stopped: {type(exc).__name__}: {exc}", base_sha=before.commit)
        _record_early(repo, decision)
        report = _report(cycle_id, project, started, ticket=ticket, decision=decision, before=before, repo=repo)
        return lean(log_task)(repo, report, None, "", before, None, worktree)
    in_background("plan artifact", create_markdown_artifact, _plan_markdown(plan),
                  key=artifact_key("plan", project, ticket.id), description=f"plan for {ticket.id}")
    update_progress(progress, 20, "planned; acting")
    return _act_decide_land(state, plan, approve=approve, started=started)


def _end_the_dead_run(store: Store, cycle_id: str, flow_run_id: str) -> None:
    """Resuming a killed cycle: its old flow run (and grow run) end Crashed, not RUNNING."""
    dead = dead_flow_run(store, cycle_id, flow_run_id)
    if dead is None:
        return
    try:
        marked = mark_crashed(dead, f"its process died; cycle {cycle_id} resumed by flow run {flow_run_id}")
    except Exception as exc:  # noqa: BLE001 - a state we cannot set must not stop the resumed cycle
        get_run_logger().warning("Could not mark the killed flow run %s Crashed: %s", dead, exc)
        return
    get_run_logger().info("Resuming cycle %s; the killed flow run(s) %s are now Crashed", cycle_id,
                          ", ".join(marked) or "(already final)")


def _record_early(repo: str, decision: Decision) -> None:
    store = open_store(repo)
    try:
        record_decision(store, decision)
    finally:
        store.close()


def _decide(state: CycleState, plan: Plan, change: Change, evaluation: Evaluation | None,
            approve: ApproveMode, approval: Approval | None = None, advisory: str | None = None) -> Decision:
    update_progress(state.progress, 75, "deciding")
    return persisted(decide_task)(state.repo, state.loaded, plan, change, evaluation, state.before,
                                  approve=approve, cycle_id=state.cycle_id, run_id=state.run_id,
                                  approval=approval, advisory=advisory)


def _decide_with_people(state: CycleState, plan: Plan, approve: ApproveMode) -> Decided:
    """Decide; while a person is needed, pause for them: approve/reject decide again,
    request changes sends the comment to the implementer (at most max_review_rounds + 1 times)."""
    seed = state.loaded.seed
    # a person's review on the branch's open change request (e.g. "changes requested") comes first
    decided = _improve_and_decide(state, plan, forge_feedback_task(state.repo, state.loaded, state.branch), approve)
    human_rounds = 0
    while decided.decision.outcome == "awaiting_human":
        decision, change, evaluation = decided.decision, decided.change, decided.evaluation
        update_progress(state.progress, 80, "waiting for a person")
        answer = wait_for_approval(decision, plan, change.diff, round=human_rounds, approve=approve,
                                   timeout_minutes=seed.checkpoints.approval_timeout_minutes)
        approval_id = record_approval_task(state.repo, state.cycle_id, answer.action, answer.by,
                                           answer.comment, change.head_sha, flow_run_id=current_flow_run_id())
        approval = answer.model_copy(update={"approval_id": approval_id})
        if answer.action == "request_changes" and human_rounds < seed.execution.max_review_rounds + 1:
            human_rounds += 1
            decided = _improve_and_decide(state, plan, human_feedback(answer.comment, answer.by), approve)
            continue
        decision = _decide(state, plan, change, evaluation, approve, approval, decision.advisory)
        return Decided(decision=decision, change=change, evaluation=evaluation, approval=approval)
    return decided


def _improve_and_decide(state: CycleState, plan: Plan, feedback: str, approve: ApproveMode) -> Decided:
    """Improve the change; a new package asks a person before it is installed; then decide."""
    change, evaluation = improve_change(state, plan, feedback)
    change, evaluation, approval = _approve_installs(state, plan, change, evaluation)
    if approval is not None and approval.action != "approve":  # rejected or timed out: nothing ran
        evaluation = None
    decision = _decide(state, plan, change, evaluation, approve, approval)
    return Decided(decision=decision, change=change, evaluation=evaluation, approval=approval)


# The pause keys of the questions asked before a new package is installed (one per question).
INSTALL_ROUND = 200


def _approve_installs(state: CycleState, plan: Plan, change: Change,
                      evaluation: Evaluation | None) -> tuple[Change, Evaluation | None, Approval | None]:
    """While the change adds a package nobody approved, ask a person before any of it is
    installed or run; on approve, test it as usual. Returns the change, its evaluation, and
    the person's last answer if it is about that change (``None``: nobody was asked about it)."""
    seed = state.loaded.seed
    answer: Approval | None = None
    asked_head, asked = "", 0
    while state.install_wait:
        waiting, state.install_wait = state.install_wait, []
        update_progress(state.progress, 45, "a new package waits for a person before it is installed")
        question = Decision(
            cycle_id=state.cycle_id, ticket_id=plan.ticket.id, outcome="awaiting_human", base_sha=change.base_sha,
            head_sha=change.head_sha, branch=change.branch, gates=waiting,
            reason="needs a human before anything runs: the change adds a package that will be installed only "
                   "after approval (nothing of the change is installed or run until then): "
                   + "; ".join(f"{g.name}: {g.message}" for g in waiting))
        answer = wait_for_approval(question, plan, change.diff, round=INSTALL_ROUND + asked,
                                   timeout_minutes=seed.checkpoints.approval_timeout_minutes)
        approval_id = record_approval_task(state.repo, state.cycle_id, answer.action, answer.by, answer.comment,
                                           change.head_sha, flow_run_id=current_flow_run_id())
        answer, asked_head, asked = answer.model_copy(update={"approval_id": approval_id}), change.head_sha, asked + 1
        if answer.action == "approve":
            state.installs_approved.update(g.message for g in waiting)
            change, evaluation = improve_change(state, plan, resume=change)
        elif answer.action == "request_changes" and asked <= seed.execution.max_review_rounds + 1:
            change, evaluation = improve_change(state, plan, human_feedback(answer.comment, answer.by))
        else:
            return change, None, answer
    # an answer is about one commit: after a later round changed it, the checkpoint asks again
    return change, evaluation, answer if asked_head == change.head_sha else None


def _act_decide_land(state: CycleState, plan: Plan, *, approve: ApproveMode, started: datetime) -> CycleReport:
    decided = _decide_with_people(state, plan, approve)
    decision, change, evaluation = decided.decision, decided.change, decided.evaluation
    change_url, approval = "", decided.approval
    asked_again = 0
    while decision.outcome in ("merged", "pr_opened") and evaluation is not None:
        update_progress(state.progress, 90, "landing")
        landing = lean(land_task)(state.repo, state.loaded, plan, decision, change, before=state.before,
                                  evaluation=evaluation, approve=approve, approval=approval)
        decision, change_url = landing.decision, landing.change_url
        evaluation = landing.evaluation or evaluation
        if decision.outcome != "awaiting_human" or landing.change is None or asked_again > MAX_ASKED_AGAIN:
            break
        # the base moved while the change waited and the rebase changed what was approved: ask again
        change, asked_again = landing.change, asked_again + 1
        approval = _ask_again(state, plan, decision, change, asked_again)
        decision = _decide(state, plan, change, evaluation, approve, approval, decision.advisory)
    after = evaluation.coverage.total if evaluation else None
    report = _report(state.cycle_id, state.loaded.seed.project.name, started, ticket=plan.ticket,
                     decision=decision, before=state.before, after=after, change_url=change_url, repo=state.repo)
    report = lean(log_task)(state.repo, report, plan, change.diff, state.before, evaluation, state.worktree)
    update_progress(state.progress, 100, f"{decision.outcome}: {shorten(decision.reason)}", wait=True)
    return report


# How often a rebased change whose content changed is shown to a person again before it defers.
MAX_ASKED_AGAIN = 2


def _ask_again(state: CycleState, plan: Plan, decision: Decision, change: Change, n: int) -> Approval:
    """A new pause for the rebased change (its own key: the earlier answer does not apply)."""
    seed = state.loaded.seed
    update_progress(state.progress, 85, "the rebase changed the approved change; waiting for a person again")
    answer = wait_for_approval(decision, plan, change.diff, round=100 + n,
                               timeout_minutes=seed.checkpoints.approval_timeout_minutes)
    approval_id = record_approval_task(state.repo, state.cycle_id, answer.action, answer.by, answer.comment,
                                       change.head_sha, flow_run_id=current_flow_run_id())
    return answer.model_copy(update={"approval_id": approval_id})


def _plan_markdown(plan: Plan) -> str:
    lines = [f"# Plan for {plan.ticket.id}: {plan.ticket.title}", "", plan.summary, "", "## Acceptance criteria"]
    lines += [f"- [ ] {c}" for c in plan.acceptance_criteria]
    lines += ["", "## Scope", *[f"- `{p}`" for p in plan.scope]]
    if plan.tests_to_add:
        lines += ["", "## Tests to add", *[f"- {t}" for t in plan.tests_to_add]]
    if plan.risks:
        lines += ["", "## Risks", *[f"- {r}" for r in plan.risks]]
    return "\n".join(lines) + "\n"
