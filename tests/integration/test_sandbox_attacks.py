"""Issue 10's attacks, replayed through the real CLI the way a user runs it.

``germinate sense`` / ``germinate gate`` run in a subprocess with a clean environment, a fresh
GERMINATE_HOME and canary keys set; the target's conftest is hostile (``tests/fakes/hostile.py``).
Each attack must fail: no canary readable, nothing written outside the sandbox, no commit in the
user's repository, no process left, a forged pass not accepted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from germinate.environments.bwrap import probe
from tests.conftest import git, make_repo
from tests.fakes.hostile import Witness

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(probe()), reason=f"bubblewrap cannot run here: {probe()}")]
GERMINATE = str(Path(sys.executable).parent / "germinate")
CALC = "def add(a, b):\n    return a + b\n"
TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
FORGE_PASSES = '''\
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
'''
DROP_FAILURES = '''\
import pathlib, re


def pytest_unconfigure(config):
    path = pathlib.Path(config.option.xmlpath or "")
    if path.is_file():
        text = re.sub(r"<testcase[^>]*>\\s*<failure.*?</testcase>", "", path.read_text(), flags=re.S)
        path.write_text(text.replace('failures="1"', 'failures="0"'))
'''


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[Witness]:
    home = tmp_path / "home"
    home.mkdir()
    w = Witness(repo=tmp_path / "repo", home=home, ghome=tmp_path / "germinate-home")
    yield w
    w.cleanup()


def germinate(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GERMINATE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def gate_the_commit(witness: Witness, repo: Path, message: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Commit everything in ``repo`` and judge that commit with ``germinate gate --json``."""
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    done = germinate("gate", "--repo", str(repo), "--base", "HEAD~1", "--head", "HEAD", "--json",
                     env=witness.env(), cwd=repo)
    return done, json.loads(done.stdout)


def test_sense_contains_a_hostile_conftest(witness: Witness) -> None:
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC, **witness.files()})
    done = germinate("sense", str(repo), "--json", "--no-cache", env=witness.env(), cwd=repo)
    assert done.returncode == 0, done.stderr
    tests = json.loads(done.stdout)["tests"]
    assert (tests["status"], tests["passed"], tests["failed"]) == ("ok", 3, 0), tests  # canaries unseen, no network
    assert witness.escapes() == []
    assert git(repo, "status", "--porcelain") == ""


def test_gate_refuses_a_forged_pass_next_to_a_broken_function(witness: Witness) -> None:
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC})
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (repo / "tests" / "conftest.py").write_text(FORGE_PASSES)
    done, report = gate_the_commit(witness, repo, "faster add")
    assert report["verdict"] != "pass" and done.returncode != 0, report
    assert report["tests"]["status"] == "failed"
    tests_gate = next(g for g in report["gates"] if g["name"] == "tests_pass")
    assert not tests_gate["passed"]


def test_sense_catches_a_report_rewritten_after_the_run(witness: Witness) -> None:
    repo = make_repo(witness.repo, {"calc.py": "def add(a, b):\n    return a - b\n", "tests/test_calc.py": TEST_CALC,
                                    "tests/test_ok.py": "def test_ok():\n    assert True\n",
                                    "tests/conftest.py": DROP_FAILURES})
    done = germinate("sense", str(repo), "--json", env=witness.env(), cwd=repo)
    assert done.returncode == 0, done.stderr
    tests = json.loads(done.stdout)["tests"]
    assert tests["status"] == "error" and "separate collection" in tests["reason"], tests
    assert "tests.test_calc::test_add" in tests["reason"]


def test_no_usable_sandbox_means_nothing_runs(witness: Witness) -> None:
    files = {"calc.py": CALC, "tests/test_calc.py": TEST_CALC, **witness.files(),
             "seed.yaml": "project: {name: calc}\nexecution:\n  sandbox: docker\n"}
    repo = make_repo(witness.repo, files)
    done = germinate("sense", str(repo), "--json", env=witness.env(), cwd=repo)
    assert done.returncode != 0
    assert "no sandbox to run the target's code in" in done.stderr and "Fix:" in done.stderr
    assert "execution.sandbox: local" in done.stderr
    assert witness.escapes() == []


