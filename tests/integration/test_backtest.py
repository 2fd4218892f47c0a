"""``germinate backtest --oracle`` on a small repository with a history of its own: the commits that
qualify become tickets, human changes land or are refused by the gates with the reason, the
held-out tests run on the result, runs are stored and compared, and the user's repository is
never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
ROOT = Path(__file__).resolve().parents[2]

CALC = '"""Arithmetic."""\n\n\ndef add(a, b):\n    """a + b."""\n    return a + b\n'
TESTS = "from pkg.calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, message: str, files: dict[str, str | None]) -> str:
    for path, text in files.items():
        target = repo / path
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def calc_repo(root: Path, calc: str, tests: str) -> tuple[Path, str]:
    """A new repository ``root/calc`` with one commit: ``pkg/calc.py`` and its tests."""
    repo = root / "calc"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo, commit(repo, "calc: add()", {
        "pyproject.toml": '[project]\nname = "calc"\nversion = "0.1"\n\n[tool.pytest.ini_options]\n'
                          'pythonpath = ["."]\ntestpaths = ["tests"]\n',
        "pkg/__init__.py": "", "pkg/calc.py": calc, "tests/test_calc.py": tests})


@pytest.fixture
def history(tmp_path: Path) -> dict[str, str]:
    repo, init = calc_repo(tmp_path, CALC, TESTS)
    shas = {"init": init}
    calc = CALC + '\n\ndef sub(a, b):\n    """a - b."""\n    return a - b\n'
    shas["sub"] = commit(repo, "Add sub()\n\nSubtraction, for symmetry.", {
        "pkg/calc.py": calc,
        "tests/test_calc.py": TESTS.replace("import add", "import add, sub") +
        "\n\ndef test_sub():\n    assert sub(5, 3) == 2\n"})
    shas["docs"] = commit(repo, "Docs: README", {"README.md": "calc\n"})
    shas["merge_tests"] = commit(repo, "Fold the tests into one", {  # a human change the gates refuse
        "pkg/calc.py": calc.replace('"""a - b."""', '"""a minus b."""'),
        "tests/test_calc.py": "from pkg.calc import add, sub\n\n\ndef test_arithmetic():\n"
                              "    assert add(2, 3) == 5\n    assert sub(5, 3) == 2\n"})
    (repo / "pkg/calc.py").read_text()
    shas["mul"] = commit(repo, "Fix: mul() for the calculator", {
        "pkg/calc.py": (repo / "pkg/calc.py").read_text() + '\n\ndef mul(a, b):\n    """a * b."""\n    return a * b\n',
        "tests/test_mul.py": "from pkg.calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"})
    shas["repo"] = str(repo)
    return shas


def test_oracle_backtest_scores_human_changes_and_compares_runs(
        prefect_harness: None, history: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client

    from flows.backtest import backtest
    from germinate.backtest.score import markdown, previous_run, runs_dir

    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_MODEL", "openai/never-called")  # --oracle answers, whatever is set
    repo = Path(history["repo"])
    before = (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), git(repo, "branch", "-a"))

    run = backtest(repo=str(repo), commits=3, oracle=True, label="first")

    assert [t.sha for t in run.tickets] == [history["mul"], history["merge_tests"], history["sub"]]  # docs skipped
    by_sha = {t.sha: t for t in run.tickets}
    assert by_sha[history["mul"]].outcome == "merged" and by_sha[history["sub"]].outcome == "merged"
    refused = by_sha[history["merge_tests"]]
    assert refused.outcome == "rejected" and refused.gates_fired == ["tests_kept"]
    assert "test test_add removed or renamed away" in refused.reason
    assert all(t.hidden_tests == "pass" for t in run.tickets), [t.hidden_detail for t in run.tickets]
    assert run.land_rate == pytest.approx(2 / 3) and all(t.rounds >= 1 for t in run.tickets)
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), git(repo, "branch", "-a")) == before

    stored = json.loads((runs_dir("calc") / f"{run.run_id}.json").read_text())
    assert stored["summary"]["land_rate"] == pytest.approx(2 / 3) and len(stored["tickets"]) == 3
    report = (runs_dir("calc") / f"{run.run_id}.md").read_text()
    assert "land rate 2/3 (67%)" in report and "tests_kept" in report
    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
    assert any(a.key == "backtest-calc" for a in artifact)

    second = backtest(repo=str(repo), commits=1, oracle=True, label="second")
    side = markdown(second, previous_run(second))
    assert "## Side by side with the previous run" in side
    assert f"`{run.run_id}` first" in side and f"`{second.run_id}` second" in side


def test_backtest_refuses_bad_input_before_anything_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GERMINATE_"))}
    env["GERMINATE_HOME"] = str(tmp_path / "home")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "germinate.cli", "backtest", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    nowhere = cli(str(tmp_path / "missing"), "--oracle")
    assert nowhere.returncode != 0 and "missing" in nowhere.stderr
    zero = cli(str(tmp_path), "--commits", "0", "--oracle")
    assert zero.returncode != 0 and "--commits must be at least 1" in zero.stderr
    assert not (tmp_path / "home" / "backtest").exists()
