"""``germinate land``: a cycle that ended ``pr_opened`` lands only through the gates and a person."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo import make_target
from germinate.cycle.records import start_cycle
from germinate.models import Ticket
from germinate.store import Store
from tests.integration.cli_user import germinate, shared_venv
from tests.integration.decided_change import TEST_UNITS, decided_change

pytestmark = pytest.mark.slow


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def proposed_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """What a growth cycle leaves when auto-merge is off: a branch and an open local change request."""
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    seed_text = (repo / "seed.yaml").read_text().replace("allow_auto_merge: true", "allow_auto_merge: false")
    (repo / "seed.yaml").write_text(seed_text)
    git(repo, "commit", "-qam", "seed: a person merges")
    ticket = Ticket(id="epic-units-tests", title="Test unit conversion", kind="epic", source="seed")
    decided = decided_change(repo, ticket)
    store = Store.open(repo=repo)
    start_cycle(store, cycle_id="c-1", project=decided.loaded.seed.project.name, ticket=ticket, flow_run_id="",
                base_sha=decided.before.commit, branch=decided.branch, seed_hash=decided.loaded.sha256)
    landing = decided.land(repo, store)
    store.close()
    assert landing.decision.outcome == "pr_opened", landing.decision.reason
    return repo, decided.branch


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
    log = git(repo, "show", "main:AUTOGEN_LOG.md")
    heading = next(line for line in log.splitlines() if line.startswith("## "))
    assert heading.count("epic-units-tests") == 1, heading  # the ticket id once, not "id: id: title"
    coverage = next(line for line in log.splitlines() if line.startswith("- coverage:"))
    assert "n/a" not in coverage and re.search(r"\d+(\.\d+)?% -> \d+(\.\d+)?%", coverage), coverage  # land's own run
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
