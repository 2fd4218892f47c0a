"""Clones, worktrees and branches: the only place that shapes git working directories.

Principle: never touch the user's working tree. Every candidate change lives on its own
branch, in its own git worktree under the project's state folder. Reading from the user's
repository (rev-parse, status, creating worktrees) is fine; writing to its default branch
is the write gate's job alone (``germinate/writegate.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import git

from germinate.errors import RepoError
from germinate.home import project_dir

GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}


@contextmanager
def open_repo(path: Path | str) -> Iterator[git.Repo]:
    """A GitPython ``Repo`` that is always closed (it keeps ``git cat-file`` children alive)."""
    try:
        repo = git.Repo(Path(path))
    except (git.NoSuchPathError, git.InvalidGitRepositoryError):
        raise RepoError(f"{path} is not a git repository. Fix: point at a repository's root, or run 'git init'") from None
    try:
        yield repo
    finally:
        repo.close()


def git_bytes(cwd: Path | str, *args: str, input: bytes | None = None, check: bool = True, fix: str = "") -> bytes:
    """Run a git command with prompts disabled; its raw output. ``RepoError`` with git's message (and ``fix``)."""
    if not Path(cwd).is_dir():
        raise RepoError(f"{cwd}: no such folder. Fix: point at an existing git repository")
    proc = subprocess.run(["git", *args], cwd=str(cwd), env={**os.environ, **GIT_ENV}, capture_output=True,
                          input=input, check=False)
    if check and proc.returncode != 0:
        err = (proc.stderr.strip() or proc.stdout.strip()).decode("utf-8", "replace")
        shown = [a for i, a in enumerate(args) if a != "-c" and (i == 0 or args[i - 1] != "-c")]
        raise RepoError(f"git {' '.join(shown)} failed in {cwd}: {err}" + (f". Fix: {fix}" if fix else ""))
    return proc.stdout


def run_git(cwd: Path | str, *args: str, check: bool = True, input: str | None = None) -> str:
    """Run a git command with prompts disabled; raise ``RepoError`` with git's message."""
    out = git_bytes(cwd, *args, input=None if input is None else input.encode(), check=check)
    return out.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")  # as text mode did


def repo_root(path: Path | str) -> Path:
    """The root of the git repository around ``path`` (a command run from a sub-folder means the repo)."""
    try:
        return Path(run_git(path, "rev-parse", "--show-toplevel").strip()).resolve()
    except RepoError:
        raise RepoError(f"{Path(path).resolve()} is not inside a git repository. Fix: name a repository's "
                        "folder, or run 'git init' there") from None


