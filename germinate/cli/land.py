"""``germinate land CHANGE``: land a local change request, as it stands, through the write gate.

A growth cycle whose seed does not allow auto-merge ends ``pr_opened``: its branch waits as
a local change request (``germinate status`` lists them). Landing it is a person's act:

1. the change request is found by id or branch; its branch must start from the tip of the
   default branch (otherwise: rebase it, and it is judged again);
2. every gate runs again on the change as it stands, tests included, with the seed
   committed at the base (what ``germinate gate`` does);
3. a person's approval must be on record for that cycle and commit (``germinate approve``
   at a checkpoint, or ``--approve`` here, which records it), from a reviewer the merge
   policy names when it names any;
4. the growth log entry is committed on the branch and the write gate merges it.

Exit 0 landed, 1 blocked by a gate, 2 waiting for an approval, 3 error. Nothing lands
unless every blocking gate passed; the user's checkout moves only if it is clean.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import uuid
from pathlib import Path
from typing import Any

from germinate.errors import ConfigError, GerminateError, RepoError

EXIT_LANDED, EXIT_BLOCKED, EXIT_APPROVAL, EXIT_ERROR = 0, 1, 2, 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "land",
        help="land a local change request through the write gate (gates re-run; approval required)",
        description="Re-run every gate on the local change request CHANGE (its id or branch) as it "
        "stands, check that a person approved it (or record that approval with --approve), write the "
        "growth log entry and merge it into the default branch through the write gate. "
        "Exit 0 landed, 1 blocked, 2 approval needed, 3 error.",
    )
    p.add_argument("change", metavar="CHANGE", help="change request id or branch ('germinate status' lists them)")
    p.add_argument("--repo", default=".", help="the target repository (default: .)")
    p.add_argument("--approve", action="store_true",
                   help="record your approval of the change as it stands, then land it")
    p.add_argument("--by", default=None, help="who approves (default: your login name)")
    p.add_argument("--comment", default="", help="a note stored with the approval")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except GerminateError as exc:  # as with 'germinate gate': 3 is "broken", never "blocked"
        print(f"germinate land: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    from germinate.forge.factory import open_forge
    from germinate.seed import growth_seed
    from germinate.store import Store
    from germinate.workspace import repo_root

    repo = repo_root(args.repo)
    loaded = growth_seed(repo)
    if str(loaded.path).startswith("("):
        raise ConfigError(f"no seed.yaml is committed on the default branch of {repo}; nothing says who may "
                          "land what. Fix: 'germinate init', commit seed.yaml, then land")
    seed = loaded.seed
    store = Store.open(repo=repo)
    try:
        forge = open_forge(repo, seed, store)
        if forge.kind != "local":
            raise ConfigError(f"forge.kind is {forge.kind!r}: merge the pull request on the forge; "
                              "'germinate land' lands local change requests")
        return _land(repo, loaded, store, forge, args)
    finally:
        store.close()


def _land(repo: Path, loaded: Any, store: Any, forge: Any, args: argparse.Namespace) -> int:
    from germinate.workspace import head_sha, is_ancestor

    change, cycle = _find(store, forge, args.change)
    default = loaded.seed.project.repo.default_branch
    base = head_sha(repo, f"refs/heads/{default}")
    head = head_sha(repo, f"refs/heads/{change.branch}")
    if not is_ancestor(repo, base, head):
        raise RepoError(f"branch {change.branch} does not start from the tip of {default} ({base[:12]}): "
                        f"what would land was never tested. Fix: rebase it (git rebase {default} "
                        f"{change.branch}), then 'germinate land {change.id}' judges it again")
    if args.approve:
        from germinate.writegate import record_approval

        record_approval(store, cycle.id, "approve", args.by or getpass.getuser(), args.comment, head)
    print(f"landing change request {change.id} ({change.branch}, cycle {cycle.id}) onto {default}")
    reviewers = loaded.seed.automation_contract.merge_policy.require_human_review_from
    approved = _approved(store, cycle.id, head, reviewers)
    results, report = _judge(repo, base, head, approved=approved)
    print(_table(report, results))
    from germinate.policy import verdict

    outcome = verdict(results)
    if outcome == "blocked":
        print(f"not landed: blocked by {', '.join(r.name for r in results if not r.passed and r.severity == 'block')}")
        return EXIT_BLOCKED
    if not approved and (outcome == "needs_approval" or reviewers
                         or not loaded.seed.automation_contract.merge_policy.allow_auto_merge):
        who = f" from one of {', '.join(reviewers)} (merge_policy.require_human_review_from)" if reviewers else ""
        print(f"not landed: a person's approval{who} is needed for {head[:12]}. "
              f"Fix: germinate land {change.id} --approve [--by NAME]")
        return EXIT_APPROVAL
    return _merge(repo, loaded, store, forge, change, cycle, base, head, results, report)


def _find(store: Any, forge: Any, wanted: str) -> tuple[Any, Any]:
    """The open change request ``wanted`` (id or branch) and the cycle that made it."""
    from sqlalchemy import select

    from germinate.store import ChangeRequestRow, CycleRow

    with store.session() as s:
        q = select(ChangeRequestRow).where(ChangeRequestRow.forge == "local")
        rows = [r for r in s.scalars(q) if str(r.id) == wanted or r.branch == wanted]
        if not rows:
            raise ConfigError(f"no local change request {wanted!r}. Fix: pick one from 'germinate status'")
        row = rows[-1]
        if row.state != "open":
            raise ConfigError(f"change request {row.id} ({row.branch}) is {row.state}; only an open one lands")
        cycle = s.scalars(select(CycleRow).where(CycleRow.branch == row.branch)
                          .order_by(CycleRow.started_at.desc())).first()
    change = forge.find_change_request(row.branch)
    if cycle is None or change is None:
        raise ConfigError(f"change request {row.id} has no recorded growth cycle for {row.branch}; "
                          "only changes Germinate proposed land this way")
    return change, cycle


def _approved(store: Any, cycle_id: str, head: str, reviewers: list[str] | None = None) -> bool:
    """The last answer on record for this cycle and commit is an approval (by a named reviewer
    when the merge policy names any)."""
    from germinate.cycle.records import approvals_for

    rows = [r for r in approvals_for(store, cycle_id) if r.head_sha == head]
    return bool(rows) and rows[-1].action == "approve" and (not reviewers or rows[-1].by in reviewers)


def _judge(repo: Path, base: str, head: str, *, approved: bool) -> tuple[list[Any], dict[str, Any]]:
    """Every gate on base..head, tests included (``germinate gate``); approvals applied."""
    from germinate.cli.gate import gate_change
    from germinate.models import GateResult

    report = gate_change(repo, base=base, head=head, run_tests=True)
    results = [GateResult.model_validate(g) for g in report["gates"]]
    if approved:
        results = [r.model_copy(update={"passed": True, "message": f"approved: {r.message}"})
                   if not r.passed and r.severity == "needs_approval" else r for r in results]
    return results, report


def _table(report: dict[str, Any], results: list[Any]) -> str:
    from germinate.cli.gate import render

    return "\n".join(render({**report, "gates": [r.model_dump() for r in results]}).splitlines()[:-1])


def _merge(repo: Path, loaded: Any, store: Any, forge: Any, change: Any, cycle: Any, base: str, head: str,
           results: list[Any], report: dict[str, Any]) -> int:
    """Commit the growth log entry on the branch and land it through the write gate."""
    from germinate.cycle.log import commit_growth_records
    from germinate.cycle.records import record_decision, set_cycle_outcome
    from germinate.models import Decision, Plan, Ticket
    from germinate.writegate import WriteGate

    seed = loaded.seed
    worktree, made = _branch_worktree(repo, change.branch, head)
    try:
        ticket_id = cycle.ticket_id or f"cr-{change.id}"
        plan = Plan(ticket=Ticket(id=ticket_id, title=change.title.removeprefix(f"{ticket_id}: ")))
        decision = Decision(cycle_id=cycle.id, ticket_id=plan.ticket.id, outcome="merged", gates=results,
                            reason=f"every blocking gate passed again at {head[:12]}; landed by a person "
                                   f"(germinate land {change.id})", base_sha=base, head_sha=head,
                            branch=change.branch)
        tests = report.get("tests") or {}  # this command's own gate run measured both sides
        landed_head = commit_growth_records(worktree, seed, decision, plan, before=None, evaluation=None,
                                            coverage=(tests.get("base_coverage"), tests.get("coverage")))
        decision = decision.model_copy(update={"head_sha": landed_head})
        record_decision(store, decision)
        gate = WriteGate(store, seed.project.name, forge, seed)
        sha = gate.land(decision, change, worktree, f"germinate: {change.title}\n\n{decision.reason}")
        set_cycle_outcome(store, cycle.id, "merged", decision.reason, landed_head)
    finally:
        if made:
            from germinate.workspace import remove_worktree

            remove_worktree(repo, worktree)
    print(f"landed change request {change.id}: {seed.project.repo.default_branch} is now {sha[:12]}")
    return EXIT_LANDED


def _branch_worktree(repo: Path, branch: str, head: str) -> tuple[Path, bool]:
    """A clean worktree on ``branch`` at ``head``: the cycle's own if still there, else a new one."""
    from germinate.forge.local_merge import worktrees_on
    from germinate.workspace import add_worktree, head_sha, is_dirty

    for tree in worktrees_on(repo, branch):
        if head_sha(tree) == head and not is_dirty(tree):
            return tree, False
        raise RepoError(f"branch {branch} is checked out at {tree} with other work; Germinate will not "
                        "commit there. Fix: commit or clean that checkout, or switch it to another branch")
    return add_worktree(repo, f"land-{uuid.uuid4().hex[:10]}", head, branch=branch), True
