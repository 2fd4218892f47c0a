"""Plan priorities: regressions > bugs > forge tickets > roadmap epics > improvements."""

from __future__ import annotations

from germinate import models as m
from germinate.cycle.select import select_tickets
from germinate.models import ComplexityReport, CoverageReport, GitState, Snapshot, Ticket
from germinate.seed import Seed

SEED = Seed.model_validate({
    "project": {"name": "p"},
    "growth_objectives": {"roadmap_epics": [
        {"id": "low", "title": "Low", "priority": 1},
        {"id": "high", "title": "High", "priority": 5, "modules": ["pkg/a.py"]},
    ]},
})


def snapshot(health: str = "green", failing: bool = False) -> Snapshot:
    cases = [m.TestCase(id="tests/test_a.py::test_x", outcome="failed", message="boom")] if failing else []
    return Snapshot(
        repo="/r", commit="a" * 40, seed_hash="s", health=health,  # type: ignore[arg-type]
        tests=m.TestRun(command="pytest", status="failed" if failing else "ok", failed=int(failing), cases=cases),
        coverage=CoverageReport(available=True, total=0.5), complexity=ComplexityReport(),
        git=GitState(sha="a" * 40),
        candidates=[Ticket(id="scout-cov-a", title="Cover a", kind="improvement", source="scout")],
    )


def forge_tickets() -> list[Ticket]:
    return [Ticket(id="local-1", title="Feature"), Ticket(id="local-2", title="Crash", labels=["bug"])]


def test_priority_order_and_epic_priority_within_kind() -> None:
    queue = select_tickets(snapshot(), SEED, forge_tickets=forge_tickets()).queue
    assert [t.id for t in queue] == ["local-2", "local-1", "epic-high", "epic-low", "scout-cov-a"]
    assert queue[0].kind == "bug"
    assert queue[2].scope == ["pkg/a.py"] and queue[2].source == "seed"


def test_red_mode_queues_only_fix_work_with_the_regression_first() -> None:
    selection = select_tickets(snapshot("red", failing=True), SEED, forge_tickets=forge_tickets())
    assert selection.red_mode
    assert [t.kind for t in selection.queue] == ["regression", "bug"]
    assert "test_x" in selection.queue[0].body
    assert "red-mode" in selection.skipped["epic-high"]


def test_red_mode_label_on_the_repository_counts_too() -> None:
    selection = select_tickets(snapshot(), SEED, repo_labels=["red-mode"])
    assert selection.red_mode and selection.queue == []
    assert "nothing worth doing" in selection.reason


def test_settled_tickets_are_skipped_unless_asked_for_by_id() -> None:
    statuses = {"epic-high": "done", "epic-low": "rejected", "scout-cov-a": "deferred"}
    selection = select_tickets(snapshot(), SEED, statuses=statuses)
    assert [t.id for t in selection.queue] == []
    assert selection.skipped["epic-high"] == "already done"
    assert [t.id for t in select_tickets(snapshot(), SEED, statuses=statuses, only="epic-low").queue] == ["epic-low"]


def test_unknown_ticket_id_says_which_exist() -> None:
    selection = select_tickets(snapshot(), SEED, only="nope")
    assert selection.queue == [] and "epic-high" in selection.reason


def test_a_ticket_intake_queued_waits_for_its_own_cycle() -> None:
    statuses = {"local-1": "queued"}
    selection = select_tickets(snapshot(), SEED, forge_tickets=forge_tickets(), statuses=statuses)
    assert "local-1" not in [t.id for t in selection.queue]
    assert selection.skipped["local-1"] == "already queued"
    own = select_tickets(snapshot(), SEED, forge_tickets=forge_tickets(), statuses=statuses, only="local-1")
    assert [t.id for t in own.queue] == ["local-1"]
