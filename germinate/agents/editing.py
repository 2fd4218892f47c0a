"""One editing conversation: ask, answer read-only tool calls, apply edit blocks, lint, repeat.

The loop gives a model the chances a person would get, each one bounded:
- tool calls (read a file or a range, search, list a folder) are answered, at most
  ``models.max_tool_turns`` times, through function calling or the plain-text ``TOOL`` lines;
- a reply cut off at the token limit (``finish_reason == "length"``) keeps its complete
  blocks and asks for the rest, in smaller blocks, at most ``models.max_continuations`` times;
- failed blocks and new lint findings (ruff F, E9) go back with the exact reason, at most
  ``max_retries`` more times; the same failure twice stops early.
Every turn is one gateway call: ledgered and counted against the budgets like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from germinate.agents import lint
from germinate.agents.tools import (
    TOOL_SCHEMAS,
    ToolRequest,
    parse_arguments,
    plain_text_calls,
    run_tool,
)
from germinate.edits import EditParseError, apply_edit_blocks, parse_edit_blocks
from germinate.edits.searchreplace import TAIL
from germinate.llm import Gateway
from germinate.llm.gateway import Reply
from germinate.seed import Models

_DEFAULTS = Models.model_validate({})  # the seed's defaults: models.max_tool_turns, models.max_continuations

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


@dataclass
class _Step:
    """What applying one reply's edit blocks did."""

    applied: int = 0
    failed: int = 0
    message: str = ""
    fingerprints: set[str] = field(default_factory=set)
    no_edits: bool = False

    @property
    def ok(self) -> bool:
        return not self.no_edits and not self.fingerprints


@dataclass
class _Conversation:
    gw: Gateway
    role: str
    messages: list[dict[str, Any]]
    ticket_id: str | None
    template_sha256: str

    def ask(self, offer_tools: bool) -> Reply:
        # once offered, the tools stay in every call: a history with tool calls needs them
        tools = TOOL_SCHEMAS if offer_tools and self.gw.supports_tools(self.role) else None
        return self.gw.converse(self.role, self.messages, tools=tools, ticket_id=self.ticket_id,
                                template_sha256=self.template_sha256)

    def tell(self, reply_text: str, message: str) -> None:
        self.messages = [*self.messages, {"role": "assistant", "content": reply_text},
                         {"role": "user", "content": message}]

    def answer_tools(self, reply: Reply, requests: list[ToolRequest], worktree: Path) -> None:
        if reply.tool_calls:  # function calling: the results go back as tool messages
            calls = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                     for c in reply.tool_calls]
            results = [{"role": "tool", "tool_call_id": r.call_id, "content": run_tool(worktree, r)}
                       for r in requests]
            self.messages = [*self.messages, {"role": "assistant", "content": reply.text or None,
                                              "tool_calls": calls}, *results]
            return
        answers = [f"## TOOL {r.name} {r.arguments}\n{run_tool(worktree, r)}" for r in requests]
        self.tell(reply.text, "Tool results:\n\n" + "\n\n".join(answers))


def tool_requests(reply: Reply) -> list[ToolRequest]:
    """The tool calls of a reply: native ones, else ``TOOL`` lines of the plain-text fallback."""
    if reply.tool_calls:
        return [ToolRequest(c.name, parse_arguments(c.arguments), c.id) for c in reply.tool_calls]
    return plain_text_calls(reply.text)


def complete_part(text: str) -> str:
    """``text`` up to the end of its last complete edit block (what survives a cut-off reply)."""
    lines = text.splitlines(keepends=True)
    ends = [i for i, line in enumerate(lines) if TAIL.match(line)]
    return "".join(lines[: ends[-1] + 1]) if ends else ""


def apply_reply(worktree: Path, text: str, touched: set[str]) -> _Step:
    """Parse and apply a reply's blocks, then lint every file this round touched."""
    try:
        blocks = parse_edit_blocks(text)
    except EditParseError as err:
        return _Step(failed=1, message=str(err), fingerprints={err.fingerprint})
    if not blocks:
        return _Step(no_edits=True)
    report = apply_edit_blocks(worktree, blocks)
    touched.update(report.changed_files)
    step = _Step(applied=len(report.applied), failed=len(report.failed) + len(report.reverted),
                 message=report.feedback())
    if not report.ok:
        step.fingerprints = report.failed_fingerprints() | {f"syntax:{p}:{e}" for p, e in report.reverted}
        return step
    findings = lint.new_findings(worktree, sorted(touched))
    if findings:
        step.message, step.failed = lint.feedback(findings), len(findings)
        step.fingerprints = {f"lint:{f}" for f in findings}
    return step


def _cut_message(step: _Step) -> str:
    kept = (f"The {step.applied} complete edit block(s) before the cut were applied and are kept: "
            "do not resend them. " if step.applied else "No complete edit block came before the cut. ")
    failed = f"\n\nSome complete blocks failed:\n{step.message}" if step.fingerprints else ""
    return ("# Your reply was cut off at the output token limit (finish_reason: length).\n" + kept +
            "Send the block that was cut and every block after it, as smaller blocks: quote only the "
            "lines that change in SEARCH, and split a long new file into a first block that creates "
            "it and further blocks that extend it." + failed)


def edit_rounds(
    gw: Gateway,
    role: str,
    messages: list[dict[str, Any]],
    worktree: Path,
    *,
    max_retries: int,
    ticket_id: str | None = None,
    template_sha256: str = "",
    max_tool_turns: int = _DEFAULTS.max_tool_turns,
    max_continuations: int = _DEFAULTS.max_continuations,
) -> ImplementResult:
    """Ask, answer tools, apply, lint, feed failures back; every kind of turn bounded."""
    convo = _Conversation(gw, role, messages, ticket_id, template_sha256)
    seen: set[str] = set()
    touched: set[str] = set()
    applied = failed = attempts = tool_turns = continuations = 0
    message = ""
    while attempts <= max_retries:
        reply = convo.ask(offer_tools=max_tool_turns > 0)
        requests = tool_requests(reply)
        if requests and tool_turns < max_tool_turns:
            tool_turns += 1
            convo.answer_tools(reply, requests, worktree)
            continue
        if requests:
            attempts += 1
            convo.tell(reply.text, f"You have used all {max_tool_turns} tool turns: reply with edit blocks now.")
            continue
        if reply.truncated and continuations < max_continuations:
            continuations += 1
            step = apply_reply(worktree, complete_part(reply.text), touched) if complete_part(reply.text) \
                else _Step()
            applied += step.applied
            convo.tell(reply.text, _cut_message(step))
            continue
        step = apply_reply(worktree, reply.text, touched)
        applied += step.applied
        if step.no_edits:
            return ImplementResult(applied=applied, message=_prose(reply.text), stopped_reason=NO_EDITS)
        failed, message = step.failed, step.message
        if step.ok:
            return ImplementResult(applied=applied, message=message, stopped_reason=APPLIED)
        if step.fingerprints & seen:
            return ImplementResult(applied=applied, failed=failed, message=message, stopped_reason=REPEATED)
        seen |= step.fingerprints
        attempts += 1
        convo.tell(reply.text, message)
    return ImplementResult(applied=applied, failed=failed, message=message, stopped_reason=EXHAUSTED)


def _prose(reply: str) -> str:
    text = reply.strip()
    return f"no edit blocks in the reply: {text[:300]}" if text else "the reply was empty"
