"""The target's own records of growth, written in the change's worktree and committed with it.

- the growth log (``seed.reporting.growth_log``, default ``AUTOGEN_LOG.md``): one entry per
  landed change, newest first, saying what, why, the gates and the metrics;
- the capabilities document (``seed.reporting.capabilities``): what the code base can do now
  (public modules, functions and classes with their one-line docstrings, and the epics
  landed), so the architect plans against what exists.

Both are plain files in the worktree; committing them is a normal commit on the change's
branch, so they land atomically with the change (or not at all).
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

from germinate.metrics.report import percent
from germinate.models import Decision, Evaluation, Plan, Snapshot
from germinate.seed import Seed
from germinate.workspace import commit_worktree, head_sha, python_files

LOG_HEADER = "# Growth log\n\nWritten by Germinate: one entry per landed change, newest first.\n"
CAPS_HEADER = "# Capabilities\n\nWritten by Germinate after each landed change; the architect plans against it.\n"


def growth_entry(
    decision: Decision, plan: Plan, *, before: Snapshot | None, evaluation: Evaluation | None,
    when: datetime | None = None, coverage: tuple[float | None, float | None] | None = None,
) -> str:
    """The markdown entry for one landed change (``coverage``: base and head totals measured
    elsewhere, e.g. by ``germinate land``'s own gate run, when there is no snapshot or evaluation)."""
    when = when or datetime.now(UTC)
    cov_before = before.coverage.total if before else None
    cov_after = evaluation.coverage.total if evaluation else None
    if coverage is not None:
        cov_before, cov_after = coverage
    gates = ", ".join(f"{g.name} {'ok' if g.passed else g.severity}" for g in decision.gates) or "none"
    lines = [
        f"## {when:%Y-%m-%d %H:%M} UTC · {plan.ticket.id}: {plan.ticket.title}",
        "",
        f"- outcome: {decision.outcome} ({decision.reason})",
        f"- cycle: `{decision.cycle_id}` · base `{decision.base_sha[:10]}` · branch `{decision.branch}`",
        f"- coverage: {percent(cov_before)} -> {percent(cov_after)} · reward {decision.reward.total:+.3f}",
        f"- gates: {gates}",
    ]
    if plan.summary:
        lines.append(f"- plan: {plan.summary.strip().splitlines()[0]}")
    lines += [f"  - [x] {c}" for c in plan.acceptance_criteria]
    return "\n".join(lines) + "\n"


def prepend_entry(existing: str, entry: str) -> str:
    """The growth log with ``entry`` as its newest (first) entry."""
    body = existing[len(LOG_HEADER):] if existing.startswith(LOG_HEADER) else existing
    return f"{LOG_HEADER}\n{entry}\n{body.lstrip()}".rstrip() + "\n"


def _documented_files(worktree: Path) -> list[str]:
    """The product's Python modules (git-ignored files, tests and setup.py left out)."""
    out = []
    for rel in python_files(worktree):
        parts = rel.split("/")
        if any(part.startswith(".") for part in parts) or parts[0] in ("tests", "test"):
            continue
        if parts[-1].startswith("test_") or parts[-1] == "setup.py":
            continue
        out.append(rel)
    return out


def _first_line(node: ast.AST) -> str:
    doc = ast.get_docstring(node) if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef | ast.Module) else None
    return doc.strip().splitlines()[0] if doc else ""


def module_capabilities(path: Path, rel: str) -> list[str]:
    """Markdown lines listing a module's public API."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [f"### `{rel}`", f"(not parsed: {exc.__class__.__name__})", ""]
    items = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            doc = _first_line(node)
            items.append(f"- `{kind} {node.name}`" + (f": {doc}" if doc else ""))
    if not items:
        return []
    head = _first_line(tree)
    return [f"### `{rel}`", *([head] if head else []), *items, ""]


def capabilities_doc(worktree: Path, seed: Seed, landed: list[str]) -> str:
    """The capabilities document for the tree in ``worktree``."""
    lines = [CAPS_HEADER, f"Project: **{seed.project.name}**. {seed.project.description}".rstrip(), ""]
    epics = {f"epic-{e.id}": e for e in seed.growth_objectives.roadmap_epics}
    lines.append("## Roadmap")
    for tid, epic in epics.items():
        lines.append(f"- [{'x' if tid in landed else ' '}] {epic.id}: {epic.title}")
    lines += ["", "## Modules", ""]
    for rel in _documented_files(worktree):
        lines += module_capabilities(worktree / rel, rel)
    return "\n".join(lines).rstrip() + "\n"


_LANDED = re.compile(r"^## .* · (\S+): ", re.MULTILINE)


def landed_tickets(growth_log: str) -> list[str]:
    """Ticket ids with an entry in a growth log."""
    return _LANDED.findall(growth_log)


def commit_growth_records(
    worktree: Path, seed: Seed, decision: Decision, plan: Plan, *,
    before: Snapshot | None, evaluation: Evaluation | None,
    coverage: tuple[float | None, float | None] | None = None,
) -> str:
    """Write the growth-log entry and the capabilities doc in ``worktree`` and commit them.

    Idempotent: if the branch head already carries this ticket's entry (a resumed cycle),
    nothing is written again. Returns the new head SHA.
    """
    log_path = worktree / seed.reporting.growth_log
    existing = log_path.read_text(encoding="utf-8") if log_path.exists() else ""
    if plan.ticket.id in landed_tickets(existing) and f"`{decision.cycle_id}`" in existing:
        return head_sha(worktree)
    log_text = prepend_entry(existing, growth_entry(decision, plan, before=before, evaluation=evaluation,
                                                           coverage=coverage))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(log_text, encoding="utf-8")
    caps_path = worktree / seed.reporting.capabilities
    caps_path.parent.mkdir(parents=True, exist_ok=True)
    caps_path.write_text(capabilities_doc(worktree, seed, landed_tickets(log_text)), encoding="utf-8")
    message = f"germinate: growth log for {plan.ticket.id}\n\nCycle: {decision.cycle_id}"
    paths = [seed.reporting.growth_log, seed.reporting.capabilities]
    return commit_worktree(worktree, message, paths) or head_sha(worktree)
