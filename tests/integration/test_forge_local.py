"""LocalForge: ticket files, change requests in the store, landing without disturbing the user."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from germinate.errors import ConfigError, RepoError
from germinate.forge.base import Forge
from germinate.forge.errors import ChangeRequestGone, Frozen
from germinate.forge.factory import open_forge
from germinate.forge.local import LocalForge
from germinate.seed import Seed
from germinate.store import GateResultRow, Store


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def world(repo_factory) -> tuple[Path, LocalForge]:  # type: ignore[no-untyped-def]
    repo = repo_factory({"pkg/__init__.py": "", "pkg/core.py": "X = 1\n"}, name="widget")
    seed = Seed.model_validate({"project": {"name": "widget"}})
    forge = open_forge(repo, seed, Store.open(repo=repo))
    assert isinstance(forge, LocalForge) and isinstance(forge, Forge)
    return repo, forge


def branch_with_commit(repo: Path, branch: str, path: str, text: str) -> tuple[Path, str]:
    wt = repo.parent / f"wt-{branch.replace('/', '-')}"
    if not wt.exists():
        git(repo, "worktree", "add", "-q", "-b", branch, str(wt), "main")
    (wt / path).write_text(text)
    git(wt, "add", "-A")
    git(wt, "commit", "-q", "-m", f"edit {path}")
    return wt, git(wt, "rev-parse", "HEAD")


def test_tickets_are_markdown_files_outside_the_repo(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    a = forge.create_ticket("Add a --json flag", body="Output JSON.", labels=["ai-task"])
    b = forge.create_ticket("Fix crash", labels=["ai-task", "bug"], kind="bug")
    forge.create_ticket("Someday", labels=["idea"])
    assert (a.id, b.id) == ("local-1", "local-2")
    assert [t.id for t in forge.list_tickets(["ai-task"])] == ["local-1", "local-2"]
    path = Path(a.source_ref)
    assert repo not in path.parents and path.read_text().startswith("---\nid: local-1\ntitle: Add a --json flag")
    assert git(repo, "status", "--porcelain") == ""
    assert forge.get_ticket("local-2").kind == "bug"
    with pytest.raises(ConfigError, match="no local ticket 'local-9'"):
        forge.get_ticket("local-9")


def test_tickets_created_at_once_get_distinct_numbers(world) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    _, forge = world
    (forge.tickets.path / "1a-stray.md").write_text("not a ticket")  # ignored, not a crash
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda i: forge.create_ticket(f"Ticket {i}"), range(16)))
    assert sorted(int(t.id.split("-")[1]) for t in made) == list(range(1, 17))
    assert len(forge.list_tickets([])) == 16


def test_broken_ticket_file_names_the_file(world) -> None:  # type: ignore[no-untyped-def]
    _, forge = world
    (forge.tickets.path / "7-bad.md").write_text("no front matter")
    with pytest.raises(ConfigError, match="7-bad.md: no YAML front matter"):
        forge.list_tickets()


def test_change_request_is_one_row_per_branch(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    ticket = forge.create_ticket("Add Y", labels=["ai-task"])
    wt, sha = branch_with_commit(repo, "germinate/local-1", "pkg/y.py", "Y = 2\n")
    forge.push_branch("germinate/local-1", wt)
    cr = forge.open_change_request(branch="germinate/local-1", title="Add Y", body="plan", draft=True,
                                   ticket_id=ticket.id)
    again = forge.open_change_request(branch="germinate/local-1", title="Add Y v2", body="plan", draft=True,
                                      ticket_id=ticket.id)
    assert cr.id == again.id and again.title == "Add Y v2" and again.head_sha == sha
    assert forge.find_change_request("germinate/local-1").ticket_id == ticket.id  # type: ignore[union-attr]


def test_merge_syncs_a_clean_checkout_and_closes_once(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    ticket = forge.create_ticket("Add Y", labels=["ai-task"])
    _, sha = branch_with_commit(repo, "germinate/local-1", "pkg/y.py", "Y = 2\n")
    cr = forge.open_change_request(branch="germinate/local-1", title="Add Y", body="", draft=False,
                                   ticket_id=ticket.id)
    new = forge.merge(cr, head_sha=sha, message="germinate: Add Y")
    assert git(repo, "rev-parse", "main") == new and (repo / "pkg/y.py").read_text() == "Y = 2\n"
    assert git(repo, "status", "--porcelain") == ""
    assert forge.merge(cr, head_sha=sha, message="again") == new  # retry lands nothing twice
    assert forge.find_change_request("germinate/local-1").state == "merged"  # type: ignore[union-attr]
    forge.close_ticket(ticket.id, f"Landed in {new}")
    forge.close_ticket(ticket.id, f"Landed in {new}")
    assert forge.list_tickets(["ai-task"]) == []
    assert Path(ticket.source_ref).read_text().count("Landed in") == 1


def test_merge_refuses_a_dirty_checkout_and_moves_nothing(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    _, sha = branch_with_commit(repo, "germinate/x", "pkg/y.py", "Y = 2\n")
    (repo / "pkg/core.py").write_text("X = 'mine'\n")
    before = git(repo, "rev-parse", "main")
    cr = forge.open_change_request(branch="germinate/x", title="t", body="", draft=False, ticket_id="scout-1")
    with pytest.raises(RepoError, match="uncommitted changes on main"):
        forge.merge(cr, head_sha=sha, message="m")
    assert git(repo, "rev-parse", "main") == before and (repo / "pkg/core.py").read_text() == "X = 'mine'\n"


def test_merge_when_user_is_on_another_branch(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "pkg/core.py").write_text("X = 'wip'\n")  # dirty, but not on main: untouched
    _, sha = branch_with_commit(repo, "germinate/x", "pkg/y.py", "Y = 2\n")
    cr = forge.open_change_request(branch="germinate/x", title="t", body="", draft=False, ticket_id="scout-1")
    new = forge.merge(cr, head_sha=sha, message="m")
    assert git(repo, "rev-parse", "main") == new and git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "feature"
    assert (repo / "pkg/core.py").read_text() == "X = 'wip'\n" and not (repo / "pkg/y.py").exists()


def test_branch_moved_or_deleted_under_us(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    wt, sha = branch_with_commit(repo, "germinate/x", "pkg/y.py", "Y = 2\n")
    cr = forge.open_change_request(branch="germinate/x", title="t", body="", draft=False, ticket_id="scout-1")
    branch_with_commit(repo, "germinate/x", "pkg/y.py", "Y = 3\n")
    with pytest.raises(ChangeRequestGone, match="moved"):
        forge.merge(cr, head_sha=sha, message="m")
    git(repo, "worktree", "remove", "--force", str(wt))
    git(repo, "branch", "-D", "germinate/x")
    with pytest.raises(ChangeRequestGone, match="deleted"):
        forge.merge(cr, head_sha=sha, message="m")


def test_freeze_label_blocks_writes_and_repo_labels(world) -> None:  # type: ignore[no-untyped-def]
    _, forge = world
    ticket = forge.create_ticket("Sensitive", labels=["ai-task", "needs-human-review"])
    with pytest.raises(Frozen):
        forge.comment(f"ticket:{ticket.id}", "hi")
    with pytest.raises(Frozen):
        forge.close_ticket(ticket.id, "done")
    forge.set_labels("repo", ["red-mode"])
    assert forge.repo_labels() == ["red-mode"] == forge.labels_of("repo")


def test_checks_are_recorded_gates(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge = world
    sha = git(repo, "rev-parse", "HEAD")
    with forge.store.session() as s:
        s.add(GateResultRow(cycle_id="c1", head_sha=sha, name="tests", passed=True, severity="block", message="ok"))
        s.add(GateResultRow(cycle_id="c1", head_sha=sha, name="paths", passed=False, severity="block", message="no"))
    assert {(c.name, c.state) for c in forge.checks("main")} == {("germinate/tests", "success"),
                                                                 ("germinate/paths", "failure")}


def test_tickets_not_on_the_forge_carry_no_labels(world) -> None:  # type: ignore[no-untyped-def]
    _, forge = world
    assert forge.labels_of("ticket:epic-units") == [] and forge.labels_of("ticket:ci-red-abc") == []
    with pytest.raises(ConfigError, match="unknown forge target"):
        forge.labels_of("issue:3")
