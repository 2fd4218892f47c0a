"""``germinate sense`` explains itself: import errors, branch coverage, a scout that skips tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.cli_user import germinate, shared_venv

SEED = "version: 1\nproject: {name: calc}\n"
CALC = "def sign(x):\n    if x < 0:\n        return -1\n    return 1\n\n\ndef unused(x):\n    return x * 2\n"


def test_a_test_module_that_cannot_import_names_the_module_and_the_fix(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory({
        "seed.yaml": SEED, "calc.py": CALC,
        "tests/test_ok.py": "from calc import sign\n\n\ndef test_sign():\n    assert sign(2) == 1\n",
        "tests/test_frozen.py": "import freezegun_not_installed\n\n\ndef test_time():\n    assert freezegun_not_installed\n",
    })
    proc = germinate(tmp_path / "user", "sense", str(repo), env=shared_venv())
    assert proc.returncode == 0, proc.stderr
    problems = proc.stdout.split("problems\n", 1)[1]
    assert "no module named 'freezegun_not_installed'" in problems
    assert "tests.test_frozen" in problems and "execution.setup_command" in problems


def test_a_missing_generated_module_of_the_project_itself_is_named_as_such(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory({
        "seed.yaml": SEED, "calc/__init__.py": "from calc._version import VERSION\n",
        "tests/test_calc.py": "import calc\n\n\ndef test_version():\n    assert calc.VERSION\n",
    })
    proc = germinate(tmp_path / "user", "sense", str(repo), env=shared_venv())
    problems = proc.stdout.split("problems\n", 1)[1]
    assert "no module named 'calc._version'" in problems and "part of this project" in problems
    assert "pip install -e . calc" not in problems


def test_branch_coverage_when_the_project_turns_it_on(repo_factory: Any, tmp_path: Path) -> None:
    pyproject = '[project]\nname = "calc"\nversion = "1"\n[tool.coverage.run]\nbranch = true\nsource = ["."]\n'
    files = {"seed.yaml": SEED, "calc.py": CALC, "pyproject.toml": pyproject,
             "tests/test_calc.py": "from calc import sign\n\n\ndef test_sign():\n    assert sign(2) == 1\n"}
    repo = repo_factory(files)
    proc = germinate(tmp_path / "user", "sense", str(repo), "--json", env=shared_venv())
    assert proc.returncode == 0, proc.stderr
    coverage = json.loads(proc.stdout)["coverage"]
    calc = coverage["files"]["calc.py"]
    # coverage.py: 6 statements (4 run), 2 branches (1 taken): (4 + 1) / (6 + 2), as `coverage report` says
    assert coverage["branch"] is True
    assert (calc["statements"], calc["covered"], calc["branches"], calc["covered_branches"]) == (6, 4, 2, 1)
    assert calc["percent"] == 0.625
    text = germinate(tmp_path / "user", "sense", str(repo), env=shared_venv()).stdout
    assert "1/2 branches: branch coverage is on" in text


def test_the_scout_never_targets_test_files(repo_factory: Any, tmp_path: Path) -> None:
    helper = "".join(f"def helper_{i}(x):\n    if x:\n        return {i}\n    return 0\n\n\n" for i in range(6))
    repo = repo_factory({
        "seed.yaml": SEED, "calc.py": CALC,
        "tests/test_calc.py": "from calc import sign\n\n\n" + helper + "def test_sign():\n    assert sign(2) == 1\n",
    })
    proc = germinate(tmp_path / "user", "sense", str(repo), "--json", env=shared_venv())
    snapshot = json.loads(proc.stdout)
    scoped = [path for ticket in snapshot["candidates"] for path in ticket["scope"]]
    assert scoped and all(not path.startswith("tests/") for path in scoped), scoped


def test_gate_and_sense_say_when_no_seed_is_committed(repo_factory: Any, tmp_path: Path) -> None:
    from tests.integration.test_gate_cli import change

    repo = repo_factory({"calc.py": CALC})
    sha = change(repo, {"calc.py": CALC + "\n\ndef zero():\n    return 0\n"}, "feature")
    gate = germinate(tmp_path / "user", "gate", "--repo", str(repo), "--base", "main", "--head", sha, "--no-tests")
    assert gate.returncode == 0 and "no seed.yaml is committed at the base" in gate.stderr
    (repo / "seed.yaml").write_text(SEED)  # written, not committed
    sense = germinate(tmp_path / "user", "sense", str(repo), env=shared_venv())
    assert sense.returncode == 0 and "seed.yaml is not committed" in sense.stderr
