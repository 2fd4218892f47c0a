"""Pytest fixtures: a fake GitHub with a bare remote, and a GitHubForge pointed at it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from germinate.forge.github import GitHubForge
from germinate.seed import Seed
from tests.fakes.github import FakeGitHub, make_remote

TOKEN = "t0ken-for-tests"


def github_seed(**extra: object) -> Seed:
    data: dict[str, object] = {"project": {"name": "widget"}, "forge": {"kind": "github", "repo": "acme/widget"}}
    data.update(extra)
    return Seed.model_validate(data)


@dataclass
class GitHubWorld:
    fake: FakeGitHub
    repo: Path  # the user's clone
    bare: Path  # the remote

    def forge(self, seed: Seed | None = None, **kw: object) -> GitHubForge:
        return GitHubForge(self.repo, seed or github_seed(), token=kw.pop("token", TOKEN),  # type: ignore[arg-type]
                           base_url=self.fake.base_url, seconds_between_requests=0,
                           seconds_between_writes=0, **kw)  # type: ignore[arg-type]

    def commit_on_branch(self, branch: str, path: str, text: str) -> Path:
        """A worktree of the user's repo on ``branch`` with one new commit; returns the worktree."""
        wt = self.repo.parent / f"wt-{branch.replace('/', '-')}"
        if not wt.exists():
            subprocess.run(["git", "worktree", "add", "-q", "-b", branch, str(wt), "main"], cwd=self.repo, check=True)
        (wt / path).write_text(text)
        subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"edit {path}"], cwd=wt, check=True)
        return wt


@pytest.fixture
def github_world(repo_factory, tmp_path: Path) -> Iterator[GitHubWorld]:  # type: ignore[no-untyped-def]
    repo = repo_factory({"pkg/__init__.py": "", "pkg/core.py": "def f():\n    return 1\n"}, name="widget")
    bare = make_remote(tmp_path, repo)
    with FakeGitHub(bare, token=TOKEN) as fake:
        yield GitHubWorld(fake=fake, repo=repo, bare=bare)
