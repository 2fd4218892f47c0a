"""Read-only tools the implementer and tester may call before editing.

``read_file`` (a whole file or a line range), ``search`` (a regular expression over the
tree) and ``list_dir``. They read the change's worktree only, through the same path checks
as edits (no ``..``, no absolute paths, no symlinks out, nothing under ``.git``), and never
write. Models with function calling get them as OpenAI ``tools``; the others read
``PLAIN_TEXT_TOOLS`` in their prompt and write ``TOOL name {json}`` lines instead.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from germinate.edits import EditPathError, resolve_in_worktree

MAX_TOOL_OUTPUT_CHARS = 12_000
MAX_SEARCH_HITS = 60
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", "build", "dist", ".tox"}

TOOL_SCHEMAS: list[dict[str, Any]] = [
    {"type": "function", "function": {
        "name": "read_file",
        "description": "Read a file of the repository, whole or lines start_line..end_line (1-based).",
        "parameters": {"type": "object", "properties": {
            "path": {"type": "string", "description": "path relative to the repository root"},
            "start_line": {"type": "integer"}, "end_line": {"type": "integer"}},
            "required": ["path"]}}},
    {"type": "function", "function": {
        "name": "search",
        "description": "Search the repository's text files for a Python regular expression; "
                       "returns path:line: text for each hit.",
        "parameters": {"type": "object", "properties": {
            "pattern": {"type": "string"},
            "path": {"type": "string", "description": "a folder or file to search in (default: all)"}},
            "required": ["pattern"]}}},
    {"type": "function", "function": {
        "name": "list_dir",
        "description": "List a folder of the repository (folders end with /).",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}},
]
TOOL_NAMES = frozenset(t["function"]["name"] for t in TOOL_SCHEMAS)

PLAIN_TEXT_TOOLS = """\
# Reading before editing (optional)

Before you send edit blocks you may read the repository, in at most {turns} turns. Send a reply
holding only lines of the form (one per tool call, JSON arguments):

TOOL read_file {"path": "pkg/mod.py", "start_line": 1, "end_line": 120}
TOOL search {"pattern": "def convert", "path": "pkg"}
TOOL list_dir {"path": "pkg"}

The results come back in the next message. When you know enough, reply with edit blocks.
"""
_PLAIN_CALL = re.compile(r"^\s*TOOL\s+(\w+)\s*(\{.*\})?\s*$")


@dataclass(frozen=True)
class ToolRequest:
    """One call: the tool's name, its arguments (parsed) and the provider's call id, if any."""

    name: str
    arguments: dict[str, Any]
    call_id: str = ""


def plain_text_calls(reply: str) -> list[ToolRequest]:
    """The ``TOOL name {json}`` lines of a reply (empty when it holds anything else too)."""
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    calls = []
    for line in lines:
        match = _PLAIN_CALL.match(line)
        if match is None:
            return []
        calls.append(ToolRequest(match.group(1), parse_arguments(match.group(2) or "{}")))
    return calls


def parse_arguments(text: str) -> dict[str, Any]:
    """A call's JSON arguments; a broken one becomes ``{"_error": why}`` (told to the model)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return {"_error": f"arguments are not JSON ({exc.msg}): {text[:200]}"}
    return value if isinstance(value, dict) else {"_error": "arguments must be a JSON object"}


def run_tool(worktree: Path, request: ToolRequest) -> str:
    """The tool's answer, or a message saying why it could not run (never an exception)."""
    args = request.arguments
    if "_error" in args:
        return f"{request.name}: {args['_error']}"
    try:
        if request.name == "read_file":
            return _clip(read_file(worktree, str(args.get("path", "")), args.get("start_line"),
                                   args.get("end_line")))
        if request.name == "search":
            return _clip(search(worktree, str(args.get("pattern", "")), str(args.get("path") or "")))
        if request.name == "list_dir":
            return _clip(list_dir(worktree, str(args.get("path") or "")))
    except (EditPathError, OSError, ValueError) as exc:
        return f"{request.name} failed: {exc}"
    return f"unknown tool {request.name!r}: use one of {', '.join(sorted(TOOL_NAMES))}"


def read_file(worktree: Path, path: str, start: Any = None, end: Any = None) -> str:
    """``path``'s lines ``start..end`` (1-based, inclusive), exactly as in the file."""
    target = resolve_in_worktree(worktree, path)
    if not target.is_file():
        raise ValueError(f"{path} is not a file (list_dir shows what exists)")
    lines = target.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    first = max(1, int(start or 1))
    last = min(len(lines), int(end or len(lines)))
    shown = "".join(lines[first - 1:last])
    return f"{path} lines {first}-{last} of {len(lines)}:\n```\n{shown}{'' if shown.endswith(chr(10)) else chr(10)}```"


def search(worktree: Path, pattern: str, path: str = "") -> str:
    """Lines matching ``pattern`` under ``path`` (the whole tree by default)."""
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc
    root = resolve_in_worktree(worktree, path) if path else worktree.resolve()
    hits: list[str] = []
    for file in _files(root):
        try:
            text = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if rx.search(line):
                hits.append(f"{file.relative_to(worktree.resolve()).as_posix()}:{number}: {line.strip()[:200]}")
                if len(hits) >= MAX_SEARCH_HITS:
                    return "\n".join([*hits, "[... more hits not shown: narrow the pattern or the path]"])
    return "\n".join(hits) or f"no line matches {pattern!r}"


def list_dir(worktree: Path, path: str = "") -> str:
    """The folder's entries, folders first (ending in ``/``)."""
    folder = resolve_in_worktree(worktree, path) if path else worktree.resolve()
    if not folder.is_dir():
        raise ValueError(f"{path} is not a folder")
    entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    names = [p.name + ("/" if p.is_dir() else "") for p in entries if p.name not in SKIP_DIRS]
    return "\n".join(names) or "(empty folder)"


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found += [Path(folder) / f for f in sorted(files) if not Path(folder, f).is_symlink()]
    return found


def _clip(text: str) -> str:
    if len(text) <= MAX_TOOL_OUTPUT_CHARS:
        return text
    return text[:MAX_TOOL_OUTPUT_CHARS] + (
        f"\n[... {len(text) - MAX_TOOL_OUTPUT_CHARS} more characters not shown: "
        "ask for a smaller line range]")
