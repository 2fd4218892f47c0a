"""The editing loop's bounds are seed keys: ``models.max_tool_turns`` and ``models.max_continuations``.

Driven as a user drives them: ``germinate validate`` refuses a bad value with its file:line, and
``germinate run`` (a subprocess, clean environment, the scripted model) obeys the seed's tool-turn
bound: a model that keeps asking for tools is told to edit after the seed's one turn, not six.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from examples.demo import TARGET
from tests.integration.cli_user import germinate
from tests.integration.scripted_cycle import (
    ADD_FUNCTION,
    add_test,
    decision_of,
    germinate_run,
    git,
    setup_repo,
)


def test_bad_bounds_are_refused_with_file_and_line(tmp_path: Path) -> None:
    repo = tmp_path / "target"
    repo.mkdir()
    seed = (TARGET / "seed.yaml").read_text()
    assert "\nmodels:\n" in seed
    (repo / "seed.yaml").write_text(seed.replace("\nmodels:\n", "\nmodels:\n  max_tool_turns: -1\n"
                                                 "  max_continuations: lots\n"))
    line = (repo / "seed.yaml").read_text().splitlines().index("  max_tool_turns: -1") + 1

    proc = germinate(tmp_path / "home", "validate", str(repo))

    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert f"seed.yaml:{line}:3: models.max_tool_turns: Input should be greater than or equal to 0" in out
    assert f"seed.yaml:{line + 1}:3: models.max_continuations: Input should be a valid integer" in out
    assert "docs/seed-reference.md" in out  # where to look for the fix


@pytest.mark.slow
@pytest.mark.prefect
def test_a_model_asking_for_more_tool_turns_than_the_seed_allows_is_told_to_edit(
        prefect_harness: None, tmp_path: Path) -> None:
    ask = {"content": 'TOOL search {"pattern": "def tokenize"}', "repeat": True}
    edit = {"match": "You have used all 1 tool turns: reply with edit blocks now",
            "content": ADD_FUNCTION + "\n" + add_test(tmp_path / "ran.txt")}
    repo = setup_repo(tmp_path, [edit, ask], models={"max_tool_turns": 1})

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "merged", reason
    assert "count_tokens" in git(repo, "show", "main:minicalc/tokenizer.py")
    # one tool turn answered, one refused, then the edit: three implementer calls, each ledgered
    assert roles.count("implementer") == 3, roles


def test_the_defaults_are_the_documented_ones() -> None:
    out = subprocess.run([sys.executable, "-m", "germinate.seed.reference"], capture_output=True, text=True,
                         check=True).stdout
    assert "| `models.max_tool_turns` | integer, 0..50 | `6` |" in out
    assert "| `models.max_continuations` | integer, 0..20 | `3` |" in out
    assert out == (Path(__file__).resolve().parents[2] / "docs" / "seed-reference.md").read_text()
