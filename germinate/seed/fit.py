"""Size limits fitted to the repository ``init`` reads, instead of one hard-coded set.

Each limit is the larger of Germinate's default and the repository's worst case today plus
10% headroom, so no file or function already there is over a limit on day one, and a change
that makes something bigger than anything the project has accepted so far is what fails.
Function length is measured the way the gate measures it (lines of code, see
``germinate.policy.limits``).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path

from germinate.policy.limits import functions_of

DEFAULT_FILE, DEFAULT_FUNCTION, DEFAULT_COMPLEXITY = 400, 60, 15
SKIP_DIRS = {".git", ".venv", "venv", "env", ".tox", ".nox", "build", "dist", "node_modules",
             "site-packages", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
MAX_FILES = 5000


@dataclass(frozen=True)
class Worst:
    value: int
    where: str


@dataclass(frozen=True)
class FittedLimits:
    """The three size limits and, for the seed's comments, the worst case each was fitted to."""

    max_lines_per_file: int
    max_function_length_loc: int
    max_cyclomatic_complexity: int
    worst_file: Worst | None = None
    worst_function: Worst | None = None
    worst_complexity: Worst | None = None


def _headroom(value: int, default: int, step: int) -> int:
    return max(default, int(math.ceil(value * 1.1 / step) * step))


def python_sources(repo: Path) -> list[Path]:
    """The repository's Python files that gates would judge (not venvs, builds or caches)."""
    out: list[Path] = []
    for path in sorted(repo.rglob("*.py")):
        rel = path.relative_to(repo).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel[:-1]) or path.is_symlink():
            continue
        out.append(path)
        if len(out) >= MAX_FILES:
            break
    return out


def fit_limits(repo: Path) -> FittedLimits:
    """Limits no existing file or function crosses, with 10% headroom over the worst."""
    worst_file = worst_fn = worst_cc = Worst(0, "")
    for path in python_sources(repo):
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        rel = path.relative_to(repo).as_posix()
        lines = len(text.splitlines())
        if lines > worst_file.value:
            worst_file = Worst(lines, rel)
        for fn in functions_of(tree, text).values():
            if fn.length("code") > worst_fn.value:
                worst_fn = Worst(fn.length("code"), f"{rel}:{fn.lineno} {fn.qualname}")
            if fn.complexity > worst_cc.value:
                worst_cc = Worst(fn.complexity, f"{rel}:{fn.lineno} {fn.qualname}")
    return FittedLimits(
        _headroom(worst_file.value, DEFAULT_FILE, 50), _headroom(worst_fn.value, DEFAULT_FUNCTION, 10),
        _headroom(worst_cc.value, DEFAULT_COMPLEXITY, 1),
        worst_file if worst_file.where else None, worst_fn if worst_fn.where else None,
        worst_cc if worst_cc.where else None)
