"""Landing, Prefect-free: serialised per repository, rebased and re-tested if the base moved.

Parallel cycles each work in their own worktree; only landing is serialised (an exclusive
file lock per target, held across processes). Under the lock: if the default branch moved
since the change's base, the change is rebased onto it and measured and gated again; then
the growth log and capabilities doc are committed on the change's branch and the write gate
merges it (``merged``) or opens a change request (``pr_opened``). Nothing else writes.

The change request's body carries the plan, acceptance criteria, gate table, reward and a
ledger reference. On GitHub even a merge goes through a (draft) pull request, so the
evidence is on the forge; after a merge the forge ticket (local or GitHub issue) is closed
with a link to the landed commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from germinate.cycle.act import describe_change
from germinate.cycle.decide import Approval, ApproveMode, decide
from germinate.cycle.evidence import evaluate, prove, run_gates, ticket_gates
from germinate.cycle.log import commit_growth_records
from germinate.cycle.proof import TICKET_PROOF
from germinate.cycle.records import record_decision
from germinate.errors import GerminateError, RepoError, WriteRefused
from germinate.forge.body import change_request_body
from germinate.forge.errors import ChangeRequestGone, MergeBlocked
from germinate.home import project_dir, state_lock
from germinate.llm import spend_from_ledger
from germinate.models import Change, Decision, Evaluation, Plan, Snapshot
from germinate.seed import LoadedSeed
from germinate.store import Store
from germinate.workspace import BOT_IDENTITY, head_sha, is_ancestor, run_git
from germinate.writegate import WriteGate, approval_covers

log = logging.getLogger(__name__)
# Tickets that live on a forge (closed there once their change lands); seed epics, scout
# findings and webhook fix tickets live only in the store.
FORGE_SOURCES = frozenset({"local", "github"})


class Landing(BaseModel):
    """What landing did: the final decision, the change's URL or commit, the evaluation used."""

    model_config = ConfigDict(frozen=True)

    decision: Decision
    change_url: str = ""
    landed_sha: str = ""
    evaluation: Evaluation | None = None
    change: Change | None = None  # the rebased change, when landing rebased it


@contextmanager
def landing_lock(repo: Path) -> Iterator[None]:
    """One landing at a time per target repository (across threads and processes)."""
    with state_lock(project_dir(repo, "locks") / "landing.lock"):
        yield


def is_landed(repo: Path, default_branch: str, sha: str) -> bool:
    """True if ``sha`` is already on the default branch (a resumed cycle must not land twice)."""
    return is_ancestor(repo, sha, f"refs/heads/{default_branch}")


def rebase_change(change: Change, new_base: str) -> Change | None:
    """The change replayed onto ``new_base`` in its worktree; None if it conflicts (aborted)."""
    worktree = Path(change.worktree)
    try:
        run_git(worktree, *BOT_IDENTITY, "rebase", "-q", "--onto", new_base, change.base_sha)
    except RepoError:
        run_git(worktree, "rebase", "--abort", check=False)
        return None
    return describe_change(change.ticket_id, change.branch, worktree, new_base, rounds=change.rounds,
                           notes=[*change.notes, f"rebased onto {new_base[:10]}"])


def land_change(
    repo: Path, loaded: LoadedSeed, store: Store, plan: Plan, decision: Decision, change: Change, *,
    before: Snapshot, evaluation: Evaluation, approve_mode: ApproveMode = "auto",
    approval: Approval | None = None,
) -> Landing:
    """Land (``merged``) or propose (``pr_opened``) a decided change through the write gate."""
    from germinate.forge.factory import open_forge

    seed = loaded.seed
    default = seed.project.repo.default_branch
    forge = open_forge(repo, seed, store)
    gate = WriteGate(store, seed.project.name, forge, seed)
    with landing_lock(repo):
        tip = head_sha(change.worktree)  # after a landing (even a rebased one) the branch tip is on main
        landed = is_landed(repo, default, decision.head_sha) or (
            tip != change.base_sha and is_landed(repo, default, tip))
        if decision.outcome == "merged" and landed:  # a resumed run: only the ticket may still be open
            sha = head_sha(repo, f"refs/heads/{default}")
            found = forge.find_change_request(change.branch) if forge.kind == "github" else None
            url = found.url if found is not None and found.url else f"{default}@{sha[:10]}"
            close_forge_ticket(gate, plan, decision, f"Landed in {sha} via {url}")
            return Landing(decision=decision, landed_sha=sha, change_url=url)
        current = head_sha(repo, f"refs/heads/{default}")
        if decision.outcome == "merged" and current != change.base_sha:
            moved = _rebase_and_redecide(repo, loaded, store, plan, decision, change, current, before=before,
                                         approve_mode=approve_mode, approval=approval)
            if moved.decision.outcome != "merged":
                return moved
            decision, change, evaluation = moved.decision, _as_change(moved, change), moved.evaluation or evaluation
        if decision.outcome == "merged":  # the growth log records only what lands
            head = commit_growth_records(Path(change.worktree), seed, decision, plan, before=before,
                                         evaluation=evaluation)
            decision = decision.model_copy(update={"head_sha": head})
        try:
            return _write(gate, store, plan, decision, change, evaluation, default)
        except MergeBlocked as exc:  # the draft PR is open; it merges once checks/reviewers allow
            waiting = decision.model_copy(update={"outcome": "pr_opened", "reason": f"{decision.reason}; {exc}"})
            record_decision(store, waiting)
            found = forge.find_change_request(change.branch)
            return Landing(decision=waiting, change_url=found.url if found else "", evaluation=evaluation)
        except (RepoError, WriteRefused, ChangeRequestGone) as exc:  # e.g. a dirty checkout: try again later
            deferred = decision.model_copy(update={
                "outcome": "deferred", "reason": f"could not land: {exc}; branch {change.branch} kept"})
            record_decision(store, deferred)
            return Landing(decision=deferred, evaluation=evaluation)


