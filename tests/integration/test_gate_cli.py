"""``germinate gate`` end to end on real repositories: exit codes, JSON, patches, the base seed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from germinate.cli import main

SEED = """version: 1
project: {name: shop}
execution:
  change_budget: {max_lines_changed: 20, max_files_touched: 5}
quality_gates:
  coverage: {global_minimum: 0.5}
  security:
    dependency_policy: {allowlist_mode: true, allowlisted_packages: [attrs]}
"""
FILES = {
    "seed.yaml": SEED,
    "pyproject.toml": '[project]\nname = "shop"\nversion = "1"\ndependencies = []\n',
    "shop.py": "def total(prices):\n    return sum(prices)\n",
    "test_shop.py": "from shop import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def change(repo: Path, files: dict[str, str], branch: str = "feature") -> str:
    git(repo, "checkout", "-q", "-B", branch, "main")
    for rel, text in files.items():
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", branch)
    sha = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    return sha


def run_gate(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["gate", "--repo", str(repo), "--base", "main", "--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def failed(report: dict[str, Any]) -> set[str]:
    return {g["name"] for g in report["gates"] if not g["passed"] and g["severity"] != "warn"}


def test_exit_codes_pass_blocked_needs_approval(repo_factory: Any, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(FILES)
    ok = change(repo, {"shop.py": FILES["shop.py"] + "\n\ndef count(prices):\n    return len(prices)\n"}, "ok")
    code, report = run_gate(repo, "--head", ok, "--no-tests", capsys=capsys)
    assert (code, report["verdict"], failed(report)) == (0, "pass", set())
    assert report["seed"]["path"].endswith(":seed.yaml") and report["changes"]["lines_added"] == 4
    bad = change(repo, {"seed.yaml": SEED.replace("max_lines_changed: 20", "max_lines_changed: 9999"),
                        "shop.py": "".join(f"X{i} = {i}\n" for i in range(30))}, "loosen")
    code, report = run_gate(repo, "--head", bad, "--no-tests", capsys=capsys)
    assert (code, report["verdict"]) == (1, "blocked")
    assert {"write_paths", "change_budget"} <= failed(report), "judged by the base seed, not the head's"
    dep = change(repo, {"pyproject.toml": FILES["pyproject.toml"].replace("[]", '["attrs>=23"]')}, "dep")
    code, report = run_gate(repo, "--head", dep, "--no-tests", capsys=capsys)
    assert (code, report["verdict"], failed(report)) == (2, "needs_approval", {"approval"})


def test_table_output_and_labels(repo_factory: Any, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(FILES)
    sha = change(repo, {"shop.py": FILES["shop.py"] + "# tidy\n"})
    code = main(["gate", "--repo", str(repo), "--base", "main", "--head", sha, "--no-tests",
                 "--repo-label", "needs-human-review"])
    out = capsys.readouterr().out
    assert code == 1
    assert "BLOCK    freeze" in out and "verdict: blocked (exit 1)" in out


def test_patch_is_tested_in_a_temporary_worktree(repo_factory: Any, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(FILES)
    (repo / "shop.py").write_text(FILES["shop.py"] + 'API_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXAbC"\n')
    patch = tmp_path / "change.patch"
    patch.write_text(git(repo, "diff"))
    git(repo, "checkout", "-q", "--", "shop.py")
    before = git(repo, "status", "--porcelain")
    code, report = run_gate(repo, "--patch", str(patch), "--no-tests", capsys=capsys)
    assert (code, failed(report)) == (1, {"secrets"})
    assert git(repo, "status", "--porcelain") == before, "the user's tree is untouched"
    assert "gate-patch" not in git(repo, "worktree", "list"), "the temporary worktree is gone"


def test_errors_exit_3(repo_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(FILES)
    code, report = run_gate(repo, "--head", "no-such-ref", "--no-tests", capsys=capsys)
    assert code == 3 and report["verdict"] == "error" and "no-such-ref" in report["error"]
    bad = tmp_path / "bad.patch"
    bad.write_text("diff --git a/shop.py b/shop.py\n--- a/shop.py\n+++ b/shop.py\n@@ -1,1 +1,1 @@\n-nope\n+x\n")
    code, report = run_gate(repo, "--patch", str(bad), "--no-tests", capsys=capsys)
    assert code == 3 and "does not apply" in report["error"]
    broken_seed = tmp_path / "seed.yaml"
    broken_seed.write_text("version: 1\nproject: {name: x}\nexecution: {change_budgett: {}}\n")
    code, report = run_gate(repo, "--head", "HEAD", "--seed", str(broken_seed), "--no-tests", capsys=capsys)
    assert code == 3 and "change_budget" in report["error"]


def test_explicit_seed_overrides_the_base_seed(repo_factory: Any, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(FILES)
    sha = change(repo, {"shop.py": "".join(f"X{i} = {i}\n" for i in range(30))})
    strict = tmp_path / "strict.yaml"
    strict.write_text(SEED.replace("max_lines_changed: 20", "max_lines_changed: 100"))
    code, report = run_gate(repo, "--head", sha, "--no-tests", "--seed", str(strict), capsys=capsys)
    assert code == 0, failed(report)


@pytest.mark.slow
def test_with_tests_and_coverage_on_base_and_head(repo_factory: Any, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)  # pytest + coverage are here already
    repo = repo_factory(FILES)
    broken = change(repo, {"shop.py": "def total(prices):\n    return sum(prices) + 1\n"})
    code, report = run_gate(repo, "--head", broken, capsys=capsys)
    assert code == 1 and "tests_pass" in failed(report), report["gates"]
    assert report["tests"]["status"] == "failed" and report["tests"]["base_coverage"] == pytest.approx(1.0)
    assert report["timings"]["tests_s"] > report["timings"]["gates_s"]
    fine = change(repo, {"test_shop.py": FILES["test_shop.py"] + "\n\ndef test_empty():\n    assert total([]) == 0\n"},
                  "more-tests")
    code, report = run_gate(repo, "--head", fine, capsys=capsys)
    assert code == 0, [g for g in report["gates"] if not g["passed"]]


def test_uncommitted_edits_are_named_as_not_gated(repo_factory: Any, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(FILES)
    assert main(["gate", "--repo", str(repo), "--base", "main", "--no-tests"]) == 0
    assert "not gated" not in capsys.readouterr().err
    (repo / "shop.py").write_text(FILES["shop.py"] + "X = 1\n")
    (repo / "docs").mkdir()  # run from a sub-folder: the repository around it is meant
    assert main(["gate", "--repo", str(repo / "docs"), "--base", "main", "--no-tests"]) == 0
    err = capsys.readouterr().err
    assert f"uncommitted changes in {repo.resolve()} were" in err and "--patch" in err
