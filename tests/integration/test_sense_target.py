"""Sense a tiny target whose numbers are known by construction; bad inputs are recorded.

The target venv is Germinate's own (``GERMINATE_TARGET_VENV``), so no test pays for a venv
build; building a managed venv for real is tested once (slow).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from germinate.cli import main
from germinate.home import project_dir
from germinate.metrics import (
    diff_coverage,
    evaluate_change,
    measure_tests,
    record_snapshot,
    take_snapshot,
)
from germinate.metrics.environment import (
    ENV_VAR,
    default_setup_command,
    ensure_environment,
    environment_key,
)
from germinate.seed import LoadedSeed, Seed, repo_seed
from germinate.store import MetricSnapshotRow, Store

CALC = '''\
def add(a, b):
    return a + b


def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    for _ in range(3):
        if n > 100 and n % 2:
            return "big-odd"
    return "positive"


def unused():
    x = 1
    return x
'''
TEXT = '''\
def shout(s):
    # TODO: support unicode
    return s.upper() + "!"
'''
TESTS = '''\
from pkg.calc import add, classify
from pkg.text import shout


def test_add():
    assert add(1, 2) == 3


def test_classify_negative():
    assert classify(-1) == "negative"


def test_shout_fails():
    assert shout("a") == "a!"
'''
# By construction: calc.py has 14 statements, 6 run (3 defs, add's return, classify's first
# test and return); text.py 2 of 2. Total 8/16. classify: 1 + if + elif + for + if + and = 6.
TINY = {"pkg/__init__.py": "", "pkg/calc.py": CALC, "pkg/text.py": TEXT, "tests/test_calc.py": TESTS}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def loaded_seed(repo: Path, **execution: object) -> LoadedSeed:
    seed = Seed.model_validate({"project": {"name": "tiny"}, "execution": execution,
                                "quality_gates": {"coverage": {"critical_paths": [{"path": "pkg/calc.py", "minimum": 0.5}]}}})
    return LoadedSeed(seed=seed, path=repo / "seed.yaml", sha256=hashlib.sha256(seed.model_dump_json().encode()).hexdigest())


@pytest.fixture
def shared_venv(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Germinate's own venv (it has pytest and coverage) as the target venv: no build per test.

    Building a managed venv for real is tested once, in the slow test below.
    """
    venv = Path(sys.prefix)
    monkeypatch.setenv(ENV_VAR, str(venv))
    return venv


def test_tiny_target_numbers_are_exact(repo_factory, shared_venv: Path) -> None:
    repo = repo_factory(TINY)
    snap = take_snapshot(repo, loaded_seed(repo))
    assert snap.commit == git(repo, "rev-parse", "HEAD").strip()
    assert (snap.tests.status, snap.tests.passed, snap.tests.failed, snap.tests.errors) == ("failed", 2, 1, 0)
    assert [c.id for c in snap.tests.cases if c.outcome == "failed"] == ["tests.test_calc::test_shout_fails"]
    assert snap.health == "red"
    calc = snap.coverage.files["pkg/calc.py"]
    assert (calc.statements, calc.covered) == (14, 6)
    assert calc.missing_lines == [8, 9, 10, 11, 12, 13, 17, 18]
    assert snap.coverage.files["pkg/text.py"].covered == 2
    assert "tests/test_calc.py" not in snap.coverage.files  # tests are not product code
    assert snap.coverage.total == pytest.approx(0.5)
    assert snap.coverage.critical_paths == {"pkg/calc.py": pytest.approx(6 / 14)}
    functions = {f.name: f for f in snap.complexity.files["pkg/calc.py"].functions}
    assert (functions["classify"].complexity, functions["classify"].rank, functions["classify"].length) == (6, "B", 9)
    assert snap.complexity.max_complexity == 6
    assert snap.complexity.files["pkg/text.py"].markers == ["2: TODO support unicode"]
    assert {t.id for t in snap.candidates} == {"scout-cov-pkg/calc.py", "scout-todo-pkg/text.py:2"}
    assert not (repo / ".coverage").exists() and git(repo, "status", "--porcelain") == ""


