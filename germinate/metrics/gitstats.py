"""Git facts for a snapshot: commit, branch, dirty state and recent churn per file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from germinate.models import GitState
from germinate.workspace import current_branch, is_dirty, run_git

CHURN_COMMITS = 100  # "recent" = the last N commits, so a snapshot depends on the commit, not the day


def churn(repo: Path, sha: str, commits: int = CHURN_COMMITS) -> dict[str, int]:
    """Commits touching each file among the last ``commits`` reachable from ``sha``."""
    out = run_git(repo, "log", f"-n{commits}", "--format=", "--name-only", "--no-renames", sha)
    counts = Counter(line for line in out.splitlines() if line.strip())
    return dict(counts.most_common())


def git_state(repo: Path, sha: str) -> GitState:
    """Where the user's repository stands (branch, dirty) and the churn up to ``sha``."""
    branch = current_branch(repo)
    return GitState(sha=sha, branch="" if branch == "HEAD" else branch, dirty=is_dirty(repo),
                    churn=churn(repo, sha))
