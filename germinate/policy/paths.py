"""Where a change may write: the seed's write paths and disallowed writes (``seed.yaml`` and CI
config always), paths that escape the repository, symlinks and binary files.

Every path a change writes counts: the new path, the old path of a rename, deleted files.
Disallowed globs match case-insensitively on NFKC-normalised names, so ``SEED.yaml`` or a
full-width look-alike of ``.github`` is still caught.
"""

from __future__ import annotations

import posixpath

from germinate.globs import first_match, normalise_path
from germinate.models import GateResult
from germinate.policy.context import GateContext, gate

WRITE_PATHS = "write_paths"
FILE_TYPES = "file_types"


def _escapes(path: str) -> bool:
    parts = normalise_path(path).split("/")
    drive = len(parts[0]) == 2 and parts[0][1] == ":" and parts[0][0].isalpha()
    return path.startswith("/") or ".." in parts or parts[0].lower() == ".git" or drive


def check_write_paths(ctx: GateContext) -> GateResult:
    access = ctx.seed.automation_contract.ai_access
    disallowed = access.effective_disallowed()
    block: list[str] = []
    for change in ctx.changes.files:
        for path in change.paths():
            if _escapes(path):
                block.append(f"{path}: escapes the repository")
                continue
            hit = first_match(path, disallowed, ignore_case=True)
            if hit is not None:
                verb = "deletes" if change.status == "deleted" else "writes"
                block.append(f"{path}: {verb} a disallowed path (automation_contract.ai_access "
                             f"disallowed_writes / always protected: '{hit}')")
            elif first_match(path, access.write_paths) is None:
                block.append(f"{path}: outside automation_contract.ai_access.write_paths "
                             f"({', '.join(access.write_paths)})")
    return gate(WRITE_PATHS, ok=f"{len(ctx.changes.files)} file(s), all inside the write paths",
                block=block, what="writes outside what the seed allows")


def _symlink_escapes(path: str, target: str) -> bool:
    if target.startswith("/") or target.startswith("~"):
        return True
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return joined == ".." or joined.startswith("../") or joined.split("/")[0] == ".git"


def check_file_types(ctx: GateContext) -> GateResult:
    disallowed = ctx.seed.automation_contract.ai_access.effective_disallowed()
    block: list[str] = []
    approval: list[str] = []
    for change in ctx.changes.files:
        if change.status == "deleted":
            continue
        if change.symlink:
            target = change.symlink_target or ""
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(change.path), target))
            if _symlink_escapes(change.path, target):
                block.append(f"{change.path}: symlink to '{target}' points outside the repository")
            elif first_match(resolved, disallowed, ignore_case=True):
                block.append(f"{change.path}: symlink to '{target}' reaches a disallowed path")
            else:
                approval.append(f"{change.path}: new or changed symlink to '{target}'")
        elif change.binary:
            approval.append(f"{change.path}: binary file (no gate can read it; a person must)")
        if change.mode == "100755" and change.old_mode != "100755" and change.path.endswith(".py"):
            approval.append(f"{change.path}: made executable ({change.old_mode or 'new'} -> 100755)")
    return gate(FILE_TYPES, ok="no symlinks, binaries or mode changes", block=block,
                approval=approval, what="file types")
