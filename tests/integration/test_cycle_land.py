"""Landing without Prefect: a change whose base moved is rebased, re-tested, re-gated, then merged;
the growth records land with it; landing again is a no-op."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo import make_target
from germinate.cycle.act import describe_change, prepare_worktree
from germinate.cycle.decide import decide
from germinate.cycle.evidence import evaluate, run_gates
from germinate.cycle.land import land_change
from germinate.metrics import take_snapshot
from germinate.models import Plan, Reward, Ticket
from germinate.seed import load_seed
from germinate.store import Store
from germinate.workspace import commit_worktree

pytestmark = pytest.mark.slow
TEST_UNITS = '''from minicalc.units import convert


def test_km():
    assert convert(1, "km", "m") == 1000
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def test_base_moved_change_is_rebased_retested_and_lands_once(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    loaded = load_seed(repo / "seed.yaml")
    before = take_snapshot(repo, loaded, ref="refs/heads/main")
    ticket = Ticket(id="epic-units-tests", title="Test unit conversion", kind="epic", source="seed")
    plan = Plan(ticket=ticket, summary="Test convert().", acceptance_criteria=["km -> m"])
    branch, worktree = prepare_worktree(repo, ticket.id, before.commit)
    (worktree / "tests" / "test_units.py").write_text(TEST_UNITS)
    commit_worktree(worktree, "test units")
    change = describe_change(ticket.id, branch, worktree, before.commit, rounds=1)
    evaluation = evaluate(repo, loaded, change)
    gates = run_gates(repo, loaded, change, evaluation=evaluation, before=before, ticket=ticket)
    decision = decide(cycle_id="c-1", ticket=ticket, change=change, gates=gates, reward=Reward(),
                      seed=loaded.seed)
    assert decision.outcome == "merged", decision.reason

    (repo / "README.md").write_text("minicalc, moved on\n")  # someone lands on main meanwhile
    git(repo, "commit", "-qam", "docs: readme")
    moved = git(repo, "rev-parse", "main")

    store = Store.open(repo=repo)
    landing = land_change(repo, loaded, store, plan, decision, change, before=before, evaluation=evaluation)
    assert landing.decision.outcome == "merged"
    assert f"re-tested after rebase onto {moved[:10]}" in landing.decision.reason
    assert landing.decision.base_sha == moved
    assert git(repo, "rev-parse", "main") == landing.landed_sha
    assert git(repo, "show", "main:tests/test_units.py") == TEST_UNITS.strip()
    assert "epic-units-tests" in git(repo, "show", "main:AUTOGEN_LOG.md")
    assert git(repo, "rev-parse", "HEAD") == landing.landed_sha and git(repo, "status", "--porcelain") == ""

    again = land_change(repo, loaded, store, plan, decision, change, before=before, evaluation=evaluation)
    assert again.landed_sha == landing.landed_sha  # a resumed cycle does not land twice


def test_change_request_carries_the_evidence_and_a_merge_closes_the_forge_ticket(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from germinate.forge.local import LocalForge

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    loaded = load_seed(repo / "seed.yaml")
    store = Store.open(repo=repo)
    forge = LocalForge(repo, loaded.seed, store)
    ticket = forge.create_ticket("Test unit conversion", labels=["ai-task"])
    before = take_snapshot(repo, loaded, ref="refs/heads/main")
    plan = Plan(ticket=ticket, summary="Test convert().", acceptance_criteria=["km -> m"], scope=["tests/"])
    branch, worktree = prepare_worktree(repo, ticket.id, before.commit)
    (worktree / "tests" / "test_units.py").write_text(TEST_UNITS)
    commit_worktree(worktree, "test units")
    change = describe_change(ticket.id, branch, worktree, before.commit, rounds=1)
    evaluation = evaluate(repo, loaded, change)
    gates = run_gates(repo, loaded, change, evaluation=evaluation, before=before, ticket=ticket)
    decision = decide(cycle_id="c-2", ticket=ticket, change=change, gates=gates, reward=Reward(total=0.5),
                      seed=loaded.seed)
    assert decision.outcome == "merged", decision.reason

    proposed = land_change(repo, loaded, store, plan, decision.model_copy(update={"outcome": "pr_opened"}),
                           change, before=before, evaluation=evaluation)
    assert proposed.decision.outcome == "pr_opened"
    cr = forge.find_change_request(branch)
    assert cr is not None and cr.state == "open"
    for part in ("## Acceptance criteria", "- [ ] km -> m", "| gate | result | severity | message |",
                 "## Reward", "Cycle `c-2`", "model call(s)"):
        assert part in cr.body, part
    assert forge.tickets.find(ticket.id).status == "open"

    change = describe_change(ticket.id, branch, worktree, before.commit, rounds=1)
    merged = land_change(repo, loaded, store, plan, decision.model_copy(update={"head_sha": change.head_sha}),
                         change, before=before, evaluation=evaluation)
    assert merged.decision.outcome == "merged", merged.decision.reason
    closed = forge.tickets.find(ticket.id)
    assert closed.status == "closed"
    assert f"Landed in {merged.landed_sha} via main@{merged.landed_sha[:10]}" in closed.comments
