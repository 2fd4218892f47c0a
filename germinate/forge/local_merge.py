"""Landing a branch on the local default branch without disturbing the user's working tree.

1. Make the merge commit in a scratch worktree under the state folder.
2. Before anything moves, check that every checkout of the default branch can follow: not
   mid-merge, no staged or unstaged change to a tracked file, and nothing untracked (or
   ignored) the merge would overwrite (``git read-tree -n``: the same check, not done).
   Any of these: nothing moves, the cycle defers and says which checkout and which file.
3. Move ``refs/heads/<default>`` with compare-and-swap (``git update-ref NEW OLD``): if the
   branch moved meanwhile, nothing changes and the caller retries from the new base.
4. Bring each checkout along (``git read-tree -m -u OLD NEW``). Should that still fail (a
   file appeared in the last instant), the ref is moved back (compare-and-swap again), so
   the ref and the checkout move together or not at all: the user's index never shows a
   staged reversion of a landed change.
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
    is_ancestor,
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


def land_locally(repo: Path, default: str, branch: str, head_sha: str, message: str) -> str:
    """Merge ``head_sha`` (the tip of ``branch``) into ``default``; returns the new ``default`` SHA."""
    ref = f"refs/heads/{default}"
    old = run_git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    if is_ancestor(repo, head_sha, ref):
        return old  # landed already (a retried merge): nothing is written twice
    tip = run_git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False).strip()
    if not tip:
        raise ChangeRequestGone(f"branch {branch} was deleted under us; nothing to land")
    if tip != head_sha:
        raise ChangeRequestGone(f"branch {branch} moved to {tip[:12]} (expected {head_sha[:12]}); "
                                "the next cycle re-evaluates it")
    checkouts = worktrees_on(repo, default)
    for tree in checkouts:
        _refuse_unclean(tree, default)
    new = _merge_commit(repo, old, head_sha, message)
    for tree in checkouts:
        _refuse_collisions(tree, default, old, new)
    run_git(repo, "update-ref", "-m", f"germinate: {message.splitlines()[0]}", ref, new, old)
    followed: list[Path] = []
    for tree in checkouts:
        try:
            run_git(tree, "read-tree", "-m", "-u", old, new)
        except RepoError as exc:
            _move_back(repo, ref, old, new, followed)
            raise RepoError(f"{tree} could not follow {default} to the landed commit ({exc}); {default} was "
                            f"moved back to {old[:12]}, nothing landed. Fix: clear the path named above; "
                            "the ticket is tried again on a later run") from None
        followed.append(tree)
    return new


def _refuse_unclean(tree: Path, default: str) -> None:
    """A checkout of ``default`` mid-merge, or with staged or unstaged changes, cannot follow."""
    ensure_usable(tree)
    if is_dirty(tree):
        changed = run_git(tree, "status", "--porcelain", "--untracked-files=no").strip().splitlines()
        raise RepoError(f"{tree} has uncommitted changes on {default} ({', '.join(c[3:] for c in changed[:5])}); "
                        f"Germinate will not move {default} under them. Fix: commit or stash your changes; "
                        "the ticket is tried again on a later run")


def _refuse_collisions(tree: Path, default: str, old: str, new: str) -> None:
    """Nothing untracked or ignored in ``tree`` may stand where the landed change writes."""
    in_the_way = _untracked_in_the_way(tree, old, new)
    if in_the_way:
        raise RepoError(f"{tree} (on {default}) could not follow the landed change: files not in git stand "
                        f"where it writes: {', '.join(in_the_way[:10])}. Nothing moved. Fix: move or delete "
                        "those files (untracked or ignored), or commit them; the ticket is tried again on a "
                        "later run")
    try:
        run_git(tree, "read-tree", "-n", "-m", "-u", old, new)
    except RepoError as exc:
        detail = str(exc).split(": ", 2)[-1]
        raise RepoError(f"{tree} (on {default}) could not follow the landed change: {detail}. Nothing moved. "
                        "Fix: move or delete those files (they are not in git), or commit them; the ticket "
                        "is tried again on a later run") from None


def _untracked_in_the_way(tree: Path, old: str, new: str) -> list[str]:
    """Paths the change adds that already exist in ``tree`` (git's own check lets ignored files go)."""
    added = run_git(tree, "diff", "--name-only", "--no-renames", "--diff-filter=A", "-z", old, new).split("\0")
    found: list[str] = []
    for rel in filter(None, added):
        path = tree / rel
        parents = [p for p in path.relative_to(tree).parents if str(p) != "."]
        if path.exists() or path.is_symlink() or any((tree / p).is_file() or (tree / p).is_symlink()
                                                     for p in parents):
            found.append(rel)
    return found


def _move_back(repo: Path, ref: str, old: str, new: str, followed: list[Path]) -> None:
    """Undo a landing whose checkout could not follow: the ref and the trees that followed."""
    for tree in followed:
        run_git(tree, "read-tree", "-m", "-u", new, old, check=False)
    run_git(repo, "update-ref", "-m", "germinate: checkout could not follow; moved back", ref, old, new)


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
