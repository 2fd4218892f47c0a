"""Labels the humans set: a freeze label stops every automated write, and red mode (the
default branch is broken) admits only fix tickets. Labels come from the forge, never from
ticket text: a ticket that *says* it is a fix is not one unless it is labelled or filed so.
"""

from __future__ import annotations

from germinate.models import GateResult
from germinate.policy.context import GateContext, gate

FREEZE = "freeze"
RED_MODE = "red_mode"


def is_fix(ctx: GateContext) -> bool:
    fix = ctx.seed.labels.fix
    return (ctx.ticket is not None and ctx.ticket.is_fix(fix)) or fix in ctx.labels


def check_freeze(ctx: GateContext) -> GateResult:
    freeze = ctx.seed.labels.freeze
    where = []
    if freeze in ctx.repo_labels:
        where.append(f"(repository): labelled '{freeze}'")
    if freeze in ctx.labels:
        where.append(f"(change): labelled '{freeze}'")
    if ctx.ticket is not None and freeze in ctx.ticket.labels:
        where.append(f"ticket {ctx.ticket.id}: labelled '{freeze}'")
    return gate(FREEZE, ok=f"no '{freeze}' label", block=where,
                what="frozen: automated writes are stopped until a person removes the label")


def check_red_mode(ctx: GateContext) -> GateResult:
    red = ctx.seed.labels.red_mode
    if red not in ctx.repo_labels:
        return gate(RED_MODE, ok="not in red mode")
    if is_fix(ctx):
        return gate(RED_MODE, ok="red mode: a fix ticket, admitted")
    what = f"ticket {ctx.ticket.id} ({ctx.ticket.kind})" if ctx.ticket else "(change)"
    return gate(RED_MODE, ok="", block=[f"{what}: the repository is labelled '{red}'; only fixes "
                                         f"(kind bug/regression or label '{ctx.seed.labels.fix}') land"],
                what="red mode")
