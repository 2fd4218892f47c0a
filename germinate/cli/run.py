"""``germinate run REPO``: grow a repository now (the ``grow`` flow, no deployment needed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from germinate.errors import ConfigError

if TYPE_CHECKING:
    from germinate.models import CycleReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run growth cycles on REPO now (the 'grow' flow, without a deployment)",
        description="Run growth cycles on REPO until --cycles, the seed's per-run budgets, or nothing "
        "worth doing is left. Runs against PREFECT_API_URL, or starts Germinate's local Prefect "
        "server so that paused cycles can be approved from another shell ('germinate approve').",
    )
    p.add_argument("repo", help="target repository (its root holds seed.yaml)")
    p.add_argument("--cycles", type=int, default=None, help="stop after N cycles (default: the seed's max_cycles)")
    p.add_argument("--approve", choices=["auto", "human"], default="auto",
                   help="auto: follow the seed's merge policy and checkpoints; human: approve every change")
    p.add_argument("--ticket", default=None, help="run one cycle on this ticket id instead")
    p.epilog = ("exit codes: 0 every cycle ended in a decision; 1 refused to start (bad seed, missing key, "
                "a ticket another run holds); 2 bad command line; 3 an error: a cycle failed (not a decision), or no "
                "sandbox can run the target's code")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from germinate.cli._prefect_api import connect
    from germinate.cycle.report import summary_table
    from germinate.seed import growth_seed
    from germinate.workspace import repo_root

    repo = repo_root(Path(args.repo).expanduser())
    from germinate.llm import check_models

    # Fail early, with a fix, on a missing/invalid/uncommitted seed or a model without its key,
    # and when no sandbox can run the target's code (before a server starts or a model is paid).
    seed = growth_seed(repo).seed
    check_models(seed)
    from germinate.environments.select import environment_for

    environment_for(seed.execution)
    if args.cycles is not None and args.cycles < 1:
        raise ConfigError("--cycles must be at least 1")
    if args.ticket:
        _refuse_a_held_ticket(repo, args.ticket)
    connect(start=True)
    if args.ticket:
        from flows.growth_cycle import growth_cycle

        report = growth_cycle(repo=str(repo), ticket_id=args.ticket, approve=args.approve)
        print(summary_table([report]))
        return exit_code([report])
    from flows.grow import grow

    result = grow(repo=str(repo), cycles=args.cycles, approve=args.approve)
    print(summary_table(list(result.cycles)))
    print(f"stopped: {result.stopped_because}; spent {result.tokens} tokens, "
          f"{money(result.dollars, result.cost_known)}")
    return exit_code(list(result.cycles))


# Exit codes of ``germinate run`` (docs/operations.md): 0 every cycle ended in a decision (landed,
# proposed, rejected, deferred, nothing to do); 1 Germinate refused to start (bad seed, missing
# key, a ticket another run holds...); 2 bad command line; 3 an error: a cycle failed (not a
# decision: its report says why) or no sandbox can run the target's code; 130 interrupted.
EXIT_CYCLE_FAILED = 3


def exit_code(reports: list[CycleReport]) -> int:
    """3 if any cycle ended ``failed`` (an error), else 0."""
    failed = [r for r in reports if r.decision is not None and r.decision.outcome == "failed"]
    return EXIT_CYCLE_FAILED if failed else 0


def money(dollars: float, known: bool) -> str:
    """Dollars, or what is known of them: never ``$0.0000`` for calls without a price."""
    if known:
        return f"${dollars:.4f}"
    if dollars > 0:
        return f"at least ${dollars:.4f} (some calls had no known price)"
    return "cost unknown (no price for the models used)"


def _refuse_a_held_ticket(repo: Path, ticket_id: str) -> None:
    """Refuse, before any flow starts, a ticket another live run holds (its lease)."""
    from germinate.cycle.lease import TicketBusy, busy_message, live_holders
    from germinate.seed import growth_seed
    from germinate.store import Store

    store = Store.open(repo=repo)
    try:
        holder = live_holders(store, growth_seed(repo).seed.project.name).get(ticket_id)
    finally:
        store.close()
    if holder is not None:
        raise TicketBusy(busy_message(ticket_id, holder))
