"""The write gate against a recording forge, a real git worktree and a real SQLite store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from germinate.errors import RepoError, WriteRefused
from germinate.forge.base import ChangeRequest, CheckStatus, Forge
from germinate.models import Decision, GateResult, ReviewComment, Ticket
from germinate.policy import GATES
from germinate.seed import Seed
from germinate.store import Store, WriteRow
from germinate.workspace import add_worktree, commit_worktree, head_sha
from germinate.writegate import WriteGate, record_approval


class RecordingForge:
    """A Forge that records every write instead of performing it."""

    kind = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.labels: dict[str, list[str]] = {}
        self.repo: list[str] = []
        self.crs: dict[str, ChangeRequest] = {}

    def list_tickets(self, labels: Sequence[str] = ()) -> list[Ticket]:
        return []

    def get_ticket(self, ticket_id: str) -> Ticket:
        return Ticket(id=ticket_id, title="t")

    def repo_labels(self) -> list[str]:
        return list(self.repo)

    def labels_of(self, target: str) -> list[str]:
        return list(self.labels.get(target, []))

    def find_change_request(self, branch: str) -> ChangeRequest | None:
        return self.crs.get(branch)

    def checks(self, ref: str) -> list[CheckStatus]:
        return []

    def review_feedback(self, change: ChangeRequest) -> list[ReviewComment]:
        return []

    def approvals(self, change: ChangeRequest) -> list[str]:
        return []

    def push_branch(self, branch: str, worktree: Path) -> None:
        self.calls.append(("push_branch", branch))

    def open_change_request(self, *, branch: str, title: str, body: str, draft: bool, ticket_id: str) -> ChangeRequest:
        cr = ChangeRequest(id=str(len(self.crs) + 1), branch=branch, title=title, body=body, draft=draft,
                           ticket_id=ticket_id, url=f"fake://cr/{len(self.crs) + 1}")
        self.crs[branch] = cr
        self.calls.append(("open_change_request", branch))
        return cr

    def update_change_request(self, change: ChangeRequest, *, title: str | None = None, body: str | None = None,
                              draft: bool | None = None) -> ChangeRequest:
        self.calls.append(("update_change_request", change.id))
        return change.model_copy(update={"title": title or change.title})

    def comment(self, target: str, body: str) -> None:
        self.calls.append(("comment", target))

    def set_labels(self, target: str, labels: Sequence[str]) -> None:
        self.calls.append(("set_labels", (target, list(labels))))

    def merge(self, change: ChangeRequest, *, head_sha: str, message: str) -> str:
        self.calls.append(("merge", head_sha))
        return "f" * 40

    def close_ticket(self, ticket_id: str, comment: str) -> None:
        self.calls.append(("close_ticket", ticket_id))


def _seed(**contract: Any) -> Seed:
    return Seed.model_validate({"project": {"name": "demo"}, "automation_contract": contract})


@pytest.fixture
def setup(repo_factory: Any, tmp_path: Path) -> tuple[Store, Path, RecordingForge]:
    repo = repo_factory({"app.py": "x = 1\n", "AUTOGEN_LOG.md": "# log\n"})
    worktree = add_worktree(repo, "t1", "main", branch="germinate/local-1")
    (worktree / "app.py").write_text("x = 2\n")
    commit_worktree(worktree, "change")
    store = Store.open(url=f"sqlite:///{tmp_path / 'state.db'}")
    return store, worktree, RecordingForge()


def _decision(worktree: Path, *, outcome: str = "merged", gates: list[GateResult] | None = None) -> Decision:
    passing = [GateResult(name=n, passed=True, message="ok") for n in GATES]
    return Decision(cycle_id="c1", ticket_id="local-1", outcome=outcome, reason="r",  # type: ignore[arg-type]
                    gates=passing if gates is None else gates, head_sha=head_sha(worktree),
                    branch="germinate/local-1")


def _writes(store: Store) -> list[tuple[str, bool, str]]:
    with store.session() as s:
        return [(w.kind, w.allowed, w.reason) for w in s.scalars(select(WriteRow).order_by(WriteRow.id))]


def test_land_needs_every_gate_and_a_passing_result(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed(merge_policy={"allow_auto_merge": True}))
    with pytest.raises(WriteRefused, match="lacks gate results"):
        gate.land(_decision(worktree, gates=[]), None, worktree, "m")
    failing = [GateResult(name=n, passed=n != "secrets", message="x") for n in GATES]
    with pytest.raises(WriteRefused, match="secrets"):
        gate.land(_decision(worktree, gates=failing), None, worktree, "m")
    with pytest.raises(WriteRefused, match="'pr_opened', not 'merged'"):
        gate.land(_decision(worktree, outcome="pr_opened"), None, worktree, "m")
    assert forge.calls == []
    assert [w[:2] for w in _writes(store)] == [("merge", False)] * 3
    assert gate.land(_decision(worktree), None, worktree, "m") == "f" * 40
    assert forge.calls == [("push_branch", "germinate/local-1"), ("merge", head_sha(worktree))]
    assert [w[:2] for w in _writes(store)][-2:] == [("push", True), ("merge", True)]


def test_land_without_auto_merge_needs_an_approval_for_that_head(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed())
    decision = _decision(worktree)
    with pytest.raises(WriteRefused, match="approval is required"):
        gate.land(decision, None, worktree, "m")
    record_approval(store, "c1", "approve", "ana", "", "0" * 40)  # another commit
    with pytest.raises(WriteRefused, match="none is on record"):
        gate.land(decision, None, worktree, "m")
    record_approval(store, "c1", "approve", "ana", "ok", decision.head_sha)
    record_approval(store, "c1", "reject", "bo", "no", decision.head_sha)
    with pytest.raises(WriteRefused, match="last answer was 'reject'"):
        gate.land(decision, None, worktree, "m")
    record_approval(store, "c1", "approve", "bo", "fine now", decision.head_sha)
    gate.land(decision, None, worktree, "m")
    assert ("merge", decision.head_sha) in forge.calls


def test_approval_survives_only_a_growth_record_commit(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed())
    approved = head_sha(worktree)
    record_approval(store, "c1", "approve", "ana", "", approved)
    (worktree / "AUTOGEN_LOG.md").write_text("# log\n- cycle c1\n")
    commit_worktree(worktree, "growth log")
    gate.land(_decision(worktree), None, worktree, "m")  # records only: the approval holds
    (worktree / "app.py").write_text("x = 3  # changed after approval\n")
    commit_worktree(worktree, "sneaky")
    with pytest.raises(WriteRefused, match="approval"):
        gate.land(_decision(worktree), None, worktree, "m")


def test_needs_approval_gate_blocks_a_change_request_until_approved(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed())
    gates = [GateResult(name=n, passed=n != "approval", severity="needs_approval" if n == "approval" else "block",
                        message="new dependency") for n in GATES]
    decision = _decision(worktree, outcome="pr_opened", gates=gates)
    with pytest.raises(WriteRefused, match="approval"):
        gate.open_change_request(decision, branch="germinate/local-1", worktree=worktree, title="t", body="b")
    record_approval(store, "c1", "approve", "ana", "", decision.head_sha)
    cr = gate.open_change_request(decision, branch="germinate/local-1", worktree=worktree, title="t", body="b")
    again = gate.open_change_request(decision, branch="germinate/local-1", worktree=worktree, title="t2", body="b")
    assert again.id == cr.id
    assert [c[0] for c in forge.calls] == ["push_branch", "open_change_request", "push_branch",
                                          "update_change_request"]


def test_reviewer_must_be_one_the_merge_policy_names(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed(merge_policy={"require_human_review_from": ["lead"]}))
    decision = _decision(worktree)
    record_approval(store, "c1", "approve", "intern", "", decision.head_sha)
    with pytest.raises(WriteRefused, match="requires one of lead"):
        gate.land(decision, None, worktree, "m")
    record_approval(store, "c1", "approve", "lead", "", decision.head_sha)
    gate.land(decision, None, worktree, "m")


def test_freeze_label_blocks_every_automated_write(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed(merge_policy={"allow_auto_merge": True}))
    forge.labels["ticket:local-1"] = ["needs-human-review"]
    with pytest.raises(WriteRefused, match="freeze"):
        gate.comment(None, "ticket:local-1", "hello")
    with pytest.raises(WriteRefused, match="freeze"):
        gate.land(_decision(worktree), None, worktree, "m")
    with pytest.raises(WriteRefused, match="freeze"):
        gate.close_ticket(_decision(worktree), "local-1", "done")
    forge.labels.clear()
    forge.repo = ["needs-human-review"]
    with pytest.raises(WriteRefused, match="repository carries"):
        gate.set_labels(None, "ticket:local-2", ["bug"])
    assert forge.calls == []
    assert all(not allowed for _, allowed, _ in _writes(store))


def test_code_changed_after_gating_is_refused(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed(merge_policy={"allow_auto_merge": True}))
    decision = _decision(worktree)
    (worktree / "app.py").write_text("x = 4\n")
    commit_worktree(worktree, "after the gates ran")
    with pytest.raises(WriteRefused, match="gate the new commit first"):
        gate.land(decision, None, worktree, "m")


def test_status_comments_need_no_decision_but_a_rejected_one_writes_nothing(setup: Any) -> None:
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed())
    gate.comment(None, "ticket:local-1", "rejected: secrets gate")
    gate.set_labels(None, "ticket:local-1", ["germinate-rejected"])
    rejected = _decision(worktree, outcome="rejected")
    with pytest.raises(WriteRefused, match="'rejected'"):
        gate.close_ticket(rejected, "local-1", "done")
    assert forge.calls == [("comment", "ticket:local-1"), ("set_labels", ("ticket:local-1", ["germinate-rejected"]))]
    assert [w[:2] for w in _writes(store)] == [("comment", True), ("label", True), ("close_issue", False)]


def test_a_failing_forge_write_is_logged_and_raised(setup: Any) -> None:
    store, worktree, forge = setup

    def broken(target: str, body: str) -> None:
        raise RepoError("forge down")

    forge.comment = broken  # type: ignore[method-assign]
    gate = WriteGate(store, "demo", forge, _seed())
    with pytest.raises(RepoError):
        gate.comment(None, "ticket:local-1", "x")
    assert _writes(store) == [("comment", True, "failed: forge down")]


def test_recording_forge_satisfies_the_protocol() -> None:
    assert isinstance(RecordingForge(), Forge)


def test_unknown_approval_action_is_refused(tmp_path: Path) -> None:
    store = Store.open(url=f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(WriteRefused, match="unknown approval action"):
        record_approval(store, "c1", "yolo", "x", "", "a" * 40)


def test_the_commit_that_lands_is_the_commit_that_was_tested(setup: Any) -> None:
    """A commit made after the tests ran (and judged as is) lands only if it adds growth records."""
    store, worktree, forge = setup
    gate = WriteGate(store, "demo", forge, _seed(merge_policy={"allow_auto_merge": True}))
    tested = head_sha(worktree)
    (worktree / "app.py").write_text("x = 'not what the tests saw'\n")
    commit_worktree(worktree, "slipped in after the tests")
    with pytest.raises(WriteRefused, match=r"is not the tested one .*app.py changed after the tests"):
        gate.land(_decision(worktree), None, worktree, "m", tested_sha=tested)
    assert forge.calls == [] and _writes(store)[-1][:2] == ("merge", False)

    (worktree / "app.py").write_text("x = 2\n")
    (worktree / "AUTOGEN_LOG.md").write_text("# log\n\n## entry\n")
    commit_worktree(worktree, "growth records only")
    assert gate.land(_decision(worktree), None, worktree, "m", tested_sha=tested) == "f" * 40
