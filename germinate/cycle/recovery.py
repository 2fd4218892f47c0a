"""Recovery of a killed cycle: its Prefect flow runs end Crashed, not RUNNING forever.

A cycle is resumed only by the run that now holds its ticket's lease, so the flow run that
last worked on it (the cycle's row names it) is dead: if Prefect still shows it (or the grow
run it belonged to) in a non-final state, it is set to Crashed with the reason.
"""

from __future__ import annotations

import logging
from uuid import UUID

from germinate.store import CycleRow, Store

log = logging.getLogger(__name__)


def dead_flow_run(store: Store, cycle_id: str, current_flow_run_id: str) -> str | None:
    """The flow run a killed holder left on this cycle (None: a new cycle, or our own run)."""
    with store.session() as s:
        row = s.get(CycleRow, cycle_id)
    if row is None or row.status != "running" or not row.flow_run_id or row.flow_run_id == current_flow_run_id:
        return None
    return row.flow_run_id


def mark_crashed(flow_run_id: str, reason: str) -> list[str]:
    """Set the flow run, and the grow run it ran under, Crashed unless already final; their ids."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Crashed

    marked: list[str] = []
    with get_client(sync_client=True) as client:
        run_id: UUID | None = UUID(flow_run_id)
        while run_id is not None:
            try:
                run = client.read_flow_run(run_id)
            except ObjectNotFound:  # another Prefect API (or a cleared database): nothing to mark
                return marked
            if run.state is not None and not run.state.is_final():
                client.set_flow_run_state(run_id, Crashed(message=reason), force=True)
                marked.append(str(run_id))
            run_id = client.read_task_run(run.parent_task_run_id).flow_run_id if run.parent_task_run_id else None
    return marked