def _write(gate: WriteGate, store: Store, plan: Plan, decision: Decision, change: Change,
           evaluation: Evaluation, default: str) -> Landing:
    title = f"{plan.ticket.id}: {plan.ticket.title}"
    body = change_request_body(plan, decision, ledger_ref=ledger_ref(store, gate.project, decision),
                               ticket_url=plan.ticket.source_ref if plan.ticket.source == "github" else "")
    worktree = Path(change.worktree)
    if decision.outcome != "merged":
        cr = gate.open_change_request(decision, branch=change.branch, worktree=worktree, title=title, body=body)
        return Landing(decision=decision, change_url=cr.url or f"change request {cr.id}", evaluation=evaluation)
    opened = None
    if gate.forge.kind == "github":  # the evidence goes on a (draft) PR first; land marks it ready
        opened = gate.open_change_request(decision, branch=change.branch, worktree=worktree, title=title,
                                          body=body)
    sha = gate.land(decision, opened, worktree, f"germinate: {title}\n\n{decision.reason}",
                    tested_sha=evaluation.head_sha)
    url = opened.url if opened is not None and opened.url else f"{default}@{sha[:10]}"
    close_forge_ticket(gate, plan, decision, f"Landed in {sha} via {url}")
    return Landing(decision=decision, landed_sha=sha, change_url=url, evaluation=evaluation)


def ledger_ref(store: Store, project: str, decision: Decision) -> str:
    """The cycle's model calls as recorded in the ledger (``agent_runs``)."""
    spent = spend_from_ledger(store, project, cycle_id=decision.cycle_id)
    cost = f"${spent.dollars:.4f}" if spent.cost_known else "cost unknown"
    return f"{spent.calls} model call(s), {spent.tokens} tokens, {cost} in the ledger"


def close_forge_ticket(gate: WriteGate, plan: Plan, decision: Decision, comment: str) -> None:
    """Close the landed change's forge ticket with a link; a refusal never undoes the merge."""
    if plan.ticket.source not in FORGE_SOURCES:
        return
    try:
        gate.close_ticket(decision, plan.ticket.id, comment)
    except GerminateError as exc:  # e.g. a person froze the issue meanwhile: it stays open, logged
        log.warning("landed %s but did not close ticket %s: %s", decision.head_sha[:10], plan.ticket.id, exc)


def _as_change(landing: Landing, old: Change) -> Change:
    return old.model_copy(update={"base_sha": landing.decision.base_sha, "head_sha": landing.decision.head_sha})


def _rebase_and_redecide(
    repo: Path, loaded: LoadedSeed, store: Store, plan: Plan, decision: Decision, change: Change,
    new_base: str, *, before: Snapshot, approve_mode: ApproveMode, approval: Approval | None,
) -> Landing:
    """The base moved: rebase, re-test, re-gate, decide again (recorded)."""
    rebased = rebase_change(change, new_base)
    if rebased is None:
        deferred = decision.model_copy(update={
            "outcome": "deferred",
            "reason": f"the default branch moved to {new_base[:10]} and the change no longer rebases "
                      "cleanly; branch kept for another attempt"})
        record_decision(store, deferred)
        return Landing(decision=deferred)
    note = f" (re-tested after rebase onto {new_base[:10]})"
    if approval is not None and approval.action == "approve" and not _still_approved(loaded, change, rebased):
        approval = None  # the person approved other content: ask again, never land on the old answer
        note += "; the rebase changed what was approved, so a person is asked again"
    evaluation = evaluate(repo, loaded, rebased)
    proven = any(g.name == TICKET_PROOF for g in decision.gates)  # the same gates as the first decision
    if proven:
        evaluation = prove(repo, loaded, plan, rebased, evaluation)
    gates = run_gates(repo, loaded, rebased, evaluation=evaluation, before=before, ticket=plan.ticket,
                      approved=approval is not None and approval.action == "approve")
    if proven:
        gates += ticket_gates(loaded, plan, rebased, evaluation)
    again = decide(cycle_id=decision.cycle_id, ticket=plan.ticket, change=rebased, gates=gates,
                   reward=decision.reward, seed=loaded.seed, approve_mode=approve_mode, approval=approval,
                   advisory=decision.advisory)
    again = again.model_copy(update={"reason": again.reason + note})
    record_decision(store, again)
    return Landing(decision=again, evaluation=evaluation, change=rebased)


def _still_approved(loaded: LoadedSeed, approved: Change, rebased: Change) -> bool:
    """Whether the approval of ``approved`` covers its rebase (same content: patch id)."""
    records = (loaded.seed.reporting.growth_log, loaded.seed.reporting.capabilities)
    return approval_covers(Path(rebased.worktree), approved.head_sha, rebased.base_sha, rebased.head_sha, records)
