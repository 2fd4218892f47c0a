"""A new user's whole path through the real ``germinate`` CLI, on a project shaped like real ones.

The project is built here: a src/ layout, test dependencies in ``requirements/tests.txt``, a
version file its build (hatch-vcs) writes from git and that is never committed, and a tag. The
path is the one ``tests/benchmarks/bench_newuser.py`` walks on real projects: ``init`` (seed
committed untouched), ``validate``, ``sense``, ``gate`` on a past human commit, ``ticket new``,
``run --approve human`` with the scripted model, ``approve``, ``land``. Offline: the target
venv is Germinate's own (``GERMINATE_TARGET_VENV``), so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from germinate.environments.bwrap import probe
from tests.benchmarks.bench_newuser import Project, git, walk_project
from tests.conftest import PrefectServer, make_repo
from tests.integration.cli_user import shared_venv

pytestmark = [pytest.mark.slow, pytest.mark.prefect,
              pytest.mark.skipif(bool(probe()), reason=f"bubblewrap cannot run here: {probe()}")]
PROJECT = Project(mirror="", module="src/wordcount/counting.py", package="wordcount.counting", tests="tests")
FILES = {
    "pyproject.toml": '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n\n'
                      '[project]\nname = "wordcount"\ndynamic = ["version"]\nrequires-python = ">=3.10"\n\n'
                      '[tool.hatch.version]\nsource = "vcs"\n\n'
                      '[tool.hatch.build.hooks.vcs]\nversion-file = "src/wordcount/_version.py"\n\n'
                      '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    ".gitignore": "src/wordcount/_version.py\n__pycache__/\n",
    "requirements/tests.txt": "pytest\ncoverage\n",
    "src/wordcount/__init__.py": '"""Count words."""\n\nfrom wordcount._version import __version__\n'
                                 'from wordcount.counting import count_words\n\n'
                                 '__all__ = ["__version__", "count_words"]\n',
    "src/wordcount/counting.py": '"""Counting words in text."""\n\n\ndef count_words(text: str) -> int:\n'
                                 '    """How many whitespace-separated words ``text`` holds."""\n'
                                 '    return len(text.split())\n',
    "tests/test_counting.py": 'import wordcount\nfrom wordcount.counting import count_words\n\n\n'
                              'def test_count_words():\n    assert count_words("a b  c") == 3\n\n\n'
                              'def test_the_version_comes_from_git():\n'
                              '    assert wordcount.__version__.startswith("1.2.1.dev")\n',
}
LONGEST = ('\n\ndef longest_word(text: str) -> str:\n    """The longest word of ``text`` (the first of equals)."""\n'
           '    return max(text.split(), key=len, default="")\n')
TEST_LONGEST = ('\n\ndef test_longest_word():\n    from wordcount.counting import longest_word\n\n'
                '    assert longest_word("a bcd ef") == "bcd"\n')


def project_with_history(path: Path) -> Path:
    """Tagged v1.2.0, then one human commit that adds a function and its test."""
    repo = make_repo(path, FILES, message="wordcount 1.2.0")
    git(repo, "tag", "v1.2.0")
    (repo / "src/wordcount/counting.py").write_text(FILES["src/wordcount/counting.py"] + LONGEST)
    (repo / "tests/test_counting.py").write_text(FILES["tests/test_counting.py"] + TEST_LONGEST)
    git(repo, "commit", "-qam", "Add longest_word")
    return repo


def test_a_new_user_lands_a_change_on_a_realistic_project(prefect_server: PrefectServer, tmp_path: Path) -> None:
    source = project_with_history(tmp_path / "origin")
    walk = walk_project("wordcount", PROJECT, source, tmp_path / "work", prefect_server.api_url, bare=False,
                        extra_env=shared_venv())
    steps = walk.steps
    assert {name: code for name, (code, _) in steps.items()} == {
        "init": 0, "validate": 0, "sense": 0, "gate": 0, "ticket": 0, "approve": 0, "run": 0, "land": 0,
        "sense after": 0}, steps
    assert steps["init"][1] == "setup_command: python -m pip install -e . -r requirements/tests.txt"
    # the version file is generated, never committed: the tests import it, with the version git describes
    assert steps["sense"][1].startswith("green: 3 passed, 0 failed, 0 errors"), steps["sense"]
    assert steps["gate"][1].endswith(": pass"), steps["gate"]
    assert steps["run"][1] == "local-1: pr_opened (approved by ada)", steps["run"]
    assert steps["sense after"][1].startswith("green: 5 passed, 0 failed"), steps["sense after"]
    repo = tmp_path / "work" / "wordcount"
    assert walk.landed["tree"].startswith("tested tree") and walk.landed["checkout"] == "clean", walk.landed
    assert "def clamp_to_range" in git(repo, "show", "main:src/wordcount/counting.py")
    assert "local-1" in git(repo, "show", "main:AUTOGEN_LOG.md")
    assert "_version.py" not in git(repo, "ls-tree", "-r", "--name-only", "main")
    assert git(repo, "log", "-1", "--format=%s", "main^1") == "Add the Germinate seed"  # one merge onto the seed
    assert yaml.safe_load(git(repo, "show", "main:seed.yaml"))["execution"]["setup_command"] == \
        "python -m pip install -e . -r requirements/tests.txt"  # the seed init wrote, unedited
