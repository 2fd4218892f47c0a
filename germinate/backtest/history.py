"""Which past commits a backtest replays: one parent, product code and tests, within budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from germinate.errors import ConfigError
from germinate.metrics.scout import is_test_path
from germinate.workspace import run_git

SCAN_LIMIT = 400  # commits looked at (newest first) to find N that qualify


@dataclass(frozen=True)
class PastCommit:
    """A commit a backtest turns into a ticket."""

    sha: str
    parent: str
    subject: str
    body: str
    code_files: list[str] = field(default_factory=list)
    test_files: list[str] = field(default_factory=list)
    lines_changed: int = 0

    @property
    def files(self) -> list[str]:
        return [*self.code_files, *self.test_files]


def _numstat(repo: Path, sha: str) -> list[tuple[int, str]]:
    rows = []
    for line in run_git(repo, "diff", "--numstat", "--no-renames", f"{sha}^", sha).splitlines():
        added, removed, path = line.split("\t", 2)
        if added == "-":  # binary
            return []
        rows.append((int(added) + int(removed), path))
    return rows


def describe(repo: Path, sha: str) -> PastCommit | None:
    """The commit as a backtest candidate (None when it has not exactly one parent)."""
    parents = run_git(repo, "rev-list", "--parents", "-n", "1", sha).split()
    if len(parents) != 2:
        return None
    message = run_git(repo, "log", "-1", "--format=%B", sha).strip()
    subject, _, body = message.partition("\n")
    stats = _numstat(repo, sha)
    code = [p for _, p in stats if p.endswith(".py") and not is_test_path(p)]
    tests = [p for _, p in stats if p.endswith(".py") and is_test_path(p)]
    return PastCommit(sha=parents[0], parent=parents[1], subject=subject.strip(), body=body.strip(),
                      code_files=code, test_files=tests, lines_changed=sum(n for n, _ in stats))


def pick_commits(repo: Path, ref: str, count: int, *, max_lines: int, max_files: int,
                 scan: int = SCAN_LIMIT) -> list[PastCommit]:
    """The newest ``count`` commits on ``ref``'s first-parent line that changed product code and
    tests, only ``.py`` files, within ``max_lines`` / ``max_files`` (the seed's change budget)."""
    if count < 1:
        raise ConfigError("--commits must be at least 1")
    shas = run_git(repo, "rev-list", "--first-parent", "--no-merges", f"--max-count={scan}", ref).split()
    picked: list[PastCommit] = []
    for sha in shas:
        commit = describe(repo, sha)
        if commit is None or not commit.code_files or not commit.test_files:
            continue
        stats_files = len(commit.files)
        if commit.lines_changed > max_lines or stats_files > max_files:
            continue
        if len(run_git(repo, "diff", "--name-only", f"{sha}^", sha).split()) != stats_files:
            continue  # it also changed non-Python files: the ticket would be about more than code
        picked.append(commit)
        if len(picked) == count:
            break
    return picked
