"""The dependencies gate through ``germinate gate`` (a subprocess, real git): setup.py read from its
syntax tree and never run, setup.cfg extras, requirements folders and includes, build requirements,
and runtime told from development requirements (what an installed user gets, and nothing else,
is held to the allowlist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from germinate.seed import load_seed
from tests.integration.cli_user import germinate
from tests.integration.test_gate_static import commit, fired, gate, git

SEED = """version: 1
project: {name: shop}
quality_gates:
  security:
    dependency_policy: {allowlist_mode: true, allowlisted_packages: [attrs]}
checkpoints: {new_dependency: false}
"""
SETUP = 'from setuptools import setup\n\nsetup(name="shop", install_requires=["attrs"])\n'
FILES = {
    "seed.yaml": SEED,
    "setup.py": SETUP,
    "setup.cfg": "[metadata]\nname = shop\n\n[options]\ninstall_requires =\n    attrs\n",
    "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n',
    "requirements.txt": "attrs\n-r pinned.lst\n",
    "pinned.lst": "attrs==23.2\n",
    "requirements/tests.txt": "pytest\n",
    "requirements/docs.txt": "sphinx==8.1\n",
    "requirements/dev.txt": "-r tests.txt\n-r docs.txt\n",
    "shop.py": "X = 1\n",
}


def outcome(repo: Path, tmp_path: Path, files: dict[str, str | bytes], branch: str,
            *args: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    code, report, err = gate(repo, tmp_path, "--head", commit(repo, files, branch), "--no-tests", *args)
    assert code in (0, 1, 2), err
    return code, fired(report), next(g for g in report["gates"] if g["name"] == "dependencies")


def test_setup_py_is_read_statically_and_never_run(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    canary = tmp_path / "setup-ran"
    code, gates, dep = outcome(repo, tmp_path, {"setup.py": SETUP.replace('["attrs"]', '["attrs", "requests>=2"]')},
                               "install-requires")
    assert (code, gates) == (1, {"dependencies": "block"}) and "'requests'" in dep["message"]
    named = ('from setuptools import setup\n\nEXTRAS = {"cli": ["click"]}\n\n'
             'setup(name="shop", install_requires=["attrs"], extras_require=EXTRAS)\n')
    code, gates, dep = outcome(repo, tmp_path, {"setup.py": named}, "extras-by-name")
    assert (code, gates) == (1, {"dependencies": "block"}) and "'click'" in dep["message"]
    computed = (f"from pathlib import Path\nPath({str(canary)!r}).write_text('ran')\n"
                "from setuptools import setup\n\n"
                "setup(name='shop', install_requires=Path('requirements.txt').read_text().split())\n")
    code, gates, dep = outcome(repo, tmp_path, {"setup.py": computed}, "computed")
    assert (code, gates) == (2, {"dependencies": "needs_approval"}), dep
    assert "computed" in dep["message"] and "Fix:" in dep["message"]
    assert not canary.exists(), "setup.py was executed"


def test_setup_cfg_requirements_folder_and_includes(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    cfg = FILES["setup.cfg"] + "\n[options.extras_require]\nyaml =\n    pyyaml\n"
    assert outcome(repo, tmp_path, {"setup.cfg": cfg}, "cfg-extra")[:2] == (1, {"dependencies": "block"})
    runtime_txt = {"requirements/base.txt": "freezegun\n", "requirements.txt": "attrs\n-r requirements/base.txt\n"}
    assert outcome(repo, tmp_path, runtime_txt, "req-folder")[:2] == (1, {"dependencies": "block"})
    included = {"pinned.lst": "attrs==23.2\nevil-helper==0.1\n"}
    code, gates, dep = outcome(repo, tmp_path, included, "included")
    assert (code, gates) == (1, {"dependencies": "block"}) and "'evil-helper'" in dep["message"]
    allowed = {"requirements.txt": "attrs\nattrs[extra]\n-r pinned.lst\n"}
    assert outcome(repo, tmp_path, allowed, "allowed")[:2] == (0, {})


def test_build_requirements_are_not_runtime_dependencies(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    flit = '[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n'
    code, gates, dep = outcome(repo, tmp_path, {"pyproject.toml": flit}, "flit")
    assert (code, gates) == (2, {"dependencies": "needs_approval"}), dep
    assert "not a runtime dependency" in dep["message"] and "not in" not in dep["message"]


def test_outside_allowlist_can_ask_a_person(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(SEED.replace("allowlisted_packages: [attrs]",
                                    "allowlisted_packages: [attrs], outside_allowlist: needs_approval"))
    code, gates, _ = outcome(repo, tmp_path, {"requirements.txt": "attrs\nfreezegun\n"}, "lenient",
                             "--seed", str(lenient))
    assert (code, gates) == (2, {"dependencies": "needs_approval"})
    code, gates, _ = outcome(repo, tmp_path, {"requirements.txt": "attrs\n--extra-index-url https://x.invalid/simple\n"},
                             "index", "--seed", str(lenient))
    assert (code, gates) == (1, {"dependencies": "block"}), "another package source always blocks"


def test_nothing_is_installed_before_a_person_approves_a_new_package(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    flit = '[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n'
    sha = commit(repo, {"pyproject.toml": flit}, "backend")
    code, report, err = gate(repo, tmp_path, "--head", sha)  # with tests: they must wait for the person
    assert (code, report["verdict"]) == (2, "needs_approval"), err
    assert report["tests"] is None and "tests not run" in report["stopped"] and "dependencies" in report["stopped"]
    assert {g["name"] for g in report["gates"] if g["message"].startswith("not run:")} >= {"tests_pass"}


def test_a_docs_pin_is_not_a_runtime_dependency(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    code, gates, dep = outcome(repo, tmp_path, {"requirements/docs.txt": "sphinx==8.1\nfuro==2024.8.6\n"}, "docs-pin")
    assert (code, gates) == (0, {}), dep
    assert (dep["passed"], dep["severity"]) == (False, "warn"), "a reader still sees the new pin"
    assert "requirements/docs.txt: new development requirement 'furo'" in dep["evidence"][0]
    assert "allowlisted_packages" not in dep["message"]
    dev_extra = FILES["setup.cfg"] + "\n[options.extras_require]\ntests =\n    pytest\n    furo\n"
    code, gates, dep = outcome(repo, tmp_path, {"setup.cfg": dev_extra}, "test-extra")
    assert (code, gates, dep["severity"]) == (0, {}, "warn"), "an extra named for tests is not runtime"


def test_the_same_pin_blocks_in_a_runtime_file_or_a_dev_file_it_includes(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    code, gates, dep = outcome(repo, tmp_path, {"requirements.txt": "attrs\nfuro==2024.8.6\n-r pinned.lst\n"},
                               "runtime-pin")
    assert (code, gates) == (1, {"dependencies": "block"}) and "new package 'furo'" in dep["message"]
    assert "declared in requirements.txt" in dep["message"]
    included = {"requirements/docs.txt": "sphinx==8.1\nfuro==2024.8.6\n",
                "requirements.txt": "attrs\n-r pinned.lst\n-r requirements/docs.txt\n"}
    code, gates, dep = outcome(repo, tmp_path, included, "included-docs")
    assert (code, gates) == (1, {"dependencies": "block"}), "a dev file a runtime file includes is runtime"
    evidence = " ".join(dep["evidence"])
    assert "new package 'furo'" in evidence and "new package 'sphinx'" in evidence
    code, gates, dep = outcome(repo, tmp_path, {"setup.py": SETUP.replace('["attrs"]', '["attrs", "sphinx"]')},
                               "dev-to-runtime")
    assert (code, gates) == (1, {"dependencies": "block"}), "a docs tool made a runtime dependency blocks"


def test_init_allowlist_and_the_gate_classify_alike(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory({
        "lib/__init__.py": "X = 1\n", "tests/test_lib.py": "def test_x():\n    assert 1\n",
        "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["attrs"]\n',
        "requirements.txt": "-r requirements/typing.txt\n",  # the runtime list pulls in a dev-named file
        "requirements/typing.txt": "typing-extensions\n",
        "requirements/tests.txt": "pytest\n", "requirements/dev.txt": "-r tests.txt\ntox\n",
    })
    proc = germinate(tmp_path / "user", "init", str(repo))
    assert proc.returncode == 0, proc.stderr
    policy = load_seed(repo / "seed.yaml").seed.quality_gates.security.dependency_policy
    assert policy.allowlisted_packages == ["attrs", "typing-extensions"], "runtime only, includes followed"
    git(repo, "add", "seed.yaml")
    git(repo, "commit", "-q", "-m", "seed")
    seed_args = ("--seed", str(repo / "seed.yaml"))
    # init keeps requirements/ and pyproject.toml outside write_paths (a person edits them): that
    # gate blocks each of these; the dependency gate's own verdict is what is checked here.
    _, gates, dep = outcome(repo, tmp_path, {"requirements/dev.txt": "-r tests.txt\ntox\nnox\n"}, "dev-tool",
                            *seed_args)
    assert ("dependencies" not in gates, dep["severity"]) == (True, "warn"), dep
    moved = {"pyproject.toml": '[project]\nname = "lib"\ndependencies = ["attrs", "typing-extensions"]\n'}
    _, gates, dep = outcome(repo, tmp_path, moved, "allowlisted", *seed_args)
    assert dep["passed"] and dep["message"] == "no new dependencies", dep
    _, gates, dep = outcome(repo, tmp_path, {"requirements/typing.txt": "typing-extensions\nrich\n"},
                            "runtime-via-include", *seed_args)
    assert gates["dependencies"] == "block" and "new package 'rich'" in dep["message"]


def test_includes_are_followed_as_pip_follows_them(repo_factory: Any, tmp_path: Path) -> None:
    repo = repo_factory({**FILES, "requirements-dev.txt": "pytest\n"})
    for branch, include in (("tab", "--requirement\trequirements-dev.txt\n"), ("continued", "-r \\\nrequirements-dev.txt\n")):
        code, gates, dep = outcome(repo, tmp_path, {"requirements.txt": f"attrs\n{include}",
                                                    "requirements-dev.txt": "pytest\nevilpkg\n"}, branch)
        assert (code, gates) == (1, {"dependencies": "block"}), (branch, dep)
        assert "evilpkg" in dep["message"] and "requirements-dev-txt" not in dep["message"], dep


def test_a_file_a_computed_setup_py_reads_is_held_to_the_allowlist(repo_factory: Any, tmp_path: Path) -> None:
    computed = ("from setuptools import setup\n\n"
                "setup(name='shop', long_description=open('README.txt').read(),\n"
                "      install_requires=open('deps.txt').read().split())\n")
    repo = repo_factory({**FILES, "setup.py": computed, "deps.txt": "attrs\n", "README.txt": "Shop.\n"})
    code, gates, dep = outcome(repo, tmp_path, {"deps.txt": "attrs\nevilpkg\n"}, "setup-reads")
    assert (code, gates) == (1, {"dependencies": "block"}) and "'evilpkg'" in dep["message"], dep
    assert outcome(repo, tmp_path, {"README.txt": "Shop.\nrequests\n"}, "readme")[:2] == (0, {})
