"""A write outside the seed's write paths is a slip the implementer may fix, never a reason to run it.

Each test runs ``germinate run REPO --ticket ...`` as a user does (a subprocess, a clean
environment, a fresh ``GERMINATE_HOME``, the session's Prefect API) with the scripted model. The
seed runs target code with ``execution.sandbox: local``, so a test of the candidate that ran
would leave its marker file where this test looks: the marker's absence proves that none of
the blocked candidate's code was installed or run (in a sandbox it could not write there).
The transcript's ``match`` on the fix round's prompt proves the evidence reached the model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.scripted_cycle import (
    ADD_FUNCTION,
    add_test,
    decision_of,
    germinate_run,
    git,
    setup_repo,
)

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
OUTSIDE = '''scripts/count.py
<<<<<<< SEARCH
=======
"""Count the tokens of each argument."""
>>>>>>> REPLACE
'''
STILL_OUTSIDE = '''scripts/count.py
<<<<<<< SEARCH
"""Count the tokens of each argument."""
=======
"""Count the tokens of each argument (kept here: the model did not listen)."""
>>>>>>> REPLACE
'''
# What the fix round's prompt must hold: the gate, what to do, the file and the seed's globs.
EVIDENCE = (r"write_paths: writes outside what the seed allows(.|\n)*What to do: Leave the file(.|\n)*"
            r"scripts/count\.py: outside automation_contract\.ai_access\.write_paths \(minicalc/\*\*, tests/\*\*")


def test_a_write_outside_the_write_paths_fixed_in_the_next_round_lands(prefect_harness: None,
                                                                      tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    repo = setup_repo(tmp_path, [
        {"match": EVIDENCE, "content": "scripts/count.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n"},
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE},
    ])

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "merged", reason
    assert roles.count("implementer") == 2 and "reviewer" in roles
    assert "count_tokens" in git(repo, "show", "main:minicalc/tokenizer.py")
    assert "scripts/count.py" not in git(repo, "ls-tree", "-r", "--name-only", "main")
    assert marker.exists()  # the fixed candidate's tests ran: the marker does show a run


def test_a_write_that_stays_outside_is_rejected_after_the_rounds_without_running(prefect_harness: None,
                                                                                tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    repo = setup_repo(tmp_path, [
        {"match": EVIDENCE, "content": STILL_OUTSIDE},
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE},
    ])
    main_before = git(repo, "rev-parse", "main")

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "rejected", reason
    assert "write_paths: writes outside what the seed allows: scripts/count.py" in reason
    assert "blocked by gate(s) still failing after 2 implementer rounds" in reason
    assert "rejected" in proc.stdout
    assert roles.count("implementer") == 2 and "reviewer" not in roles
    assert not marker.exists(), "a test of the blocked candidate ran"
    assert git(repo, "rev-parse", "main") == main_before


def test_a_secret_in_the_fix_round_still_ends_the_candidate_at_once(prefect_harness: None,
                                                                   tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    leak = 'minicalc/keys.py\n<<<<<<< SEARCH\n=======\nGITHUB = "ghp_' + "a1B2" * 9 + '"\n>>>>>>> REPLACE\n'
    repo = setup_repo(tmp_path, [
        {"match": EVIDENCE, "content": "scripts/count.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n\n" + leak},
        {"match": "secrets", "content": "minicalc/keys.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n"},  # never asked
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE},
    ], max_fix_rounds=3)

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "rejected" and "secrets" in reason, reason
    assert "write_paths" not in reason  # the fix round did move the code back inside
    assert roles.count("implementer") == 2 and "reviewer" not in roles  # rounds were left; none was given
    assert not marker.exists(), "a test of the candidate with a secret ran"


def test_a_secret_next_to_a_fixable_write_gets_no_fix_round(prefect_harness: None, tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    leak = 'minicalc/keys.py\n<<<<<<< SEARCH\n=======\nGITHUB = "ghp_' + "a1B2" * 9 + '"\n>>>>>>> REPLACE\n'
    repo = setup_repo(tmp_path, [
        {"match": "secrets|write_paths", "content": "minicalc/keys.py\n<<<<<<< DELETE\n>>>>>>> DELETE\n"},
        {"content": ADD_FUNCTION + "\n" + add_test(marker) + "\n" + OUTSIDE + "\n" + leak},
    ], max_fix_rounds=3)

    proc = germinate_run(repo, tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome, reason, roles = decision_of(repo)
    assert outcome == "rejected" and "secrets" in reason and "write_paths" in reason, reason
    assert roles.count("implementer") == 1 and "reviewer" not in roles
    assert not marker.exists(), "a test of the candidate with a secret ran"
