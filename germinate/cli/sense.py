"""``germinate sense REPO [--json] [--ref REF]``: measure a repository and print its Snapshot."""

from __future__ import annotations

import argparse
from pathlib import Path

from germinate.metrics.report import failing_tests, first_line, least_covered, most_complex, percent
from germinate.models import Snapshot


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sense",
        help="measure a repository: tests under coverage, radon, git; print the Snapshot",
        description="Sense a commit of REPO in a clean checkout (the working tree is never touched): run "
        "its tests under coverage in the target's own venv, radon, git churn and the scout. Uses REPO's "
        "seed.yaml (defaults if none). Cached by commit and seed hash.",
    )
    p.add_argument("repo", nargs="?", default=".", help="the target repository (default: .)")
    p.add_argument("--ref", default="HEAD", help="commit, branch or tag to sense (default: HEAD)")
    p.add_argument("--json", action="store_true", help="print the whole Snapshot as JSON")
    p.add_argument("--test-command", metavar="CMD", help="run CMD instead of execution.test_command")
    p.add_argument("--no-cache", action="store_true", help="measure again even if this commit was sensed")
    p.set_defaults(func=run)


def summary(snap: Snapshot, hot_spots: int = 5) -> list[str]:
    """The human summary: one line per measurement, then hot spots, candidates and problems."""
    t, c, cx, g = snap.tests, snap.coverage, snap.complexity, snap.git
    stmts = sum(f.statements for f in c.files.values())
    covered = sum(f.covered for f in c.files.values())
    crit = ", ".join(f"{p} {percent(v)}" for p, v in c.critical_paths.items()) or "none configured"
    lines = [
        f"repo         {snap.repo} @ {snap.commit[:12]} ({g.branch or 'detached'}, {'dirty' if g.dirty else 'clean'})",
        f"seed         {snap.seed_hash[:12]}",
        f"health       {snap.health}",
        f"tests        {t.status}: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped "
        f"in {t.duration_s:.1f}s ({t.command})",
        f"coverage     {percent(c.total)} ({covered}/{stmts} statements, {len(c.files)} files); critical: {crit}",
        f"complexity   mean {cx.mean_complexity:.2f}, max {cx.max_complexity}; MI mean {cx.mean_mi:.1f}; "
        f"{len(cx.files)} files",
        f"limits       {len(cx.files_over_limit)} files, {len(cx.functions_over_limit)} functions over the seed's limits",
    ]
    weak = least_covered(snap, hot_spots)
    if weak:
        lines.append("least covered")
        lines += [f"  {f.percent:6.1%}  {f.path} ({f.covered}/{f.statements})" for f in weak]
    functions = most_complex(snap, hot_spots)
    if functions:
        lines.append("most complex")
        lines += [f"  {fn.complexity:4d} {fn.rank}  {fn.path}:{fn.lineno} {fn.name}" for fn in functions]
    failing = failing_tests(snap)
    if failing:
        lines.append("failing tests")
        lines += [f"  {case.id}: {first_line(case.message)[:100]}" for case in failing[:10]]
    lines.append(f"candidates   {len(snap.candidates)}")
    lines += [f"  {cand.id}: {cand.title}" for cand in snap.candidates[:10]]
    if snap.problems:
        lines.append("problems")
        lines += [f"  {p}" for p in snap.problems]
    if t.status in ("timeout", "error") and t.log_tail:
        lines.append("log tail")
        lines += [f"  {line}" for line in t.log_tail.splitlines()[-15:]]
    return lines


def run(args: argparse.Namespace) -> int:
    from germinate.metrics.snapshot import seed_of, take_snapshot, with_test_command

    repo = Path(args.repo).resolve()
    loaded = seed_of(repo)
    if args.test_command:
        loaded = with_test_command(loaded, args.test_command)
    snap = take_snapshot(repo, loaded, ref=args.ref, use_cache=not args.no_cache)
    if args.json:
        print(snap.model_dump_json(indent=2))
    else:
        print("\n".join(summary(snap)))
    return 0
