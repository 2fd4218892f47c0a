"""A change read from a patch file alone, for when git will not apply it.

``git apply`` refuses a patch that names ``../x`` or ``.git/hooks/x``; such a patch is an
attack, not a stale change, and must be judged (blocked), not reported as an error.
``changeset_from_patch`` builds the ``ChangeSet`` the gates read from the patch text: paths,
statuses, modes, symlink targets, binary markers and lines; ``malformed_paths`` names the
entries no checkout can hold.
"""

from __future__ import annotations

from pathlib import Path

from germinate.diff import (
    SYMLINK_MODE,
    ChangeSet,
    FileChange,
    FileStatus,
    _header_path,
    _unquote,
    parse_patch_lines,
)


def malformed_paths(changes: ChangeSet) -> list[str]:
    """Paths no checkout can hold: absolute, ``..``/``.``/empty components, or inside ``.git``."""
    def bad(path: str) -> bool:
        parts = path.split("/")
        return path.startswith("/") or any(p in ("", ".", "..") or p.lower().rstrip(". ") == ".git" for p in parts)

    return [p for f in changes.files for p in f.paths() if bad(p)]


def _git_line_paths(line: str) -> tuple[str, str]:
    """``diff --git a/X b/Y`` -> (X, Y) for unquoted names without `` b/`` inside."""
    rest = line[len("diff --git "):]
    if rest.startswith('"'):
        end = rest.index('"', 1)
        first, second = rest[:end + 1], rest[end + 2:]
    else:
        first, _, second = rest.partition(" b/")
        second = "b/" + second
    return _unquote(first).removeprefix("a/"), _unquote(second).removeprefix("b/")


def _file_change(header: list[str], lines: dict[str, tuple[list[tuple[int, str]], list[tuple[int, str]]]]) -> FileChange:
    old, new = _git_line_paths(header[0])
    status: FileStatus = "modified"
    mode = old_mode = "100644"
    binary = False
    renamed_from = None
    for line in header[1:]:
        if line.startswith("--- "):
            old = _header_path(line) or old
        elif line.startswith("+++ "):
            new = _header_path(line) or new
        elif line.startswith(("new file mode ", "deleted file mode ")):
            status = "added" if line.startswith("new") else "deleted"
            mode = old_mode = line.split()[-1]
        elif line.startswith("new mode "):
            mode = line.split()[-1]
        elif line.startswith("old mode "):
            old_mode = line.split()[-1]
        elif line.startswith("rename from "):
            renamed_from, status = _unquote(line[len("rename from "):]), "renamed"
        elif line.startswith("rename to "):
            new = _unquote(line[len("rename to "):])
        elif line.startswith(("GIT binary patch", "Binary files ")):
            binary = True
    path = old if status == "deleted" else new
    added, removed = lines.get(path, ([], []))
    symlink = SYMLINK_MODE in (mode, old_mode)
    target = added[0][1] if symlink and added else None
    return FileChange(path=path, old_path=renamed_from, status=status, binary=binary, symlink=symlink,
                      symlink_target=target, mode="" if status == "deleted" else mode,
                      old_mode="" if status == "added" else old_mode,
                      added_lines=[] if symlink else added, removed_lines=removed)


NO_COMMIT = "0" * 40  # the head of a patch git would not apply: no commit, no file contents


def changeset_from_patch(repo: Path, base_sha: str, patch: str) -> ChangeSet:
    """The change a unified git patch describes on top of ``base_sha``.

    Its head is ``NO_COMMIT``: gates that read a head file's text find none and judge from the
    patch's lines; the base side is read from git as usual.
    """
    lines = parse_patch_lines(patch)
    headers: list[list[str]] = []
    in_hunk = False
    for line in patch.split("\n"):
        if line.startswith("diff --git "):
            headers.append([line])
            in_hunk = False
        elif line.startswith("@@ "):
            in_hunk = True
        elif headers and not in_hunk:
            headers[-1].append(line)
    files = [_file_change(h, lines) for h in headers]
    return ChangeSet(repo=str(repo), base=base_sha, head=NO_COMMIT, files=files, diff_text=patch)
