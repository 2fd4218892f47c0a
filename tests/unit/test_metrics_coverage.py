"""Coverage json -> report (per file, per critical path, per line), diff coverage and the scout."""

from __future__ import annotations

from pathlib import Path

import pytest

from germinate.globs import glob_match
from germinate.metrics.coverage import diff_coverage, read_coverage, report_from_json
from germinate.metrics.environment import TargetEnv
from germinate.metrics.radon import analyse_source, summarise
from germinate.metrics.scout import scout
from germinate.models import CoverageReport
from germinate.seed import Seed

WT = Path("/wt")
SEED = Seed.model_validate({"project": {"name": "t"}, "quality_gates": {"coverage": {"critical_paths": [
    {"path": "core/**", "minimum": 0.9}, {"path": "absent/*.py", "minimum": 0.5}]}}})


def entry(executed: list[int], missing: list[int]) -> dict:
    n = len(executed) + len(missing)
    return {"executed_lines": executed, "missing_lines": missing,
            "summary": {"num_statements": n, "covered_lines": len(executed)}}


def report() -> CoverageReport:
    data = {"files": {
        "/wt/core/engine.py": entry([1, 2, 3], [4]),
        "core/sub/deep.py": entry([1], [2, 3, 4, 5, 6, 7]),
        "/wt/app.py": entry([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], []),
        "/wt/empty.py": entry([], []),
    }}
    return report_from_json(data, WT, SEED)


def test_report_per_file_total_and_critical_paths() -> None:
    cov = report()
    assert set(cov.files) == {"core/engine.py", "core/sub/deep.py", "app.py", "empty.py"}
    assert cov.total == pytest.approx(14 / 21)
    assert cov.files["core/engine.py"].missing_lines == [4] and cov.files["empty.py"].percent == 1.0
    assert cov.critical_paths == {"core/**": pytest.approx(4 / 11)}  # no file under absent/: not reported


def test_no_files_means_unavailable() -> None:
    cov = report_from_json({"files": {}}, WT, SEED)
    assert not cov.available and cov.total is None and cov.reason


def test_missing_coverage_data_is_a_reason_not_an_error(tmp_path: Path) -> None:
    env = TargetEnv(venv=tmp_path / "venv", key="k", ok=True)
    missing = read_coverage(tmp_path / ".coverage", tmp_path, env, SEED)
    assert not missing.available and "coverage data missing" in missing.reason
    assert "not run under coverage" in read_coverage(None, tmp_path, env, SEED).reason


def test_diff_coverage_counts_only_executable_added_lines() -> None:
    cov = report()
    assert diff_coverage(cov, {"core/engine.py": [3, 4, 99], "app.py": [1], "new.txt": [1]}) == pytest.approx(2 / 3)
    assert diff_coverage(cov, {"core/engine.py": [99]}) is None
    assert diff_coverage(CoverageReport(available=False), {"app.py": [1]}) is None


def test_glob_match() -> None:
    assert glob_match("core/a/b.py", "core/**") and glob_match("core/x.py", "core/**/x.py")
    assert not glob_match("other/x.py", "core/**")


def test_scout_candidates_with_evidence() -> None:
    cov = report()
    complex_src = "def knot(a, b, c):\n" + "".join(f"    if a == {i}:\n        return {i}\n" for i in range(16)) + \
        "    return b  # TODO: explain\n"
    files = {"core/sub/deep.py": analyse_source("core/sub/deep.py", complex_src)}
    cx = summarise(files, SEED)
    tickets = scout(cov, cx, SEED)
    ids = [t.id for t in tickets]
    assert ids == sorted(ids, key=lambda i: [t for t in tickets if t.id == i][0].rank)
    assert set(ids) == {"scout-cov-core/sub/deep.py", "scout-cc-core/sub/deep.py:knot", "scout-todo-core/sub/deep.py:34"}
    cc = next(t for t in tickets if t.id.startswith("scout-cc"))
    assert cc.kind == "improvement" and cc.source == "scout" and cc.score == 17.0 and "radon cc 17" in cc.evidence
    covt = next(t for t in tickets if t.id.startswith("scout-cov"))
    assert covt.scope == ["core/sub/deep.py"] and "2-7" in covt.evidence
    small = Seed.model_validate({"project": {"name": "t"}, "constraints": {"repo": {"max_lines_per_file": 10}}})
    assert "scout-size-core/sub/deep.py" in {t.id for t in scout(cov, summarise(files, small), small)}
