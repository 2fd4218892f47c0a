"""Bad input ends a cycle in a named outcome with its reason; nothing half-applied lands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from examples.demo import TRANSCRIPT, make_target

pytestmark = [pytest.mark.slow, pytest.mark.prefect]
TICKET = "epic-units-tests"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def target(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from germinate.llm.transcript import reset

    reset(TRANSCRIPT)
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    return make_target(tmp_path / "minicalc")


def cycle(repo: Path):
    from flows.growth_cycle import growth_cycle

    return growth_cycle(repo=str(repo), ticket_id=TICKET)


def test_a_budget_exhausted_before_planning_defers_the_cycle(target: Path) -> None:
    seed = target / "seed.yaml"
    seed.write_text(seed.read_text().replace("per_cycle: {dollars: 0.5, tokens: 100000", "per_cycle: {dollars: 0.5, tokens: 50"))
    git(target, "commit", "-qam", "tiny budget")
    report = cycle(target)
    assert report.decision.outcome == "deferred" and "BudgetExceeded" in report.decision.reason
    assert git(target, "log", "--format=%s", "main").count("\n") == 2  # nothing landed


def test_the_committed_seed_steers_not_the_working_tree(target: Path) -> None:
    seed = target / "seed.yaml"
    roomy = seed.read_text()
    seed.write_text(roomy.replace("per_cycle: {dollars: 0.5, tokens: 100000", "per_cycle: {dollars: 0.5, tokens: 50"))
    git(target, "commit", "-qam", "tiny budget")
    seed.write_text(roomy)  # an uncommitted edit: steers nothing until it is committed
    report = cycle(target)
    assert report.decision.outcome == "deferred" and "BudgetExceeded" in report.decision.reason


def test_a_model_that_proposes_no_edit_ends_no_op(target: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = yaml.safe_load(TRANSCRIPT.read_text())
    data["responses"]["tester"] = [{"content": "I would rather not.", "repeat": True}]
    data["responses"]["implementer"] = [{"content": "Nothing to change here.", "repeat": True}]
    transcript = tmp_path / "prose.yaml"
    transcript.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("GERMINATE_MODEL", f"scripted/{transcript}")
    report = cycle(target)
    assert report.decision.outcome == "no_op" and "Nothing to change here" in report.decision.reason
    assert git(target, "log", "--format=%s", "main").count("\n") == 1


def test_a_dirty_checkout_defers_landing_and_keeps_the_users_edit(target: Path) -> None:
    (target / "README.md").write_text("my unsaved notes\n")
    report = cycle(target)
    assert report.decision.outcome == "deferred" and "could not land" in report.decision.reason
    assert (target / "README.md").read_text() == "my unsaved notes\n"
    assert git(target, "log", "--format=%s", "main").count("\n") == 1  # main did not move
    assert git(target, "branch", "--list", f"germinate/{TICKET}").strip()  # the branch is kept
