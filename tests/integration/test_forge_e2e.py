"""Forge-level end to end through the write gate: intake -> PR -> checks green -> land -> issue closed.

The growth cycle between intake and the write gate is simulated by a commit on the ticket's
branch; the full-cycle end to end (scripted model) lives with the cycle's tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from germinate.errors import WriteRefused
from germinate.forge.body import change_request_body
from germinate.forge.errors import MergeBlocked
from germinate.forge.local import LocalForge
from germinate.intake import intake
from germinate.models import Decision, GateResult, Plan
from germinate.policy import GATES
from germinate.store import ChangeRequestRow, Store, WriteRow
from germinate.writegate import WriteGate
from tests.fakes import github_fixtures
from tests.fakes.github_fixtures import GitHubWorld, github_seed

github_world = github_fixtures.github_world


def rev(worktree: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=worktree, capture_output=True, text=True,
                          check=True).stdout.strip()


def decision_for(ticket_id: str, branch: str, sha: str, outcome: str) -> Decision:
    gates = [GateResult(name=name, passed=True, message="ok") for name in GATES]
    return Decision(cycle_id=f"{ticket_id}-c1", ticket_id=ticket_id, outcome=outcome, reason="every gate passed",
                    gates=gates, head_sha=sha, branch=branch)  # type: ignore[arg-type]


def test_github_issue_to_merged_pr_and_closed_issue(github_world: GitHubWorld) -> None:
    world = github_world
    seed = github_seed(quality_gates={"ci_required_checks": ["ci/test"]},
                       automation_contract={"merge_policy": {"allow_auto_merge": True}})
    store = Store.open(repo=world.repo)
    forge = world.forge(seed, store=store)
    gate = WriteGate(store, "widget", forge, seed)
    number = world.fake.create_issue("Add X", labels=["ai-task"], body="X should exist")
    started: list[str] = []
    result = intake(store, "widget", seed, forge.list_tickets(["ai-task"]), repo=str(world.repo),
                    start=lambda r, t: started.append(t) or "run-1")  # type: ignore[func-returns-value]
    assert started == [f"gh-{number}"] and result.new == started

    ticket = forge.get_ticket(f"gh-{number}")
    wt = world.commit_on_branch(f"germinate/gh-{number}", "pkg/x.py", "X = 1\n")
    sha = rev(wt)
    proposed = decision_for(ticket.id, f"germinate/gh-{number}", sha, "pr_opened")
    plan = Plan(ticket=ticket, summary="Add module x", acceptance_criteria=["pkg.x.X == 1"], scope=["pkg/x.py"])
    body = change_request_body(plan, proposed, ledger_ref="germinate status --cycle gh-1-c1")
    cr = gate.open_change_request(proposed, branch=f"germinate/gh-{number}", worktree=wt, title="Add X", body=body)
    pr = world.fake.state.issues[int(cr.id)]
    assert "| gate | result |" in pr["body"] and "pkg.x.X == 1" in pr["body"] and f"ticket=gh-{number}" in pr["body"]

    landing = decision_for(ticket.id, f"germinate/gh-{number}", sha, "merged")
    with pytest.raises(MergeBlocked, match="ci/test"):
        gate.land(landing, cr, wt, "germinate: Add X")
    world.fake.add_check_run(sha, "ci/test", "success")
    merged = gate.land(landing, cr, wt, "germinate: Add X")
    assert world.fake.branch_sha("main") == merged
    gate.close_ticket(landing, ticket.id, f"Landed in {merged[:10]} via {cr.url}")
    issue = world.fake.state.issues[number]
    assert issue["state"] == "closed" and cr.url in world.fake.state.comments[number][0]["body"]
    with store.session() as s:
        kinds = [(w.kind, w.allowed) for w in s.scalars(select(WriteRow).order_by(WriteRow.id))]
    assert ("merge", True) in kinds and ("close_issue", True) in kinds
    with store.session() as s:
        rows = [(r.forge, r.external_id, r.state) for r in s.scalars(select(ChangeRequestRow))]
    assert rows == [("github", cr.id, "merged")]
    assert [k for k in world.fake.writes() if k[1].endswith("/merge")] == [("PUT", f"/repos/acme/widget/pulls/{cr.id}/merge")]


def test_freeze_label_blocks_the_write_gate_and_nothing_reaches_github(github_world: GitHubWorld) -> None:
    world = github_world
    seed = github_seed(automation_contract={"merge_policy": {"allow_auto_merge": True}})
    store = Store.open(repo=world.repo)
    gate = WriteGate(store, "widget", world.forge(seed), seed)
    number = world.fake.create_issue("Add X", labels=["ai-task", "needs-human-review"])
    wt = world.commit_on_branch(f"germinate/gh-{number}", "pkg/x.py", "X = 1\n")
    sha = rev(wt)
    before = len(world.fake.writes())
    with pytest.raises(WriteRefused, match="freeze"):
        gate.open_change_request(decision_for(f"gh-{number}", f"germinate/gh-{number}", sha, "pr_opened"),
                                 branch=f"germinate/gh-{number}", worktree=wt, title="t", body="b")
    with pytest.raises(WriteRefused, match="freeze"):
        gate.comment(None, f"ticket:gh-{number}", "hello")
    assert len(world.fake.writes()) == before and world.fake.branch_sha(f"germinate/gh-{number}") == ""


def test_local_ticket_to_landed_commit_and_closed_ticket(repo_factory) -> None:  # type: ignore[no-untyped-def]
    from germinate.seed import Seed

    repo = repo_factory({"pkg/__init__.py": ""}, name="widget")
    seed = Seed.model_validate({"project": {"name": "widget"},
                                "automation_contract": {"merge_policy": {"allow_auto_merge": True}}})
    store = Store.open(repo=repo)
    forge = LocalForge(repo, seed, store)
    ticket = forge.create_ticket("Add X", labels=["ai-task"])
    intake(store, "widget", seed, forge.list_tickets(["ai-task"]), repo=str(repo), start=lambda r, t: "run")
    wt = repo.parent / "wt"
    subprocess.run(["git", "worktree", "add", "-q", "-b", "germinate/local-1", str(wt)], cwd=repo, check=True)
    (wt / "pkg/x.py").write_text("X = 1\n")
    subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "x"], cwd=wt, check=True)
    sha = rev(wt)
    gate = WriteGate(store, "widget", forge, seed)
    landing = decision_for(ticket.id, "germinate/local-1", sha, "merged")
    merged = gate.land(landing, None, wt, "germinate: Add X")
    gate.close_ticket(landing, ticket.id, f"Landed in {merged[:10]}")
    assert (repo / "pkg/x.py").read_text() == "X = 1\n"  # the user's clean checkout followed main
    assert forge.list_tickets(["ai-task"]) == []
