"""The write gate: the only code that writes to the default branch or the forge.

Every merge, push, change request, comment, label and ticket close goes through
``WriteGate``. Each write is checked first and logged always (a ``writes`` row, allowed or
not). A write is refused (``WriteRefused``) when:

- a freeze label (``seed.labels.freeze``) is on the repository, the ticket or the target;
- it carries a ``Decision`` whose gates are missing, or whose blocking gates did not all pass,
  or whose outcome is not one that writes (rejected, failed, deferred, no_op);
- the worktree's HEAD is not the commit the decision judged (code changed after gating);
- landing: the tree that would land is not the tree that was tested (``tested_sha``), apart
  from the growth records Germinate itself commits after testing (growth log, capabilities);
- a person's approval is needed (a ``needs_approval`` gate, or ``land`` while the merge
  policy does not allow auto-merge) and none is on record for that cycle and head SHA
  (from a reviewer named in ``merge_policy.require_human_review_from`` when that is set).

``comment`` and ``set_labels`` may be called without a decision (status notes such as
"rejected: ..."); with one, the decision is checked like any other.
A test (``tests/unit/test_writegate_only_writer.py``) inspects the code base to prove that no
other module calls a forge write method or runs ``git push``/``merge``/``update-ref``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from germinate.errors import GerminateError, WriteRefused
from germinate.forge.base import ChangeRequest, Forge
from germinate.models import Decision
from germinate.seed import Seed
from germinate.store import ApprovalRow, DecisionRow, Store, WriteRow
from germinate.workspace import is_ancestor, patch_id, run_git

APPROVAL_ACTIONS = ("approve", "reject", "request_changes", "timeout")
_NON_WRITING = ("rejected", "failed", "deferred", "no_op")


def record_approval(store: Store, cycle_id: str, action: str, by: str, comment: str, head_sha: str, *,
                    flow_run_id: str = "") -> int:
    """Record a person's answer at a checkpoint for one cycle and head SHA; returns the row id."""
    if action not in APPROVAL_ACTIONS:
        raise WriteRefused(f"unknown approval action {action!r}. Fix: use one of {', '.join(APPROVAL_ACTIONS)}")
    with store.session() as s:
        decision_id = s.scalars(select(DecisionRow.id).where(DecisionRow.cycle_id == cycle_id)
                                .order_by(DecisionRow.id.desc())).first()
        row = ApprovalRow(cycle_id=cycle_id, decision_id=decision_id, head_sha=head_sha, action=action,
                          by=by, comment=comment, flow_run_id=flow_run_id)
        s.add(row)
        s.flush()
        return int(row.id)


