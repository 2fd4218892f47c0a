"""The reward of a change: weighted deltas between the measurements before and after.

Every delta is signed so that **positive means better**::

    coverage           = cov_after - cov_before                  (fractions 0..1; 0 if either unknown)
    critical_coverage  = mean over critical paths measured on both sides of (after - before)
    mean_complexity    = mean_cc_before - mean_cc_after          (radon cc, mean over functions)
    max_complexity     = max_cc_before - max_cc_after
    maintainability    = mean_mi_after - mean_mi_before          (radon MI, 0..100, mean over files)
    tests_added        = tests_after - tests_before              (test cases run: passed+failed+errors)
    files_over_limits  = violations_before - violations_after    (files + functions over the seed's limits)
    tests_failing      = failing_before - failing_after          (failed + errored tests)

    total = sum(weight[k] * delta[k])

Weights come from ``seed.evaluation.reward_weights`` (defaults: coverage 10, critical_coverage 10,
mean_complexity 1, max_complexity 0.2, maintainability 0.1, tests_added 0.5, files_over_limits 1,
tests_failing 5): ten points of coverage are worth 1, as is one function-complexity point
of the mean; one failing test fixed is worth 5.

When ``after`` is an ``Evaluation`` its complexity covers the changed files only; those replace
the same files of ``before`` (deleted files drop out) and the project-wide figures are recomputed,
so both sides describe the whole repository. See docs/reward.md.
"""

from __future__ import annotations

from germinate.models import ComplexityReport, Evaluation, FileMetric, Reward, Snapshot, TestRun
from germinate.seed import RewardWeights

DELETED = "deleted"  # FileMetric.error of a file the change removed


def _cases(run: TestRun) -> int:
    return run.passed + run.failed + run.errors


def _violations(report: ComplexityReport) -> int:
    return len(report.files_over_limit) + len(report.functions_over_limit)


def _entry_path(entry: str) -> str:
    """``"pkg/a.py:12 f: ..."`` or ``"pkg/a.py: 512 lines ..."`` -> ``"pkg/a.py"``."""
    first = entry.split(" ", 1)[0]
    return first[:-1] if first.endswith(":") else first.rsplit(":", 1)[0]


def merged_complexity(before: ComplexityReport, changed: ComplexityReport) -> ComplexityReport:
    """``before`` with the changed files replaced: the whole repository after the change."""
    files: dict[str, FileMetric] = {**before.files, **changed.files}
    files = {p: f for p, f in files.items() if f.error != DELETED}
    touched = set(changed.files)
    functions = [fn for f in files.values() for fn in f.functions]
    parsed = [f for f in files.values() if not f.error]
    keep = lambda entries: [e for e in entries if _entry_path(e) not in touched]  # noqa: E731
    return ComplexityReport(
        files=files,
        mean_complexity=sum(f.complexity for f in functions) / len(functions) if functions else 0.0,
        max_complexity=max((f.complexity for f in functions), default=0),
        mean_mi=sum(f.mi for f in parsed) / len(parsed) if parsed else 100.0,
        files_over_limit=[*keep(before.files_over_limit), *changed.files_over_limit],
        functions_over_limit=[*keep(before.functions_over_limit), *changed.functions_over_limit],
    )


def reward_deltas(before: Snapshot, after: Snapshot | Evaluation) -> dict[str, float]:
    """The signed raw deltas (positive = better), before weighting."""
    after_cx = merged_complexity(before.complexity, after.complexity) if isinstance(after, Evaluation) \
        else after.complexity
    b_cov, a_cov = before.coverage, after.coverage
    coverage = (a_cov.total - b_cov.total) if (a_cov.total is not None and b_cov.total is not None) else 0.0
    shared = [p for p in b_cov.critical_paths if p in a_cov.critical_paths]
    critical = sum(a_cov.critical_paths[p] - b_cov.critical_paths[p] for p in shared) / len(shared) if shared else 0.0
    return {
        "coverage": coverage,
        "critical_coverage": critical,
        "mean_complexity": before.complexity.mean_complexity - after_cx.mean_complexity,
        "max_complexity": float(before.complexity.max_complexity - after_cx.max_complexity),
        "maintainability": after_cx.mean_mi - before.complexity.mean_mi,
        "tests_added": float(_cases(after.tests) - _cases(before.tests)),
        "files_over_limits": float(_violations(before.complexity) - _violations(after_cx)),
        "tests_failing": float((before.tests.failed + before.tests.errors) - (after.tests.failed + after.tests.errors)),
    }


def compute_reward(before: Snapshot, after: Snapshot | Evaluation, weights: RewardWeights) -> Reward:
    """Weighted deltas and their sum (see the module docstring for the formula)."""
    deltas = {k: round(v, 6) for k, v in reward_deltas(before, after).items()}
    w = weights.model_dump()
    components = {k: round(w[k] * v, 6) for k, v in deltas.items()}
    return Reward(components=components, deltas=deltas, weights={k: float(w[k]) for k in deltas},
                  total=round(sum(components.values()), 6))
