"""The gates: deterministic checks, from the seed alone, that every change must pass.

``evaluate_gates`` runs every gate family on a ``ChangeSet`` and returns one ``GateResult``
per gate (``GATES`` lists their names, in order). Thresholds come only from the ``Seed``
passed in (the base commit's seed): never from ticket text, model output, or files in the
change, so a change that edits ``seed.yaml`` to loosen a threshold is judged by the old one.

A result with ``passed=False`` blocks when ``severity == "block"``, asks for a person when
``"needs_approval"``, and only informs when ``"warn"``. ``verdict(results)`` folds them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from germinate.diff import ChangeSet
from germinate.models import Evaluation, GateResult, Snapshot, Ticket
from germinate.policy import (
    architecture,
    checkpoints,
    coverage,
    dependencies,
    labels,
    limits,
    secrets,
    testsuite,
)
from germinate.policy import paths as path_gates
from germinate.policy.context import GateContext
from germinate.seed import Seed

Verdict = Literal["pass", "blocked", "needs_approval"]

_FAMILIES: tuple[Callable[[GateContext], GateResult | list[GateResult]], ...] = (
    labels.check_freeze,
    labels.check_red_mode,
    path_gates.check_write_paths,
    path_gates.check_file_types,
    limits.check_change_budget,
    limits.check_syntax,
    limits.check_file_length,
    limits.check_function_limits,
    testsuite.check_tests_pass,
    testsuite.check_tests_kept,
    testsuite.check_tests_not_skipped,
    testsuite.check_assertions_kept,
    coverage.check_coverage,
    dependencies.check_dependencies,
    architecture.check_forbidden_imports,
    secrets.check_secrets,
    checkpoints.check_approval,
)

GATES: tuple[str, ...] = (
    labels.FREEZE, labels.RED_MODE, path_gates.WRITE_PATHS, path_gates.FILE_TYPES,
    limits.CHANGE_BUDGET, limits.SYNTAX, limits.FILE_LENGTH, limits.FUNCTION_LENGTH,
    limits.COMPLEXITY, testsuite.TESTS_PASS, testsuite.TESTS_KEPT, testsuite.TESTS_NOT_SKIPPED,
    testsuite.ASSERTIONS_KEPT, *coverage.NAMES, dependencies.DEPENDENCIES,
    architecture.FORBIDDEN_IMPORTS, secrets.SECRETS, checkpoints.APPROVAL,
)


def evaluate_gates(
    seed: Seed,
    changes: ChangeSet,
    *,
    worktree: Path | None,
    base_worktree: Path | None,
    evaluation: Evaluation | None,
    base_snapshot: Snapshot | None,
    ticket: Ticket | None,
    labels: list[str] = [],  # noqa: B006 - read only; the agreed interface
    repo_labels: list[str] = [],  # noqa: B006
    approvals_needed_ok: bool = False,
) -> list[GateResult]:
    """Every gate on ``changes``; ``approvals_needed_ok`` when a person's approval is on record."""
    ctx = GateContext(seed=seed, changes=changes, worktree=worktree, base_worktree=base_worktree,
                      evaluation=evaluation, base_snapshot=base_snapshot, ticket=ticket,
                      labels=list(labels), repo_labels=list(repo_labels))
    results: list[GateResult] = []
    for family in _FAMILIES:
        out = family(ctx)
        results += out if isinstance(out, list) else [out]
    if approvals_needed_ok:
        results = [_approved(r) for r in results]
    return results


def _approved(result: GateResult) -> GateResult:
    if result.passed or result.severity != "needs_approval":
        return result
    return result.model_copy(update={"passed": True, "message": f"approved: {result.message}"})


def verdict(results: list[GateResult]) -> Verdict:
    """``blocked`` if a blocking gate failed, else ``needs_approval`` if one asks, else ``pass``."""
    failed = [r for r in results if not r.passed]
    if any(r.severity == "block" for r in failed):
        return "blocked"
    if any(r.severity == "needs_approval" for r in failed):
        return "needs_approval"
    return "pass"


__all__ = ["GATES", "Verdict", "evaluate_gates", "verdict"]
