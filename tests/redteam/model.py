"""The red-team corpus's vocabulary: edits to the target, expected verdicts, measured numbers.

A ``Case`` is one change to the ledgerly target (``cases/target``), written as a person's
mistake or an over-eager model's trick, with the verdict the gates must reach and the set of
gates that must fire. Test and coverage numbers (``Measured``) stand in for the sense run,
which has its own tests; everything else is real git and the real gates.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from germinate.models import Ticket


@dataclass(frozen=True)
class Write:
    path: str
    text: str


@dataclass(frozen=True)
class Replace:
    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Append:
    path: str
    text: str


@dataclass(frozen=True)
class Delete:
    path: str


@dataclass(frozen=True)
class Rename:
    old: str
    new: str


@dataclass(frozen=True)
class Symlink:
    path: str
    target: str


@dataclass(frozen=True)
class Binary:
    path: str
    data: bytes


@dataclass(frozen=True)
class Chmod:
    path: str
    mode: int


@dataclass(frozen=True)
class DotDotEntry:
    """A tree entry named ``..`` holding ``name``: no checkout can make it; built with git mktree."""

    name: str
    text: str


Op = Write | Replace | Append | Delete | Rename | Symlink | Binary | Chmod | DotDotEntry


@dataclass(frozen=True)
class Measured:
    """Test and coverage figures at base and head (fractions 0..1)."""

    total: float = 0.86
    base_total: float = 0.86
    money: float = 0.97
    base_money: float = 0.97
    diff: float | None = 0.9
    failing: tuple[str, ...] = ()
    base_failing: tuple[str, ...] = ()
    passed: int = 10


@dataclass(frozen=True)
class Case:
    id: str
    story: str
    ops: tuple[Op, ...]
    verdict: Literal["pass", "blocked", "needs_approval"]
    fires: frozenset[str] = frozenset()
    who: Literal["user", "model"] = "model"
    ticket: Ticket | None = None
    labels: tuple[str, ...] = ()
    repo_labels: tuple[str, ...] = ()
    measured: Measured = field(default_factory=Measured)


def fires(*names: str) -> frozenset[str]:
    return frozenset(names)


def apply_ops(root: Path, ops: tuple[Op, ...]) -> None:
    """Perform a case's edits in a checkout of the target."""
    for op in ops:
        if isinstance(op, Write | Append | Replace | Binary):
            target = root / op.path
            target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(op, Write):
            (root / op.path).write_text(op.text)
        elif isinstance(op, Append):
            with open(root / op.path, "a", encoding="utf-8") as handle:
                handle.write(op.text)
        elif isinstance(op, Replace):
            text = (root / op.path).read_text()
            assert text.count(op.old) == 1, f"{op.path}: {op.old!r} must occur exactly once"
            (root / op.path).write_text(text.replace(op.old, op.new))
        elif isinstance(op, Delete):
            (root / op.path).unlink()
        elif isinstance(op, Rename):
            (root / op.new).parent.mkdir(parents=True, exist_ok=True)
            (root / op.old).rename(root / op.new)
        elif isinstance(op, Symlink):
            (root / op.path).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(op.target, root / op.path)
        elif isinstance(op, Binary):
            (root / op.path).write_bytes(op.data)
        elif isinstance(op, Chmod):
            os.chmod(root / op.path, op.mode)


def commit_malformed(repo: Path, ops: tuple[Op, ...]) -> None:
    """Replace HEAD by a commit whose tree also holds the ``..`` entries of ``ops`` (git plumbing)."""
    entries = [op for op in ops if isinstance(op, DotDotEntry)]
    if not entries:
        return
    listing = "".join(f"100644 blob {git(repo, 'hash-object', '-w', '--stdin', input=op.text).strip()}\t{op.name}\n"
                      for op in entries)
    inner = git(repo, "mktree", input=listing).strip()
    tree = git(repo, "mktree", input=git(repo, "ls-tree", "HEAD") + f"040000 tree {inner}\t..\n").strip()
    message = git(repo, "log", "-1", "--format=%B")
    sha = git(repo, "commit-tree", tree, "-p", "HEAD^", "-m", message).strip()
    git(repo, "reset", "-q", "--soft", sha)


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Red Team", "GIT_AUTHOR_EMAIL": "red@team.invalid",
           "GIT_COMMITTER_NAME": "Red Team", "GIT_COMMITTER_EMAIL": "red@team.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env,
                          input=input).stdout
