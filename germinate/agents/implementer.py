"""The implementer (and, on the first round, the tester): editing conversations in a worktree.

Each role gets the plan, the code in scope, the change made so far (on later rounds) and the
feedback that sent the change back; then ``editing.edit_rounds`` runs the conversation
(read-only tools, cut-off replies, failed edits and lint findings, each bounded). Nothing
is written outside ``worktree``.
"""

from __future__ import annotations

from pathlib import Path

from germinate.agents.editing import APPLIED, ImplementResult, edit_rounds
from germinate.agents.prompting import clip, render
from germinate.agents.tools import PLAIN_TEXT_TOOLS
from germinate.context import build_repo_map, summary_cache_dir
from germinate.context.window import context_tokens
from germinate.edits import EDIT_FORMAT, EditPathError, resolve_in_worktree
from germinate.llm import Gateway
from germinate.models import CoverageReport, FileCoverage, Plan
from germinate.seed import Seed

REPO_MAP_TOKENS = 8_000
MAX_OTHER_FILES_CHARS = 20_000
MAX_DIFF_CHARS = 30_000
TOOLS_NATIVE = ("You may call the read-only tools read_file, search and list_dir (at most {turns} turns) "
                "before you send edit blocks.")


def implement(
    gw: Gateway,
    seed: Seed,
    plan: Plan,
    worktree: Path,
    *,
    feedback: str = "",
    round: int = 0,
    coverage: CoverageReport | None = None,
    diff: str = "",
) -> ImplementResult:
    """Edit ``worktree`` for ``plan``: tests first on round 0 (tester), then the implementer.

    ``diff``: the change made so far (later rounds), shown so the model builds on it.
    """
    worktree = Path(worktree)
    roles = ["tester", "implementer"] if round == 0 else ["implementer"]
    results: list[tuple[str, ImplementResult]] = []
    for role in roles:
        budget = context_tokens(gw.input_window(role), seed.models.max_context_tokens)
        repo_map = _repo_map(worktree, plan, budget)
        prompt = render(
            role,
            seed=seed,
            plan=plan,
            feedback=feedback,
            repo_map=repo_map,
            edit_format=EDIT_FORMAT,
            tools=_tools_text(gw, role, seed.models.max_tool_turns),
            diff=clip(diff, MAX_DIFF_CHARS, "diff"),
            uncovered=_uncovered_in_scope(coverage, plan.scope),
        )
        result = edit_rounds(
            gw,
            role,
            prompt.messages,
            worktree,
            max_retries=seed.execution.max_edit_retries,
            max_tool_turns=seed.models.max_tool_turns,
            max_continuations=seed.models.max_continuations,
            ticket_id=plan.ticket.id,
            template_sha256=prompt.template_sha256,
        )
        results.append((role, result))
    return _combine(results)


def _tools_text(gw: Gateway, role: str, turns: int) -> str:
    """How the model may call the read-only tools, with the seed's bound (nothing when it is 0)."""
    if turns == 0:
        return ""
    text = TOOLS_NATIVE if gw.supports_tools(role) else PLAIN_TEXT_TOOLS
    return text.replace("{turns}", str(turns))


def _repo_map(worktree: Path, plan: Plan, budget: int) -> str:
    """In-scope Python files (whole, or in parts the model can read), the ranked map of the
    rest (at most ``REPO_MAP_TOKENS``), plus in-scope files of other kinds in full."""
    mentions = [plan.ticket.title, plan.ticket.body, plan.summary, *plan.acceptance_criteria]
    repo_map = build_repo_map(
        worktree,
        scope=plan.scope,
        mentions=[*mentions, *plan.tests_to_add],
        token_budget=budget,
        map_tokens=REPO_MAP_TOKENS,
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
        if len(text) > budget:  # never cut silently: say how to read it
            lines = text.count("\n") + 1
            parts.append(f"[{path} ({lines} lines) does not fit here: read it with the read_file tool "
                         "(start_line, end_line) before editing it.]")
            continue
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
