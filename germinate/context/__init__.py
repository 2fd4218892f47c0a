"""The repo map: what a model sees of a repository, ranked for one ticket, within a token budget.

``summary`` reads each Python file's AST (cached by content hash), ``ranking`` orders the
definitions by a reference graph personalised to the ticket, ``tokens`` counts offline.
Here the two are put together: the in-scope files go in whole while they fit in their
share of the budget (a file that does not fit is shown in part, with the line ranges to
read through the read_file tool: never cut silently), and the best-ranked definitions of
the other files fill the rest, as many as a binary search finds will fit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from germinate.context.ranking import Definition, in_scope, pagerank, rank_definitions
from germinate.context.summary import Summary, cached_summary
from germinate.context.tokens import count_tokens
from germinate.workspace import python_files

__all__ = ["RepoMap", "build_repo_map", "count_tokens", "in_scope", "pagerank", "render_map", "summary_cache_dir"]

SCOPE_SHARE = 2 / 3  # at most this share of the budget goes to whole in-scope files
MAP_HEADER = "# Repository map: definitions ranked for this ticket\n"
FILES_HEADER = "# In-scope files (full text)\n"


def summary_cache_dir() -> Path:
    """Where file summaries are cached: one folder for every caller and project (entries are
    keyed by the file's content hash), so the planner's map leaves the implementer's warm."""
    from germinate.home import germinate_home

    return germinate_home() / "cache" / "repo-map"


@dataclass(frozen=True)
class RepoMap:
    """The text to put in a prompt, its token count, and the files it shows."""

    text: str
    tokens: int
    files: list[str] = field(default_factory=list)


def render_map(chosen: list[Definition], index: dict[tuple[str, int], Definition]) -> str:
    """Definitions grouped by file (best-ranked file first), in line order, methods under their class."""
    by_file: dict[str, dict[int, Definition]] = defaultdict(dict)
    for d in chosen:
        by_file[d.path][d.line] = d
        parent = d
        while parent.parent and (d.path, parent.parent) in index:
            parent = index[(d.path, parent.parent)]
            by_file[d.path][parent.line] = parent
    out = []
    for path in by_file:
        out.append(f"{path}:")
        out += [f"{'    ' * (d.depth + 1)}{d.signature}" for _, d in sorted(by_file[path].items())]
    return "\n".join(out) + "\n" if out else ""


def _fit(ranked: list[Definition], index: dict[tuple[str, int], Definition], budget: int) -> str:
    """The rendering of the longest prefix of ``ranked`` within ``budget`` tokens (binary search)."""
    lo, hi, best = 0, min(len(ranked), budget), ""  # every rendered line costs at least a token
    while lo <= hi:
        mid = (lo + hi) // 2
        text = render_map(ranked[:mid], index)
        if count_tokens(text) <= budget:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best


def _part_note(path: str, total: int, shown: int, chunk: int) -> str:
    """How to read the rest of an in-scope file that is shown in part (never cut silently)."""
    ranges = [f"{a}-{min(a + chunk - 1, total)}" for a in range(shown + 1, total + 1, chunk)]
    more = f" and {len(ranges) - 8} more" if len(ranges) > 8 else ""
    head = f"lines 1-{shown} are shown above" if shown else "no line of it is shown"
    return (f"[{path} has {total} lines, more than fits here: {head}. Read the rest with the "
            f"read_file tool (start_line, end_line) before editing it, in parts "
            f"{', '.join(ranges[:8])}{more}.]\n")


def _head_that_fits(path: str, lines: list[str], budget: int) -> tuple[str, int]:
    """The longest first part of ``lines`` whose block fits ``budget`` tokens, and its line count."""
    lo, hi, best = 0, len(lines), ("", 0)
    while lo <= hi:
        mid = (lo + hi) // 2
        part = f"{path} (lines 1-{mid} of {len(lines)})\n```python\n{''.join(lines[:mid])}```\n" if mid else ""
        if count_tokens(part) <= budget:
            best, lo = (part, mid), mid + 1
        else:
            hi = mid - 1
    return best


def _scope_files(worktree: Path, paths: list[str], budget: int) -> tuple[list[str], list[str], int]:
    """In-scope files whole while they fit; a file that does not is shown in part, with a note
    saying which line ranges to read (a file whose note does not fit either is named at the end)."""
    parts: list[str] = []
    shown: list[str] = []
    omitted: list[str] = []
    used = 0
    for path in paths:
        try:
            body = (worktree / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if body and not body.endswith("\n"):
            body += "\n"
        part = f"{path}\n```python\n{body}```\n"
        cost = count_tokens(part)
        if used + cost <= budget:
            parts.append(part)
            shown.append(path)
            used += cost
            continue
        lines = body.splitlines(keepends=True)
        note_cost = count_tokens(_part_note(path, len(lines) * 10, 1, 50)) + 8  # its longest form
        head, count = _head_that_fits(path, lines, budget - used - note_cost)
        chunk = max(50, min(400, count or 200))
        text = head + _part_note(path, len(lines), count, chunk)
        if used + count_tokens(text) > budget:
            omitted.append(path)
            continue
        parts.append(text)
        shown.append(path)
        used += count_tokens(text)
    if omitted:
        note = f"[In scope but not shown for lack of room: {', '.join(omitted)}; read them with read_file.]\n"
        if used + count_tokens(note) <= budget:
            parts.append(note)
            used += count_tokens(note)
    return parts, shown, used


def _assemble(body: str, parts: list[str]) -> str:
    text = MAP_HEADER + body if body else ""
    if parts:
        text += ("\n" if text else "") + FILES_HEADER + "".join(parts)
    return text


def build_repo_map(
    worktree: Path,
    *,
    scope: list[str],
    mentions: list[str],
    token_budget: int,
    cache_dir: Path | None = None,
    map_tokens: int | None = None,
) -> RepoMap:
    """The ranked repo map for a ticket; ``tokens`` never exceeds ``token_budget``.

    ``map_tokens``: the most the ranked map of the other files may take (default: what the
    in-scope files leave of the budget, at least a third of it).
    """
    worktree = Path(worktree)
    summaries: dict[str, Summary] = {}
    for path in python_files(worktree):
        try:
            summaries[path] = cached_summary((worktree / path).read_bytes(), cache_dir)
        except OSError:
            continue  # vanished between listing and reading: nothing to show
    ranked = [d for _, d in rank_definitions(summaries, scope, mentions)]
    index = {(d.path, d.line): d for d in ranked}
    scoped = list(
        dict.fromkeys(
            [d.path for d in ranked if in_scope(d.path, scope)]
            + sorted(p for p in summaries if in_scope(p, scope))
        )
    )
    budget = max(0, token_budget - count_tokens(MAP_HEADER + FILES_HEADER) - 2)
    scope_budget = int(budget * SCOPE_SHARE) if map_tokens is None else max(budget - map_tokens,
                                                                              int(budget * SCOPE_SHARE))
    parts, shown, used = _scope_files(worktree, scoped, scope_budget)
    rest = [d for d in ranked if d.path not in set(shown)]
    map_budget = budget - used if map_tokens is None else min(budget - used, map_tokens)
    while True:
        body = _fit(rest, index, map_budget)
        text = _assemble(body, parts)
        tokens = count_tokens(text)
        if tokens <= token_budget or not body:  # joins can merge tokens: shrink until it fits
            break
        map_budget -= tokens - token_budget
    mapped = [
        line[:-1] for line in body.splitlines() if line.endswith(":") and not line.startswith(" ")
    ]
    return RepoMap(text=text, tokens=tokens, files=shown + mapped)
