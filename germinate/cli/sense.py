"""``germinate sense REPO [--json] [--ref REF]``: measure a repository and print its Snapshot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the metrics package pulls the store and SQLAlchemy: imported when a command runs
    from germinate.models import CoverageReport, Snapshot


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


def headline(snap: Snapshot) -> list[str]:
    """One line per measurement."""
    from germinate.metrics.report import percent

    t, c, cx, g = snap.tests, snap.coverage, snap.complexity, snap.git
    stmts = sum(f.statements for f in c.files.values())
    covered = sum(f.covered for f in c.files.values())
    crit = ", ".join(f"{p} {percent(v)}" for p, v in c.critical_paths.items()) or "none configured"
    state = "dirty" if g.dirty else "clean"
    return [
        f"repo         {snap.repo} @ {snap.commit[:12]} ({g.branch or 'detached'}, {state})",
        f"seed         {snap.seed_hash[:12]}",
        f"health       {snap.health}",
        f"tests        {t.status}: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped "
        f"in {t.duration_s:.1f}s ({t.command})",
        f"coverage     {percent(c.total)} ({covered}/{stmts} statements{_branches(c)}, {len(c.files)} files); "
        f"critical: {crit}",
        f"complexity   mean {cx.mean_complexity:.2f}, max {cx.max_complexity}; MI mean {cx.mean_mi:.1f}; "
        f"{len(cx.files)} files",
        f"limits       {len(cx.files_over_limit)} files, {len(cx.functions_over_limit)} functions over the seed's limits",
    ]


def _branches(c: CoverageReport) -> str:
    if not c.branch:
        return ""
    return (f", {sum(f.covered_branches for f in c.files.values())}/{sum(f.branches for f in c.files.values())} "
            "branches: branch coverage is on")


def section(title: str, rows: list[str]) -> list[str]:
    """A titled, indented block (nothing when there are no rows)."""
    return [title, *(f"  {row}" for row in rows)] if rows else []


def summary(snap: Snapshot, hot_spots: int = 5) -> list[str]:
    """The human summary: measurements, then hot spots, failing tests, candidates and problems."""
    from germinate.metrics.report import failing_tests, first_line, least_covered, most_complex

    t = snap.tests
    tail = t.log_tail.splitlines()[-15:] if t.status in ("timeout", "error") else []
    return [
        *headline(snap),
        *section("least covered", [f"{f.percent:6.1%}  {f.path} ({f.covered}/{f.statements})"
                                   for f in least_covered(snap, hot_spots)]),
        *section("most complex", [f"{fn.complexity:4d} {fn.rank}  {fn.path}:{fn.lineno} {fn.name}"
                                  for fn in most_complex(snap, hot_spots)]),
        *section("failing tests", [f"{case.id}: {first_line(case.message)[:100]}" for case in failing_tests(snap)[:10]]),
        f"candidates   {len(snap.candidates)}",
        *(f"  {cand.id}: {cand.title}" for cand in snap.candidates[:10]),
        *section("problems", snap.problems),
        *section("log tail", tail),
    ]


def _warn_seed(repo: Path, ref: str) -> None:
    """Say loudly when the seed that steers growth is missing or not committed."""
    from germinate.workspace import run_git

    if not (repo / "seed.yaml").is_file():
        print(f"germinate sense: warning: {repo} has no seed.yaml: measured with Germinate's defaults. "
              "Fix: 'germinate init', then commit seed.yaml", file=sys.stderr)
    elif not run_git(repo, "ls-tree", ref, "--", "seed.yaml", check=False).strip():
        print(f"germinate sense: warning: seed.yaml is not committed at {ref}: sense used the working tree's "
              "copy, but growth and gates only follow a committed seed. Fix: git add seed.yaml && git commit",
              file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from germinate.metrics.snapshot import take_snapshot, with_test_command
    from germinate.seed import repo_seed
    from germinate.workspace import repo_root

    repo = repo_root(args.repo)
    loaded = repo_seed(repo)
    _warn_seed(repo, args.ref)
    if args.test_command:
        loaded = with_test_command(loaded, args.test_command)
    snap = take_snapshot(repo, loaded, ref=args.ref, use_cache=not args.no_cache)
    if args.json:
        print(snap.model_dump_json(indent=2))
    else:
        print("\n".join(summary(snap)))
    return 0
