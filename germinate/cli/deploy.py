"""``germinate deploy [REPO]``: serve the deployments (on-demand cycle, scheduled grow, intake poll)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deploy",
        help="serve the deployments: growth-cycle/on-demand, grow/scheduled, intake/poll",
        description="Register Germinate's deployments with the Prefect API and serve them from this "
        "process until Ctrl-C: 'growth-cycle/on-demand', 'grow/scheduled' (the seed's schedule.cron) "
        "and 'intake/poll'. With REPO, its path is the default 'repo' parameter and its seed's cron "
        "schedules 'grow/scheduled'. Run them from the UI or with "
        "\"prefect deployment run 'grow/scheduled' --param repo=/path\". For workers elsewhere see "
        "docs/operations.md (work pools).",
    )
    p.add_argument("repo", nargs="?", default=None, help="target repository (default: none; pass repo per run)")
    p.add_argument("--list", action="store_true", help="print the deployments and exit without serving")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deployments.serve import build_deployments, serve_all
    from germinate.cli._prefect_api import connect

    if args.repo:
        from germinate.seed import growth_seed
        from germinate.workspace import repo_root

        args.repo = str(repo_root(Path(args.repo).expanduser()))
        growth_seed(args.repo)  # a missing, invalid or uncommitted seed fails here, with a fix
    if args.list:
        for d in build_deployments(args.repo):
            schedules = ", ".join(str(s.schedule) for s in (d.schedules or [])) or "on demand"
            print(f"{d.flow_name}/{d.name}: {schedules}; parameters {d.parameters or '{}'}")
        return 0
    url = connect(start=True)
    print(f"serving Germinate deployments on {url} (Ctrl-C to stop)")
    serve_all(args.repo)
    return 0
