"""``germinate land``: a cycle that ended ``pr_opened`` lands only through the gates and a person."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo import make_target
from germinate.cycle.act import describe_change, prepare_worktree
from germinate.cycle.decide import decide
from germinate.cycle.evidence import evaluate, run_gates
from germinate.cycle.land import land_change
from germinate.cycle.records import start_cycle
from germinate.metrics import take_snapshot
from germinate.models import Plan, Reward, Ticket
from germinate.seed import load_seed
from germinate.store import Store
from germinate.workspace import commit_worktree
from tests.integration.cli_user import germinate, shared_venv

pytestmark = pytest.mark.slow
TEST_UNITS = 'from minicalc.units import convert\n\n\ndef test_km():\n    assert convert(1, "km", "m") == 1000\n'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def proposed_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """What a growth cycle leaves when auto-merge is off: a branch and an open local change request."""
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    seed_text = (repo / "seed.yaml").read_text().replace("allow_auto_merge: true", "allow_auto_merge: false")
    (repo / "seed.yaml").write_text(seed_text)
    git(repo, "commit", "-qam", "seed: a person merges")
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
    decision = decide(cycle_id="c-1", ticket=ticket, change=change, gates=gates, reward=Reward(), seed=loaded.seed)
    store = Store.open(repo=repo)
    start_cycle(store, cycle_id="c-1", project=loaded.seed.project.name, ticket=ticket, flow_run_id="",
                base_sha=before.commit, branch=branch, seed_hash=loaded.sha256)
    landing = land_change(repo, loaded, store, plan, decision, change, before=before, evaluation=evaluation)
    store.close()
    assert landing.decision.outcome == "pr_opened", landing.decision.reason
    return repo, branch


def test_a_proposed_change_lands_with_approval_and_only_then_is_logged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, branch = proposed_change(tmp_path, monkeypatch)
    user = tmp_path / "user"
    env = {**shared_venv(), "GERMINATE_HOME": os.environ["GERMINATE_HOME"]}  # the store the cycle wrote
    main_before = git(repo, "rev-parse", "main")
    proposed_log = git(repo, "show", f"{branch}:AUTOGEN_LOG.md") if git(repo, "ls-tree", branch, "AUTOGEN_LOG.md") else ""
    assert "epic-units-tests" not in proposed_log, "the growth log records only what landed"

    status = germinate(user, "status", str(repo), env=env)
    assert f"branch {branch}" in status.stdout and f"germinate land 1 --repo {repo} --approve" in status.stdout

    waiting = germinate(user, "land", "1", "--repo", str(repo), env=env)
    assert waiting.returncode == 2, waiting.stdout + waiting.stderr
    assert "approval is needed" in waiting.stdout and git(repo, "rev-parse", "main") == main_before

    landed = germinate(user, "land", branch, "--repo", str(repo), "--approve", "--by", "ada", env=env)
    assert landed.returncode == 0, landed.stdout + landed.stderr
    assert "pass     tests_pass" in landed.stdout and "landed change request 1" in landed.stdout
    assert git(repo, "show", "main:tests/test_units.py") == TEST_UNITS.strip()
    assert "epic-units-tests" in git(repo, "show", "main:AUTOGEN_LOG.md")
    assert git(repo, "status", "--porcelain") == ""  # the user's clean checkout moved with main

    again = germinate(user, "land", "1", "--repo", str(repo), env=env)
    assert again.returncode == 3 and "is merged" in again.stderr


def test_a_change_that_became_unsafe_is_not_landed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, branch = proposed_change(tmp_path, monkeypatch)
    env = {**shared_venv(), "GERMINATE_HOME": os.environ["GERMINATE_HOME"]}  # the store the cycle wrote
    from germinate.forge.local_merge import worktrees_on

    worktree = worktrees_on(repo, branch)[0]  # the cycle's worktree, where someone keeps editing
    (worktree / "tests" / "test_units.py").write_text(TEST_UNITS + '\nTOKEN = "ghp_4kQ9wZr2LmN8xV1bT7yH3cJ6pF0sD5aG2eUo"\n')
    git(worktree, "commit", "-qam", "oops")
    main_before = git(repo, "rev-parse", "main")
    proc = germinate(tmp_path / "user", "land", "1", "--repo", str(repo), "--approve", env=env)
    assert proc.returncode == 1 and "blocked by secrets" in proc.stdout
    assert git(repo, "rev-parse", "main") == main_before


def test_only_a_named_reviewer_can_land(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, branch = proposed_change(tmp_path, monkeypatch)
    env = {**shared_venv(), "GERMINATE_HOME": os.environ["GERMINATE_HOME"]}
    seed = (repo / "seed.yaml").read_text().replace(
        "allow_auto_merge: false", "allow_auto_merge: false\n    require_human_review_from: [grace]")
    assert "[grace]" in seed
    (repo / "seed.yaml").write_text(seed)
    git(repo, "commit", "-qam", "only grace merges")
    git(worktrees_of(repo, branch), "rebase", "-q", "main")  # the change starts from the new tip
    main_before = git(repo, "rev-parse", "main")
    proc = germinate(tmp_path / "user", "land", "1", "--repo", str(repo), "--approve", "--by", "mallory", env=env)
    assert proc.returncode == 2 and "from one of grace" in proc.stdout
    assert git(repo, "rev-parse", "main") == main_before and "AUTOGEN_LOG.md" not in git(
        repo, "diff", "--name-only", "main", branch)
    proc = germinate(tmp_path / "user", "land", "1", "--repo", str(repo), "--approve", "--by", "grace", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def worktrees_of(repo: Path, branch: str) -> Path:
    from germinate.forge.local_merge import worktrees_on

    return worktrees_on(repo, branch)[0]