def test_dirty_tree_is_not_sensed_in_place_and_warm_sense_is_cached(repo_factory, shared_venv: Path) -> None:
    repo = repo_factory(TINY)
    loaded = loaded_seed(repo)
    first = take_snapshot(repo, loaded)
    (repo / "pkg" / "text.py").write_text("def shout(s):\n    return s\n")  # uncommitted, makes the test pass
    started = time.monotonic()
    again = take_snapshot(repo, loaded)
    assert time.monotonic() - started < 1.0
    assert again.git.dirty and "uncommitted changes" in again.problems[0]
    assert again.tests == first.tests  # the commit was measured, not the dirty edit
    fresh = take_snapshot(repo, loaded, use_cache=False)
    assert fresh.tests.failed == 1 and fresh.coverage.total == first.coverage.total


def test_hanging_tests_time_out_with_log_tail(repo_factory, shared_venv: Path) -> None:
    repo = repo_factory({"test_hang.py": "import time\n\ndef test_hang():\n    print('starting the wait')\n"
                         "    time.sleep(600)\n"})
    started = time.monotonic()
    run, coverage = measure_tests(repo, loaded_seed(repo).seed, repo=repo, timeout=3)
    assert time.monotonic() - started < 15
    assert run.status == "timeout" and not run.green
    assert "3s" in run.reason and not coverage.available


def test_missing_command_no_tests_and_not_python(repo_factory, shared_venv: Path) -> None:
    repo = repo_factory({"pkg/a.py": "X = 1\n"})
    run, cov = measure_tests(repo, loaded_seed(repo, test_command="no-such-tool --run").seed, repo=repo)
    assert run.status == "error" and "not found: 'no-such-tool'" in run.reason
    run, cov = measure_tests(repo, loaded_seed(repo).seed, repo=repo)
    assert run.status == "no_tests" and run.green
    run, cov = measure_tests(repo, loaded_seed(repo, test_command="python -m no_such_module").seed, repo=repo)
    assert run.status == "error" and "no_such_module" in run.log_tail
    docs = repo_factory({"README.md": "# not python\n"})
    snap = take_snapshot(docs, loaded_seed(docs))
    assert snap.tests.status == "not_run" and snap.health == "unknown"
    assert "not a Python repository" in snap.problems[0]


