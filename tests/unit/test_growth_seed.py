"""The seed that steers growth is the one committed on the default branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from germinate.errors import SeedError
from germinate.seed import growth_seed
from tests.conftest import git

SEED = "version: 1\nproject:\n  name: demo\nexecution:\n  max_fix_rounds: {n}\n"


def test_uncommitted_seed_edits_do_not_steer_growth(repo_factory) -> None:
    repo: Path = repo_factory({"seed.yaml": SEED.format(n=1), "pkg/__init__.py": ""})
    (repo / "seed.yaml").write_text(SEED.format(n=9))  # a local, uncommitted loosening
    loaded = growth_seed(repo)
    assert loaded.seed.execution.max_fix_rounds == 1
    assert (repo / "seed.yaml").read_text() == SEED.format(n=9)  # the user's edit is untouched


def test_a_seed_that_is_not_committed_is_refused_with_a_fix(repo_factory) -> None:
    repo: Path = repo_factory({"pkg/__init__.py": ""})
    (repo / "seed.yaml").write_text(SEED.format(n=1))
    with pytest.raises(SeedError, match="not committed on 'main'.*git add seed.yaml"):
        growth_seed(repo)


def test_a_default_branch_that_does_not_exist_is_named(repo_factory) -> None:
    repo: Path = repo_factory({"seed.yaml": SEED.format(n=1)})
    (repo / "seed.yaml").write_text("version: 1\nproject:\n  name: demo\n  repo: {default_branch: trunk}\n")
    git(repo, "commit", "-qam", "trunk")
    with pytest.raises(SeedError, match="no such branch"):
        growth_seed(repo)
