"""A seed whose setup command cannot work, met the way a user meets it: ``germinate sense`` and
``germinate gate`` in subprocesses, a real venv build, pip's own words in what they print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli_user import germinate
from tests.integration.test_gate_cli import change

pytestmark = pytest.mark.slow
SEED = ("version: 1\nproject: {name: lib}\n"
        "execution:\n  setup_command: python -m pip install -r requirements/tests.txt\n")
FILES = {"seed.yaml": SEED, "lib.py": "def one():\n    return 1\n",
         "test_lib.py": "from lib import one\n\n\ndef test_one():\n    assert one() == 1\n"}
PIP_SAYS = "Could not open requirements file"


def test_a_broken_setup_command_is_named_with_pips_reason_and_blames_no_change(repo_factory: Any,
                                                                                 tmp_path: Path) -> None:
    repo = repo_factory(FILES)
    home = tmp_path / "user"
    sensed = germinate(home, "sense", str(repo))
    problems = sensed.stdout.split("problems", 1)[-1]
    assert "could not run the setup command" in problems and PIP_SAYS in problems, sensed.stdout

    head = change(repo, {"lib.py": "def one():\n    return 1\n\n\ndef two():\n    return 2\n"}, "two")
    gated = germinate(home, "gate", "--repo", str(repo), "--base", "main", "--head", head, "--json")
    assert gated.returncode == 3, gated.stdout + gated.stderr  # broken, not "blocked": the base fails the same way
    report = json.loads(gated.stdout)
    assert report["verdict"] == "error" and PIP_SAYS in report["error"]
    assert "cannot run at the base" in report["error"] and "execution.setup_command" in report["error"]
