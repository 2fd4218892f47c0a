"""Edit blocks beyond the corpus: path safety, feedback, repeat detection, real git worktrees."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from germinate.edits import (
    EDIT_FORMAT,
    EditParseError,
    EditPathError,
    apply_edit_blocks,
    block_fingerprint,
    parse_edit_blocks,
    repeated_failures,
    resolve_in_worktree,
)
from germinate.models import EditBlock

STALE = "pkg/a.py\n<<<<<<< SEARCH\nA = 3\n=======\nA = 4\n>>>>>>> REPLACE\n"


def test_edit_format_example_parses_and_applies(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/greet.py").write_text('def greet(name):\n    return "Hello " + name\n')
    example = EDIT_FORMAT.split("Example:", 1)[1]
    report = apply_edit_blocks(tmp_path, parse_edit_blocks(example))
    assert report.ok, report.feedback()
    assert (tmp_path / "tests/test_greet.py").read_text().startswith("from pkg.greet import greet")
    assert report.changed_files == ["pkg/greet.py", "tests/test_greet.py"]
    assert (
        report.feedback() == "All 2 edit blocks were applied (pkg/greet.py, tests/test_greet.py)."
    )


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../x.py", "'..'"),
        ("pkg/../../x.py", "'..'"),
        ("/etc/passwd", "absolute"),
        ("~/x.py", "absolute"),
        ("C:/x.py", "absolute"),
        (".git/hooks/pre-commit", ".git"),
        ("sub/.GIT/config", ".git"),
        ("", "empty"),
    ],
)
def test_paths_outside_the_worktree_are_refused(tmp_path: Path, path: str, why: str) -> None:
    with pytest.raises(EditPathError, match=why):
        resolve_in_worktree(tmp_path, path)


def test_create_through_a_symlinked_folder_writes_nothing_outside(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    block = EditBlock(path="link/deep/new.py", kind="create", replace="X = 1\n")
    report = apply_edit_blocks(root, [block])
    assert not report.ok and "outside the repository" in report.failed[0][1]
    assert list(outside.iterdir()) == []


def test_real_git_worktree_only_named_files_change(repo_factory) -> None:
    repo = repo_factory({"pkg/a.py": "A = 1\n", "pkg/b.py": "B = 1\n"})
    reply = "pkg/a.py\n<<<<<<< SEARCH\nA = 1\n=======\nA = 2\n>>>>>>> REPLACE\n" + (
        ".git/config\n<<<<<<< SEARCH\n[core]\n=======\n[core]\n\thooksPath = /tmp\n>>>>>>> REPLACE\n"
    )
    config_before = (repo / ".git/config").read_bytes()
    report = apply_edit_blocks(repo, parse_edit_blocks(reply))
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True
    ).stdout
    assert status.strip() == "M pkg/a.py"
    assert (repo / ".git/config").read_bytes() == config_before
    assert [b.path for b, _ in report.failed] == [".git/config"]


def test_non_text_and_directory_targets_fail_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00\x01")
    (tmp_path / "pkg").mkdir()
    blocks = [
        EditBlock(path="blob.bin", search="x\n", replace="y\n"),
        EditBlock(path="pkg", search="x\n", replace="y\n"),
    ]
    reasons = [reason for _, reason in apply_edit_blocks(tmp_path, blocks).failed]
    assert "not UTF-8 text" in reasons[0]
    assert "is a directory" in reasons[1]


def test_fingerprint_ignores_crlf_and_trailing_spaces() -> None:
    a = parse_edit_blocks(STALE)[0]
    b = parse_edit_blocks(STALE.replace("\n", "  \r\n"))[0]
    c = parse_edit_blocks(STALE.replace("A = 4", "A = 5"))[0]
    assert block_fingerprint(a) == block_fingerprint(b) != block_fingerprint(c)


def test_the_same_failed_edit_twice_is_detected(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/a.py").write_text("A = 1\n")
    first = apply_edit_blocks(tmp_path, parse_edit_blocks(STALE))
    seen = first.failed_fingerprints()
    assert repeated_failures(first, set()) == []
    again = apply_edit_blocks(tmp_path, parse_edit_blocks(STALE.replace("\n", "\r\n")))
    assert repeated_failures(again, seen) == sorted(seen)
    fixed = apply_edit_blocks(tmp_path, parse_edit_blocks(STALE.replace("A = 3", "A = 1")))
    assert fixed.ok and repeated_failures(fixed, seen) == []


def test_parse_errors_carry_a_stable_fingerprint() -> None:
    with pytest.raises(EditParseError) as one:
        parse_edit_blocks("pkg/a.py\n<<<<<<< SEARCH\nA = 1\n")
    with pytest.raises(EditParseError) as two:
        parse_edit_blocks("pkg/a.py\r\n<<<<<<< SEARCH\r\nA = 1\r\n")
    assert one.value.fingerprint == two.value.fingerprint
    assert "no ======= line" in str(one.value)


@pytest.mark.parametrize("text", ["", "   \n", "Looks good to me; nothing to change."])
def test_replies_without_blocks_or_code_give_no_blocks(text: str) -> None:
    assert parse_edit_blocks(text) == []


def test_reindent_keeps_relative_nesting(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "class K:\n    def f(self):\n        if True:\n            return 1\n"
    )
    reply = (
        "m.py\n<<<<<<< SEARCH\ndef f(self):\n    if True:\n        return 1\n=======\n"
        "def f(self):\n    for i in range(3):\n        if i:\n            return i\n    return 0\n>>>>>>> REPLACE\n"
    )
    report = apply_edit_blocks(tmp_path, parse_edit_blocks(reply))
    assert report.ok, report.feedback()
    assert (tmp_path / "m.py").read_text() == (
        "class K:\n    def f(self):\n        for i in range(3):\n            if i:\n"
        "                return i\n        return 0\n"
    )


def test_a_file_in_the_way_of_a_folder_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "pkg").write_text("not a folder\n")
    report = apply_edit_blocks(
        tmp_path, [EditBlock(path="pkg/new.py", kind="create", replace="X = 1\n")]
    )
    assert not report.ok
    assert "pkg/new.py could not be written" in report.failed[0][1]
    assert (tmp_path / "pkg").read_text() == "not a folder\n"


FUZZ_PIECES = [
    "<<<<<<< SEARCH\n",
    "=======\n",
    ">>>>>>> REPLACE\n",
    "<<<<<<< DELETE\n",
    "```python\n",
    "```\n",
    "pkg/a.py\n",
    "../x.py\n",
    "/abs.py\n",
    "A = 1\n",
    "    def f(self):\n",
    "\n",
    "prose here\n",
    "\r\n",
    "**b.py**\n",
    "\t",
    ".git/x\n",
    "link/c.py\n",
    "--- a/x\n",
    "@@ -1 +1 @@\n",
]


def test_garbage_replies_never_crash_or_escape(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (root / "link").symlink_to(outside)
    for _ in range(800):
        (root / "pkg/a.py").write_text("A = 1\nclass K:\n    def f(self):\n        return 1\n")
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(0, 14)))
        try:
            blocks = parse_edit_blocks(text)
        except EditParseError as err:
            assert str(err)
            continue
        report = apply_edit_blocks(root, blocks)
        assert report.feedback()
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "x.py").exists()
