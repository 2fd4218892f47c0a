"""Intake: forge tickets -> store tickets -> cycles started once; and the Prefect ``intake`` flow."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from germinate.forge.local import LocalForge
from germinate.intake import intake, store_tickets
from germinate.models import Ticket
from germinate.seed import Seed
from germinate.store import Store, TicketRow


@pytest.fixture
def local(repo_factory) -> tuple[Path, Seed, Store, LocalForge]:  # type: ignore[no-untyped-def]
    repo = repo_factory({"pkg/__init__.py": ""}, name="widget")
    seed = Seed.model_validate({"project": {"name": "widget"}})
    store = Store.open(repo=repo)
    return repo, seed, store, LocalForge(repo, seed, store)


class Starter:
    def __init__(self, fail: bool = False):
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def __call__(self, repo: str, ticket_id: str) -> str:
        if self.fail:
            raise RuntimeError("Prefect API unreachable")
        self.calls.append((repo, ticket_id))
        return f"run-{len(self.calls)}"


def test_new_tickets_start_once_without_duplicates(local) -> None:  # type: ignore[no-untyped-def]
    repo, seed, store, forge = local
    forge.create_ticket("Add X", labels=["ai-task"])
    forge.create_ticket("Fix Y", labels=["ai-task", "bug"], kind="bug")
    start = Starter()
    first = intake(store, "widget", seed, forge.list_tickets(["ai-task"]), repo=str(repo), start=start)
    assert first.new == ["local-1", "local-2"] and [t for _, t in start.calls] == ["local-2", "local-1"]  # bug first
    second = intake(store, "widget", seed, forge.list_tickets(["ai-task"]), repo=str(repo), start=start)
    assert second.new == [] and second.started == {} and len(start.calls) == 2
    with store.session() as s:
        assert len(s.scalars(select(TicketRow)).all()) == 2


def test_red_mode_holds_non_fix_work_until_lifted(local) -> None:  # type: ignore[no-untyped-def]
    repo, seed, store, forge = local
    forge.create_ticket("Add X", labels=["ai-task"])
    start = Starter()
    held = intake(store, "widget", seed, forge.list_tickets(), repo=str(repo), repo_labels=["red-mode"], start=start)
    assert held.waiting == {"local-1": "red-mode: only fix work starts"} and start.calls == []
    later = intake(store, "widget", seed, forge.list_tickets(), repo=str(repo), start=start)
    assert later.started == {"local-1": "run-1"}


def test_failed_start_is_released_for_the_next_poll(local) -> None:  # type: ignore[no-untyped-def]
    repo, seed, store, forge = local
    forge.create_ticket("Add X", labels=["ai-task"])
    with pytest.raises(RuntimeError):
        intake(store, "widget", seed, forge.list_tickets(), repo=str(repo), start=Starter(fail=True))
    start = Starter()
    assert intake(store, "widget", seed, forge.list_tickets(), repo=str(repo), start=start).started == {"local-1": "run-1"}


def test_deferred_ticket_restarts_only_when_relabelled(local) -> None:  # type: ignore[no-untyped-def]
    repo, seed, store, forge = local
    ticket = forge.create_ticket("Add X", labels=["ai-task"])
    start = Starter()
    intake(store, "widget", seed, [ticket], repo=str(repo), start=start)
    with store.session() as s:
        s.scalars(select(TicketRow)).one().status = "deferred"
    intake(store, "widget", seed, [ticket], repo=str(repo), start=start)
    assert len(start.calls) == 1
    relabelled = ticket.model_copy(update={"labels": ["ai-task", "urgent"]})
    result = intake(store, "widget", seed, [relabelled], repo=str(repo), start=start)
    assert result.relabelled == ["local-1"] and len(start.calls) == 2


def test_store_only_tickets_are_listed(local) -> None:  # type: ignore[no-untyped-def]
    repo, seed, store, _ = local
    fix = Ticket(id="ci-red-abc", title="Fix CI", kind="regression", source="webhook", labels=["bug"])
    intake(store, "widget", seed, [fix], repo=str(repo), start=Starter())
    assert [t.id for t in store_tickets(store, "widget")] == ["ci-red-abc"]


@pytest.mark.prefect
@pytest.mark.slow
def test_intake_flow_starts_deployment_runs_once(prefect_harness, repo_factory) -> None:  # type: ignore[no-untyped-def]
    from prefect import flow
    from prefect.client.orchestration import get_client

    from flows.intake import intake_flow

    @flow(name="cycle-stand-in")
    def stand_in(repo: str, ticket_id: str | None = None) -> None:
        return None

    deployment_id = stand_in.to_deployment(name="intake-test").apply()
    repo = repo_factory({"seed.yaml": "version: 1\nproject:\n  name: widget\n"}, name="widget")
    seed = Seed.model_validate({"project": {"name": "widget"}})
    store = Store.open(repo=repo)
    LocalForge(repo, seed, store).create_ticket("Add X", labels=["ai-task"])
    first = intake_flow(repo=str(repo), deployment="cycle-stand-in/intake-test")
    second = intake_flow(repo=str(repo), deployment="cycle-stand-in/intake-test")
    assert list(first["started"]) == ["local-1"] and second["started"] == {}

    async def runs() -> list:  # type: ignore[type-arg]
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

        async with get_client() as client:
            return await client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))

    import asyncio

    created = asyncio.run(runs())
    assert [r.parameters for r in created] == [{"repo": str(repo.resolve()), "ticket_id": "local-1"}]


def test_concurrent_polls_start_each_ticket_once(local) -> None:  # type: ignore[no-untyped-def]
    import threading

    repo, seed, _, forge = local
    for i in range(5):
        forge.create_ticket(f"ticket {i}", labels=["ai-task"])
    tickets = forge.list_tickets()
    start = Starter()
    lock = threading.Lock()

    def locked_start(r: str, t: str) -> str:
        with lock:
            return start(r, t)

    def poll() -> None:
        store = Store.open(repo=repo)  # each poller its own connection pool, as separate workers would
        intake(store, "widget", seed, tickets, repo=str(repo), start=locked_start)
        store.close()

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t for _, t in start.calls) == [f"local-{i}" for i in range(1, 6)]
