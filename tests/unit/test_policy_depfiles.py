"""Reading dependency files without running them."""

from __future__ import annotations

from pathlib import Path

import pytest

from germinate.policy.dependency_roles import classify, classify_checkout, development_path
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
    ("requirements/prod.txt", False), ("requirements/build.txt", True), ("requirements/format.txt", False), ("src/app/requirements.txt", False), ("requirements-aws.txt", False),
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


def test_a_folder_that_is_not_a_repository_is_read_too(tmp_path: Path) -> None:
    files = {"setup.cfg": "[options]\ninstall_requires =\n    attrs\ntests_require = pytest\n",
             "requirements/prod.txt": "gunicorn\n", "requirements/lint.txt": "ruff\n",
             ".venv/lib/requirements.txt": "ignored\n", "node_modules/x/requirements.txt": "ignored-too\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    tree = classify_checkout(tmp_path)
    assert sorted(tree.runtime) == ["attrs", "gunicorn"] and sorted(tree.development) == ["pytest", "ruff"]


@pytest.mark.parametrize("text", [
    "--requirement\trequirements-dev.txt\n", "--requirement = requirements-dev.txt\n", "-r \\\nrequirements-dev.txt\n",
    "-r\trequirements-dev.txt  # the dev pins\n", "-rrequirements-dev.txt\n",
])
def test_includes_are_read_as_pip_reads_them(text: str) -> None:
    files = {"requirements.txt": text, "requirements-dev.txt": "evilpkg\n"}
    tree = classify(sorted(files), files.get)
    assert list(tree.runtime) == ["evilpkg"] and tree.roles["requirements-dev.txt"] == "runtime"


def test_a_file_a_computed_setup_py_reads_is_runtime() -> None:
    files = {"setup.py": "from setuptools import setup\nsetup(name='x', long_description=open('README.txt').read(),\n"
                         "      install_requires=open('deps.txt').read().split(),\n"
                         "      extras_require={'dev': open('requirements-dev.txt').read().split()})\n",
             "deps.txt": "evilpkg\n", "requirements-dev.txt": "pytest\n", "README.txt": "hello world\n"}
    tree = classify(sorted(files), files.get)
    assert sorted(tree.runtime) == ["evilpkg", "pytest"], "fail closed: every requirement list it names"
    assert "README.txt" not in tree.roles and "setup.py" in tree.unreadable


def test_setup_cfg_dashed_keys_flit_metadata_and_user_facing_extras() -> None:
    cfg = "[options]\ninstall-requires = evilpkg\ntests-require = pytest\n"
    assert (declarations("setup.cfg", cfg).runtime, declarations("setup.cfg", cfg).development) == (["evilpkg"], ["pytest"])
    flit = ('[tool.flit.metadata]\nmodule = "x"\nrequires = ["attrs"]\n'
            '[tool.flit.metadata.requires-extra]\ntest = ["pytest"]\ncli = ["click"]\n')
    assert (declarations("pyproject.toml", flit).runtime, declarations("pyproject.toml", flit).development) == (
        ["attrs", "click"], ["pytest"])
    extras = "".join(f'{name} = ["pkg-{name}"]\n' for name in ("format", "check", "types", "tools", "build",
                                                               "release", "style", "test", "docs", "lint"))
    found = declarations("pyproject.toml", f"[project]\nname = 'x'\n[project.optional-dependencies]\n{extras}")
    assert found.development == ["pkg-test", "pkg-docs", "pkg-lint"] and len(found.runtime) == 7


PYPROJECT = ('[project]\nname = "tiny"\ndynamic = ["optional-dependencies"]\n[project.optional-dependencies]\n'
             'test = ["evilpkg"]\ndocs = ["sphinx"]\n')


@pytest.mark.parametrize(("pyproject", "requirements"), [
    (PYPROJECT, ".[test]\n"), (PYPROJECT, "-e .[cli,test]\n"), (PYPROJECT, "Tiny[test]>=1\n"),
    (PYPROJECT + 'all = ["tiny[test]"]\n', "attrs\n"),
])
def test_a_dev_extra_a_runtime_source_installs_is_runtime(pyproject: str, requirements: str) -> None:
    files = {"pyproject.toml": pyproject, "requirements.txt": requirements}
    tree = classify(sorted(files), files.get)
    assert "evilpkg" in tree.runtime and "sphinx" not in tree.runtime
    setup_cfg = {"setup.cfg": "[metadata]\nname = tiny\n[options.extras_require]\ntests = file: requirements/tests.txt\n",
                 "requirements/tests.txt": "hypothesis\n", "requirements.txt": "tiny[tests]\n"}
    assert "hypothesis" in classify(sorted(setup_cfg), setup_cfg.get).runtime
