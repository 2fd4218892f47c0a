"""Version files a build writes from git reach the copy under test, computed on the host, never outside the copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from germinate.environments.generated import build_variables, materialise, scm_settings, scm_version
from germinate.environments.tree import export_commit
from tests.conftest import git, make_repo

HATCH_VCS = ('[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n'
             '[project]\nname = "lib"\ndynamic = ["version"]\n[tool.hatch.version]\nsource = "vcs"\n'
             '[tool.hatch.build.hooks.vcs]\nversion-file = "src/lib/_version.py"\n')
INIT = "from ._version import __version__, version_tuple\n"


def _repo(tmp_path: Path, pyproject: str, **files: str) -> Path:
    return make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "src/lib/__init__.py": INIT, **files})


def _commit(repo: Path, rel: str, text: str) -> str:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"edit {rel}")
    return git(repo, "rev-parse", "HEAD").strip()


def _import_version(tree: Path) -> str:
    code = "import lib; print(lib.__version__, lib.version_tuple)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tree / "src")})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_copy_of_a_tagged_commit_imports_the_tag_as_its_version(tmp_path: Path) -> None:
    repo = _repo(tmp_path, HATCH_VCS)
    git(repo, "tag", "v1.4.2")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    assert not (copy / ".git").exists()
    assert _import_version(copy) == "1.4.2 (1, 4, 2)"
    assert build_variables(repo, "HEAD", copy) == {"SETUPTOOLS_SCM_PRETEND_VERSION": "1.4.2"}


def test_a_commit_after_the_tag_gets_the_next_dev_version_with_its_hash(tmp_path: Path) -> None:
    repo = _repo(tmp_path, HATCH_VCS)
    git(repo, "tag", "v1.4.2")
    _commit(repo, "a.txt", "one")
    sha = _commit(repo, "a.txt", "two")
    copy = export_commit(repo, sha, tmp_path / "copy")
    short = git(repo, "rev-parse", "--short", sha).strip()
    assert _import_version(copy) == f"1.4.3.dev2+g{short} (1, 4, 3, 'dev2', 'g{short}')"


def test_no_tag_and_no_local_version_follow_setuptools_scm(tmp_path: Path) -> None:
    pyproject = ('[build-system]\nrequires = ["setuptools", "setuptools-scm"]\n[project]\nname = "lib"\n'
                 '[tool.setuptools_scm]\nversion_file = "src/lib/_version.py"\nlocal_scheme = "no-local-version"\n')
    repo = _repo(tmp_path, pyproject)
    _commit(repo, "a.txt", "one")
    settings = scm_settings(repo)
    assert settings is not None
    assert scm_version(repo, "HEAD", settings).version == "0.1.dev2"


def test_setup_py_write_to_with_a_template_is_rendered_without_running_setup_py(tmp_path: Path) -> None:
    setup = ('from setuptools import setup\nraise SystemExit("never run")\n'
             'setup(use_scm_version={"write_to": "src/lib/_version.py",\n'
             '      "write_to_template": "__version__ = \'{version}\'\\nversion_tuple = {version_tuple}\\n'
             '# {version.__class__} stays text\\n"})\n')
    repo = make_repo(tmp_path / "repo", {"setup.py": setup, "src/lib/__init__.py": INIT})
    git(repo, "tag", "2.0")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    text = (copy / "src/lib/_version.py").read_text()
    assert "__version__ = '2.0'" in text and "{version.__class__}" in text
    assert _import_version(copy) == "2.0 (2, 0)"


def test_a_committed_file_wins_and_a_project_without_git_versions_gets_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path, HATCH_VCS, **{"src/lib/_version.py": "__version__ = 'committed'\nversion_tuple = ()\n"})
    git(repo, "tag", "v3.0")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    assert _import_version(copy) == "committed ()"
    plain = make_repo(tmp_path / "plain", {"pyproject.toml": '[project]\nname = "p"\nversion = "1"\n'})
    assert scm_settings(plain) is None
    assert build_variables(plain, "HEAD", plain) == {}


def test_a_version_file_path_never_leads_out_of_the_copy(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    pyproject = ('[tool.setuptools_scm]\nversion_file = "../outside/_version.py"\n'
                 'write_to = "link/_version.py"\n[build-system]\nrequires = ["setuptools-scm"]\n')
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject})
    os.symlink(str(outside), repo / "link")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a link to a folder outside")
    copy = tmp_path / "copy"
    export_commit(repo, "HEAD", copy)
    assert list(outside.iterdir()) == []
    assert materialise(repo, "HEAD", copy) == []
    assert not (tmp_path / "_version.py").exists()


def test_a_malformed_configuration_is_no_crash(tmp_path: Path) -> None:
    pyproject = '[build-system]\nrequires = "hatch-vcs"\n[tool]\nhatch = 3\nsetuptools_scm = "yes"\n'
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject})
    settings = scm_settings(repo)
    assert settings is not None and settings.files == ()
    assert export_commit(repo, "HEAD", tmp_path / "copy").joinpath("pyproject.toml").is_file()


def test_a_template_that_hides_code_or_a_conftest_is_never_written(tmp_path: Path) -> None:
    # Code in a pyproject template would escape the static gates that read the diff's .py files.
    pyproject = ('[build-system]\nrequires = ["setuptools-scm"]\n[tool.setuptools_scm]\n'
                 'version_file = "src/lib/_version.py"\n'
                 "version_file_template = \"import os\\nos.system('touch /tmp/x')\\n__version__ = '{version}'\\n\"\n"
                 'write_to = "tests/conftest.py"\nwrite_to_template = "__version__ = \'{version}\'\\n"\n')
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "src/lib/__init__.py": "", "tests/x.txt": ""})
    git(repo, "tag", "1.0")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    assert not (copy / "src/lib/_version.py").exists() and not (copy / "tests/conftest.py").exists()
    assert materialise(repo, "HEAD", tmp_path / "copy") == []


UTF7_TEMPLATE = ("# coding: utf_7\\n__version__ = {version!r}  "
                 "#+AAo-import os+ADs-os.environ+AFs-+ACI-PWNED+ACI-+AF0-=+ACI-1+ACI-\\n")


def test_a_utf7_coding_line_cannot_hide_code_in_a_version_file(tmp_path: Path) -> None:
    # As text the payload is a comment; Python reads the file's bytes as UTF-7 and runs `import os; ...`.
    pyproject = ('[build-system]\nrequires = ["setuptools-scm"]\n[tool.setuptools_scm]\n'
                 f'version_file = "src/lib/_v.py"\nversion_file_template = "{UTF7_TEMPLATE}"\n')
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "src/lib/__init__.py": ""})
    git(repo, "tag", "1.0")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    assert not (copy / "src/lib/_v.py").exists()
    assert materialise(repo, "HEAD", copy) == []


def test_a_utf8_coding_line_still_gives_a_version_file(tmp_path: Path) -> None:
    template = "# -*- coding: utf-8 -*-\\n__version__ = {version!r}\\nversion_tuple = {version_tuple!r}\\n"
    pyproject = ('[build-system]\nrequires = ["setuptools-scm"]\n[tool.setuptools_scm]\n'
                 f'version_file = "src/lib/_version.py"\nversion_file_template = "{template}"\n')
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "src/lib/__init__.py": INIT})
    git(repo, "tag", "1.0")
    assert _import_version(export_commit(repo, "HEAD", tmp_path / "copy")) == "1.0 (1, 0)"


def test_a_txt_version_file_holds_the_version_and_never_replaces_a_requirements_file(tmp_path: Path) -> None:
    # The reviewer's payload: requirements-dev.txt removed from git, written back from a template pip reads.
    payload = "# {version}\\npytest\\nevilpkg-not-on-any-index\\n"
    pyproject = ('[build-system]\nrequires = ["setuptools-scm"]\n[tool.setuptools_scm]\n'
                 f'version_file = "requirements-dev.txt"\nversion_file_template = "{payload}"\n'
                 f'write_to = "VERSION.txt"\nwrite_to_template = "{payload}"\n')
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject})
    git(repo, "tag", "1.0")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    assert not (copy / "requirements-dev.txt").exists() and not (copy / "VERSION.txt").exists()
    # Even the bare version never goes to a file named like requirements or constraints.
    plain = ('[build-system]\nrequires = ["setuptools-scm"]\n[tool.setuptools_scm]\n'
             'version_file = "constraints.txt"\nwrite_to = "VERSION.txt"\n')
    other = make_repo(tmp_path / "other", {"pyproject.toml": plain})
    git(other, "tag", "2.1")
    copy = export_commit(other, "HEAD", tmp_path / "copy2")
    assert not (copy / "constraints.txt").exists()
    assert (copy / "VERSION.txt").read_text() == "2.1\n"


def test_a_version_file_the_seed_commands_name_is_never_written(tmp_path: Path) -> None:
    seed = "execution:\n  setup_command: python -m pip install -e . -r deps/dev.txt\n  test_command: pytest -q\n"
    pyproject = ('[build-system]\nrequires = ["setuptools-scm"]\n[tool.setuptools_scm]\n'
                 'version_file = "deps/dev.txt"\nwrite_to = "VERSION.txt"\n')
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "seed.yaml": seed, "deps/x": ""})
    git(repo, "tag", "1.0")
    copy = export_commit(repo, "HEAD", tmp_path / "copy")
    assert not (copy / "deps/dev.txt").exists()
    assert (copy / "VERSION.txt").read_text() == "1.0\n"
