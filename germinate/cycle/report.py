"""Markdown a person reads about a cycle: the report, the gate table, the approval form text.

Prefect-free: the flows publish these strings as artifacts and pause descriptions; the CLI
and the demo print them.
"""

from __future__ import annotations

from germinate.metrics.report import percent
from germinate.models import CycleReport, Decision, Evaluation, GateResult, Plan, Reward, Snapshot

MAX_DIFF_CHARS = 6000


def _cost(dollars: float, known: bool) -> str:
    return f"${dollars:.4f}" if known else f"cost unknown (${dollars:.4f} priced)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def gate_table(gates: list[GateResult]) -> str:
    """A markdown table: gate, result, severity, message."""
    if not gates:
        return "_no gates evaluated_\n"
    rows = ["| gate | result | severity | message |", "|---|---|---|---|"]
    for g in gates:
        mark = "pass" if g.passed else ("**FAIL**" if g.severity == "block" else g.severity)
        rows.append(f"| {g.name} | {mark} | {g.severity} | {_cell(g.message)} |")
    return "\n".join(rows) + "\n"


def reward_table(reward: Reward) -> str:
    """A markdown table of the reward's components."""
    rows = ["| component | delta | weighted |", "|---|---|---|"]
    for name, value in sorted(reward.components.items()):
        rows.append(f"| {name} | {reward.deltas.get(name, 0.0):+.4f} | {value:+.4f} |")
    rows.append(f"| **total** | | **{reward.total:+.4f}** |")
    return "\n".join(rows) + "\n"


def diff_excerpt(diff: str, limit: int = MAX_DIFF_CHARS) -> str:
    """The diff in a fenced block, cut at ``limit`` characters with a note."""
    text = diff if len(diff) <= limit else diff[:limit] + f"\n... ({len(diff) - limit} more characters)"
    return f"```diff\n{text.rstrip()}\n```\n"


def approval_description(
    decision: Decision, plan: Plan, diff: str, *, approve_command: str
) -> str:
    """What the person sees on the pause form: why, the diff, the gates, the reward."""
    return "\n".join([
        f"## Approve {plan.ticket.id}: {plan.ticket.title}?",
        "",
        f"**Why a person is asked:** {decision.reason}",
        "",
        f"Branch `{decision.branch}` at `{decision.head_sha[:10]}` on base `{decision.base_sha[:10]}`.",
        "",
        "### Gates",
        gate_table(decision.gates),
        "### Reward",
        reward_table(decision.reward),
        "### Diff",
        diff_excerpt(diff),
        f"Choose **approve**, **reject** or **request_changes** (the comment goes to the implementer). "
        f"From a shell: `{approve_command}`",
    ])


def metrics_rows(before: Snapshot | None, evaluation: Evaluation | None) -> list[dict[str, str]]:
    """Rows for the metrics table artifact: metric, before, after."""
    def row(name: str, a: str, b: str) -> dict[str, str]:
        return {"metric": name, "before": a, "after": b}

    b_cov = before.coverage.total if before else None
    a_cov = evaluation.coverage.total if evaluation else None
    rows = [row("coverage", percent(b_cov), percent(a_cov))]
    if before and evaluation:
        rows.append(row("tests passed", str(before.tests.passed), str(evaluation.tests.passed)))
        rows.append(row("tests failed", str(before.tests.failed), str(evaluation.tests.failed)))
        rows.append(row("mean complexity", f"{before.complexity.mean_complexity:.2f}",
                        f"{evaluation.complexity.mean_complexity:.2f}"))
        rows.append(row("diff coverage", "", percent(evaluation.diff_coverage)))
    return rows


def cycle_markdown(report: CycleReport, plan: Plan | None = None, diff: str = "") -> str:
    """The cycle report artifact."""
    d = report.decision
    ticket = report.ticket
    lines = [
        f"# Cycle `{report.cycle_id}`",
        "",
        f"**Ticket:** {ticket.id + ': ' + ticket.title if ticket else '(none)'}  ",
        f"**Outcome:** {d.outcome if d else 'none'} — {d.reason if d else ''}  ",
        f"**Coverage:** {percent(report.coverage_before)} -> {percent(report.coverage_after)}  ",
        f"**Spend:** {report.tokens} tokens, {_cost(report.cost_usd, report.cost_known)}  ",
        f"**Duration:** {(report.finished_at - report.started_at).total_seconds():.1f} s",
    ]
    if report.change_url:
        lines.append(f"  \n**Change:** {report.change_url}")
    if plan is not None:
        lines += ["", "## Plan", plan.summary, ""] + [f"- [ ] {c}" for c in plan.acceptance_criteria]
    if d is not None:
        lines += ["", "## Gates", gate_table(d.gates), "## Reward", reward_table(d.reward)]
        if d.advisory:
            lines += ["## Maintainer's note (advisory)", d.advisory, ""]
    if diff:
        lines += ["## Diff", diff_excerpt(diff)]
    return "\n".join(lines) + "\n"


def summary_table(reports: list[CycleReport]) -> str:
    """The plain-text table the CLI and the demo print after a run."""
    header = f"{'#':>2}  {'ticket':<26} {'outcome':<34} {'coverage':<17} {'tokens':>7} {'cost':>9}"
    out = [header, "-" * len(header)]
    for i, r in enumerate(reports, 1):
        ticket = r.ticket.id if r.ticket else "-"
        outcome: str = r.decision.outcome if r.decision else "-"
        if r.decision is not None and r.decision.decided_by:  # a person's answer, as given
            outcome += f" ({r.decision.decided_by})"
        cov = f"{percent(r.coverage_before)} -> {percent(r.coverage_after)}"
        cost = f"${r.cost_usd:.4f}" if r.cost_known else "n/a"
        out.append(f"{i:>2}  {ticket[:26]:<26} {outcome[:34]:<34} {cov:<17} {r.tokens:>7} {cost:>9}")
    # Anything that did not simply land says why, so a table alone explains the run.
    why = [f"{i:>2}  {r.decision.outcome}: {_one_line(r.decision.reason)}"
           for i, r in enumerate(reports, 1) if r.decision is not None and r.decision.outcome != "merged"]
    return "\n".join(out + (["", "why:", *why] if why else []))


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
