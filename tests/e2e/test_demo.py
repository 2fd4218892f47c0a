"""The demo, end to end, against the session Prefect harness: the same code `make demo` runs.

Three cycles on a fresh copy of examples/target with the scripted model: one lands and raises
coverage, one is rejected by a gate (with the reason), one pauses for a person and is approved.
The outcomes are checked where a user would look: the target's git history and the store.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from examples.demo import APPROVER, DemoResult, run_demo
from germinate.store import AgentRunRow, ApprovalRow, DecisionRow, Store, WriteRow

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_demo(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One demo run (about 30 s), checked in the git history and in the store."""
    monkeypatch.setenv("GERMINATE_TARGET_VENV", sys.prefix)
    monkeypatch.setenv("GERMINATE_APPROVAL_POLL_SECONDS", "1")
    demo = run_demo(tmp_path / "work")
    check_outcomes_and_history(demo)
    check_store(demo)


def check_outcomes_and_history(demo: DemoResult) -> None:
    reports = {r.ticket.id: r for r in demo.reports}
    assert [r.decision.outcome for r in demo.reports] == ["merged", "rejected", "merged"]
    landed, rejected, approved = (reports["epic-units-tests"], reports["epic-live-rates"],
                                  reports["epic-power-operator"])
    assert landed.coverage_after > landed.coverage_before
    # the write went back as a fix round (max_fix_rounds: 1), still wrote under .github: rejected after it
    assert "write_paths" in rejected.decision.reason and ".github/workflows/rates.yml" in rejected.decision.reason
    assert "blocked by gate(s) still failing after 2 implementer rounds" in rejected.decision.reason
    assert not any(g.name == "tests_pass" for g in rejected.decision.gates)  # its code never ran
    assert approved.decision.approval_id is not None and len(demo.approved_runs) == 1
    assert all(r.tokens > 0 and r.cost_usd > 0 for r in demo.reports)

    repo = demo.repo
    log = git(repo, "log", "--format=%s", "main")
    assert "germinate: epic-units-tests: Test unit conversion" in log
    assert "germinate: epic-power-operator: Support the power operator" in log
    assert "live-rates" not in log
    tree = git(repo, "ls-tree", "-r", "--name-only", "main").split()
    assert "tests/test_units.py" in tree and "minicalc/rates.py" not in tree
    growth_log = git(repo, "show", "main:AUTOGEN_LOG.md")
    assert growth_log.count("\n## ") == 2 and "epic-power-operator" in growth_log
    assert "- [x] power-operator" in git(repo, "show", "main:docs/CAPABILITIES.md")
    # the user's checkout follows the default branch and stays clean
    assert git(repo, "status", "--porcelain").strip() == ""
    assert git(repo, "rev-parse", "HEAD") == git(repo, "rev-parse", "main")


def check_store(demo: DemoResult) -> None:
    store = Store.open(repo=demo.repo)
    with store.session() as s:
        decisions = {(d.ticket_id, d.outcome) for d in s.scalars(select(DecisionRow))}
        approvals = list(s.scalars(select(ApprovalRow)))
        merges = list(s.scalars(select(WriteRow).where(WriteRow.kind == "merge", WriteRow.allowed)))
        roles = {r.role for r in s.scalars(select(AgentRunRow))}
    assert ("epic-power-operator", "awaiting_human") in decisions
    assert ("epic-power-operator", "merged") in decisions
    assert ("epic-live-rates", "rejected") in decisions
    assert [(a.action, a.by) for a in approvals] == [("approve", APPROVER)]
    assert sorted(m.cycle_id.split("-")[1] for m in merges) == ["power", "units"]
    assert roles == {"architect", "tester", "implementer", "reviewer", "maintainer"}
