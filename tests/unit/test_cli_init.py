"""``germinate init``: a starter seed that reflects the repository and validates."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from germinate.cli import main
from germinate.errors import ConfigError
from germinate.seed import load_seed
from germinate.seed.init import inspect_repo, write_seed

RepoFactory = Callable[..., Path]

SRC_LAYOUT = {
    "src/shop/__init__.py": "",
    "src/shop/cart.py": "def total(items):\n    return sum(items)\n",
    "tests/test_cart.py": "from shop.cart import total\n\ndef test_total():\n    assert total([1]) == 1\n",
    "pyproject.toml": (
        '[project]\nname = "shop"\ndescription = "A small shop"\n'
        'dependencies = ["requests>=2.0", "Flask_Login ; python_version>\'3\'"]\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    ),
    "requirements-dev.txt": "# dev tools\nnumpy==1.26  # pinned\n-r requirements.txt\n-e .\n",
}


def test_src_layout_repo(repo_factory: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory(SRC_LAYOUT)
    assert main(["init", str(repo)]) == 0
    assert "src/shop (src layout)" in capsys.readouterr().out
    text = (repo / "seed.yaml").read_text()
    assert text.count("#") > 20  # commented for a person to fill in
    seed = load_seed(repo / "seed.yaml").seed
    assert seed.project.name == "shop" and seed.project.description == "A small shop"
    assert seed.project.repo.default_branch == "main"
    assert seed.architecture.modules["shop"].path == "src/shop"
    assert seed.automation_contract.ai_access.write_paths == ["src/shop/**", "tests/**"]
    policy = seed.quality_gates.security.dependency_policy
    assert policy.allowlist_mode is True
    assert policy.allowlisted_packages == ["flask-login", "requests"]  # runtime only: no test/dev tools
    assert seed.execution.setup_command == "python -m pip install -e '.[test]' -r requirements-dev.txt"
    assert seed.execution.test_command == "python -m pytest -q"  # testpaths already in pyproject
    assert seed.automation_contract.merge_policy.allow_auto_merge is False
    assert main(["validate", str(repo)]) == 0


def test_flat_layout_with_setup_cfg(repo_factory: RepoFactory) -> None:
    repo = repo_factory({
        "calc/__init__.py": "", "calc/ops.py": "", "cli.py": "", "setup.py": "", "conftest.py": "",
        "test/test_ops.py": "",
        "setup.cfg": "[options]\ninstall_requires =\n    click>=8\n    attrs\n[tool:pytest]\naddopts = -q\n",
    })
    facts = inspect_repo(repo)
    assert facts.packages == ["calc", "cli.py"] and not facts.src_layout
    assert facts.tests_dir == "test" and facts.pytest_config == "setup.cfg"
    assert facts.dependencies == ["attrs", "click"] and "setup.cfg" in facts.dependency_files
    write_seed(repo)
    seed = load_seed(repo / "seed.yaml").seed
    assert seed.automation_contract.ai_access.write_paths == ["calc/**", "cli.py", "test/**"]


def test_tests_without_pytest_config_are_named_in_the_command(repo_factory: RepoFactory) -> None:
    repo = repo_factory({"app/__init__.py": "", "tests/test_x.py": "", "requirements.txt": "httpx\n"})
    write_seed(repo)
    seed = load_seed(repo / "seed.yaml").seed
    assert seed.execution.test_command == "python -m pytest -q tests"
    assert seed.quality_gates.security.dependency_policy.allowlisted_packages == ["httpx"]


def test_pytest_ini_and_poetry(repo_factory: RepoFactory) -> None:
    repo = repo_factory({
        "pkg/__init__.py": "", "pytest.ini": "[pytest]\n",
        "pyproject.toml": '[tool.poetry]\nname = "pkg"\n[tool.poetry.dependencies]\npython = "^3.11"\nPyYAML = "*"\n',
    })
    facts = inspect_repo(repo)
    assert facts.pytest_config == "pytest.ini" and facts.package_manager == "poetry"
    assert facts.dependencies == ["pyyaml"] and facts.name == "pkg"


def test_default_branch_is_detected(repo_factory: RepoFactory) -> None:
    repo = repo_factory({"m.py": ""})
    subprocess.run(["git", "branch", "-m", "main", "trunk"], cwd=repo, check=True)
    assert inspect_repo(repo).default_branch == "trunk"


def test_empty_repo_still_gets_a_valid_seed(tmp_path: Path) -> None:
    target, facts = write_seed(tmp_path)
    assert facts.packages == [] and facts.default_branch is None  # not a git repository
    seed = load_seed(target).seed
    assert seed.automation_contract.ai_access.write_paths == ["**/*.py"]
    assert seed.constraints.repo.max_lines_per_file == 400  # nothing to fit: the defaults


def test_refuses_to_overwrite_without_force(repo_factory: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory({"pkg/__init__.py": ""})
    (repo / "seed.yaml").write_text("version: 1\nproject: {name: mine}\n")
    assert main(["init", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert (repo / "seed.yaml").read_text() == "version: 1\nproject: {name: mine}\n"
    assert main(["init", str(repo), "--force"]) == 0
    assert load_seed(repo / "seed.yaml").seed.architecture.modules["pkg"].path == "pkg"


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        inspect_repo(tmp_path / "missing")
