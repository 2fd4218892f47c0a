"""Repo-map benchmark (issue 4), figures for docs/benchmarks/edits-context.md.

The tree: an installed package's source (sqlalchemy by default, >= 100k lines) copied into
a temporary git repository. For each run: a cold build (empty cache folder: every file is
parsed) and a warm build (same cache: every summary is read back, nothing is parsed),
both end to end through ``build_repo_map`` (file listing, hashing, ranking, fitting).
Then tokens used versus budget for several budgets. Medians over the runs.

Run: ``python tests/benchmarks/bench_context.py [--runs N] [--package NAME]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from germinate.context import build_repo_map  # noqa: E402
from germinate.context import tokens as tokens_module  # noqa: E402

MIN_LINES = 100_000
TICKETS = {  # package -> (scope, mentions): a plausible ticket for the tree
    "sqlalchemy": (["sqlalchemy/orm/identity.py"], ["Session.merge", "identity_map"]),
    "prefect": (["prefect/flows.py"], ["Flow.with_options", "retries"]),
}
BUDGETS = [1_000, 4_000, 8_000, 16_000, 32_000]


def make_tree(package: str, dest: Path) -> int:
    """Copy ``package``'s source into a fresh git repository at ``dest``; its line count."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {package!r} is not installed in this interpreter")
    source = Path(next(iter(spec.submodule_search_locations)))
    shutil.copytree(
        source, dest / package, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyc")
    )
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], cwd=dest, check=True)
    return sum(p.read_bytes().count(b"\n") for p in dest.rglob("*.py"))


def timed(
    worktree: Path, cache: Path, scope: list[str], mentions: list[str], budget: int
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process (steadier on a busy machine), tokens used."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = build_repo_map(
        worktree, scope=scope, mentions=mentions, token_budget=budget, cache_dir=cache
    )
    return time.perf_counter() - wall, time.process_time() - cpu, result.tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--package", default="sqlalchemy", choices=sorted(TICKETS))
    args = parser.parse_args()
    scope, mentions = TICKETS[args.package]
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        lines = make_tree(args.package, tree)
        files = len(list(tree.rglob("*.py")))
        counter = (
            "cl100k_base (litellm's bundled copy)"
            if tokens_module.encoder()
            else "chars/4 estimate"
        )
        print(
            f"machine: {platform.machine()} python {platform.python_version()}; tokens: {counter}"
        )
        print(
            f"tree: {args.package}, {files} Python files, {lines:,} lines (>= {MIN_LINES:,}: {lines >= MIN_LINES})"
        )
        print(
            f"ticket: scope={scope} mentions={mentions}; {args.runs} runs, budget 8000 for timings"
        )
        cold, warm = [], []
        for run in range(args.runs):
            cache = Path(tmp) / f"cache{run}"
            cold.append(timed(tree, cache, scope, mentions, 8_000))
            warm.append(timed(tree, cache, scope, mentions, 8_000))
        for label, runs in (
            ("cold build (parse every file)", cold),
            ("warm build (all cached)      ", warm),
        ):
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            print(
                f"{label}: median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU"
                f"  (wall runs {[round(w, 2) for w in walls]})"
            )
        for budget in BUDGETS:
            used = timed(tree, Path(tmp) / "cache0", scope, mentions, budget)[2]
            print(f"budget {budget:>6}: {used:>6} tokens used ({used / budget:.1%})")
        return 0 if lines >= MIN_LINES else 1


if __name__ == "__main__":
    sys.exit(main())
