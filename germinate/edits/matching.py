"""Where does a SEARCH section sit in a file? Exact first, then whitespace-tolerant; never fuzzy.

A model's SEARCH text often drifts in indentation (it quotes a method without its class
indent) or gains blank lines at its edges. Both are safe to forgive: the non-blank text must
still match line for line, and the indentation offset must be the same on every line, so
the replacement can be re-indented by that same offset. Anything looser (edit distance)
could apply a change to the wrong place, so near misses are reported, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

TAB_SIZE = 4


@dataclass(frozen=True)
class Match:
    """A unique place for a block: replace ``lines[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: list[str]
    how: str  # "exact", "blank-lines", "whitespace"


@dataclass(frozen=True)
class NoMatch:
    """Why a block did not apply: ``count`` is 0 (nowhere) or > 1 (ambiguous, at ``places``)."""

    count: int
    places: list[int]  # 1-based first line of each candidate


@dataclass(frozen=True)
class Nearest:
    """The lines of a file most like a SEARCH section, for the failure message."""

    first_line: int  # 1-based
    lines: list[str]
    ratio: float


def split_lines(text: str) -> list[str]:
    """Lines with their newlines; a missing final newline is added so lines compare equal."""
    if text and not text.endswith("\n"):
        text += "\n"
    return text.splitlines(keepends=True)


def _width(indent: str) -> int:
    return len(indent.expandtabs(TAB_SIZE))


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _exact_places(lines: list[str], part: list[str]) -> list[int]:
    n = len(part)
    if n == 0:
        return []
    first = part[0]
    return [i for i in range(len(lines) - n + 1) if lines[i] == first and lines[i : i + n] == part]


def _offset(window: list[str], part: list[str]) -> int | None:
    """The single indentation offset that turns ``part`` into ``window``, or None."""
    offsets = set()
    for have, want in zip(window, part, strict=True):
        if not have.strip() and not want.strip():
            continue
        if have.strip() != want.strip():
            return None
        offsets.add(_width(_indent(have)) - _width(_indent(want)))
        if len(offsets) > 1:
            return None
    return offsets.pop() if offsets else None


def _reindent(replace: list[str], offset: int, unit: str) -> list[str] | None:
    """Shift every non-blank replacement line by ``offset`` columns; None if one would go negative."""
    out = []
    for line in replace:
        if not line.strip():
            out.append(line.lstrip(" \t") or "\n")
            continue
        width = _width(_indent(line)) + offset
        if width < 0:
            return None
        body = line.lstrip(" \t")
        out.append(
            (unit * (width // TAB_SIZE) + " " * (width % TAB_SIZE) if unit == "\t" else " " * width)
            + body
        )
    return out


def _whitespace_places(lines: list[str], part: list[str]) -> list[tuple[int, int]]:
    n = len(part)
    stripped = part[0].strip()
    places = []
    for i in range(len(lines) - n + 1):
        if lines[i].strip() != stripped:
            continue
        offset = _offset(lines[i : i + n], part)
        if offset is not None:
            places.append((i, offset))
    return places


def _trim_blank_edges(part: list[str], replace: list[str]) -> tuple[list[str], list[str]]:
    """Drop blank lines at the edges of SEARCH, and as many matching ones from REPLACE."""
    lead = next((i for i, line in enumerate(part) if line.strip()), len(part))
    trail = next((i for i, line in enumerate(reversed(part)) if line.strip()), 0)
    core = part[lead : len(part) - trail]
    r_lead = min(lead, next((i for i, line in enumerate(replace) if line.strip()), len(replace)))
    rest = replace[r_lead:]
    r_trail = min(
        trail, next((i for i, line in enumerate(reversed(rest)) if line.strip()), len(rest))
    )
    return core, rest[: len(rest) - r_trail]


def locate(content: str, search: str, replace: str) -> Match | NoMatch:
    """Find the one place ``search`` matches in ``content``: exact, then blank-edge, then whitespace."""
    lines = split_lines(content)
    part, repl = split_lines(search), split_lines(replace)
    places = _exact_places(lines, part)
    if len(places) == 1:
        return Match(places[0], places[0] + len(part), repl, "exact")
    if len(places) > 1:
        return NoMatch(len(places), [p + 1 for p in places])
    core, core_repl = _trim_blank_edges(part, repl)
    if not core:
        return NoMatch(0, [])
    if core != part:
        places = _exact_places(lines, core)
        if len(places) == 1:
            return Match(places[0], places[0] + len(core), core_repl, "blank-lines")
        if len(places) > 1:
            return NoMatch(len(places), [p + 1 for p in places])
    loose = _whitespace_places(lines, core)
    if len(loose) != 1:
        return NoMatch(len(loose), [p + 1 for p, _ in loose])
    start, offset = loose[0]
    unit = (
        "\t"
        if any(_indent(line).startswith("\t") for line in lines[start : start + len(core)])
        else " "
    )
    # re-indent on any offset, and always in tab-indented code (four spaces are not a tab)
    shifted = _reindent(core_repl, offset, unit) if offset or unit == "\t" else core_repl
    if shifted is None:
        return NoMatch(0, [])
    return Match(start, start + len(core), shifted, "whitespace")


def nearest_lines(content: str, search: str, *, threshold: float = 0.5) -> Nearest | None:
    """The window of ``content`` most similar to ``search`` (difflib), if similar enough to help."""
    lines = content.splitlines()
    part = [line.strip() for line in search.splitlines()]
    part = [p for p in part if p] or part
    if not lines or not part:
        return None
    n = len(part)
    stripped = [line.strip() for line in lines]
    best: tuple[float, int] = (0.0, 0)
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2("\n".join(part))
    for i in range(max(1, len(lines) - n + 1)):
        matcher.set_seq1("\n".join(stripped[i : i + n]))
        if matcher.real_quick_ratio() <= best[0] or matcher.quick_ratio() <= best[0]:
            continue
        ratio = matcher.ratio()
        if ratio > best[0]:
            best = (ratio, i)
    ratio, start = best
    if ratio < threshold:
        return None
    return Nearest(start + 1, lines[start : start + n], ratio)
