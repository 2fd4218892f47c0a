"""The kind of ticket a past commit was, read from its diff (the oracle's plan; no subject guessing).

- ``tests`` / ``docs`` / ``refactor`` (layout only): no product module's syntax tree changed
  beyond docstrings (``germinate.cycle.touches``); nothing to prove.
- ``feature``: the public interface of a product module changed: a public function, class,
  method (dunders included) or module-level name was added, removed or given another
  signature or bases, ``__all__`` changed, or a public module was added or removed. A
  feature owes a test that fails on the parent and passes on the commit (``ticket_proof``).
- ``refactor``: code changed behind an unchanged interface (a rewrite, a speed-up, a clean-up).
  Whether it also fixed a bug the diff cannot tell; a real model's architect says so in its plan.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath

from germinate.backtest.history import PastCommit
from germinate.cycle.touches import behaviour_files, touched_kind
from germinate.workspace import git_bytes, run_git

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _signature(node: Definition) -> str:
    if isinstance(node, ast.ClassDef):
        return "class(" + ",".join(ast.dump(b) for b in node.bases) + ")"
    return ("async " if isinstance(node, ast.AsyncFunctionDef) else "") + "def" + ast.dump(node.args)


def interface(source: str) -> set[str]:
    """A module's public interface: its public names with their signatures, its public
    classes' public methods with theirs, and ``__all__`` (empty for unparsable code)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {"<unparsable>"}
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, Definition) and _public(node.name):
            out.add(f"{node.name}: {_signature(node)}")
            if isinstance(node, ast.ClassDef):
                out |= {f"{node.name}.{item.name}: {_signature(item)}" for item in node.body
                        if isinstance(item, Definition) and _public(item.name)}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None:
                    out.add(f"__all__ = {ast.dump(node.value)}")
                elif isinstance(target, ast.Name) and _public(target.id):
                    out.add(target.id)
    return out


def _interface_at(repo: Path, sha: str, path: str) -> set[str] | None:
    if not run_git(repo, "ls-tree", "--name-only", sha, "--", path).strip():
        return None
    return interface(git_bytes(repo, "show", f"{sha}:{path}").decode("utf-8", errors="replace"))


def interface_changed(repo: Path, parent: str, sha: str, paths: list[str]) -> bool:
    """Whether any of the product ``paths`` changed its public interface between the commits."""
    for path in paths:
        if not path.endswith(".py"):
            return True
        before, after = _interface_at(repo, parent, path), _interface_at(repo, sha, path)
        if before is None or after is None:  # a module added or removed: public unless private by name
            if _public(PurePosixPath(path).stem):
                return True
            continue
        if before != after:
            return True
    return False


def commit_kind(repo: Path, commit: PastCommit) -> str:
    """``tests``/``docs``/``refactor`` (layout), ``feature`` (interface changed) or
    ``refactor`` (code changed behind the same interface)."""
    shown = touched_kind(repo, commit.parent, commit.sha, commit.files)
    if shown is not None:
        return shown
    changed = behaviour_files(repo, commit.parent, commit.sha, commit.files)
    return "feature" if interface_changed(repo, commit.parent, commit.sha, changed) else "refactor"
