"""Sense problems that explain themselves: what went wrong, where, and the fix.

A test module that cannot be imported is not a red suite: it is a missing dependency in the
target's environment. ``import_problems`` names the module and the seed key that fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from pathlib import Path

from germinate.models import TestRun

_MISSING = re.compile(r"No module named ['\"]?([A-Za-z0-9_.]+)")
_CANNOT_IMPORT = re.compile(r"cannot import name ['\"]?(\w+)['\"]? from ['\"]?([A-Za-z0-9_.]+)")


def missing_modules(tests: TestRun) -> dict[str, list[str]]:
    """Top-level module -> test ids (or "the run") that failed to import it."""
    found: dict[str, list[str]] = {}
    for case in tests.cases:
        if case.outcome == "error":
            for match in _MISSING.finditer(case.message):
                found.setdefault(match.group(1), []).append(case.id)
    if not found:
        for match in _MISSING.finditer(tests.log_tail):
            found.setdefault(match.group(1), []).append("the test run")
    return found


def own_packages(worktree: Path) -> set[str]:
    """Top-level packages and modules the repository itself holds (flat or ``src/`` layout)."""
    roots = [worktree, worktree / "src"]
    return {p.name for root in roots if root.is_dir() for p in root.iterdir()
            if p.is_dir() and (p / "__init__.py").is_file()} | {
        p.stem for p in worktree.glob("*.py")}


def import_problems(tests: TestRun, own: AbstractSet[str] = frozenset()) -> list[str]:
    """One problem per module the tests could not import, with the fix."""
    problems = []
    for module, where in sorted(missing_modules(tests).items()):
        ids = sorted(set(where))
        shown = ", ".join(ids[:3]) + (f" (+{len(ids) - 3} more)" if len(ids) > 3 else "")
        head = f"tests: {len(ids)} test module(s) fail to import: no module named '{module}' ({shown}). "
        if module.split(".")[0] in own:
            problems.append(head + "It is part of this project: a file its build generates (a version "
                            "file, compiled extension) is missing where the tests import it. Fix: make "
                            "execution.setup_command build it, or commit the file")
            continue
        top = module.split(".")[0]
        problems.append(head + f"The target's environment lacks a test dependency. Fix: install it in "
                        f"execution.setup_command, e.g. setup_command: \"python -m pip install -e . {top}\" "
                        "(the distribution name may differ), or let 'germinate init --force' read the "
                        "project's test dependencies")
    return problems
