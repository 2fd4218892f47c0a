"""``germinate deploy [REPO]``: serve the deployments (on-demand cycle, scheduled grow, intake poll)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deploy",
        help="serve the deployments: growth-cycle/on-demand, grow/scheduled, intake/poll",
        description="Register Germinate's deployments with the Prefect API (PREFECT_API_URL, or "
        "Germinate's server, started if needed) and serve them from this process until Ctrl-C: "
        "'growth-cycle/on-demand', 'grow/scheduled' (the seed's schedule.cron) and 'intake/poll'. "
        "With REPO, its path is the default 'repo' parameter and its seed's cron schedules "
        "'grow/scheduled'. Run them from the UI or, in a shell with PREFECT_API_URL exported (this "
        "command prints the line), with \"prefect deployment run 'grow/scheduled' --param repo=/path\". "
        "For workers elsewhere see docs/operations.md (work pools).",
    )
    p.add_argument("repo", nargs="?", default=None, help="target repository (default: none; pass repo per run)")
    p.add_argument("--list", action="store_true", help="print the deployments and exit without serving")
    p.set_defaults(func=run)


def _every(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"every {count} {unit}{'s' if count != 1 else ''}"
    return f"every {seconds} seconds"


def schedule_text(schedule: Any) -> str:
    """A schedule as a person reads it: "cron '0 */6 * * *' (UTC)", "every 5 minutes"."""
    if getattr(schedule, "cron", None):
        return f"cron '{schedule.cron}' ({schedule.timezone or 'UTC'})"
    if getattr(schedule, "interval", None):
        return _every(schedule.interval)
    if getattr(schedule, "rrule", None):
        return f"rrule '{schedule.rrule}'"
    return str(schedule)


def deployment_lines(deployments: list[Any]) -> list[str]:
    """One paragraph per deployment: name, schedule, parameters, how to run it."""
    lines = []
    for d in deployments:
        schedules = ", ".join(schedule_text(s.schedule) for s in (d.schedules or [])) or "on demand only"
        params = " ".join(f"{k}={v}" for k, v in (d.parameters or {}).items()) or "none (pass --param repo=...)"
        lines += [f"{d.flow_name}/{d.name}", f"  schedule:   {schedules}", f"  parameters: {params}",
                  f"  run:        prefect deployment run '{d.flow_name}/{d.name}'"
                  + ("" if d.parameters else " --param repo=/path/to/repo")]
    return lines


def run(args: argparse.Namespace) -> int:
    from deployments.serve import build_deployments, serve_all

    if args.repo:
        from germinate.seed import growth_seed
        from germinate.workspace import repo_root

        args.repo = str(repo_root(Path(args.repo).expanduser()))
        growth_seed(args.repo)  # a missing, invalid or uncommitted seed fails here, with a fix
    if args.list:
        print("\n".join(deployment_lines(build_deployments(args.repo))))
        return 0
    from germinate.cli._prefect_api import resolve_api

    api = resolve_api(start=True)
    assert api is not None  # start=True: a server, or the temporary one the user asked for
    print(f"serving Germinate's deployments on {api.url or 'a temporary server'} ({api.source}); Ctrl-C to stop")
    if api.url:
        repo = args.repo or "/path/to/repo"
        print(f"  from another shell:\n    export PREFECT_API_URL={api.url}\n"
              f"    prefect deployment run 'grow/scheduled' --param repo={repo}")
    serve_all(args.repo)
    return 0
