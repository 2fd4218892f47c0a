"""Sense problems that explain themselves: what went wrong, where, and the fix.

A test module that cannot be imported is not a red suite: it is a missing dependency in the
target's environment. ``import_problems`` names the module and the seed key that fixes it.
"""

from __future__ import annotations

import re

from germinate.models import TestRun

_MISSING = re.compile(r"No module named ['\"]?([A-Za-z0-9_.]+)")
_CANNOT_IMPORT = re.compile(r"cannot import name ['\"]?(\w+)['\"]? from ['\"]?([A-Za-z0-9_.]+)")


def missing_modules(tests: TestRun) -> dict[str, list[str]]:
    """Top-level module -> test ids (or "the run") that failed to import it."""
    found: dict[str, list[str]] = {}
    for case in tests.cases:
        if case.outcome == "error":
            for match in _MISSING.finditer(case.message):
                found.setdefault(match.group(1).split(".")[0], []).append(case.id)
    if not found:
        for match in _MISSING.finditer(tests.log_tail):
            found.setdefault(match.group(1).split(".")[0], []).append("the test run")
    return found


def import_problems(tests: TestRun) -> list[str]:
    """One problem per module the tests could not import, with the fix."""
    problems = []
    for module, where in sorted(missing_modules(tests).items()):
        shown = ", ".join(sorted(set(where))[:3]) + (f" (+{len(set(where)) - 3} more)" if len(set(where)) > 3 else "")
        problems.append(
            f"tests: {len(set(where))} test module(s) fail to import: no module named '{module}' ({shown}). "
            f"The target's environment lacks a test dependency. Fix: install it in execution.setup_command, "
            f"e.g. setup_command: \"python -m pip install -e . {module}\" (the distribution name may differ), "
            "or let 'germinate init --force' read the project's test dependencies")
    return problems
