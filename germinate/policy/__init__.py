"""The gates: deterministic checks, from the seed alone, that every change must pass.

``evaluate_gates`` runs every gate family on a ``ChangeSet`` and returns one ``GateResult``
per gate (``GATES`` lists their names, in order). Thresholds come only from the ``Seed``
passed in (the base commit's seed): never from ticket text, model output, or files in the
change, so a change that edits ``seed.yaml`` to loosen a threshold is judged by the old one.

A result with ``passed=False`` blocks when ``severity == "block"``, asks for a person when
``"needs_approval"``, and only informs when ``"warn"``. ``verdict(results)`` folds them.

**Static before dynamic.** A static gate reads only the change (git objects, the seed, the
ticket, labels); a dynamic gate needs test results (``STATIC_GATES`` / ``DYNAMIC_GATES``).
Static gates run first, and none of the change's code may run (no install, no tests) until
they are known. How a caller (``germinate gate``, the cycle loop) uses them::

    static = run_static_gates(seed, changes, ticket=ticket, labels=..., repo_labels=...)
    if static.ends_candidate:   # a security gate blocked (secrets, dependencies, test
        give up on this candidate   # infrastructure) or a finding marked ends_candidate
                                    # (a path escaping the tree, a symlink, a submodule). No fix round.
    elif static.blocked:        # e.g. file_length, write_paths: nothing runs; the model may fix and retry
        send static.results back to the model (a fix round), or stop
    elif not static.installs_allowed:  # a new package waits for a person: do not install it
        ask the person first (its install would run its code), then test
    else:
        evaluation, base = run the tests in the sandbox
        results = evaluate_gates(..., evaluation=evaluation, base_snapshot=base)  # all gates

``run_static_gates`` reads file contents from git objects only (``worktree=None``), so what
the static gates judge is the committed change, not a checkout its own code could rewrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    testinfra,
    testsuite,
)
from germinate.policy import paths as path_gates
from germinate.policy.context import GateContext
from germinate.seed import Seed

Verdict = Literal["pass", "blocked", "needs_approval"]

Check = Callable[[GateContext], GateResult | list[GateResult]]


@dataclass(frozen=True)
class GateFamily:
    """One check and the gate names it reports; ``needs_tests`` when it reads test results."""

    check: Check
    names: tuple[str, ...]
    needs_tests: bool = False


_FAMILIES: tuple[GateFamily, ...] = (
    GateFamily(labels.check_freeze, (labels.FREEZE,)),
    GateFamily(labels.check_red_mode, (labels.RED_MODE,)),
    GateFamily(path_gates.check_write_paths, (path_gates.WRITE_PATHS,)),
    GateFamily(path_gates.check_file_types, (path_gates.FILE_TYPES,)),
    GateFamily(limits.check_change_budget, (limits.CHANGE_BUDGET,)),
    GateFamily(limits.check_syntax, (limits.SYNTAX,)),
    GateFamily(limits.check_file_length, (limits.FILE_LENGTH,)),
    GateFamily(limits.check_function_limits, (limits.FUNCTION_LENGTH, limits.COMPLEXITY)),
    GateFamily(testinfra.check_test_infrastructure, (testinfra.TEST_INFRASTRUCTURE,)),
    GateFamily(testsuite.check_tests_pass, (testsuite.TESTS_PASS,), needs_tests=True),
    GateFamily(testsuite.check_tests_kept, (testsuite.TESTS_KEPT,)),
    GateFamily(testsuite.check_tests_not_skipped, (testsuite.TESTS_NOT_SKIPPED,)),
    GateFamily(testsuite.check_assertions_kept, (testsuite.ASSERTIONS_KEPT,)),
    GateFamily(coverage.check_coverage, coverage.NAMES, needs_tests=True),
    GateFamily(dependencies.check_dependencies, (dependencies.DEPENDENCIES,)),
    GateFamily(architecture.check_forbidden_imports, (architecture.FORBIDDEN_IMPORTS,)),
    GateFamily(secrets.check_secrets, (secrets.SECRETS,)),
    GateFamily(checkpoints.check_approval, (checkpoints.APPROVAL,)),
)

GATES: tuple[str, ...] = tuple(name for family in _FAMILIES for name in family.names)
STATIC_GATES: frozenset[str] = frozenset(n for f in _FAMILIES if not f.needs_tests for n in f.names)
DYNAMIC_GATES: frozenset[str] = frozenset(GATES) - STATIC_GATES
# A blocking verdict from one of these ends a candidate: it is not a slip to fix in another
# round but an attempt to reach what the change must not (secrets, packages, the judge).
# ``write_paths`` and ``file_types`` are not among them: a file outside the write paths, a
# binary or bytecode file is a slip a fix round may undo (nothing runs while they block); their
# findings that reach beyond the tree (an escaping path, a symlink, a submodule) set
# ``GateResult.ends_candidate`` instead (``policy/paths.py``).
SECURITY_GATES: frozenset[str] = frozenset({
    secrets.SECRETS, dependencies.DEPENDENCIES, testinfra.TEST_INFRASTRUCTURE,
})


@dataclass(frozen=True)
class StaticVerdict:
    """The static gates' results on a change, before any of its code runs."""

    results: list[GateResult]

    @property
    def verdict(self) -> Verdict:
        return verdict(self.results)

    @property
    def blocked(self) -> bool:
        """A static gate blocks: none of the change's code may run (no install, no tests)."""
        return self.verdict == "blocked"

    @property
    def ends_candidate(self) -> bool:
        """A security gate, or a finding no round may fix, blocks: the candidate ends here."""
        return any(not r.passed and r.severity == "block" and (r.name in SECURITY_GATES or r.ends_candidate)
                   for r in self.results)

    @property
    def installs_allowed(self) -> bool:
        """The dependency files passed: installing the change may reach the package index.

        False while a new package or build requirement waits for a person: installing it would
        run its code (build backends, setup scripts) before anyone approved it.
        """
        return all(r.passed or r.severity == "warn" for r in self.results if r.name == dependencies.DEPENDENCIES)

    def blocking(self) -> list[GateResult]:
        return [r for r in self.results if not r.passed and r.severity == "block"]


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
    results = _run(_FAMILIES, ctx)
    if approvals_needed_ok:
        results = [_approved(r) for r in results]
    return results


