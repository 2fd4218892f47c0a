"""Landing cannot half-happen: before the default branch moves, every checkout of it is checked
(untracked or ignored files in the way, staged or unstaged changes); then the ref and the
checkout move together or neither does. Real git, the local forge; then a whole cycle
(``germinate run``-equivalent flow) whose landing meets an untracked file the change creates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from germinate.errors import RepoError
from germinate.forge import local_merge
from germinate.forge.factory import open_forge
from germinate.forge.local import LocalForge
from germinate.seed import Seed
from germinate.store import Store, TicketRow


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def world(repo_factory) -> tuple[Path, LocalForge, str]:  # type: ignore[no-untyped-def]
    repo = repo_factory({"pkg/__init__.py": "", "pkg/core.py": "X = 1\n", ".gitignore": "*.log\n"}, name="w")
    forge = open_forge(repo, Seed.model_validate({"project": {"name": "w"}}), Store.open(repo=repo))
    assert isinstance(forge, LocalForge)
    wt = repo.parent / "wt"
    git(repo, "worktree", "add", "-q", "-b", "germinate/x", str(wt), "main")
    (wt / "pkg/new.py").write_text("Y = 2\n")
    (wt / "build.log").write_text("tracked now\n")
    git(wt, "add", "-A", "-f")
    git(wt, "commit", "-q", "-m", "add new.py and build.log")
    return repo, forge, git(wt, "rev-parse", "HEAD")


def unchanged(repo: Path, main_before: str) -> None:
    assert git(repo, "rev-parse", "main") == main_before
    assert git(repo, "diff", "--cached", "--name-only") == ""  # no staged reversion left behind
    assert git(repo, "rev-parse", "HEAD") == main_before


def merge(forge: LocalForge, sha: str) -> str:
    cr = forge.open_change_request(branch="germinate/x", title="t", body="", draft=False, ticket_id="scout-1")
    return forge.merge(cr, head_sha=sha, message="germinate: t")


@pytest.mark.parametrize("path, text", [("pkg/new.py", "my draft\n"), ("build.log", "ignored, mine\n")])
def test_an_untracked_or_ignored_file_in_the_way_moves_nothing(world, path: str, text: str) -> None:  # type: ignore[no-untyped-def]
    repo, forge, sha = world
    before = git(repo, "rev-parse", "main")
    (repo / path).write_text(text)
    with pytest.raises(RepoError, match=rf"could not follow.*{path}.*Nothing moved"):
        merge(forge, sha)
    unchanged(repo, before)
    assert (repo / path).read_text() == text


def test_a_staged_change_moves_nothing(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge, sha = world
    before = git(repo, "rev-parse", "main")
    (repo / "pkg/core.py").write_text("X = 3\n")
    git(repo, "add", "pkg/core.py")
    with pytest.raises(RepoError, match=r"uncommitted changes on main \(pkg/core.py\)"):
        merge(forge, sha)
    assert git(repo, "rev-parse", "main") == before
    assert git(repo, "diff", "--cached", "--name-only") == "pkg/core.py"  # the user's staging is kept


def test_a_checkout_that_fails_to_follow_moves_the_ref_back(world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    repo, forge, sha = world
    before = git(repo, "rev-parse", "main")
    # the file appears after the check (a race): the landing must undo itself, not half-happen
    real = local_merge._refuse_collisions

    def check_then_race(tree: Path, default: str, old: str, new: str) -> None:
        real(tree, default, old, new)
        (repo / "pkg/new.py").write_text("appeared\n")

    monkeypatch.setattr(local_merge, "_refuse_collisions", check_then_race)
    with pytest.raises(RepoError, match="moved back"):
        merge(forge, sha)
    unchanged(repo, before)
    assert (repo / "pkg/new.py").read_text() == "appeared\n"


def test_a_clean_checkout_follows(world) -> None:  # type: ignore[no-untyped-def]
    repo, forge, sha = world
    (repo / "notes.txt").write_text("untracked, not in the way\n")
    new = merge(forge, sha)
    assert git(repo, "rev-parse", "main") == new == git(repo, "rev-parse", "HEAD")
    assert git(repo, "status", "--porcelain") == "?? notes.txt"
    assert (repo / "pkg/new.py").read_text() == "Y = 2\n"


@pytest.mark.slow
@pytest.mark.prefect
def test_a_cycle_meeting_an_untracked_file_defers_and_comes_back(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from examples.demo import TRANSCRIPT, make_target
    from flows.growth_cycle import growth_cycle
    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_target(tmp_path / "minicalc")
    before = git(repo, "rev-parse", "main")
    (repo / "tests" / "test_units.py").write_text("# my own draft\n")  # the change creates this file

    report = growth_cycle(repo=str(repo), ticket_id="epic-units-tests")

    assert report.decision is not None and report.decision.outcome == "deferred"
    assert "tests/test_units.py" in report.decision.reason
    unchanged(repo, before)
    assert (repo / "tests" / "test_units.py").read_text() == "# my own draft\n"
    store = Store.open(repo=repo)
    with store.session() as s:
        ticket = s.scalars(select(TicketRow).where(TicketRow.ticket_id == "epic-units-tests")).one()
    assert (ticket.status, ticket.attempts) == ("deferred", 1) and "tests/test_units.py" in ticket.reason

    from germinate.cycle.records import ticket_statuses

    assert ticket_statuses(store, ticket.project)["epic-units-tests"] == "retry"  # comes back next run