@pytest.mark.slow
def test_managed_venv_is_built_and_a_failing_setup_is_recorded(repo_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    repo = repo_factory(TINY)
    snap = take_snapshot(repo, loaded_seed(repo))  # builds the venv for real: venv, pytest + coverage
    assert (snap.tests.passed, snap.tests.failed, snap.coverage.total) == (2, 1, 0.5)
    venvs = sorted(p for p in project_dir(repo, "venvs").iterdir() if p.is_dir())
    assert len(venvs) == 1 and (venvs[0] / "germinate-env.json").exists()
    failing = loaded_seed(repo, setup_command="echo installing && exit 3")
    snap = take_snapshot(repo, failing)  # another setup command: another venv, whose setup fails
    assert snap.tests.status == "error" and snap.health == "unknown"
    assert "setup command" in snap.problems[0] and "exit 3" in snap.tests.reason
    assert "installing" in snap.tests.log_tail
    assert snap.complexity.max_complexity == 6  # radon still measured
    broken = [p for p in project_dir(repo, "venvs").iterdir() if p.is_dir() and p not in venvs]
    assert len(broken) == 1 and (broken[0] / "bin" / "pytest").exists()  # tools went in before the setup ran
    assert not (broken[0] / "germinate-env.json").exists()  # not marked ready: the next sense retries


def test_ready_venv_is_reused_until_dependency_files_change(repo_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    repo = repo_factory(TINY)
    seed = loaded_seed(repo).seed
    key = environment_key(repo, "")
    ready = project_dir(repo, "venvs", key)
    (ready / "bin").mkdir()
    (ready / "bin" / "python").symlink_to(sys.executable)
    (ready / "germinate-env.json").write_text("{}")
    env = ensure_environment(repo, seed, repo=repo)
    assert env.ok and not env.built and env.venv == ready
    (repo / "requirements.txt").write_text("attrs\n")
    assert environment_key(repo, default_setup_command(repo)) != key


def test_evaluate_change_and_diff_coverage(repo_factory, shared_venv: Path) -> None:
    repo = repo_factory(TINY)
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "pkg" / "text.py").write_text(TEXT + "\n\ndef whisper(s):\n    return s.lower()\n")
    (repo / "pkg" / "calc.py").unlink()
    (repo / "tests" / "test_calc.py").write_text("from pkg.text import shout\n\n\ndef test_shout():\n"
                                                "    assert shout('a') == 'A!'\n")
    git(repo, "commit", "-qam", "change")
    added = {"pkg/text.py": [4, 5, 6, 7]}
    evaluation = evaluate_change(repo, repo, loaded_seed(repo), base_sha=base,
                                 changed_files=["pkg/text.py", "pkg/calc.py", "tests/test_calc.py"], added_lines=added)
    assert evaluation.tests.status == "ok" and evaluation.tests.passed == 1
    assert evaluation.diff_coverage == pytest.approx(0.5)  # "def whisper" ran at import, its body did not
    assert diff_coverage(evaluation.coverage, {"pkg/text.py": [1]}) == 1.0
    assert evaluation.complexity.files["pkg/calc.py"].error == "deleted"
    assert set(evaluation.complexity.files) == {"pkg/text.py", "tests/test_calc.py", "pkg/calc.py"}


def test_cli_json_and_metrics_history(repo_factory, shared_venv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(TINY)
    assert main(["sense", str(repo), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coverage"]["total"] == 0.5 and data["tests"]["failed"] == 1
    assert main(["sense", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "health       red" in out and "50.0% (8/16 statements" in out
    snap = take_snapshot(repo, repo_seed(repo))
    store = Store.open(repo=repo)
    record_snapshot(store, "tiny", snap, cycle_id="c1")
    with store.session() as session:
        row = session.query(MetricSnapshotRow).one()
        assert (row.commit_sha, row.health, row.coverage_total, row.tests_failed) == (snap.commit, "red", 0.5, 1)
        assert row.sha256 == snap.content_hash()
    store.close()


@pytest.mark.prefect
def test_sense_task_is_cached_and_publishes_artifacts(repo_factory, shared_venv: Path, prefect_harness) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client

    from tasks._caching import persisted
    from tasks.sense import sense

    repo = repo_factory(TINY)
    loaded = loaded_seed(repo)

    @flow
    def twice() -> tuple:
        task = persisted(sense)  # as the cycle runs it: results under the germinate home
        first = task(str(repo), loaded, return_state=True)
        second = task(str(repo), loaded, return_state=True)
        return first, second

    first, second = twice()
    assert first.result().coverage.total == 0.5
    assert second.name == "Cached" and second.result() == first.result()
    assert any((Path(os.environ["GERMINATE_HOME"]) / "results").iterdir())  # persisted for a resumed run

    wanted = {"sense-metrics-tiny", "sense-hot-spots-tiny"}

    async def artifact_keys() -> set[str]:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        # by key: the session's server holds many artifacts, and one unfiltered page may miss these
        by_key = ArtifactFilter(key=ArtifactFilterKey(any_=sorted(wanted)))
        async with get_client() as client:
            return {a.key for a in await client.read_artifacts(artifact_filter=by_key) if a.key}

    import asyncio

    assert wanted <= asyncio.run(artifact_keys())