def head_sha(repo_path: Path | str, ref: str = "HEAD") -> str:
    """The commit SHA that ``ref`` names."""
    return run_git(repo_path, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()


def is_ancestor(repo_path: Path | str, older: str, newer: str) -> bool:
    """True if commit ``older`` is ``newer`` or one of its ancestors (False if either is unknown)."""
    try:
        run_git(repo_path, "merge-base", "--is-ancestor", older, newer)
    except RepoError:
        return False
    return True


def current_branch(repo_path: Path | str) -> str:
    return run_git(repo_path, "rev-parse", "--abbrev-ref", "HEAD").strip()


def is_dirty(repo_path: Path | str) -> bool:
    """True if tracked files have uncommitted changes (untracked files do not count)."""
    return bool(run_git(repo_path, "status", "--porcelain", "--untracked-files=no").strip())


def has_conflicts(repo_path: Path | str) -> bool:
    return bool(run_git(repo_path, "diff", "--name-only", "--diff-filter=U").strip())


def ensure_usable(repo_path: Path | str) -> None:
    """Refuse a repository mid-merge/rebase or with unresolved conflicts."""
    git_dir = Path(run_git(repo_path, "rev-parse", "--absolute-git-dir").strip())
    for marker in ("MERGE_HEAD", "rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD"):
        if (git_dir / marker).exists():
            raise RepoError(
                f"{repo_path} is in the middle of a merge or rebase ({marker}). "
                "Fix: finish or abort it ('git merge --abort' / 'git rebase --abort') first"
            )
    if has_conflicts(repo_path):
        raise RepoError(f"{repo_path} has unresolved conflicts. Fix: resolve and commit them first")


_BRANCH_SAFE = re.compile(r"[^A-Za-z0-9._/-]+")


def branch_name(ticket_id: str, prefix: str = "germinate") -> str:
    """A git-safe branch name for a ticket, e.g. ``germinate/local-3``."""
    slug = _BRANCH_SAFE.sub("-", ticket_id).strip("-./") or "ticket"
    slug = re.sub(r"\.\.+|/{2,}|\.lock$", "-", slug)
    return f"{prefix}/{slug}"


def worktree_path(repo_path: Path | str, name: str) -> Path:
    return project_dir(repo_path, "worktrees") / _BRANCH_SAFE.sub("-", name).replace("/", "__")


def add_worktree(repo_path: Path | str, name: str, base: str, branch: str | None = None) -> Path:
    """A worktree under the state folder at ``base``; on ``branch`` (created or reused) or detached.

    Idempotent: if the worktree already exists on that branch it is returned as is, so a
    resumed cycle picks up where it stopped instead of creating a duplicate.
    """
    path = worktree_path(repo_path, name)
    if path.exists() and (path / ".git").exists():
        return path
    if path.exists():
        shutil.rmtree(path)
    run_git(repo_path, "worktree", "prune")
    if branch is None:
        run_git(repo_path, "worktree", "add", "--detach", str(path), base)
    elif run_git(repo_path, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False).strip():
        run_git(repo_path, "worktree", "add", str(path), branch)
    else:
        run_git(repo_path, "worktree", "add", "-b", branch, str(path), base)
    return path


def remove_worktree(repo_path: Path | str, path: Path | str) -> None:
    """Remove a worktree (its branch stays)."""
    run_git(repo_path, "worktree", "remove", "--force", str(path), check=False)
    if Path(path).exists():
        shutil.rmtree(path, ignore_errors=True)
    run_git(repo_path, "worktree", "prune", check=False)


@contextmanager
def clean_checkout(repo_path: Path | str, ref: str = "HEAD", name: str | None = None) -> Iterator[Path]:
    """A temporary detached worktree of ``ref``: reads a commit without touching the user's tree.

    ``name`` must be unique among live checkouts (the default is): the first to finish removes it.
    """
    sha = head_sha(repo_path, ref)
    path = add_worktree(repo_path, name or f"checkout-{sha[:12]}-{uuid.uuid4().hex[:12]}", sha)
    try:
        yield path
    finally:
        remove_worktree(repo_path, path)


# Commits made by automation carry Germinate's identity (and work on machines with no git identity).
BOT_IDENTITY = ("-c", "user.name=Germinate", "-c", "user.email=germinate@localhost")


def commit_worktree(worktree: Path | str, message: str, paths: list[str] | None = None) -> str | None:
    """Stage ``paths`` (all changes if None) in a Germinate worktree and commit them.

    Returns the new HEAD SHA, or None when there was nothing to commit. Only for worktrees
    under the state folder: never the user's working tree.
    """
    run_git(worktree, "add", "-A", "--", *(paths or ["."]))
    if not run_git(worktree, "diff", "--cached", "--name-only").strip():
        return None
    run_git(worktree, *BOT_IDENTITY, "commit", "-q", "--no-verify", "-m", message)
    return head_sha(worktree)


# Folders that hold no code of the project's own, when a tree is walked without git.
SKIP_DIRS = frozenset({"venv", "env", "node_modules", "__pycache__", "build", "dist", "site-packages"})


def python_files(worktree: Path | str) -> list[str]:
    """Repo-relative paths of the Python files: tracked plus untracked-not-ignored (git), else a walk."""
    worktree = Path(worktree)
    try:
        listed = git_bytes(worktree, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py")
    except RepoError:
        listed = None  # not a git checkout: walk it
    if listed is not None:
        names = {n for n in listed.decode("utf-8", errors="replace").split("\0") if n}
        return sorted(n for n in names if (worktree / n).is_file())
    found = []
    for dirpath, dirnames, filenames in os.walk(worktree):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        found += [Path(dirpath, f).relative_to(worktree).as_posix() for f in filenames if f.endswith(".py")]
    return sorted(found)


def patch_id(repo_path: Path | str, base: str, head: str, exclude: tuple[str, ...] = ()) -> str:
    """The content of the change ``base..head`` (``git patch-id --stable``), paths in ``exclude``
    left out: equal for a change and its clean rebase, different once its diff differs. "" if empty."""
    pathspec = ["--", ".", *[f":(exclude){p}" for p in exclude]]
    diff = git_bytes(repo_path, "diff", "--no-color", "--no-ext-diff", "--full-index", base, head, *pathspec)
    if not diff.strip():
        return ""
    out = git_bytes(repo_path, "patch-id", "--stable", input=diff).split()
    return out[0].decode() if out else ""