class WriteGate:
    """Checks, performs and logs every write for one project."""

    def __init__(self, store: Store, project: str, forge: Forge, seed: Seed):
        self.store = store
        self.project = project
        self.forge = forge
        self.seed = seed

    # --- the writes ----------------------------------------------------------------

    def land(self, decision: Decision, change: ChangeRequest | None, worktree: Path, message: str, *,
             tested_sha: str = "") -> str:
        """Merge the decided change into the default branch; returns the new default-branch SHA.

        With ``tested_sha`` (the commit the tests ran on) the landing commit's tree must be that
        commit's tree, except for the growth records committed after the tests."""
        if change is None and decision.branch:  # the branch's open change request, if any
            found = self.forge.find_change_request(decision.branch)
            change = found if found is not None and found.state == "open" else None
        target = f"cr:{change.id}" if change is not None and change.id else f"ticket:{decision.ticket_id}"
        self._check("merge", target, decision, worktree=worktree, merge=True,
                    extra_targets=[f"cr:{change.id}"] if change is not None and change.id else [])
        untested = self._untested_reason(decision, worktree, tested_sha)
        if untested is not None:
            self._log("merge", target, decision, allowed=False, reason=untested)
            raise WriteRefused(f"write gate refused merge on {target}: {untested}")
        if change is None:
            change = ChangeRequest(id="", branch=decision.branch, title=message.splitlines()[0],
                                   head_sha=decision.head_sha, ticket_id=decision.ticket_id)
        branch = change.branch
        self._perform("push", branch, decision, lambda: self.forge.push_branch(branch, worktree))
        return str(self._perform("merge", target, decision,
                                 lambda: self.forge.merge(change, head_sha=decision.head_sha, message=message)))

    def open_change_request(self, decision: Decision, *, branch: str, worktree: Path, title: str,
                            body: str, draft: bool = True) -> ChangeRequest:
        """Push ``branch`` and open its change request, or update the one already open."""
        existing = self.forge.find_change_request(branch)
        if existing is not None and existing.state != "open":
            existing = None
        kind, target = ("update_pr", f"cr:{existing.id}") if existing is not None else ("open_pr", branch)
        self._check(kind, target, decision, worktree=worktree,
                    extra_targets=[target] if existing is not None else [])
        self._perform("push", branch, decision, lambda: self.forge.push_branch(branch, worktree))
        if existing is not None:
            return self._perform("update_pr", f"cr:{existing.id}", decision,
                                 lambda: self.forge.update_change_request(existing, title=title, body=body))
        return self._perform("open_pr", branch, decision, lambda: self.forge.open_change_request(
            branch=branch, title=title, body=body, draft=draft, ticket_id=decision.ticket_id))

    def comment(self, decision: Decision | None, target: str, body: str) -> None:
        """Comment on ``ticket:<id>`` / ``cr:<id>`` / ``repo``."""
        self._check("comment", target, decision, extra_targets=[target])
        self._perform("comment", target, decision, lambda: self.forge.comment(target, body),
                      detail={"chars": len(body)})

    def set_labels(self, decision: Decision | None, target: str, labels: Sequence[str]) -> None:
        """Replace the labels on ``target``."""
        self._check("label", target, decision, extra_targets=[target])
        self._perform("label", target, decision, lambda: self.forge.set_labels(target, list(labels)),
                      detail={"labels": list(labels)})

    def close_ticket(self, decision: Decision, ticket_id: str, comment: str) -> None:
        """Close a ticket the decided change resolved."""
        target = f"ticket:{ticket_id}"
        self._check("close_issue", target, decision, extra_targets=[target], require_decision=True)
        self._perform("close_issue", target, decision, lambda: self.forge.close_ticket(ticket_id, comment))

    # --- checks --------------------------------------------------------------------

    def _check(self, kind: str, target: str, decision: Decision | None, *, worktree: Path | None = None,
               merge: bool = False, extra_targets: Sequence[str] = (), require_decision: bool = False) -> None:
        reason = self._freeze_reason(decision, extra_targets)
        if reason is None and decision is None and (worktree is not None or require_decision):
            reason = "no decision: a change lands only with a Decision whose gates passed"
        if reason is None and decision is not None:
            reason = self._decision_reason(decision, merge=merge) or self._head_reason(decision, worktree)
            if reason is None and self._approval_needed(decision, merge=merge):
                reason = self._approval_reason(decision, worktree)
        if reason is not None:
            self._log(kind, target, decision, allowed=False, reason=reason)
            raise WriteRefused(f"write gate refused {kind} on {target}: {reason}")

    def _freeze_reason(self, decision: Decision | None, targets: Sequence[str]) -> str | None:
        freeze = self.seed.labels.freeze
        if freeze in self.forge.repo_labels():
            return f"the repository carries the freeze label {freeze!r}; a person must remove it"
        candidates = list(dict.fromkeys([*targets, *([f"ticket:{decision.ticket_id}"] if decision else [])]))
        for target in candidates:
            if target in ("repo", "cr:", "ticket:"):
                continue
            try:
                labels = self.forge.labels_of(target)
            except GerminateError as exc:
                # Fail closed: a freeze we cannot read (rate limit, outage) is not "no freeze".
                return f"cannot read the labels of {target} to check for a freeze ({exc}); retry later"
            if freeze in labels:
                return f"{target} carries the freeze label {freeze!r}; a person must remove it"
        return None

    @staticmethod
    def _decision_reason(decision: Decision, *, merge: bool) -> str | None:
        from germinate.policy import GATES

        missing = sorted(set(GATES) - {g.name for g in decision.gates})
        if missing:
            return f"the decision lacks gate results ({', '.join(missing)}); run every gate first"
        if decision.blocking_failures:
            return "blocking gate(s) failed: " + ", ".join(g.name for g in decision.blocking_failures)
        if decision.outcome in _NON_WRITING:
            return f"the decision's outcome is {decision.outcome!r}"
        if merge and decision.outcome != "merged":
            return f"the decision's outcome is {decision.outcome!r}, not 'merged'"
        if not decision.head_sha:
            return "the decision names no head commit"
        return None

    @staticmethod
    def _head_reason(decision: Decision, worktree: Path | None) -> str | None:
        if worktree is None:
            return None
        head = run_git(worktree, "rev-parse", "HEAD").strip()
        if head != decision.head_sha:
            return (f"the worktree is at {head[:12]} but the decision judged {decision.head_sha[:12]}; "
                    "gate the new commit first")
        return None

    def _untested_reason(self, decision: Decision, worktree: Path, tested_sha: str) -> str | None:
        """The commit that lands is the commit that was tested: compare their trees."""
        if not tested_sha:
            return None
        tested = run_git(worktree, "rev-parse", f"{tested_sha}^{{tree}}").strip()
        landing = run_git(worktree, "rev-parse", f"{decision.head_sha}^{{tree}}").strip()
        if tested == landing:
            return None
        records = {self.seed.reporting.growth_log, self.seed.reporting.capabilities}
        changed = [p for p in run_git(worktree, "diff", "--name-only", "--no-renames", tested_sha,
                                      decision.head_sha).splitlines() if p]
        untested = [p for p in changed if p not in records]
        if not untested:
            return None
        return (f"the commit to land ({decision.head_sha[:12]}, tree {landing[:12]}) is not the tested one "
                f"({tested_sha[:12]}, tree {tested[:12]}): {', '.join(untested[:10])} changed after the tests "
                "ran; test the new commit first")

    def _approval_needed(self, decision: Decision, *, merge: bool) -> bool:
        asked = any(g.severity == "needs_approval" for g in decision.gates)
        return asked or decision.needs_approval or (
            merge and not self.seed.automation_contract.merge_policy.allow_auto_merge)

    def _approval_reason(self, decision: Decision, worktree: Path | None) -> str | None:
        with self.store.session() as s:
            rows = list(s.scalars(select(ApprovalRow).where(ApprovalRow.cycle_id == decision.cycle_id)
                                  .order_by(ApprovalRow.id)))
        if worktree is not None:
            rows = [r for r in rows if self._same_change(r.head_sha, decision, worktree)]
        if not rows or rows[-1].action != "approve":
            state = f"the last answer was {rows[-1].action!r}" if rows else "none is on record"
            return (f"a person's approval is required for cycle {decision.cycle_id} at "
                    f"{decision.head_sha[:12]} and {state}. Fix: germinate approve")
        reviewers = self.seed.automation_contract.merge_policy.require_human_review_from
        if reviewers and rows[-1].by not in reviewers:
            return f"approved by {rows[-1].by or 'nobody named'}, but the merge policy requires one of {', '.join(reviewers)}"
        return None

    def _same_change(self, approved: str, decision: Decision, worktree: Path) -> bool:
        """The approved commit, or it plus commits that only touch the growth records, or the same
        content rebased (``approval_covers``)."""
        head = decision.head_sha
        if approved == head:
            return True
        if not approved:
            return False
        records = (self.seed.reporting.growth_log, self.seed.reporting.capabilities)
        if is_ancestor(worktree, approved, head):
            touched = set(run_git(worktree, "diff", "--name-only", approved, head).split())
            return touched <= set(records)
        return approval_covers(worktree, approved, decision.base_sha, head, records)

    # --- performing and logging ----------------------------------------------------

    def _perform(self, kind: str, target: str, decision: Decision | None, action: Any,
                 detail: dict[str, Any] | None = None) -> Any:
        try:
            result = action()
        except Exception as exc:
            self._log(kind, target, decision, allowed=True, reason=f"failed: {exc}", detail=detail)
            raise
        info = dict(detail or {})
        if isinstance(result, ChangeRequest):
            info.update(change_request=result.id, url=result.url)
        elif isinstance(result, str):
            info["sha"] = result
        self._log(kind, target, decision, allowed=True, reason="ok", detail=info)
        return result

    def _log(self, kind: str, target: str, decision: Decision | None, *, allowed: bool, reason: str,
             detail: dict[str, Any] | None = None) -> None:
        info = {"head_sha": decision.head_sha, "outcome": decision.outcome} if decision else {}
        info.update(detail or {})
        with self.store.session() as s:
            decision_id = None
            if decision is not None:
                decision_id = s.scalars(select(DecisionRow.id).where(DecisionRow.cycle_id == decision.cycle_id)
                                        .order_by(DecisionRow.id.desc())).first()
            s.add(WriteRow(project=self.project, kind=kind, target=target,
                           cycle_id=decision.cycle_id if decision else None, decision_id=decision_id,
                           allowed=allowed, reason=reason, detail=info))


def approval_covers(worktree: Path, approved: str, base: str, head: str, records: Sequence[str] = ()) -> bool:
    """An approval of ``approved`` covers ``base..head`` when both are the same change: the diff
    of the approved commit against its own base (where it forked from ``head``'s line) has the
    patch id of ``base..head`` (growth records left out). A clean rebase keeps it; a rebase
    that changed what the person saw does not."""
    if not base:
        return False
    try:
        fork = run_git(worktree, "merge-base", approved, head).strip()
        theirs = patch_id(worktree, fork, approved, tuple(records))
        ours = patch_id(worktree, base, head, tuple(records))
    except GerminateError:  # the approved commit is gone (garbage-collected): it covers nothing
        return False
    return bool(theirs) and theirs == ours
