"""Landing without Prefect: a change whose base moved is rebased, re-tested, re-gated, then merged;
the growth records land with it; landing again is a no-op."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo import make_target
from germinate.cycle.act import describe_change
from germinate.models import Reward, Ticket
from germinate.seed import load_seed
from germinate.store import Store
from tests.integration.decided_change import TEST_UNITS, decided_change

pytestmark = pytest.mark.slow


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def test_base_moved_change_is_rebased_retested_and_lands_once(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    ticket = Ticket(id="epic-units-tests", title="Test unit conversion", kind="epic", source="seed")
    decided = decided_change(repo, ticket)
    decision = decided.decision
    assert decision.outcome == "merged", decision.reason

    (repo / "README.md").write_text("minicalc, moved on\n")  # someone lands on main meanwhile
    git(repo, "commit", "-qam", "docs: readme")
    moved = git(repo, "rev-parse", "main")

    store = Store.open(repo=repo)
    landing = decided.land(repo, store)
    assert landing.decision.outcome == "merged"
    assert f"re-tested after rebase onto {moved[:10]}" in landing.decision.reason
    assert landing.decision.base_sha == moved
    assert git(repo, "rev-parse", "main") == landing.landed_sha
    assert git(repo, "show", "main:tests/test_units.py") == TEST_UNITS.strip()
    assert "epic-units-tests" in git(repo, "show", "main:AUTOGEN_LOG.md")
    assert git(repo, "rev-parse", "HEAD") == landing.landed_sha and git(repo, "status", "--porcelain") == ""

    again = decided.land(repo, store)
    assert again.landed_sha == landing.landed_sha  # a resumed cycle does not land twice


def test_change_request_carries_the_evidence_and_a_merge_closes_the_forge_ticket(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from germinate.forge.local import LocalForge

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    store = Store.open(repo=repo)
    forge = LocalForge(repo, load_seed(repo / "seed.yaml").seed, store)
    ticket = forge.create_ticket("Test unit conversion", labels=["ai-task"])
    decided = decided_change(repo, ticket, cycle_id="c-2", reward=Reward(total=0.5), scope=["tests/"])
    decision, branch = decided.decision, decided.branch
    assert decision.outcome == "merged", decision.reason

    proposed = decided.land(repo, store, decision.model_copy(update={"outcome": "pr_opened"}))
    assert proposed.decision.outcome == "pr_opened"
    cr = forge.find_change_request(branch)
    assert cr is not None and cr.state == "open"
    for part in ("## Acceptance criteria", "- [ ] km -> m", "| gate | result | severity | message |",
                 "## Reward", "Cycle `c-2`", "model call(s)"):
        assert part in cr.body, part
    assert forge.tickets.find(ticket.id).status == "open"

    change = describe_change(ticket.id, branch, decided.worktree, decided.before.commit, rounds=1)
    merged = decided.land(repo, store, decision.model_copy(update={"head_sha": change.head_sha}), change)
    assert merged.decision.outcome == "merged", merged.decision.reason
    closed = forge.tickets.find(ticket.id)
    assert closed.status == "closed"
    assert f"Landed in {merged.landed_sha} via main@{merged.landed_sha[:10]}" in closed.comments
