"""Serve Germinate's deployments from this process (``germinate deploy``, or run this file).

- ``growth-cycle/on-demand``: one cycle, started from the UI, ``prefect deployment run`` or the
  intake flow;
- ``grow/scheduled``: cycles until the energy budget is spent, on the seed's ``schedule.cron``;
- ``intake/poll``: forge tickets -> growth cycles, every few minutes (flows/intake.py).

Each is runnable from the UI ("Run" on the deployment, a form built from the typed
parameters) and by ``prefect deployment run 'grow/scheduled' --param repo=/path/to/repo``.
For workers on other machines use ``deployments/prefect.yaml`` with a process work pool.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from germinate.seed import find_seed, load_seed

INTAKE_INTERVAL = timedelta(minutes=5)


def build_deployments(repo: str | None = None, *, intake_every: timedelta = INTAKE_INTERVAL) -> list[Any]:
    """The runner deployments; with ``repo`` its path is the default parameter and its seed's cron schedules grow."""
    from flows.grow import grow
    from flows.growth_cycle import growth_cycle

    params: dict[str, Any] = {"repo": str(Path(repo).resolve())} if repo else {}
    from prefect.schedules import Cron

    cron, timezone = None, "UTC"
    if repo:
        schedule = load_seed(find_seed(repo)).seed.schedule
        cron, timezone = schedule.cron, schedule.timezone
    grow_schedule = Cron(cron, timezone=timezone) if cron else None
    tags = ["germinate"]
    deployments = [
        growth_cycle.to_deployment(name="on-demand", parameters=params, tags=tags,
                                   description="One growth cycle on a ticket (or the next one)."),
        grow.to_deployment(name="scheduled", parameters=params, tags=tags,
                           schedule=grow_schedule,
                           description="Growth cycles until the energy budget is spent"
                           + (f"; schedule {cron} ({timezone})" if cron else "; no schedule in the seed")),
    ]
    try:
        from flows.intake import intake_flow
    except ImportError:  # the intake flow ships with the forge area; serve the rest without it
        return deployments
    deployments.append(intake_flow.to_deployment(name="poll", parameters=params, tags=tags,
                                                 interval=intake_every if repo else None,
                                                 description="Forge tickets -> growth cycles."))
    return deployments


def serve_all(repo: str | None = None) -> None:
    """Register the deployments and run them from this process until Ctrl-C."""
    from prefect import serve

    serve(*build_deployments(repo))


if __name__ == "__main__":
    serve_all(sys.argv[1] if len(sys.argv) > 1 else None)
