"""Where a change may write and what it may add: the seed's write paths and disallowed writes
(``seed.yaml`` and CI config always), paths that escape the repository or are malformed,
names that are not canonical, symlinks, binary files and compiled bytecode.

Every path a change writes counts: the new path, the old path of a rename, deleted files.
Disallowed globs match case-insensitively on NFKC-normalised names, so ``SEED.yaml`` or a
full-width look-alike of ``.github`` is still caught; the write paths (an allow-list) match the
raw name, so a full-width look-alike of an allowed folder is not inside it. A name that
normalisation changes, with control or bidi characters, a backslash, or that collides with an
existing path up to case is blocked outright (``germinate.edits.names``).

**Which findings a fix round may fix.** Nothing of a change runs while a static gate blocks, so
a slip of scope costs only a round: a file written outside the write paths or into a disallowed
one, a name that is not canonical, a binary or bytecode file added. The implementer is told the
files and the seed's globs and may move the code or leave the file alone. A finding that reaches
beyond what any gate reads ends the candidate instead (``GateResult.ends_candidate``): a tree
entry that escapes the repository (``..``, ``.git``, an absolute path), and a blocking symlink
or submodule: a link can point outside the tree, or at code in another repository, and a
change that makes one is not a slip a model makes while editing text files.
"""

from __future__ import annotations

import posixpath

from germinate.diff import FileChange
from germinate.edits.names import CaseIndex, name_problem
from germinate.globs import first_match, normalise_path
from germinate.models import GateResult
from germinate.policy.context import GateContext, gate
from germinate.seed.model import GatePolicy

WRITE_PATHS = "write_paths"
GITLINK_MODE = "160000"
FILE_TYPES = "file_types"


def _escapes(path: str) -> bool:
    """Absolute, a drive, ``..``/``.``/empty components (a malformed tree) or inside ``.git``."""
    parts = normalise_path(path).split("/")
    drive = len(parts[0]) == 2 and parts[0][1] == ":" and parts[0][0].isalpha()
    odd = any(p in ("", ".", "..") for p in path.split("/")) or ".." in parts
    dotgit = any(p.lower().rstrip(". ") in (".git", "git~1") for p in parts)
    return path.startswith("/") or odd or dotgit or drive


def _written(change: FileChange) -> list[str]:
    """The names a change creates (not the ones it only deletes)."""
    return [change.path] if change.status in ("added", "renamed") else []


def _name_findings(ctx: GateContext) -> list[str]:
    """Created names that are not canonical or that are letter-case twins of another path."""
    created = [p for change in ctx.changes.files for p in _written(change)]
    if not created:
        return []
    gone = {p for c in ctx.changes.files if c.status in ("deleted", "renamed") for p in [c.old_path or c.path]}
    kept = [p for p in ctx.base_paths() if p not in gone]
    index = CaseIndex(kept)
    found: list[str] = []
    for n, path in enumerate(created):
        why = name_problem(path)
        if why is None:
            other = index.twin(path) or CaseIndex(created[:n]).twin(path)
            why = f"differs only in letter case from '{other}' (one file on macOS and Windows)" if other else None
        if why is not None:
            found.append(f"{path!r}: not a canonical name: {why}")
    return found


def _result(name: str, *, ok: str, final: list[str], block: list[str], approval: list[str] | None = None,
            what: str) -> GateResult:
    """One gate result; ``final`` findings (listed first) end the candidate without a fix round."""
    result = gate(name, ok=ok, block=final + block, approval=approval, what=what)
    return result.model_copy(update={"ends_candidate": True}) if final else result


def check_write_paths(ctx: GateContext) -> GateResult:
    access = ctx.seed.automation_contract.ai_access
    disallowed = access.effective_disallowed()
    final: list[str] = []
    block: list[str] = _name_findings(ctx)
    for change in ctx.changes.files:
        for path in change.paths():
            if _escapes(path):
                final.append(f"{path!r}: escapes the repository or is a malformed tree entry "
                             "('..', '.', an empty name, .git or an absolute path)")
                continue
            hit = first_match(path, disallowed, ignore_case=True)
            if hit is not None:
                verb = "deletes" if change.status == "deleted" else "writes"
                block.append(f"{path}: {verb} a disallowed path (automation_contract.ai_access "
                             f"disallowed_writes / always protected: '{hit}')")
            elif first_match(path, access.write_paths, raw=True) is None:
                block.append(f"{path}: outside automation_contract.ai_access.write_paths "
                             f"({', '.join(access.write_paths)})")
    return _result(WRITE_PATHS, ok=f"{len(ctx.changes.files)} file(s), all inside the write paths",
                   final=final, block=block, what="writes outside what the seed allows")


def _symlink_escapes(path: str, target: str) -> bool:
    if target.startswith("/") or target.startswith("~"):
        return True
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return joined == ".." or joined.startswith("../") or joined.split("/")[0] == ".git"


def _by_policy(policy: GatePolicy, finding: str, block: list[str], approval: list[str]) -> None:
    if policy == "block":
        block.append(finding)
    elif policy == "needs_approval":
        approval.append(finding)


def _is_bytecode(path: str) -> bool:
    return path.endswith((".pyc", ".pyo")) or "__pycache__" in path.split("/")


def check_file_types(ctx: GateContext) -> GateResult:
    types = ctx.seed.quality_gates.file_types
    disallowed = ctx.seed.automation_contract.ai_access.effective_disallowed()
    final: list[str] = []  # links: they can reach outside the tree; no fix round
    block: list[str] = []
    approval: list[str] = []
    for change in ctx.changes.files:
        if change.status == "deleted":
            continue
        if GITLINK_MODE in (change.mode, change.old_mode):
            _by_policy(types.submodules, f"{change.path}: git submodule (code from another repository no gate "
                       f"reads; quality_gates.file_types.submodules: {types.submodules})", final, approval)
        elif change.symlink:
            target = change.symlink_target or ""
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(change.path), target))
            if _symlink_escapes(change.path, target):
                final.append(f"{change.path}: symlink to '{target}' points outside the repository")
            elif first_match(resolved, disallowed, ignore_case=True):
                final.append(f"{change.path}: symlink to '{target}' reaches a disallowed path")
            else:
                _by_policy(types.symlinks, f"{change.path}: new or changed symlink to '{target}' "
                           f"(quality_gates.file_types.symlinks: {types.symlinks})", final, approval)
        elif _is_bytecode(change.path):
            _by_policy(types.bytecode, f"{change.path}: compiled Python bytecode; it runs without its "
                       f"source being reviewed (quality_gates.file_types.bytecode: {types.bytecode})",
                       block, approval)
        elif change.binary:
            _by_policy(types.binary, f"{change.path}: binary file; no gate can read it "
                       f"(quality_gates.file_types.binary: {types.binary})", block, approval)
        if change.mode == "100755" and change.old_mode != "100755" and change.path.endswith(".py"):
            approval.append(f"{change.path}: made executable ({change.old_mode or 'new'} -> 100755)")
    return _result(FILE_TYPES, ok="no symlinks, binaries, bytecode or mode changes", final=final, block=block,
                   approval=approval, what="file types")
