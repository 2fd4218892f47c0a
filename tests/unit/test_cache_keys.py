"""Cached stage results never cross repositories: two clones share commit SHAs, not keys."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tasks._caching import content_key


def stage(repo: str, commit: str) -> str:
    return commit


def key_for(repo: Path, commit: str) -> str:
    context: Any = SimpleNamespace(task=SimpleNamespace(fn=stage, name="stage"))
    return content_key(lambda p: [p["commit"]])(context, {"repo": str(repo), "commit": commit})


def test_two_clones_of_one_commit_get_different_keys(repo_factory: Any, tmp_path: Path) -> None:
    first = repo_factory({"a.py": "A = 1\n"})
    second = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(first), str(second)], check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=second, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert key_for(first, sha) != key_for(second, sha)
    assert key_for(second, sha) == key_for(second / ".." / "clone", sha)  # the same target, however named
    assert key_for(first, sha) != key_for(first, "0" * 40)
