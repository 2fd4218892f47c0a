"""The implementer (and, on the first round, the tester): edit-block rounds in a worktree.

One obvious loop per role: ask for edit blocks, apply them, and send the exact failure
report back, at most ``execution.max_edit_retries`` more times. Blocks that applied are
kept and not resent. A model that sends the same failed block (or the same unreadable
reply) again is stopped early. Nothing is written outside ``worktree``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from germinate.agents.prompting import render
from germinate.context import build_repo_map, summary_cache_dir
from germinate.edits import (
    EDIT_FORMAT,
    EditParseError,
    EditPathError,
    apply_edit_blocks,
    parse_edit_blocks,
    resolve_in_worktree,
)
from germinate.llm import Gateway
from germinate.models import CoverageReport, FileCoverage, Plan
from germinate.seed import Seed

REPO_MAP_TOKENS = 8_000
MAX_OTHER_FILES_CHARS = 20_000

# stopped_reason values
APPLIED = "applied"  # every block of the last reply applied
NO_EDITS = "no_edits"  # the model sent prose only: it proposes no change
REPEATED = "repeated_failed_edit"  # the same failed block or unreadable reply came back
EXHAUSTED = "edit_retries_exhausted"  # execution.max_edit_retries used up


class ImplementResult(BaseModel):
    """What one ``implement`` round did to the worktree."""

    model_config = ConfigDict(frozen=True)

    applied: int = 0
    failed: int = 0
    message: str = ""
    stopped_reason: str = APPLIED


def implement(
    gw: Gateway,
    seed: Seed,
    plan: Plan,
    worktree: Path,
    *,
    feedback: str = "",
    round: int = 0,
    coverage: CoverageReport | None = None,
) -> ImplementResult:
    """Edit ``worktree`` for ``plan``: tests first on round 0 (tester), then the implementer."""
    worktree = Path(worktree)
    roles = ["tester", "implementer"] if round == 0 else ["implementer"]
    results: list[tuple[str, ImplementResult]] = []
    for role in roles:
        repo_map = _repo_map(worktree, plan)
        prompt = render(
            role,
            seed=seed,
            plan=plan,
            feedback=feedback,
            repo_map=repo_map,
            edit_format=EDIT_FORMAT,
            uncovered=_uncovered_in_scope(coverage, plan.scope),
        )
        result = edit_rounds(
            gw,
            role,
            prompt.messages,
            worktree,
            max_retries=seed.execution.max_edit_retries,
            ticket_id=plan.ticket.id,
            template_sha256=prompt.template_sha256,
        )
        results.append((role, result))
    return _combine(results)


def edit_rounds(
    gw: Gateway,
    role: str,
    messages: list[dict[str, Any]],
    worktree: Path,
    *,
    max_retries: int,
    ticket_id: str | None = None,
    template_sha256: str = "",
) -> ImplementResult:
    """Ask, apply, feed failures back; bounded by ``max_retries`` and stopped on repeats."""
    seen: set[str] = set()
    applied = 0
    failed = 0
    message = ""
    for _attempt in range(max_retries + 1):
        reply = str(
            gw.call(role, messages, None, ticket_id=ticket_id, template_sha256=template_sha256)
        )
        try:
            blocks = parse_edit_blocks(reply)
        except EditParseError as err:
            message, failed, fingerprints = str(err), max(failed, 1), {err.fingerprint}
        else:
            if not blocks:
                return ImplementResult(
                    applied=applied, failed=0, message=_prose(reply), stopped_reason=NO_EDITS
                )
            report = apply_edit_blocks(worktree, blocks)
            applied += len(report.applied)
            failed = len(report.failed) + len(report.reverted)
            message = report.feedback()
            if report.ok:
                return ImplementResult(
                    applied=applied, failed=0, message=message, stopped_reason=APPLIED
                )
            fingerprints = report.failed_fingerprints() | {
                f"syntax:{p}:{e}" for p, e in report.reverted
            }
        if fingerprints & seen:
            return ImplementResult(
                applied=applied, failed=failed, message=message, stopped_reason=REPEATED
            )
        seen |= fingerprints
        messages = [
            *messages,
            {"role": "assistant", "content": reply},
            {"role": "user", "content": message},
        ]
    return ImplementResult(
        applied=applied, failed=failed, message=message, stopped_reason=EXHAUSTED
    )


def _repo_map(worktree: Path, plan: Plan) -> str:
    """The ranked map of the Python code, plus in-scope files of other kinds in full."""
    mentions = [plan.ticket.title, plan.ticket.body, plan.summary, *plan.acceptance_criteria]
    repo_map = build_repo_map(
        worktree,
        scope=plan.scope,
        mentions=[*mentions, *plan.tests_to_add],
        token_budget=REPO_MAP_TOKENS,
        cache_dir=summary_cache_dir(),
    )
    return "\n".join([repo_map.text, *_other_scope_files(worktree, plan.scope)])


def _other_scope_files(worktree: Path, scope: list[str]) -> list[str]:
    """Non-Python files named in the scope (README, config...): the repo map shows only Python."""
    parts: list[str] = []
    budget = MAX_OTHER_FILES_CHARS
    for path in scope:
        if path.endswith(".py") or any(c in path for c in "*?["):
            continue
        try:
            text = resolve_in_worktree(worktree, path).read_text(encoding="utf-8")
        except (EditPathError, OSError, UnicodeDecodeError):
            continue  # not there yet (the change may create it), outside, or not text
        if len(text) > budget:
            break
        budget -= len(text)
        parts.append(f"{path}\n```\n{text}{'' if text.endswith(chr(10)) else chr(10)}```")
    return parts


def _uncovered_in_scope(coverage: CoverageReport | None, scope: list[str]) -> list[FileCoverage]:
    if coverage is None:
        return []
    prefixes = [s.rstrip("*") for s in scope]
    return [
        f
        for f in coverage.files.values()
        if f.missing_lines and any(f.path.startswith(p) for p in prefixes)
    ]


def _prose(reply: str) -> str:
    text = reply.strip()
    return f"no edit blocks in the reply: {text[:300]}" if text else "the reply was empty"


def _combine(results: list[tuple[str, ImplementResult]]) -> ImplementResult:
    """One result for the round: the implementer's stop reason; every role's report in the message."""
    lines = []
    for role, r in results:
        status = "" if r.stopped_reason == APPLIED else f" (stopped: {r.stopped_reason})"
        lines.append(f"[{role}{status}] {r.message}".strip())
    return ImplementResult(
        applied=sum(r.applied for _, r in results),
        failed=sum(r.failed for _, r in results),
        message="\n".join(lines),
        stopped_reason=results[-1][1].stopped_reason,
    )
