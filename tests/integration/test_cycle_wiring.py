"""Cycle wiring to the forge and intake: review feedback reaches the implementer; webhook fix tickets
are selected, and a ticket intake queued waits for its own cycle."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from examples.demo import make_target
from germinate import models as m
from germinate.cycle.act import prepare_worktree
from germinate.cycle.records import start_cycle
from germinate.errors import RepoError
from germinate.forge.local import LocalForge
from germinate.seed import load_seed
from germinate.store import Store
from germinate.workspace import commit_worktree, head_sha
from germinate.writegate import record_approval
from tasks.act import forge_feedback_task
from tests.fakes import github_fixtures
from tests.fakes.github_fixtures import GitHubWorld


def test_review_comments_on_the_open_change_request_become_implementer_feedback(tmp_path: Path) -> None:
    repo = make_target(tmp_path / "minicalc")
    loaded = load_seed(repo / "seed.yaml")
    store = Store.open(repo=repo)
    forge = LocalForge(repo, loaded.seed, store)
    ticket = forge.create_ticket("Add units", labels=["ai-task"])
    base = head_sha(repo, "refs/heads/main")
    branch, worktree = prepare_worktree(repo, ticket.id, base)
    assert forge_feedback_task.fn(str(repo), loaded, branch) == ""  # no change request yet: nothing to say

    (worktree / "NOTES.md").write_text("units\n")
    commit_worktree(worktree, "notes")
    forge.open_change_request(branch=branch, title="local-1: Add units", body="b", draft=True, ticket_id=ticket.id)
    start_cycle(store, cycle_id="c-1", project=loaded.seed.project.name, ticket=ticket, flow_run_id="r",
                base_sha=base, branch=branch, seed_hash=loaded.sha256)
    record_approval(store, "c-1", "request_changes", "ada", "convert() must reject unknown units", head_sha(worktree))

    text = forge_feedback_task.fn(str(repo), loaded, branch)
    assert text.startswith("A person reviewed the change request and asked for changes")
    assert "ada: convert() must reject unknown units" in text


def test_webhook_fix_tickets_are_queued_first_but_a_queued_one_waits_for_its_own_cycle(tmp_path: Path) -> None:
    from germinate.intake import intake, release
    from tasks.plan import select_tickets_task

    repo = make_target(tmp_path / "minicalc")
    loaded = load_seed(repo / "seed.yaml")
    project = loaded.seed.project.name
    store = Store.open(repo=repo)
    sha = head_sha(repo, "refs/heads/main")
    snapshot = m.Snapshot(repo=str(repo), commit=sha, seed_hash=loaded.sha256, health="green",
                          tests=m.TestRun(command="pytest", status="ok"), coverage=m.CoverageReport(available=True),
                          complexity=m.ComplexityReport(), git=m.GitState(sha=sha))
    fix = m.Ticket(id=f"ci-red-{sha[:10]}", title="Fix the failing CI", kind="regression", source="webhook",
                   labels=[loaded.seed.labels.fix])
    started = intake(store, project, loaded.seed, [fix], repo=str(repo), start=lambda r, t: "run-1").started
    assert list(started) == [fix.id]

    scheduled = select_tickets_task.fn(str(repo), loaded, snapshot)
    assert fix.id not in [t.id for t in scheduled.queue] and scheduled.skipped[fix.id] == "already queued"
    own = select_tickets_task.fn(str(repo), loaded, snapshot, fix.id)
    assert [(t.id, t.kind) for t in own.queue] == [(fix.id, "regression")]

    release(store, project, fix.id)  # its cycle never started: a scheduled run takes it, regressions first
    assert select_tickets_task.fn(str(repo), loaded, snapshot).queue[0].id == fix.id


github_world = github_fixtures.github_world


def test_a_rebuilt_branch_replaces_our_own_push_but_never_someone_elses(github_world: GitHubWorld,
                                                                         tmp_path: Path) -> None:
    """After "changes requested" the next cycle rebuilds the branch from the base: its push must
    replace the pull request's head that Germinate pushed, and must refuse if a person pushed."""
    world = github_world
    forge = world.forge(store=Store.open(repo=world.repo))
    assert world.fake.create_issue("Add X", labels=["ai-task"]) == 1
    wt = world.commit_on_branch("germinate/gh-1", "pkg/new.py", "X = 1\n")
    forge.push_branch("germinate/gh-1", wt)
    forge.open_change_request(branch="germinate/gh-1", title="Add X", body="b", draft=True, ticket_id="gh-1")

    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=wt, check=True)  # the next cycle's round 0
    rebuilt = world.commit_on_branch("germinate/gh-1", "pkg/new.py", "Y = 1\n")
    forge.push_branch("germinate/gh-1", rebuilt)
    assert world.fake.branch_sha("germinate/gh-1") == head_sha(rebuilt)
    forge.update_change_request(forge.find_change_request("germinate/gh-1"), body="b2")  # type: ignore[arg-type]

    other = tmp_path / "other"  # a person pushes to the branch
    subprocess.run(["git", "clone", "-q", "-b", "germinate/gh-1", str(world.bare), str(other)], check=True)
    (other / "pkg/b.py").write_text("B = 2\n")
    subprocess.run(["git", "add", "-A"], cwd=other, check=True)
    subprocess.run(["git", "-c", "user.name=p", "-c", "user.email=p@x", "commit", "-q", "-m", "human"],
                   cwd=other, check=True)
    subprocess.run(["git", "push", "-q", "origin", "germinate/gh-1"], cwd=other, check=True)
    human = world.fake.branch_sha("germinate/gh-1")
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=wt, check=True)
    world.commit_on_branch("germinate/gh-1", "pkg/new.py", "Z = 1\n")
    with pytest.raises(RepoError, match="never overwrites"):
        forge.push_branch("germinate/gh-1", wt)
    assert world.fake.branch_sha("germinate/gh-1") == human


def test_on_github_a_merge_waits_as_a_draft_pull_request_until_checks_are_green(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import yaml

    from tests.fakes.github import FakeGitHub, make_remote
    from tests.integration.decided_change import decided_change

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_GITHUB_TOKEN", "t0ken")
    with FakeGitHub(tmp_path / "remote.git", owner="acme", name="minicalc", token="t0ken") as fake:
        fake.ci = {"ci/test": "failure"}
        repo = make_target(tmp_path / "minicalc")
        data = yaml.safe_load((repo / "seed.yaml").read_text())
        data["forge"] = {"kind": "github", "repo": "acme/minicalc", "api_url": fake.base_url}
        data["quality_gates"]["ci_required_checks"] = ["ci/test"]
        (repo / "seed.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        subprocess.run(["git", "commit", "-qam", "seed: github"], cwd=repo, check=True)
        make_remote(tmp_path, repo)
        assert fake.create_issue("Test unit conversion", labels=["ai-task"]) == 1
        store = Store.open(repo=repo)
        ticket = m.Ticket(id="gh-1", title="Test unit conversion", source="github",
                          source_ref=f"{fake.base_url}/acme/minicalc/issues/1")
        decided = decided_change(repo, ticket)
        assert decided.decision.outcome == "merged", decided.decision.reason

        waiting = decided.land(repo, store)
        assert waiting.decision.outcome == "pr_opened" and "required check 'ci/test'" in waiting.decision.reason
        (number, pull), = fake.state.pulls.items()
        assert pull["draft"] and not pull["merged"] and waiting.change_url.endswith(f"/pull/{number}")
        assert f"Implements {ticket.source_ref}" in fake.state.issues[number]["body"]
        assert fake.state.issues[1]["state"] == "open"
