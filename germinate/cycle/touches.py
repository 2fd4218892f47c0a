"""What a change touches, read from its diff: product behaviour, or only tests, docs and formatting.

A change that leaves every product module's syntax tree as it was (docstrings aside: layout,
comments, trailing commas and docstrings do not change what the code does) and only edits
tests or docs cannot owe a test that fails without it: there is no new behaviour to prove.
Anything else in a product file (a changed statement, a new or removed module, a non-Python
file that is not docs) counts as behaviour, and so does a file git cannot show.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

from germinate.errors import RepoError
from germinate.metrics.scout import is_test_path
from germinate.workspace import git_bytes, run_git

DOCS_SUFFIXES = (".md", ".rst", ".txt", ".adoc")
_DOCSTRING_OWNERS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def is_docs(path: str) -> bool:
    return path.endswith(DOCS_SUFFIXES)


def _read(repo: Path, sha: str, path: str) -> str | None:
    if not run_git(repo, "ls-tree", "--name-only", sha, "--", path).strip():
        return None
    return git_bytes(repo, "show", f"{sha}:{path}").decode("utf-8", errors="replace")


def _without_docstrings(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, _DOCSTRING_OWNERS) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


def same_code(before: str | None, after: str | None) -> bool:
    """Whether two versions of a Python module do the same (one syntax tree, docstrings aside)."""
    if before is None or after is None:
        return before == after
    try:
        return _without_docstrings(ast.parse(before)) == _without_docstrings(ast.parse(after))
    except (SyntaxError, ValueError):
        return before == after


def behaviour_files(repo: Path, base: str, head: str, files: list[str]) -> list[str]:
    """The product files among ``files`` whose code differs between ``base`` and ``head``
    (every product file when git cannot show them: unknown counts as changed)."""
    product = [p for p in files if not is_docs(p) and not is_test_path(p)]
    changed = []
    for path in product:
        try:
            same = path.endswith(".py") and same_code(_read(repo, base, path), _read(repo, head, path))
        except RepoError:
            same = False
        if not same:
            changed.append(path)
    return changed


def touched_kind(repo: Path, base: str, head: str, files: list[str]) -> str | None:
    """The kind the diff itself shows when no product behaviour changed: ``tests`` (tests
    edited, perhaps with docs or reformatted code), ``docs``, or ``refactor`` (code only
    reformatted); None when product code changed, or cannot be read (the plan's kind applies)."""
    if not files:
        return None
    if any(not is_docs(p) and not is_test_path(p) for p in files):
        try:  # the cache is keyed by commits: a ref such as HEAD moves between rounds
            base, head = (run_git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").strip() for ref in (base, head))
        except RepoError:
            return None
        if _behaviour_changed(repo, base, head, tuple(files)):
            return None
    if any(is_test_path(p) and not is_docs(p) for p in files):
        return "tests"
    return "docs" if any(is_docs(p) for p in files) else "refactor"


@lru_cache(maxsize=64)  # the gate asks more than once per change; commits do not change
def _behaviour_changed(repo: Path, base: str, head: str, files: tuple[str, ...]) -> bool:
    return bool(behaviour_files(repo, base, head, list(files)))
