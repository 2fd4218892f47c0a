"""Landing a branch on the local default branch without disturbing the user's working tree.

1. Refuse if any checkout of the default branch is dirty or mid-merge (the cycle defers).
2. Make the merge commit in a scratch worktree under the state folder.
3. Move ``refs/heads/<default>`` with compare-and-swap (``git update-ref NEW OLD``): if the
   branch moved meanwhile, nothing changes and the caller retries from the new base.
4. Bring each clean checkout of the default branch along (``git read-tree -m -u OLD NEW``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from germinate.errors import RepoError
from germinate.forge.errors import ChangeRequestGone
from germinate.workspace import (
    BOT_IDENTITY,
    add_worktree,
    ensure_usable,
    is_dirty,
    remove_worktree,
    run_git,
)


def worktrees_on(repo: Path, branch: str) -> list[Path]:
    """Working trees (the main one included) that have ``branch`` checked out."""
    out = run_git(repo, "worktree", "list", "--porcelain")
    found: list[Path] = []
    path: Path | None = None
    for line in out.splitlines():
        if line.startswith("worktree "):
            path = Path(line.split(" ", 1)[1])
        elif line == f"branch refs/heads/{branch}" and path is not None:
            found.append(path)
    return found


def _exit_ok(repo: Path, *args: str) -> bool:
    try:
        run_git(repo, *args)
    except RepoError:
        return False
    return True


def land_locally(repo: Path, default: str, branch: str, head_sha: str, message: str) -> str:
    """Merge ``head_sha`` (the tip of ``branch``) into ``default``; returns the new ``default`` SHA."""
    ref = f"refs/heads/{default}"
    old = run_git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    if _exit_ok(repo, "merge-base", "--is-ancestor", head_sha, ref):
        return old  # landed already (a retried merge): nothing is written twice
    tip = run_git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False).strip()
    if not tip:
        raise ChangeRequestGone(f"branch {branch} was deleted under us; nothing to land")
    if tip != head_sha:
        raise ChangeRequestGone(f"branch {branch} moved to {tip[:12]} (expected {head_sha[:12]}); "
                                "the next cycle re-evaluates it")
    checkouts = worktrees_on(repo, default)
    for tree in checkouts:
        ensure_usable(tree)
        if is_dirty(tree):
            raise RepoError(f"{tree} has uncommitted changes on {default}; Germinate will not move {default} "
                            "under them. Fix: commit or stash your changes; the cycle lands on its next run")
    new = _merge_commit(repo, old, head_sha, message)
    run_git(repo, "update-ref", "-m", f"germinate: {message.splitlines()[0]}", ref, new, old)
    for tree in checkouts:
        run_git(tree, "read-tree", "-m", "-u", old, new)
    return new


def _merge_commit(repo: Path, old: str, head_sha: str, message: str) -> str:
    # Unique per call, not per change: add_worktree reuses an existing path, so two merges of one
    # head (two threads of one process) would otherwise share one scratch tree, and the first to
    # finish would remove it under the other.
    scratch = add_worktree(repo, f"merge-{head_sha[:12]}-{uuid.uuid4().hex[:12]}", old)
    try:
        try:
            run_git(scratch, *BOT_IDENTITY, "merge", "--no-ff", "--no-edit", "-q", "-m", message, head_sha)
        except RepoError as exc:
            run_git(scratch, "merge", "--abort", check=False)
            raise RepoError(f"merging {head_sha[:12]} into the default branch conflicts; nothing landed. "
                            f"The next cycle rebases it. ({exc})") from None
        return run_git(scratch, "rev-parse", "HEAD").strip()
    finally:
        remove_worktree(repo, scratch)
