"""The metrics table and the hot-spots markdown of a snapshot."""

from __future__ import annotations

from germinate.metrics.report import hot_spots_markdown, metrics_table
from germinate.models import (
    ComplexityReport,
    CoverageReport,
    FileCoverage,
    FileMetric,
    FunctionMetric,
    GitState,
    Snapshot,
    Ticket,
)
from germinate.models import TestCase as CaseResult
from germinate.models import TestRun as RunResult


def test_table_and_markdown() -> None:
    fn = FunctionMetric(path="a.py", name="knot", lineno=3, endline=40, complexity=17, rank="C", length=38)
    snap = Snapshot(
        repo="/r", commit="abcdef1234567890", seed_hash="s", health="red",
        tests=RunResult(command="pytest", status="failed", passed=3, failed=1,
                        cases=[CaseResult(id="t::test_x", outcome="failed", message="assert 1 == 2\nmore")]),
        coverage=CoverageReport(available=True, total=0.25, critical_paths={"core/**": 0.5}, files={
            "a.py": FileCoverage(path="a.py", statements=8, covered=2, percent=0.25)}),
        complexity=ComplexityReport(files={"a.py": FileMetric(path="a.py", functions=[fn])}, max_complexity=17,
                                    mean_complexity=17.0, functions_over_limit=["a.py:3 knot: complexity 17 > 15"]),
        git=GitState(sha="abcdef1234567890"),
        candidates=[Ticket(id="scout-cov-a.py", title="Raise coverage", kind="improvement", source="scout")],
    )
    table = {row["metric"]: row["value"] for row in metrics_table(snap)}
    assert table["coverage"] == "25.0%" and table["coverage core/**"] == "50.0%"
    assert table["tests"] == "failed: 3 passed, 1 failed, 0 errors, 0 skipped" and table["max complexity"] == "17"
    md = hot_spots_markdown(snap)
    assert "# Hot spots at `abcdef123456` (red)" in md
    assert "| `a.py` | 25.0% | 2/8 |" in md and "| `a.py:3 knot` | 17 (C) | 38 |" in md
    assert "- `t::test_x`: assert 1 == 2" in md and "more" not in md
    assert "- a.py:3 knot: complexity 17 > 15" in md and "**scout-cov-a.py**" in md
