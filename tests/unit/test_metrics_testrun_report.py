"""The test process also writes the coverage json report (one interpreter, not two): the
run's exit status survives it, and a report it cannot write falls back to ``coverage json``."""

from __future__ import annotations

import sys
from pathlib import Path

from germinate.metrics.coverage import REPORT_JSON, read_coverage
from germinate.metrics.environment import TargetEnv
from germinate.metrics.testrun import run_tests, with_report
from germinate.seed import Seed

ENV = TargetEnv(venv=Path(sys.prefix), key="this-venv", ok=True)  # has coverage and pytest
SEED = Seed.model_validate({"project": {"name": "calc"}})
CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
TESTS = ("from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
         "def test_wrong():\n    assert add(1, 1) == 3\n")


def _target(root: Path, *, coveragerc: str = "") -> tuple[Path, Path]:
    worktree, workdir = root / "target", root / "work"
    (worktree / "tests").mkdir(parents=True)
    workdir.mkdir()
    (worktree / "calc.py").write_text(CALC)
    (worktree / "tests" / "test_calc.py").write_text(TESTS)
    if coveragerc:
        (worktree / ".coveragerc").write_text(coveragerc)
    return worktree, workdir


def test_a_failing_test_keeps_its_status_and_the_report_is_written_in_process(tmp_path: Path) -> None:
    worktree, workdir = _target(tmp_path)
    run, data_file = run_tests("python -m pytest -q", worktree, ENV, timeout=120, workdir=workdir)
    assert run.status == "failed" and (run.passed, run.failed) == (1, 1)
    assert data_file is not None and (workdir / REPORT_JSON).is_file()  # written by the test process
    report = read_coverage(data_file, worktree, ENV, SEED)
    assert report.available and report.files["calc.py"].statements == 4
    assert report.files["calc.py"].covered == 3  # sub's body never ran
    assert not (workdir / "coverage-report.log").exists()  # no second ``coverage json`` process


def test_the_exit_status_is_the_commands_own(tmp_path: Path) -> None:
    worktree, workdir = _target(tmp_path)
    (worktree / "check.py").write_text("import sys\n\nimport calc\n\nsys.exit(3 if calc.add(1, 1) != 3 else 0)\n")
    run, data_file = run_tests("python check.py", worktree, ENV, timeout=60, workdir=workdir)
    assert run.status == "failed" and run.reason == "the test command exited with 3"
    assert data_file is not None and (workdir / REPORT_JSON).is_file()


def test_a_report_the_test_process_cannot_write_falls_back_to_coverage_json(tmp_path: Path) -> None:
    worktree, workdir = _target(tmp_path)
    (workdir / "coverage-run-report.log").mkdir()  # the in-process report cannot open its log: it fails
    run, data_file = run_tests("python -m pytest -q", worktree, ENV, timeout=120, workdir=workdir)
    assert run.status == "failed" and (run.passed, run.failed) == (1, 1)  # the report's failure changes nothing
    assert data_file is not None and data_file.is_file() and not (workdir / REPORT_JSON).exists()
    report = read_coverage(data_file, worktree, ENV, SEED)
    assert report.available and report.files["calc.py"].covered == 3
    assert (workdir / REPORT_JSON).is_file() and (workdir / "coverage-report.log").is_file()  # separate run


def test_only_coverage_run_commands_get_the_report() -> None:
    data = Path("/tmp/w/.coverage")
    assert with_report(["make", "test"], data) == ["make", "test"]
    argv = with_report(["/v/bin/python", "-m", "coverage", "run", "--data-file=x", "-m", "pytest"], data)
    assert argv[:2] == ["/v/bin/python", "-c"] and argv[3:6] == ["/tmp/w/coverage.json",
                                                                 "/tmp/w/coverage-run-report.log", str(data)]
    assert argv[6:] == ["run", "--data-file=x", "-m", "pytest"]
