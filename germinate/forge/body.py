"""What a change request says: plan, acceptance criteria, gate table, reward, ledger reference.

One renderer for every forge, so a reviewer sees the same evidence on a GitHub pull request
and in a local change request. The ticket marker at the end lets webhooks map a review back
to its ticket.
"""

from __future__ import annotations

from germinate.cycle.report import gate_table, reward_table
from germinate.forge.targets import ticket_marker
from germinate.models import Decision, Plan


def change_request_body(plan: Plan, decision: Decision, *, ledger_ref: str = "", ticket_url: str = "") -> str:
    """Markdown body of the change request for ``plan`` as ``decision`` judged it."""
    ticket = plan.ticket
    criteria = "\n".join(f"- [ ] {c}" for c in plan.acceptance_criteria) or "- (none stated)"
    scope = ", ".join(f"`{p}`" for p in plan.scope) or "(not limited)"
    lines = [
        f"Implements {ticket_url or ticket.source_ref or ticket.id}: **{ticket.title}**",
        "",
        "## Plan",
        plan.summary or "(no summary)",
        "",
        f"Scope: {scope}",
        "",
        "## Acceptance criteria",
        criteria,
        "",
        "## Gates",
        gate_table(decision.gates).rstrip(),
        "",
        "## Reward",
        reward_table(decision.reward).rstrip(),
        "",
        "## Decision",
        f"`{decision.outcome}`: {decision.reason}",
    ]
    if decision.advisory:
        lines += ["", f"> Maintainer (advisory): {decision.advisory}"]
    lines += ["", "## Ledger",
              f"Cycle `{decision.cycle_id}`, head `{decision.head_sha[:12]}`"
              + (f": {ledger_ref}" if ledger_ref else "")
              + " (`germinate status` explains every model call, gate and write).",
              "", ticket_marker(ticket.id), ""]
    return "\n".join(lines)
