"""Reading dependency files without running them."""

from __future__ import annotations

import pytest

from germinate.policy.depfiles import (
    Unreadable,
    build_requirements,
    dependency_specs,
    included_files,
)


def test_setup_py_literals_names_and_concatenation() -> None:
    text = ("import setuptools\n\nBASE = ['attrs>=23']\nTEST = ['pytest']\n"
            "setuptools.setup(name='x', install_requires=BASE + ['click'],\n"
            "                 extras_require={'test': TEST, 'yaml': ['pyyaml; python_version>\"3\"']},\n"
            "                 tests_require='freezegun\\nhypothesis', setup_requires=['wheel'])\n")
    assert dependency_specs("setup.py", text) == [
        "attrs>=23", "click", "pytest", 'pyyaml; python_version>"3"', "freezegun", "hypothesis"]


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
    assert dependency_specs("setup.cfg", cfg) == ["attrs", "pytest", "click>=8"]
    toml = '[build-system]\nrequires = ["flit_core>=3.4"]\n[project]\ndependencies = ["attrs"]\n'
    assert dependency_specs("pyproject.toml", toml) == ["attrs"], "build requirements are not runtime deps"
    assert build_requirements(toml) == ["flit_core>=3.4"]


def test_requirements_includes() -> None:
    specs = dependency_specs("requirements/dev.txt", "-r base.txt\n-c ../constraints.txt\n--requirement=x.in\nattrs\n")
    assert included_files("requirements/dev.txt", specs) == ["requirements/base.txt", "constraints.txt",
                                                             "requirements/x.in"]
