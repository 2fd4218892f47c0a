"""The reward of a known pair of snapshots, computed by hand from the documented formula."""

from __future__ import annotations

import pytest

from germinate.metrics.reward import compute_reward, merged_complexity
from germinate.models import (
    ComplexityReport,
    CoverageReport,
    Evaluation,
    FileMetric,
    FunctionMetric,
    GitState,
    Snapshot,
)
from germinate.models import TestRun as RunResult
from germinate.seed import RewardWeights


def fn(path: str, name: str, cc: int) -> FunctionMetric:
    return FunctionMetric(path=path, name=name, lineno=1, endline=5, complexity=cc, rank="A", length=5)


def snapshot(cov: float, crit: float, funcs: list[FunctionMetric], mi: float, tests: tuple[int, int],
             over: list[str]) -> Snapshot:
    files = {"a.py": FileMetric(path="a.py", mi=mi, functions=funcs)}
    return Snapshot(
        repo="/r", commit="c", seed_hash="s",
        tests=RunResult(command="pytest", status="ok", passed=tests[0], failed=tests[1]),
        coverage=CoverageReport(available=True, total=cov, critical_paths={"core/**": crit}),
        complexity=ComplexityReport(files=files, mean_complexity=sum(f.complexity for f in funcs) / len(funcs),
                                    max_complexity=max(f.complexity for f in funcs), mean_mi=mi,
                                    files_over_limit=over),
        git=GitState(sha="c"),
    )


def test_known_pair_of_snapshots() -> None:
    before = snapshot(0.50, 0.40, [fn("a.py", "f", 10), fn("a.py", "g", 2)], 60.0, (10, 2), ["a.py: 500 lines > 400"])
    after = snapshot(0.60, 0.70, [fn("a.py", "f", 4), fn("a.py", "g", 2)], 70.0, (13, 0), [])
    reward = compute_reward(before, after, RewardWeights())
    assert reward.deltas == {"coverage": pytest.approx(0.1), "critical_coverage": pytest.approx(0.3),
                             "mean_complexity": 3.0, "max_complexity": 6.0, "maintainability": 10.0,
                             "tests_added": 1.0, "files_over_limits": 1.0, "tests_failing": 2.0}
    # 10*0.1 + 10*0.3 + 1*3 + 0.2*6 + 0.1*10 + 0.5*1 + 1*1 + 5*2 = 1 + 3 + 3 + 1.2 + 1 + 0.5 + 1 + 10
    assert reward.total == pytest.approx(20.7)
    assert reward.components["tests_failing"] == 10.0 and reward.weights["coverage"] == 10.0
    worse = compute_reward(after, before, RewardWeights(tests_failing=1.0))
    assert worse.total == pytest.approx(-(20.7 - 10.0 + 2.0))


def test_unknown_coverage_contributes_nothing() -> None:
    before = snapshot(0.5, 0.5, [fn("a.py", "f", 1)], 50.0, (1, 0), [])
    after = before.model_copy(update={"coverage": CoverageReport(available=False, reason="missing")})
    assert compute_reward(before, after, RewardWeights()).total == 0.0


def test_evaluation_replaces_only_changed_files() -> None:
    before = snapshot(0.5, 0.5, [fn("a.py", "f", 9)], 50.0, (4, 0), ["a.py:1 f: complexity 9 > 5"])
    other = FileMetric(path="b.py", mi=80.0, functions=[fn("b.py", "h", 3)])
    before = before.model_copy(update={"complexity": before.complexity.model_copy(update={
        "files": {**before.complexity.files, "b.py": other}, "mean_complexity": 6.0, "mean_mi": 65.0})})
    changed = ComplexityReport(files={"a.py": FileMetric(path="a.py", mi=70.0, functions=[fn("a.py", "f", 3)])},
                               mean_complexity=3.0, max_complexity=3, mean_mi=70.0)
    evaluation = Evaluation(head_sha="h", base_sha="c", tests=RunResult(command="pytest", status="ok", passed=5),
                            coverage=CoverageReport(available=True, total=0.5), complexity=changed)
    merged = merged_complexity(before.complexity, changed)
    assert (merged.mean_complexity, merged.max_complexity, merged.mean_mi) == (3.0, 3, 75.0)
    assert merged.functions_over_limit == []
    reward = compute_reward(before, evaluation, RewardWeights())
    assert reward.deltas["mean_complexity"] == 3.0 and reward.deltas["files_over_limits"] == 1.0
    assert reward.deltas["maintainability"] == 10.0 and reward.deltas["tests_added"] == 1.0
