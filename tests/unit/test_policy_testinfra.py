"""Which files the seed's commands run: the test-infrastructure gate's reading of a shell command."""

from __future__ import annotations

import pytest

from germinate.policy.testinfra import command_files


@pytest.mark.parametrize(("command", "files", "make"), [
    ("make test", set(), True),
    ("python -m pytest -q tests/test_calc.py", set(), False),  # a test given to pytest is a test
    ("./run_tests.sh -v", {"run_tests.sh"}, False),
    ("FOO=1 bash ci/test.sh", {"ci/test.sh"}, False),
    ("pip install -e .[test] && python scripts/setup_db.py", {"scripts/setup_db.py"}, False),
    ("python -m pytest -c ci/pytest.ini", {"ci/pytest.ini"}, False),
    ('bash -c "make -f tests.mk check"', {"tests.mk"}, True),
    ("coverage run -m pytest", set(), False),
    ("tox -e py311", set(), False),
    ("", set(), False),
])
def test_files_a_command_runs(command: str, files: set[str], make: bool) -> None:
    assert command_files(command) == (files, make)