def test_local_opt_out_warns_on_every_run(witness: Witness) -> None:
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC,
                                    "seed.yaml": "project: {name: calc}\nexecution:\n  sandbox: local\n"})
    done = germinate("sense", str(repo), "--json", env=witness.env(), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tests"]["passed"] == 1
    assert "WITHOUT isolation" in done.stderr


def test_gate_exits_3_when_no_sandbox_can_run(witness: Witness) -> None:
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC,
                                    "seed.yaml": "project: {name: calc}\nexecution:\n  sandbox: docker\n"})
    (repo / "calc.py").write_text("def add(a, b):\n    return b + a\n")
    git(repo, "commit", "-qam", "commute")
    done = germinate("gate", "--repo", str(repo), "--base", "HEAD~1", "--head", "HEAD", env=witness.env(), cwd=repo)
    assert done.returncode == 3 and "no sandbox to run the target's code in" in done.stderr, done.stderr


def test_run_refuses_before_starting_when_no_sandbox_can_run(witness: Witness) -> None:
    from examples.demo import TRANSCRIPT

    seed = f"project: {{name: calc}}\nmodels: {{default: 'scripted/{TRANSCRIPT}'}}\nexecution:\n  sandbox: docker\n"
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC, **witness.files(),
                                    "seed.yaml": seed})
    done = germinate("run", str(repo), "--cycles", "1", env=witness.env(), cwd=repo)
    assert done.returncode == 3 and "no sandbox to run the target's code in" in done.stderr, done.stderr
    assert witness.escapes() == [] and not (witness.ghome / "server.json").exists()  # no server was started


HANG_WITHOUT_CONFTEST = '''\
import os, time

if not os.path.exists(os.path.join(os.path.dirname(__file__), "tests", "conftest.py")):
    time.sleep(600)  # the guard run (base infrastructure) never reports


def add(a, b):
    return a - b
'''


def test_gate_refuses_code_that_stalls_the_guard_run(witness: Witness) -> None:
    seed = "project: {name: calc}\nexecution:\n  test_timeout_seconds: 20\n"
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC, "seed.yaml": seed})
    (repo / "calc.py").write_text(HANG_WITHOUT_CONFTEST)
    (repo / "tests" / "conftest.py").write_text(FORGE_PASSES)
    done, report = gate_the_commit(witness, repo, "faster add")
    assert report["verdict"] != "pass" and report["tests"]["status"] == "error", report["tests"]
    assert not next(g for g in report["gates"] if g["name"] == "tests_pass")["passed"]


def test_tests_run_on_the_commit_not_on_the_worktree_as_it_happens_to_be(
        witness: Witness, monkeypatch: pytest.MonkeyPatch) -> None:
    from germinate.metrics import measure_tests
    from germinate.seed import Seed

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    repo = make_repo(witness.repo, {"calc.py": CALC, "tests/test_calc.py": TEST_CALC})
    (repo / "tests" / "test_extra.py").write_text("def test_untracked():\n    assert True\n")  # another process's
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")  # an uncommitted edit
    run, coverage = measure_tests(repo, Seed.model_validate({"project": {"name": "calc"}}), repo=repo)
    assert (run.status, run.passed, [c.id for c in run.cases]) == ("ok", 1, ["tests.test_calc::test_add"])
    assert coverage.total == 1.0


PLANT_REPORT = '''\
import json, os, pathlib

FAKE = {"files": {"calc.py": {"summary": {"num_statements": 4, "covered_lines": 4},
                              "missing_lines": [], "executed_lines": [1, 2, 4, 5]}}}


def pytest_unconfigure(config):
    out = pathlib.Path(os.environ["COVERAGE_FILE"]).parent
    (out / "coverage.json").write_text(json.dumps(FAKE))
'''


def test_a_coverage_report_planted_by_the_tests_is_not_read(witness: Witness) -> None:
    calc = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
    repo = make_repo(witness.repo, {"calc.py": calc, "tests/test_calc.py": TEST_CALC, "tests/conftest.py": PLANT_REPORT})
    done = germinate("sense", str(repo), "--json", env=witness.env(), cwd=repo)
    assert done.returncode == 0, done.stderr
    coverage = json.loads(done.stdout)["coverage"]
    assert coverage["total"] == 0.75 and coverage["files"]["calc.py"]["missing_lines"] == [6]  # measured, not planted