def run_static_gates(
    seed: Seed,
    changes: ChangeSet,
    *,
    ticket: Ticket | None = None,
    labels: list[str] = [],  # noqa: B006 - read only
    repo_labels: list[str] = [],  # noqa: B006
    approvals_needed_ok: bool = False,
) -> StaticVerdict:
    """The gates that need no test run, on the committed change (git objects, never a checkout).

    Call it before installing or testing anything of the change; see the module docstring.
    """
    ctx = GateContext(seed=seed, changes=changes, ticket=ticket, labels=list(labels),
                      repo_labels=list(repo_labels))
    results = _run(tuple(f for f in _FAMILIES if not f.needs_tests), ctx)
    if approvals_needed_ok:
        results = [_approved(r) for r in results]
    return StaticVerdict(results)


def run_dynamic_gates(
    seed: Seed,
    changes: ChangeSet,
    *,
    evaluation: Evaluation | None,
    base_snapshot: Snapshot | None,
    ticket: Ticket | None = None,
) -> list[GateResult]:
    """The gates that read test results, once the tests ran (after ``run_static_gates`` passed)."""
    ctx = GateContext(seed=seed, changes=changes, evaluation=evaluation, base_snapshot=base_snapshot,
                      ticket=ticket)
    return _run(tuple(f for f in _FAMILIES if f.needs_tests), ctx)


def in_gate_order(results: list[GateResult]) -> list[GateResult]:
    """``results`` sorted as ``GATES`` lists them (unknown names last)."""
    order = {name: i for i, name in enumerate(GATES)}
    return sorted(results, key=lambda r: order.get(r.name, len(order)))


def not_run(name: str, why: str = "") -> GateResult:
    """A dynamic gate skipped before the change's code ran (a static gate blocked, or ``why``)."""
    return GateResult(name=name, passed=False, severity="warn",
                      message=f"not run: {why}" if why else "not run: a blocking static gate ended the evaluation "
                              "before any of the change's code ran (no install, no tests)")


def _run(families: tuple[GateFamily, ...], ctx: GateContext) -> list[GateResult]:
    results: list[GateResult] = []
    for family in families:
        out = family.check(ctx)
        results += out if isinstance(out, list) else [out]
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


__all__ = ["DYNAMIC_GATES", "GATES", "SECURITY_GATES", "STATIC_GATES", "GateFamily", "StaticVerdict",
           "Verdict", "evaluate_gates", "in_gate_order", "not_run", "run_dynamic_gates", "run_static_gates",
           "verdict"]
