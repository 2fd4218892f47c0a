"""``germinate ticket new "title"`` and ``germinate ticket list``: the local forge's tickets."""

from __future__ import annotations

import argparse

from germinate.errors import ConfigError
from germinate.seed import repo_seed
from germinate.workspace import repo_root


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ticket", help="create and list tickets (local forge: markdown files in the state folder)",
                       description="Tickets are the intent Germinate grows toward. With the local forge they are "
                       "markdown files with YAML front matter (see docs/forges.md); with GitHub they are issues "
                       "labelled with the seed's task labels.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    new = verbs.add_parser("new", help="create a local ticket", description="Create a local ticket. It carries "
                           "the seed's first task label (e.g. ai-task) unless --no-task-label is given.")
    new.add_argument("title", help="what should change, in one line")
    new.add_argument("--body", default="", help="details, acceptance criteria (markdown)")
    new.add_argument("--label", action="append", default=[], help="a label (repeatable)")
    new.add_argument("--kind", default="forge", choices=["forge", "bug", "improvement"], help="ticket kind")
    new.add_argument("--no-task-label", action="store_true", help="do not add the seed's task label")
    new.add_argument("--repo", default=".", help="the target repository (default: the one around .)")
    new.set_defaults(func=run_new)
    ls = verbs.add_parser("list", help="list open tickets", description="List open tickets of the forge, with "
                          "their status in Germinate's store.")
    ls.add_argument("--repo", default=".", help="the target repository (default: the one around .)")
    ls.add_argument("--all-labels", action="store_true", help="not only tickets with a task label")
    ls.set_defaults(func=run_list)


def run_new(args: argparse.Namespace) -> int:
    from germinate.forge.local import LocalForge
    from germinate.store import Store

    repo = repo_root(args.repo)
    seed = repo_seed(repo).seed
    if seed.forge.kind != "local":
        raise ConfigError(f"this repository's forge is {seed.forge.kind} ({seed.forge.repo}). Fix: open an issue "
                          f"there labelled {seed.automation_contract.task_labels.auto_managed_labels[0]!r}")
    labels = [] if args.no_task_label else seed.automation_contract.task_labels.auto_managed_labels[:1]
    store = Store.open(repo=repo)
    try:
        ticket = LocalForge(repo, seed, store).create_ticket(args.title, body=args.body,
                                                             labels=[*labels, *args.label], kind=args.kind)
    finally:
        store.close()
    print(f"{ticket.id}  {ticket.title}  [{', '.join(ticket.labels)}]")
    print(f"  {ticket.source_ref}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from germinate.forge.factory import open_forge
    from germinate.store import Store, TicketRow

    repo = repo_root(args.repo)
    seed = repo_seed(repo).seed
    store = Store.open(repo=repo)
    try:
        forge = open_forge(repo, seed, store)
        labels = () if args.all_labels else seed.automation_contract.task_labels.auto_managed_labels
        tickets = forge.list_tickets(labels)
        with store.session() as s:
            statuses = {r.ticket_id: r.status for r in s.query(TicketRow).filter(TicketRow.project == seed.project.name)}
        red = seed.labels.red_mode in forge.repo_labels()
    finally:
        store.close()
    if red:
        print(f"repository is in {seed.labels.red_mode}: only fix work runs")
    if not tickets:
        print("no open tickets" + ("" if args.all_labels else f" labelled {', '.join(labels)}"))
        return 0
    for t in tickets:
        print(f"{t.id:<12} {t.kind:<11} {statuses.get(t.id, 'new'):<12} {t.title}  [{', '.join(t.labels)}]")
    return 0
