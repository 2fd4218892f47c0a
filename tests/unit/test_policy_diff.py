"""``changeset_between`` on real git diffs: renames, binaries, symlinks, modes, odd names, odd lines."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from germinate.diff import changeset_between, parse_patch_lines
from germinate.errors import RepoError


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def commit(repo: Path) -> tuple[str, str]:
    """Commit everything; (base, head) SHAs."""
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return base, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(repo_factory: Any) -> Path:
    body = "".join(f"line {i}\n" for i in range(1, 21))
    return repo_factory({"pkg/core.py": body, "notes.sql": "select 1;\n-- keep me\nselect 2;\n",
                         "old name.txt": body, "tool.py": "print('x')\n", "gone.txt": "bye\n",
                         "link_target.txt": "t\n"})


def test_modified_added_deleted_with_exact_line_numbers(repo: Path) -> None:
    text = (repo / "pkg/core.py").read_text().replace("line 5\n", "line five\n").replace("line 20\n", "")
    (repo / "pkg/core.py").write_text(text)
    (repo / "pkg/new.py").write_text("a = 1\nb = 2\n")
    (repo / "gone.txt").unlink()
    base, head = commit(repo)
    cs = changeset_between(repo, base, head)
    core, new, gone = cs.file("pkg/core.py"), cs.file("pkg/new.py"), cs.file("gone.txt")
    assert core and core.status == "modified" and core.added_lines == [(5, "line five")]
    assert core.removed_lines == [(5, "line 5"), (20, "line 20")]
    assert new and new.status == "added" and new.added_lines == [(1, "a = 1"), (2, "b = 2")] and new.mode == "100644"
    assert gone and gone.status == "deleted" and gone.removed_lines == [(1, "bye")] and gone.mode == ""
    assert (cs.lines_added, cs.lines_removed) == (3, 3)
    assert cs.added_line_numbers() == {"pkg/core.py": [5], "pkg/new.py": [1, 2]}
    assert cs.head == head and len(cs.base) == 40 and "pkg/new.py" in cs.diff_text
    assert cs.model_dump()["lines_added"] == 3


def test_removed_sql_comment_is_a_line_not_a_header(repo: Path) -> None:
    (repo / "notes.sql").write_text("select 1;\nselect 2;\n")
    commit(repo)
    cs = changeset_between(repo, "HEAD~1", "HEAD")
    sql = cs.file("notes.sql")
    assert sql and sql.removed_lines == [(2, "-- keep me")] and sql.added_lines == []


def test_rename_with_spaces_and_an_edit(repo: Path) -> None:
    text = (repo / "old name.txt").read_text() + "line 21\n"
    (repo / "old name.txt").unlink()
    (repo / "new näme\tx.txt").write_text(text)
    cs = changeset_between(repo, *commit(repo))
    (entry,) = cs.files
    assert entry.status == "renamed" and entry.old_path == "old name.txt" and entry.path == "new näme\tx.txt"
    assert entry.added_lines == [(21, "line 21")]
    assert entry.paths() == ["new näme\tx.txt", "old name.txt"]


def test_binary_symlink_mode_and_type_change(repo: Path) -> None:
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    os.symlink("../outside/secret", repo / "pkg" / "escape")
    os.chmod(repo / "tool.py", 0o755)
    (repo / "link_target.txt").unlink()
    os.symlink("/etc/passwd", repo / "link_target.txt")
    cs = changeset_between(repo, *commit(repo))
    blob, link, tool, typed = (cs.file(p) for p in ("blob.bin", "pkg/escape", "tool.py", "link_target.txt"))
    assert blob and blob.binary and blob.added_lines == []
    assert link and link.symlink and link.symlink_target == "../outside/secret" and link.mode == "120000"
    assert link.added_lines == []
    assert tool and (tool.old_mode, tool.mode) == ("100644", "100755") and not tool.added_lines
    assert typed and typed.symlink and typed.status == "modified" and typed.symlink_target == "/etc/passwd"
    assert typed.removed_lines == [(1, "t")]


def test_bad_ref_is_a_repo_error(repo: Path) -> None:
    with pytest.raises(RepoError, match="rev-parse"):
        changeset_between(repo, "HEAD", "no-such-branch")


def test_patch_parser_counts_hunks() -> None:
    patch = ("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n--- not a header\n+++ not either\n c\n"
             "\\ No newline at end of file\n")
    assert parse_patch_lines(patch) == {"x": ([(2, "++ not either")], [(2, "-- not a header")])}
