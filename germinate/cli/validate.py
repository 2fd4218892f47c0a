"""``germinate validate [PATH]``: check a seed and summarise it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from germinate.errors import SeedError
from germinate.seed import SEED_FILENAME, Budget, Seed, load_seed


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a seed.yaml and print a summary (exit 1 listing every error)",
        description="Validate a seed file. PATH is a seed file or a repository holding seed.yaml "
        "(default: ./seed.yaml). Every error names file:line:column, the key and a fix.",
    )
    p.add_argument("path", nargs="?", default=".", help="seed file or repository (default: .)")
    p.set_defaults(func=run)


def _limit(value: float | int | None, unit: str, prefix: str = "") -> str:
    if value is None:
        return "unlimited" + unit
    return f"{prefix}{value:,}{unit}" if isinstance(value, int) else f"{prefix}{value:,.2f}{unit}"


def _budget(b: Budget) -> str:
    return ", ".join([_limit(b.dollars, "", "$"), _limit(b.tokens, " tokens"), _limit(b.wall_minutes, " min")])


def summary(seed: Seed) -> list[str]:
    """The short human summary printed on success."""
    ac = seed.automation_contract
    qg = seed.quality_gates
    b = seed.budgets
    from germinate.policy import GATES

    crit = ", ".join(f"{c.path}>={c.minimum:.0%}" for c in qg.coverage.critical_paths) or "none"
    return [
        f"project      {seed.project.name}",
        f"modules      {len(seed.architecture.modules)}: {', '.join(seed.architecture.modules) or '-'}",
        f"epics        {len(seed.growth_objectives.roadmap_epics)}: "
        + (", ".join(e.id for e in seed.growth_objectives.roadmap_epics) or "-"),
        f"gates        {len(GATES)}: {', '.join(GATES)}",
        f"coverage     global>={qg.coverage.global_minimum:.0%}; critical: {crit}",
        f"write paths  {', '.join(ac.ai_access.write_paths)}",
        f"never write  {', '.join(ac.ai_access.effective_disallowed())}",
        f"merge        {'auto-merge allowed' if ac.merge_policy.allow_auto_merge else 'human merge required'}",
        f"budgets      per cycle {_budget(b.per_cycle)}; per run {_budget(b.per_run)}, "
        f"{_limit(b.per_run.max_cycles, ' cycles')}",
        f"models       default {seed.models.default}",
    ]


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir():
        path = path / SEED_FILENAME
    try:
        loaded = load_seed(path)
    except SeedError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    print(f"{path}: valid (sha256 {loaded.sha256[:12]})")
    for line in summary(loaded.seed):
        print(f"  {line}")
    return 0
