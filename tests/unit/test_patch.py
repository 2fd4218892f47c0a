"""A change read from patch text agrees with the same change read from git."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from germinate.diff import changeset_between
from germinate.patch import changeset_from_patch, malformed_paths
from tests.conftest import git


def test_patch_reading_matches_git(repo_factory: Any) -> None:
    repo = repo_factory({"a.py": "A = 1\nB = 2\n", "old.py": "X = 1\n" * 5, "gone.py": "G = 1\n",
                         "run.py": "print(1)\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "a.py").write_text("A = 1\nB = 3\nC = 4\n")
    (repo / "old.py").rename(repo / "new name.py")
    (repo / "gone.py").unlink()
    (repo / "data.bin").write_bytes(b"\x00\x01\x02\x03")
    os.symlink("a.py", repo / "link.py")
    os.chmod(repo / "run.py", 0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    from_git = changeset_between(repo, base, "HEAD")
    patch = git(repo, "diff", "--binary", "-M", base, "HEAD")
    from_patch = changeset_from_patch(repo, base, patch)
    keys = ("path", "old_path", "status", "binary", "symlink", "symlink_target", "mode", "old_mode",
            "added_lines", "removed_lines")
    def view(f: Any) -> tuple[Any, ...]:
        return tuple(getattr(f, k) for k in keys)
    assert sorted(map(view, from_patch.files)) == sorted(map(view, from_git.files))
    assert malformed_paths(from_patch) == []


def test_malformed_entries_are_named(tmp_path: Path) -> None:
    patch = ("diff --git a/../x.py b/../x.py\nnew file mode 100644\n--- /dev/null\n+++ b/../x.py\n@@ -0,0 +1 @@\n+X\n"
             "diff --git a/.GIT/config b/.GIT/config\nnew file mode 100644\n--- /dev/null\n+++ b/.GIT/config\n"
             "@@ -0,0 +1 @@\n+[core]\n")
    changes = changeset_from_patch(tmp_path, "0" * 40, patch)
    assert malformed_paths(changes) == ["../x.py", ".GIT/config"]
    assert changes.files[0].added_lines == [(1, "X")]
