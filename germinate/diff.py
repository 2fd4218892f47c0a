"""What a change is, read from git: files, statuses, modes, symlinks, binaries and lines.

``changeset_between(repo, base, head)`` turns ``git diff base head`` into a ``ChangeSet``,
the one description of a change every gate reads. Metadata comes from ``--raw -z`` and
``--numstat -z`` (NUL-separated, so odd file names cannot confuse it); lines come from the
patch, parsed by hunk counts (so a removed line starting ``--`` is never a file header).
A type change (file -> symlink) shows in the patch as a delete plus an add of the same path:
both are folded into one entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from germinate.workspace import git_bytes

FileStatus = Literal["added", "modified", "deleted", "renamed"]
SYMLINK_MODE = "120000"
_RAW_STATUS: dict[str, FileStatus] = {
    "A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "added", "T": "modified",
}
# Configuration that would change the shape of the output: neutralised on every call.
_GIT_CONFIG = ("-c", "core.quotePath=false", "-c", "diff.noprefix=false",
               "-c", "diff.mnemonicPrefix=false", "-c", "diff.renames=true", "-c", "color.ui=never")


class FileChange(BaseModel):
    """One file of a change; line numbers are 1-based (new file for added, old for removed)."""

    model_config = ConfigDict(frozen=True)

    path: str
    old_path: str | None = None
    status: FileStatus
    binary: bool = False
    symlink: bool = False
    symlink_target: str | None = None
    mode: str = ""  # new mode, "" when deleted
    old_mode: str = ""  # "" when added
    blob: str = ""  # object id of the new side ("" when deleted): read by id, never by path
    old_blob: str = ""  # object id of the old side ("" when added)
    added_lines: list[tuple[int, str]] = Field(default_factory=list)
    removed_lines: list[tuple[int, str]] = Field(default_factory=list)

    def paths(self) -> list[str]:
        """Every path this entry writes: the new path and, for renames, the old one."""
        return [self.path] + ([self.old_path] if self.old_path and self.old_path != self.path else [])


class ChangeSet(BaseModel):
    """A change between two commits of one repository."""

    model_config = ConfigDict(frozen=True)

    repo: str
    base: str
    head: str
    files: list[FileChange] = Field(default_factory=list)
    diff_text: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def lines_added(self) -> int:
        return sum(len(f.added_lines) for f in self.files)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def lines_removed(self) -> int:
        return sum(len(f.removed_lines) for f in self.files)

    def file(self, path: str) -> FileChange | None:
        return next((f for f in self.files if f.path == path), None)

    def added_line_numbers(self) -> dict[str, list[int]]:
        """``{path: [line, ...]}`` of added lines: the shape ``evaluate_change`` expects."""
        return {f.path: [n for n, _ in f.added_lines] for f in self.files if f.added_lines}

    def paths(self) -> list[str]:
        """The changed paths at the head (deleted files included, under their old name)."""
        return [f.path for f in self.files]


def _git(cwd: Path, *args: str) -> bytes:
    return git_bytes(cwd, *_GIT_CONFIG, *args, fix="check that both refs exist (git rev-parse REF)")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual file names (``"a\\tb"``)."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    raw, out, i = path[1:-1], bytearray(), 0
    simple = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, '"': 34, "\\": 92}
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if raw[i + 1:i + 4].isdigit():
                out.append(int(raw[i + 1:i + 4], 8))
                i += 4
                continue
        out.extend(ch.encode())
        i += 1
    return out.decode("utf-8", "replace")


def _header_path(line: str) -> str | None:
    """The path of a ``--- a/x`` / ``+++ b/x`` line; None for /dev/null."""
    name = line[4:]
    if name.endswith("\t"):  # git appends a tab when the name has spaces
        name = name[:-1]
    name = _unquote(name)
    if name == "/dev/null":
        return None
    return name[2:] if name[:2] in ("a/", "b/") else name


Lines = tuple[list[tuple[int, str]], list[tuple[int, str]]]


def _parse_hunk_header(line: str) -> tuple[int, int, int, int]:
    old, new = line.split(" ")[1:3]

    def span(part: str) -> tuple[int, int]:
        start, _, count = part[1:].partition(",")
        return int(start), int(count) if count else 1

    return (*span(old), *span(new))


def parse_patch_lines(patch: str) -> dict[str, Lines]:
    """``{path: (added, removed)}`` from a unified git patch, counting hunk lines exactly."""
    result: dict[str, Lines] = {}
    lines = patch.split("\n")
    old_path: str | None = None
    new_path: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("diff --git "):
            old_path = new_path = None
        elif line.startswith("--- "):
            old_path = _header_path(line)
        elif line.startswith("+++ "):
            new_path = _header_path(line)
        elif line.startswith("@@ "):
            key = new_path or old_path or ""
            added, removed = result.setdefault(key, ([], []))
            old_no, old_left, new_no, new_left = _parse_hunk_header(line)
            while (old_left > 0 or new_left > 0) and i < len(lines):
                body = lines[i]
                i += 1
                tag, text = body[:1], body[1:]
                if tag == "+":
                    added.append((new_no, text))
                    new_no, new_left = new_no + 1, new_left - 1
                elif tag == "-":
                    removed.append((old_no, text))
                    old_no, old_left = old_no + 1, old_left - 1
                elif tag == "\\":  # "\ No newline at end of file"
                    continue
                else:
                    old_no, new_no = old_no + 1, new_no + 1
                    old_left, new_left = old_left - 1, new_left - 1
    return result


RawEntry = tuple[str, str, str, str, str, str, str | None]


def _parse_raw(raw: bytes) -> list[RawEntry]:
    """``(old_mode, new_mode, old_sha, new_sha, status, path, old_path)`` per ``--raw -z`` entry."""
    parts = raw.split(b"\0")
    out: list[RawEntry] = []
    i = 0
    while i < len(parts) and parts[i]:
        meta = _text(parts[i]).lstrip(":").split()
        old_mode, new_mode, old_sha, new_sha, status = meta[:5]
        letter = status[0]
        if letter in "RC":
            src, dst = _text(parts[i + 1]), _text(parts[i + 2])
            out.append((old_mode, new_mode, old_sha, new_sha, letter, dst, src))
            i += 3
        else:
            out.append((old_mode, new_mode, old_sha, new_sha, letter, _text(parts[i + 1]), None))
            i += 2
    return out


def _binary_paths(numstat: bytes) -> set[str]:
    """Paths that ``--numstat -z`` reports as binary (``-\\t-``)."""
    parts = numstat.split(b"\0")
    binary: set[str] = set()
    i = 0
    while i < len(parts) and parts[i]:
        added, deleted, path = _text(parts[i]).split("\t", 2)
        if path == "":  # rename: the two names follow
            path = _text(parts[i + 2])
            i += 3
        else:
            i += 1
        if added == "-" and deleted == "-":
            binary.add(path)
    return binary


def changeset_between(repo_or_worktree: Path | str, base: str, head: str) -> ChangeSet:
    """The change from commit ``base`` to commit ``head`` (refs or SHAs) in one repository."""
    cwd = Path(repo_or_worktree)
    base_sha = _text(_git(cwd, "rev-parse", "--verify", f"{base}^{{commit}}")).strip()
    head_sha = _text(_git(cwd, "rev-parse", "--verify", f"{head}^{{commit}}")).strip()
    common = ("--no-ext-diff", "--no-textconv", "-M", "--src-prefix=a/", "--dst-prefix=b/")
    raw = _parse_raw(_git(cwd, "diff", *common, "--raw", "--no-abbrev", "-z", base_sha, head_sha))
    binary = _binary_paths(_git(cwd, "diff", *common, "--numstat", "-z", base_sha, head_sha))
    patch = _text(_git(cwd, "diff", *common, "-p", "--full-index", base_sha, head_sha))
    lines = parse_patch_lines(patch)
    files: list[FileChange] = []
    for old_mode, new_mode, old_sha, new_sha, letter, path, old_path in raw:
        status = _RAW_STATUS.get(letter, "modified")
        symlink = new_mode == SYMLINK_MODE or (status == "deleted" and old_mode == SYMLINK_MODE)
        target = None
        if new_mode == SYMLINK_MODE:
            target = _text(_git(cwd, "cat-file", "blob", new_sha))
        added, removed = lines.get(path, ([], []))
        if new_mode == SYMLINK_MODE:  # the "line" of a symlink is its target, kept apart
            added = []
        files.append(FileChange(
            path=path, old_path=old_path if letter == "R" else None, status=status,
            binary=path in binary, symlink=symlink, symlink_target=target,
            mode="" if status == "deleted" else new_mode,
            old_mode="" if status == "added" else old_mode,
            blob="" if status == "deleted" else new_sha, old_blob="" if status == "added" else old_sha,
            added_lines=added, removed_lines=removed,
        ))
    return ChangeSet(repo=str(cwd.resolve()), base=base_sha, head=head_sha, files=files, diff_text=patch)
