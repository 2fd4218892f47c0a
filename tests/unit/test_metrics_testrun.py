"""The test command: wrapped in coverage, junit parsed, status mapped, hangs killed with their children."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from germinate.metrics.environment import (
    ENV_VAR,
    TargetEnv,
    default_setup_command,
    ensure_environment,
    environment_key,
)
from germinate.metrics.testrun import parse_junit, prepare_command
from germinate.process import execute
from germinate.seed import Seed

ENV = TargetEnv(venv=Path("/venv"), key="k", ok=True)
JUNIT = """<?xml version="1.0"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" time="0.010"/>
<testcase classname="tests.test_a" name="test_bad" time="0.5"><failure message="assert 1 == 2">trace</failure></testcase>
<testcase classname="tests.test_a" name="test_err" time="0"><error message="fixture broke"/></testcase>
<testcase classname="tests.test_a" name="test_skip" time="0"><skipped message="later"/></testcase>
</testsuite></testsuites>"""


def test_prepare_wraps_python_and_pytest_in_coverage(tmp_path: Path) -> None:
    cmd = prepare_command("python -m pytest -q tests", tmp_path, ENV, tmp_path / ".cov", tmp_path / "j.xml")
    assert cmd.argv[:5] == ["/venv/bin/python", "-m", "coverage", "run", f"--data-file={tmp_path / '.cov'}"]
    assert cmd.argv[-6:] == ["-m", "pytest", "-q", "tests", f"--junitxml={tmp_path / 'j.xml'}", "-p", "no:cacheprovider"][-6:]
    assert any(a.startswith("--source=") for a in cmd.argv) and cmd.pytest and cmd.under_coverage
    bare = prepare_command("pytest -x", tmp_path, ENV, tmp_path / ".cov", tmp_path / "j.xml")
    assert bare.pytest and "-x" in bare.argv
    script = prepare_command("python run_tests.py", tmp_path, ENV, tmp_path / ".cov", tmp_path / "j.xml")
    assert script.under_coverage and not script.pytest and script.argv[-1] == "run_tests.py"
    other = prepare_command("make test", tmp_path, ENV, tmp_path / ".cov", tmp_path / "j.xml")
    assert other.argv == ["make", "test"] and not other.under_coverage


def test_pytest_cov_is_switched_off_under_coverage_run(tmp_path: Path) -> None:
    env = TargetEnv(venv=tmp_path / "venv", key="k", ok=True)
    assert "--no-cov" not in prepare_command("python -m pytest", tmp_path, env, tmp_path / "c", tmp_path / "j").argv
    (tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "pytest_cov").mkdir(parents=True)
    assert "--no-cov" in prepare_command("python -m pytest", tmp_path, env, tmp_path / "c", tmp_path / "j").argv


def test_target_coverage_config_is_respected(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.coverage.run]\nsource = ['src']\n")
    cmd = prepare_command("python -m pytest", tmp_path, ENV, tmp_path / ".cov", tmp_path / "j.xml")
    assert not any(a.startswith(("--source", "--omit")) for a in cmd.argv)


def test_parse_junit(tmp_path: Path) -> None:
    (tmp_path / "j.xml").write_text(JUNIT)
    cases = parse_junit(tmp_path / "j.xml")
    assert [(c.id, c.outcome) for c in cases] == [
        ("tests.test_a::test_ok", "passed"), ("tests.test_a::test_bad", "failed"),
        ("tests.test_a::test_err", "error"), ("tests.test_a::test_skip", "skipped")]
    assert cases[1].message == "assert 1 == 2" and cases[1].duration_s == 0.5
    (tmp_path / "broken.xml").write_text("<testsuites")
    assert parse_junit(tmp_path / "broken.xml") == [] and parse_junit(tmp_path / "none.xml") == []


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    code = (f"import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
            f"open({str(pidfile)!r}, 'w').write(str(p.pid)); print('waiting', flush=True); time.sleep(600)")
    started = time.monotonic()
    exit_code, duration = execute([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ), timeout=2,
                                  log=tmp_path / "log")
    assert exit_code is None and 2 <= duration < 10 and time.monotonic() - started < 12
    assert "waiting" in (tmp_path / "log").read_text()
    child = int(pidfile.read_text())
    time.sleep(0.2)
    assert _gone_or_zombie(child)


def _gone_or_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status  # killed, waiting for its (re-)parent to reap it


def test_default_setup_command(tmp_path: Path) -> None:
    assert default_setup_command(tmp_path) == ""
    (tmp_path / "requirements.txt").write_text("attrs\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    assert default_setup_command(tmp_path) == "pip install -r requirements-dev.txt -r requirements.txt"
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n[project.optional-dependencies]\n"
                                             "test = ['pytest']\ndocs = ['mkdocs']\ndev = ['ruff']\n")
    assert default_setup_command(tmp_path) == "pip install -e '.[test,dev]'"


def test_environment_key_follows_dependency_files(tmp_path: Path) -> None:
    key = environment_key(tmp_path, "pip install -e .")
    (tmp_path / "module.py").write_text("X = 1\n")
    assert environment_key(tmp_path, "pip install -e .") == key  # code changes keep the venv
    (tmp_path / "requirements.txt").write_text("attrs\n")
    assert environment_key(tmp_path, "pip install -e .") != key
    assert environment_key(tmp_path, "pip install .") != environment_key(tmp_path, "pip install -e .")


def test_override_venv_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope"))
    env = ensure_environment(tmp_path, Seed.model_validate({"project": {"name": "t"}}), repo=tmp_path)
    assert not env.ok and ENV_VAR in env.reason
