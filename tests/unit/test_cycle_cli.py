"""The cycle's commands: run, approve, status, deploy (the parts that need no running flow)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

# Imported at collection, not inside a test: Prefect binds its console log handler to the
# sys.stderr of the moment, and a capsys stream is closed when its test ends.
import flows.checkpoint  # noqa: F401
from germinate.cli import main
from germinate.cli.approve import answer
from germinate.cycle.records import record_decision, set_cycle_outcome, start_cycle
from germinate.errors import ConfigError
from germinate.models import Decision, Ticket
from germinate.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "target"


def approve_args(**kw: object) -> argparse.Namespace:
    base = {"reject": False, "request_changes": False, "comment": "", "by": "ada"}
    return argparse.Namespace(**{**base, **kw})


def test_approve_builds_the_form_input_and_refuses_bad_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert answer(approve_args()) == {"action": "approve", "comment": "", "by": "ada"}
    assert answer(approve_args(reject=True, comment="no"))["action"] == "reject"
    with pytest.raises(ConfigError, match="needs --comment"):
        answer(approve_args(request_changes=True))
    assert main(["approve", "not-a-run-id"]) == 1
    assert "is not a flow run id" in capsys.readouterr().err


def test_run_refuses_a_repository_without_a_seed(tmp_path: Path, repo_factory,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path)]) == 1
    assert "is not inside a git repository" in capsys.readouterr().err
    repo = repo_factory({"pkg/__init__.py": ""})
    assert main(["run", str(repo / "pkg")]) == 1  # from a sub-folder: the repository is meant
    err = capsys.readouterr().err
    assert "no seed file here" in err and f"germinate init {repo}" in err


def test_status_lists_cycles_pending_approvals_and_spend(repo_factory, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory({"seed.yaml": (EXAMPLE / "seed.yaml").read_text()})
    store = Store.open(repo=repo)
    ticket = Ticket(id="epic-power-operator", title="Power", kind="epic", source="seed")
    start_cycle(store, cycle_id="epic-power-operator-abc", project="minicalc", ticket=ticket,
                flow_run_id="0182f5f4-1492-4f31-b0d1-2a36e2aebe14", base_sha="a" * 40,
                branch="germinate/epic-power-operator", seed_hash="s")
    record_decision(store, Decision(cycle_id="epic-power-operator-abc", ticket_id=ticket.id,
                                    outcome="awaiting_human", reason="needs a human: approval"))
    set_cycle_outcome(store, "epic-power-operator-abc", "awaiting_human", "needs a human: approval")
    assert main(["status", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "epic-power-operator" in out and "awaiting_human" in out
    assert "germinate approve 0182f5f4-1492-4f31-b0d1-2a36e2aebe14" in out
    assert "of 500000 tokens" in out and "$2.0" in out


def test_deploy_lists_the_three_deployments_with_the_seed_schedule(
    repo_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repo_factory({"seed.yaml": (EXAMPLE / "seed.yaml").read_text()})
    assert main(["deploy", str(repo), "--list"]) == 0
    out = capsys.readouterr().out
    assert "growth-cycle/on-demand\n  schedule:   on demand only" in out
    assert "grow/scheduled\n  schedule:   cron '0 */6 * * *' (UTC)" in out
    assert "timedelta" not in out and "DateTime(" not in out
    assert "intake/poll" in out and str(repo) in out
