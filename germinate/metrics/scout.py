"""The scout: improvement candidates found in a snapshot's measurements.

Each candidate is a ``Ticket`` (kind ``improvement``, source ``scout``) with a stable id, a
scope and the evidence behind it: the lowest-covered modules, the most complex functions,
files and functions over the seed's limits, and TODO/FIXME markers. Test code is never a target (a ticket to raise the coverage of a test file makes no sense).
Within the kind, the
``score`` orders them (higher first); ids are stable so a candidate seen twice is one ticket.
"""

from __future__ import annotations

from germinate.models import ComplexityReport, CoverageReport, Ticket
from germinate.seed import Seed

MIN_STATEMENTS = 5  # smaller modules are not worth a ticket for coverage alone
COVERAGE_TARGET = 0.8
COMPLEXITY_ALERT = 10  # radon rank C and worse


def is_test_path(path: str) -> bool:
    """Test code (a ``tests``/``test`` folder, ``test_*.py``, ``*_test.py``, ``conftest.py``): never a target."""
    parts = path.split("/")
    name = parts[-1]
    return (any(p in ("tests", "test", "testing") for p in parts[:-1]) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py")


def coverage_candidates(coverage: CoverageReport, target: float, limit: int) -> list[Ticket]:
    weak = [f for f in coverage.files.values()
            if f.statements >= MIN_STATEMENTS and f.percent < target and not is_test_path(f.path)]
    weak.sort(key=lambda f: (-(f.statements - f.covered), f.path))
    return [
        Ticket(id=f"scout-cov-{f.path}", title=f"Raise test coverage of {f.path} ({f.percent:.0%})",
               body=f"{f.statements - f.covered} of {f.statements} statements in {f.path} are never run by "
                    f"the tests. Add tests for the uncovered behaviour.",
               kind="improvement", source="scout", source_ref=f.path, scope=[f.path],
               evidence=f"coverage {f.percent:.1%}; missing lines {_ranges(f.missing_lines)}",
               score=float(f.statements - f.covered))
        for f in weak[:limit]
    ]


def complexity_candidates(complexity: ComplexityReport, threshold: int, limit: int) -> list[Ticket]:
    functions = [fn for f in complexity.files.values() if not is_test_path(f.path)
                 for fn in f.functions if fn.complexity >= threshold]
    functions.sort(key=lambda fn: (-fn.complexity, fn.path, fn.lineno))
    return [
        Ticket(id=f"scout-cc-{fn.path}:{fn.name}", title=f"Simplify {fn.name} in {fn.path} (complexity {fn.complexity})",
               body=f"{fn.name} ({fn.path}:{fn.lineno}-{fn.endline}) has cyclomatic complexity {fn.complexity} "
                    f"(rank {fn.rank}). Split it into smaller functions without changing behaviour.",
               kind="improvement", source="scout", source_ref=f"{fn.path}:{fn.lineno}", scope=[fn.path],
               evidence=f"radon cc {fn.complexity} rank {fn.rank}, {fn.length} lines", score=float(fn.complexity))
        for fn in functions[:limit]
    ]


def size_candidates(complexity: ComplexityReport, limit: int) -> list[Ticket]:
    tickets = []
    for entry in [e for e in complexity.files_over_limit if not is_test_path(e.split(": ", 1)[0])][:limit]:
        path = entry.split(": ", 1)[0]
        loc = complexity.files[path].loc if path in complexity.files else 0
        tickets.append(Ticket(id=f"scout-size-{path}", title=f"Split {path}: over the file size limit",
                              body=f"{entry}. Split it by concept into smaller modules.", kind="improvement",
                              source="scout", source_ref=path, scope=[path], evidence=entry, score=float(loc) / 100))
    return tickets


def marker_candidates(complexity: ComplexityReport, limit: int) -> list[Ticket]:
    tickets = []
    for path, metric in sorted(complexity.files.items()):
        if is_test_path(path):
            continue
        for marker in metric.markers:
            line = marker.split(":", 1)[0]
            tickets.append(Ticket(id=f"scout-todo-{path}:{line}", title=f"Resolve marker at {path}:{line}",
                                  body=f"{path}:{marker}", kind="improvement", source="scout",
                                  source_ref=f"{path}:{line}", scope=[path], evidence=f"{path}:{marker}", score=0.5))
    return tickets[:limit]


def scout(coverage: CoverageReport, complexity: ComplexityReport, seed: Seed | None = None, *,
          limit: int = 5) -> list[Ticket]:
    """Improvement candidates from coverage and complexity, each kind capped at ``limit``."""
    target = COVERAGE_TARGET
    threshold = COMPLEXITY_ALERT
    if seed is not None:
        target = max(target, seed.quality_gates.coverage.global_minimum)
        threshold = min(threshold, seed.constraints.repo.max_cyclomatic_complexity)
    found = [*coverage_candidates(coverage, target, limit), *complexity_candidates(complexity, threshold, limit),
             *size_candidates(complexity, limit), *marker_candidates(complexity, limit)]
    unique = {t.id: t for t in found}
    return sorted(unique.values(), key=lambda t: t.rank)


def _ranges(lines: list[int], most: int = 8) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"`` (first ``most`` ranges)."""
    spans: list[tuple[int, int]] = []
    for n in sorted(lines):
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    text = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans[:most])
    return text + (", ..." if len(spans) > most else "") if text else "none"
