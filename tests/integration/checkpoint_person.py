"""A person answering a cycle's checkpoints: a background thread that watches the Prefect API
for the ticket's paused flow run and resumes it with a typed answer through
``resume_flow_run``, exactly as ``germinate approve`` does."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from germinate.store import ApprovalRow, Store

# (client, paused flow run) -> the run input to resume it with, or None to leave it paused
Answer = Callable[[Any, Any], "dict[str, str] | None"]


def in_turn(answers: list[dict[str, str]]) -> Answer:
    """Answer each pause with the next of ``answers``; once they run out, answer no more."""
    return lambda _client, _run: answers.pop(0) if answers else None


def answer_pauses(ticket: str, answer: Answer, stop: threading.Event) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run

    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    while not stop.wait(0.3):
        with get_client(sync_client=True) as client:
            runs = [r for r in client.read_flow_runs(flow_run_filter=paused) if r.name.endswith(ticket)]
            if not (runs and runs[0].state and runs[0].state.state_details.run_input_keyset):
                continue
            run_input = answer(client, runs[0])
        if run_input is not None:
            resume_flow_run(runs[0].id, run_input=run_input)


def cycle_with_person(repo: Path, ticket: str, answer: Answer) -> Any:
    """Run the ticket's growth cycle in this thread while the person answers its pauses; its report."""
    from flows.growth_cycle import growth_cycle

    stop = threading.Event()
    person = threading.Thread(target=contextvars.copy_context().run, args=(answer_pauses, ticket, answer, stop),
                              daemon=True)
    person.start()
    try:
        return growth_cycle(repo=str(repo), ticket_id=ticket)
    finally:
        stop.set()
        person.join(timeout=10)


def approvals(repo: Path) -> list[tuple[str, str]]:
    """(action, comment) of every answer on record for the target, oldest first."""
    with Store.open(repo=repo).session() as s:
        return [(a.action, a.comment) for a in s.scalars(select(ApprovalRow).order_by(ApprovalRow.id))]
