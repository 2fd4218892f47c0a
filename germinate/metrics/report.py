"""A Snapshot as a metrics table and as markdown hot spots (Prefect artifacts, reports)."""

from __future__ import annotations

from germinate.models import FileCoverage, FunctionMetric, Snapshot, TestCase


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def least_covered(snap: Snapshot, top: int) -> list[FileCoverage]:
    files = (f for f in snap.coverage.files.values() if f.statements)
    return sorted(files, key=lambda f: (f.percent, -f.statements, f.path))[:top]


def most_complex(snap: Snapshot, top: int) -> list[FunctionMetric]:
    functions = (fn for f in snap.complexity.files.values() for fn in f.functions)
    return sorted(functions, key=lambda fn: (-fn.complexity, fn.path, fn.lineno))[:top]


def failing_tests(snap: Snapshot) -> list[TestCase]:
    return [case for case in snap.tests.cases if case.outcome in ("failed", "error")]


def first_line(text: str) -> str:
    return (text.splitlines() or [""])[0]


def metrics_table(snap: Snapshot) -> list[dict[str, str]]:
    """One row per measurement: metric, value."""
    t, c, cx = snap.tests, snap.coverage, snap.complexity
    rows = [
        ("commit", snap.commit[:12]),
        ("health", snap.health),
        ("tests", f"{t.status}: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"),
        ("test duration", f"{t.duration_s:.1f}s"),
        ("coverage", percent(c.total)),
        *((f"coverage {p}", percent(v)) for p, v in c.critical_paths.items()),
        ("mean complexity", f"{cx.mean_complexity:.2f}"),
        ("max complexity", str(cx.max_complexity)),
        ("mean maintainability", f"{cx.mean_mi:.1f}"),
        ("files over limits", str(len(cx.files_over_limit))),
        ("functions over limits", str(len(cx.functions_over_limit))),
        ("candidates", str(len(snap.candidates))),
    ]
    return [{"metric": k, "value": v} for k, v in rows]


def hot_spots_markdown(snap: Snapshot, top: int = 10) -> str:
    """Markdown: least covered files, most complex functions, limits, failing tests, candidates."""
    cx = snap.complexity
    out = [f"# Hot spots at `{snap.commit[:12]}` ({snap.health})", ""]
    weak = least_covered(snap, top)
    if weak:
        out += ["## Least covered", "", "| file | coverage | statements |", "|---|---:|---:|"]
        out += [f"| `{f.path}` | {f.percent:.1%} | {f.covered}/{f.statements} |" for f in weak] + [""]
    functions = most_complex(snap, top)
    if functions:
        out += ["## Most complex", "", "| function | complexity | lines |", "|---|---:|---:|"]
        out += [f"| `{fn.path}:{fn.lineno} {fn.name}` | {fn.complexity} ({fn.rank}) | {fn.length} |"
                for fn in functions] + [""]
    over = cx.files_over_limit + cx.functions_over_limit
    if over:
        out += ["## Over the seed's limits", ""] + [f"- {entry}" for entry in over[:top * 2]] + [""]
    failing = failing_tests(snap)
    if failing:
        out += ["## Failing tests", ""] + [f"- `{case.id}`: {first_line(case.message)}"
                                          for case in failing[:top]] + [""]
    if snap.candidates:
        out += ["## Candidates", ""] + [f"- **{t.id}**: {t.title} ({t.evidence})" for t in snap.candidates[:top]] + [""]
    if snap.problems:
        out += ["## Problems", ""] + [f"- {p}" for p in snap.problems] + [""]
    return "\n".join(out)
