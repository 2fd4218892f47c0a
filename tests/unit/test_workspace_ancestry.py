"""``is_ancestor``, the one ancestry question landing, the write gate and the land command ask."""

from __future__ import annotations

from germinate.workspace import head_sha, is_ancestor
from tests.conftest import git


def test_ancestry_in_a_real_repository(repo_factory) -> None:  # type: ignore[no-untyped-def]
    repo = repo_factory({"a.txt": "one\n"})
    first = head_sha(repo)
    (repo / "a.txt").write_text("two\n")
    git(repo, "commit", "-qam", "two")
    second = head_sha(repo)
    git(repo, "checkout", "-qb", "side", first)
    (repo / "b.txt").write_text("side\n")
    git(repo, "add", "b.txt")
    git(repo, "commit", "-qm", "side")
    side = head_sha(repo)

    assert is_ancestor(repo, first, second) and is_ancestor(repo, second, second)
    assert not is_ancestor(repo, second, first)  # newer is not an ancestor of older
    assert not is_ancestor(repo, second, side) and is_ancestor(repo, first, "refs/heads/side")
    assert not is_ancestor(repo, "0" * 40, second)  # an unknown commit is nobody's ancestor
