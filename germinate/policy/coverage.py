"""Coverage gates: the global floor, critical-path floors, no decrease against the base, and
the optional minimum coverage of the lines the change added.

A floor the base already missed does not block a change that keeps coverage where it was
(it warns): a team adopting Germinate on an under-tested repository can still land fixes,
and the no-decrease gate stops it from sliding further.
"""

from __future__ import annotations

from germinate.globs import glob_match
from germinate.models import CoverageReport, GateResult, covered_share
from germinate.policy.context import GateContext, gate, not_measured

COVERAGE_FLOOR = "coverage_floor"
CRITICAL_COVERAGE = "critical_coverage"
COVERAGE_NO_DECREASE = "coverage_no_decrease"
DIFF_COVERAGE = "diff_coverage"
NAMES = (COVERAGE_FLOOR, CRITICAL_COVERAGE, COVERAGE_NO_DECREASE, DIFF_COVERAGE)


def path_coverage(report: CoverageReport, pattern: str) -> float | None:
    """Covered share in files matching ``pattern`` (statements, plus branches when the target
    measures them: the same figure as the total); None if no such file."""
    if pattern in report.critical_paths:
        return report.critical_paths[pattern]
    return covered_share([f for p, f in report.files.items() if glob_match(p, pattern)])


def _floor(name: str, head: float | None, base: float | None, minimum: float, tol: float,
           label: str) -> tuple[list[str], list[str]]:
    if head is None or head + 1e-12 >= minimum:
        return [], []
    finding = f"{label}: {head:.1%} < {minimum:.1%} ({name})"
    if base is not None and base < minimum and head >= base - tol:
        return [], [f"{finding}; already {base:.1%} at the base, not lower"]
    return [finding], []


def check_coverage(ctx: GateContext) -> list[GateResult]:
    cov = ctx.seed.quality_gates.coverage
    ev = ctx.evaluation
    if ev is None:
        return [not_measured(n, "coverage was not measured (--no-tests or no evaluation)") for n in NAMES]
    head = ev.coverage
    base = ctx.base_snapshot.coverage if ctx.base_snapshot and ctx.base_snapshot.coverage.available else None
    if not head.available or head.total is None:
        needs = cov.global_minimum > 0 or cov.critical_paths or cov.diff_minimum is not None
        why = f"(coverage): not measured at the head: {head.reason or 'no data'}"
        return [gate(COVERAGE_FLOOR, ok="no coverage floor set", block=[why] if needs else [],
                     what="coverage unknown")] + [not_measured(n, why) for n in NAMES[1:]]
    base_total = base.total if base else None
    block, warn = _floor("quality_gates.coverage.global_minimum", head.total, base_total,
                         cov.global_minimum, cov.tolerance, "(total)")
    results = [gate(COVERAGE_FLOOR, ok=f"total {head.total:.1%} >= {cov.global_minimum:.1%}",
                    block=block, warn=warn, what="coverage below the floor")]
    block, warn = [], []
    for crit in cov.critical_paths:
        b, w = _floor("quality_gates.coverage.critical_paths", path_coverage(head, crit.path),
                      path_coverage(base, crit.path) if base else None, crit.minimum, cov.tolerance,
                      crit.path)
        block, warn = block + b, warn + w
    results.append(gate(CRITICAL_COVERAGE, ok=f"{len(cov.critical_paths)} critical path(s) at their floors",
                        block=block, warn=warn, what="critical path under-tested"))
    block = []
    if cov.no_decrease and base_total is not None and head.total < base_total - cov.tolerance:
        block.append(f"(total): {base_total:.1%} -> {head.total:.1%}, more than the tolerance "
                     f"{cov.tolerance:.1%} (quality_gates.coverage.no_decrease)")
    results.append(gate(COVERAGE_NO_DECREASE, ok="coverage did not decrease" if base_total is not None
                        else "no base coverage to compare", block=block, what="coverage decreased"))
    block = []
    if cov.diff_minimum is not None and ev.diff_coverage is not None and ev.diff_coverage < cov.diff_minimum:
        block.append(f"(added lines): {ev.diff_coverage:.1%} covered < {cov.diff_minimum:.1%} "
                     "(quality_gates.coverage.diff_minimum)")
    ok = "no diff-coverage minimum set" if cov.diff_minimum is None else (
        "no executable lines added" if ev.diff_coverage is None else f"{ev.diff_coverage:.1%} of added lines covered")
    results.append(gate(DIFF_COVERAGE, ok=ok, block=block, what="new code untested"))
    return results
