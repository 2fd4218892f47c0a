"""``germinate status [REPO]``: recent cycles, pending approvals, spend against budget."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store pulls SQLAlchemy: imported when the command runs, not for --help
    from germinate.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="recent cycles and outcomes, pending approvals (with the command), spend vs budget",
        description="Show recent growth cycles with their outcomes, the cycles waiting for a person "
        "(with the 'germinate approve' command to answer them) and the money and tokens spent "
        "against the seed's budgets. Without REPO: every project under the germinate home.",
    )
    p.add_argument("repo", nargs="?", default=None, help="target repository (default: all projects)")
    p.add_argument("--limit", type=int, default=10, help="how many recent cycles (default 10)")
    p.set_defaults(func=run)


def _stores(repo: str | None) -> list[tuple[Store, Path | None]]:
    import os

    from germinate.home import germinate_home
    from germinate.store import Store
    from germinate.workspace import repo_root

    if repo is not None:
        root = repo_root(Path(repo).expanduser())
        return [(Store.open(repo=root), root)]
    if os.environ.get("GERMINATE_DATABASE_URL"):  # one shared database holds every project
        return [(Store.open(), None)]
    found = sorted((germinate_home() / "projects").glob("*/state.db"))
    return [(Store.open(url=f"sqlite:///{db}"), None) for db in found]


def _latest_run(store: Store) -> str | None:
    from sqlalchemy import select

    from germinate.store import AgentRunRow

    with store.session() as s:
        return s.scalars(select(AgentRunRow.run_id).where(AgentRunRow.run_id.is_not(None))
                         .order_by(AgentRunRow.id.desc()).limit(1)).first()


def _budget_lines(store: Store, project: str, repo: Path | None) -> list[str]:
    from germinate.llm import spend_from_ledger
    from germinate.seed import (  # the working-tree seed: status only reads budgets
        find_seed,
        load_seed,
    )

    total = spend_from_ledger(store, project)
    cost = f"${total.dollars:.4f}" + ("" if total.cost_known else " (some calls unpriced)")
    lines = [f"  spend: {total.tokens} tokens, {cost} in {total.calls} model calls (all time)"]
    run_id = _latest_run(store)
    if repo is not None and (repo / "seed.yaml").is_file():
        budget = load_seed(find_seed(repo)).seed.budgets.per_run
        last = spend_from_ledger(store, project, run_id=run_id) if run_id else total
        lines.append(f"  last run: {last.tokens} of {budget.tokens or 'unlimited'} tokens, "
                     f"${last.dollars:.4f} of ${budget.dollars if budget.dollars is not None else 'unlimited'}")
    return lines


def _project_lines(store: Store, repo: Path | None, limit: int) -> list[str]:
    from germinate.cycle.records import pending_approvals, recent_cycles

    cycles = recent_cycles(store, limit=limit)
    if not cycles:
        return []
    lines = [f"{cycles[0].project}" + (f"  ({repo})" if repo else ""), "  recent cycles:"]
    for c in cycles:
        when = c.started_at.strftime("%Y-%m-%d %H:%M")
        outcome, reason = c.outcome or c.status, c.reason
        if not c.outcome and c.status == "running":
            outcome, reason = _liveness(store, c.project, c.ticket_id, c.id)
        lines.append(f"    {when}  {(c.ticket_id or '-')[:28]:<28} {outcome:<15} {c.branch or '-'}  {reason[:90]}")
    lines += _open_changes(store, repo)
    pending = pending_approvals(store)
    lines.append("  pending approvals:" if pending else "  pending approvals: none")
    for c in pending:
        lines.append(f"    {c.ticket_id} (cycle {c.id}, branch {c.branch}): {c.reason[:100]}")
        lines.append(f"      germinate approve {c.flow_run_id} [--reject | --request-changes] [--comment TEXT]")
    return lines + _budget_lines(store, cycles[0].project, repo)


def _liveness(store: Store, project: str, ticket_id: str | None, cycle_id: str) -> tuple[str, str]:
    """("running", who and how recently) for a cycle whose lease is live; otherwise the cycle's
    process died (killed, lease expired, owner gone): ("interrupted", how it resumes)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from germinate.cycle.lease import is_live
    from germinate.store import LeaseRow

    with store.session() as s:
        lease = s.scalars(select(LeaseRow).where(LeaseRow.project == project, LeaseRow.ticket_id == ticket_id,
                                                 LeaseRow.cycle_id == cycle_id)).first()
    if lease is not None and is_live(lease):
        age = (datetime.now(UTC) - lease.heartbeat_at).total_seconds()
        return "running", f"process {lease.owner}, last heartbeat {age:.0f} s ago"
    why = "its process is gone" if lease is not None and lease.expires_at > datetime.now(UTC) else \
        "no live lease"
    return "interrupted", f"{why}; resumes on the next `germinate run`"


def _open_changes(store: Store, repo: Path | None) -> list[str]:
    """Local change requests waiting to land: their branch and the command that lands them."""
    from sqlalchemy import select

    from germinate.store import ChangeRequestRow

    with store.session() as s:
        rows = list(s.scalars(select(ChangeRequestRow).where(ChangeRequestRow.state == "open")
                              .order_by(ChangeRequestRow.id)))
    if not rows:
        return ["  open change requests: none"]
    where = f" --repo {repo}" if repo else ""
    default = "main"
    if repo is not None:
        from germinate.seed import growth_seed

        default = growth_seed(repo).seed.project.repo.default_branch
    lines = ["  open change requests:"]
    for row in rows:
        lines.append(f"    {row.id}  branch {row.branch}  {row.title[:80]}")
        if row.forge == "local":
            lines.append(f"      next: germinate gate{where} --base {default} --head {row.branch}   (judge it)")
            lines.append(f"            germinate land {row.id}{where} --approve   (land it through the write gate)")
        elif row.url:
            lines.append(f"      next: review and merge {row.url}")
    return lines


def run(args: argparse.Namespace) -> int:
    printed = False
    for store, repo in _stores(args.repo):
        try:
            lines = _project_lines(store, repo, args.limit)
        finally:
            store.close()
        if lines:
            print("\n".join(lines) + "\n")
            printed = True
    if not printed:
        print("no growth cycles recorded yet. Start one with 'germinate run REPO'")
    return 0
