"""Reading dependency files without running them."""

from __future__ import annotations

import pytest

from germinate.policy.dependency_roles import classify, development_path
from germinate.policy.depfiles import (
    Unreadable,
    build_requirements,
    declarations,
    dependency_specs,
    included_files,
)


def test_setup_py_literals_names_and_concatenation() -> None:
    text = ("import setuptools\n\nBASE = ['attrs>=23']\nTEST = ['pytest']\n"
            "setuptools.setup(name='x', install_requires=BASE + ['click'],\n"
            "                 extras_require={'test': TEST, 'yaml': ['pyyaml; python_version>\"3\"']},\n"
            "                 tests_require='freezegun\\nhypothesis', setup_requires=['wheel'])\n")
    found = declarations("setup.py", text)
    assert found.runtime == ["attrs>=23", "click", 'pyyaml; python_version>"3"'], "install_requires + non-dev extras"
    assert found.development == ["pytest", "freezegun", "hypothesis"], "the test extra and tests_require"


@pytest.mark.parametrize(("text", "why"), [
    ("from setuptools import setup\nsetup(install_requires=open('r.txt').read().split())\n", "computed"),
    ("from setuptools import setup\nkw = dict(install_requires=['x'])\nsetup(**kw)\n", "setup(**...)"),
    ("def broken(:\n", "does not parse"),
])
def test_setup_py_that_cannot_be_read_says_so(text: str, why: str) -> None:
    with pytest.raises(Unreadable, match=why.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        dependency_specs("setup.py", text)


def test_setup_cfg_extras_and_build_requirements() -> None:
    cfg = ("[options]\ninstall_requires =\n    attrs\n    # a comment\ntests_require = pytest\n"
           "[options.extras_require]\ncli =\n    click>=8\n")
    assert dependency_specs("setup.cfg", cfg) == ["attrs", "click>=8", "pytest"]
    assert declarations("setup.cfg", cfg).development == ["pytest"]
    toml = '[build-system]\nrequires = ["flit_core>=3.4"]\n[project]\ndependencies = ["attrs"]\n'
    assert dependency_specs("pyproject.toml", toml) == ["attrs"], "build requirements are not runtime deps"
    assert build_requirements(toml) == ["flit_core>=3.4"]


def test_requirements_includes() -> None:
    specs = dependency_specs("requirements/dev.txt", "-r base.txt\n-c ../constraints.txt\n--requirement=x.in\nattrs\n")
    assert included_files("requirements/dev.txt", specs) == ["requirements/base.txt", "constraints.txt",
                                                             "requirements/x.in"]


@pytest.mark.parametrize(("path", "development"), [
    ("requirements/docs.txt", True), ("requirements/typechecks.txt", True), ("requirements-mypy.txt", True),
    ("dev-requirements.txt", True), ("docs/requirements.txt", True), ("requirements/packaging.txt", True),
    ("requirements_test.txt", True), ("requirements.txt", False), ("requirements/base.txt", False),
    ("requirements/prod.txt", False), ("src/app/requirements.txt", False), ("requirements-aws.txt", False),
])
def test_requirement_files_for_developers_are_told_by_name(path: str, development: bool) -> None:
    assert development_path(path) is development


def test_runtime_is_what_an_installed_user_gets() -> None:
    files = {
        "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["attrs"]\ndynamic = ["optional-dependencies"]\n'
                          '[project.optional-dependencies]\ncrypto = ["cryptography"]\ndocs = ["sphinx"]\n'
                          '[dependency-groups]\nlint = ["ruff"]\n'
                          '[tool.setuptools.dynamic.optional-dependencies]\nyaml = {file = ["requirements/yaml.txt"]}\n'
                          'test = {file = "requirements.txt"}\n',
        "requirements.txt": "pytest\n",  # named by the packaging as the test extra: development
        "requirements/yaml.txt": "pyyaml\n-r typing.txt\n",  # a runtime extra, including a dev-named file
        "requirements/typing.txt": "types-pyyaml\n",
        "requirements/docs.txt": "furo\n-r base.txt\n",
        "requirements/base.txt": "click\n",
        "Pipfile": '[packages]\nrich = "*"\n[dev-packages]\nblack = "*"\n',
    }
    tree = classify(sorted(files), files.get)
    assert sorted(tree.runtime) == ["attrs", "click", "cryptography", "pyyaml", "rich", "types-pyyaml"]
    assert sorted(tree.development) == ["black", "furo", "pytest", "ruff", "sphinx"]
    assert tree.roles["requirements/typing.txt"] == "runtime", "included by a runtime file: runtime"


def test_includes_outside_the_tree_are_not_read() -> None:
    read: list[str] = []

    def reader(path: str) -> str | None:
        read.append(path)
        return {"requirements.txt": "-r ../../etc/passwd.txt\nattrs\n"}.get(path)

    tree = classify(["requirements.txt"], reader)
    assert list(tree.runtime) == ["attrs"] and read == ["requirements.txt"]
