"""``germinate init`` as a user runs it, on the layouts real projects use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from germinate.seed import load_seed
from tests.integration.cli_user import germinate

PKG = {"src/lib/__init__.py": "def f():\n    return 1\n", "tests/test_lib.py": "def test_f():\n    assert 1\n"}
LAYOUTS: dict[str, tuple[dict[str, str], str, list[str]]] = {
    "requirements-folder": ({
        **PKG,
        "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["attrs>=23"]\n'
                          '[build-system]\nrequires = ["flit_core<4"]\nbuild-backend = "flit_core.buildapi"\n',
        "requirements/tests.in": "pytest\nfreezegun\n",
        "requirements/tests.txt": "freezegun==1.5.1\npytest==8.3.3\n",
        "requirements/docs.txt": "sphinx==8.1\n",
        "requirements/dev.txt": "-r tests.txt\n-r docs.txt\npre-commit==4.0\npyright==1.1\n",
    }, "python -m pip install -e . -r requirements/tests.txt", ["attrs"]),
    "extras": ({
        **PKG,
        "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["click"]\n'
                          '[project.optional-dependencies]\ntests = ["pytest", "freezegun"]\ndocs = ["sphinx"]\n',
    }, "python -m pip install -e '.[tests]'", ["click"]),
    "tox": ({
        **PKG,
        "setup.py": "from setuptools import setup\nsetup(name='lib', install_requires=['six'])\n",
        "tox.ini": "[tox]\nenvlist = py311\n[testenv]\ndeps =\n    pytest\n    pytest-cov\ncommands = pytest\n",
    }, "python -m pip install -e . pytest pytest-cov", ["six"]),
    "setup-py-tests-require": ({
        **PKG,
        "setup.py": "from setuptools import setup\nsetup(name='lib', install_requires=['requests>=2'],\n"
                    "      tests_require=['pytest', 'responses'])\n",
    }, "python -m pip install -e . pytest responses", ["requests"]),
    "nox": ({
        **PKG,
        "pyproject.toml": '[project]\nname = "lib"\n',
        "noxfile.py": "import nox\n\n@nox.session\ndef tests(session):\n    session.install('-e', '.')\n"
                      "    session.install('pytest', 'hypothesis')\n    session.run('pytest')\n",
    }, "python -m pip install -e . pytest hypothesis", []),
    "poetry": ({
        **PKG,
        "pyproject.toml": '[tool.poetry]\nname = "lib"\n[tool.poetry.dependencies]\npython = "^3.11"\n'
                          'httpx = "*"\n[tool.poetry.group.test.dependencies]\npytest = "*"\n',
    }, "python -m pip install -e . pytest", ["httpx"]),
    "hatch-vcs": ({
        **PKG,
        "pyproject.toml": '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n'
                          '[project]\nname = "lib"\ndynamic = ["version"]\n'
                          '[project.optional-dependencies]\ntests = ["pytest"]\n[tool.hatch.version]\nsource = "vcs"\n',
    }, "python -m pip install -e '.[tests]'", []),
    "hatch": ({
        **PKG,
        "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["rich"]\n'
                          '[tool.hatch.envs.test]\ndependencies = ["pytest", "coverage[toml]"]\n',
    }, "python -m pip install -e . pytest 'coverage[toml]'", ["rich"]),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_init_reads_test_and_runtime_dependencies(layout: str, repo_factory: Any, tmp_path: Path) -> None:
    files, setup, runtime = LAYOUTS[layout]
    repo = repo_factory(files)
    proc = germinate(tmp_path / "user", "init", str(repo))
    assert proc.returncode == 0, proc.stderr
    seed = load_seed(repo / "seed.yaml").seed
    assert seed.execution.setup_command == setup
    assert seed.quality_gates.security.dependency_policy.allowlisted_packages == runtime
    assert f"setup         {setup}" in proc.stdout
    text = (repo / "seed.yaml").read_text()  # the comments say what the gates do
    assert "outside this list blocks the change" in text and "outside_allowlist: block" in text
    policy = seed.quality_gates.security.dependency_policy
    assert policy.allowlist_mode and policy.outside_allowlist == "block"
    assert germinate(tmp_path / "user", "validate", str(repo)).returncode == 0


def test_limits_are_fitted_to_the_repository(repo_factory: Any, tmp_path: Path) -> None:
    long_fn = "def big(x):\n    '''Doc.'''\n" + "".join(f"    x += {i}\n" for i in range(90)) + "    return x\n"
    repo = repo_factory({"pkg/__init__.py": "", "pkg/big.py": long_fn + "".join(f"Y{i} = {i}\n" for i in range(700))})
    proc = germinate(tmp_path / "user", "init", str(repo))
    assert proc.returncode == 0, proc.stderr
    limits = load_seed(repo / "seed.yaml").seed.constraints.repo
    # 793 lines -> 900 (10% headroom, rounded to 50); 92 lines of code -> 110; complexity stays at the default
    assert (limits.max_lines_per_file, limits.max_function_length_loc, limits.max_cyclomatic_complexity) == (900, 110, 15)
    assert "largest today: 793 lines, pkg/big.py" in (repo / "seed.yaml").read_text()


def test_init_says_when_the_folder_is_not_a_git_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text("x = 1\n")
    proc = germinate(tmp_path / "user", "init", str(folder))
    assert proc.returncode == 0
    assert "not a git repository" in proc.stdout and "git init" in proc.stderr
    assert "branch        main" not in proc.stdout


def test_prose_is_writable_but_build_and_ci_config_are_not(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory({**PKG, "README.md": "# lib\n", "CHANGES.rst": "1.0\n", "docs/index.rst": "lib\n",
                         "pyproject.toml": '[project]\nname = "lib"\n', ".github/workflows/ci.yml": "on: push\n"})
    assert germinate(tmp_path / "user", "init", str(repo)).returncode == 0
    paths = load_seed(repo / "seed.yaml").seed.automation_contract.ai_access.write_paths
    assert paths == ["src/lib/**", "tests/**", "docs/**", "CHANGES.rst", "README.md"]
