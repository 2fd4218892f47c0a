"""Sandbox benchmark (issue 10): the cost of running target code in bubblewrap instead of locally.

One figure per target, measured side by side in one run: the median wall time of one sandboxed
test measurement (``measure_tests``: copy of the commit, tests under coverage, the separate
collection run and the separate coverage report) with ``execution.sandbox: bwrap`` divided by
the same with ``execution.sandbox: local``. Runs alternate (bwrap, local, bwrap, ...) so both see
the same load. Goal <= 1.10. For context it also times the bare work by hand (``coverage run -m
pytest`` in a checkout, no evidence checks), which is what the evidence checks add to.

Targets: ``examples/target`` (minicalc) and a generated ~10k-line package (600 tests).
Run: ``python tests/benchmarks/bench_sandbox.py [--runs N] [--out docs/benchmarks/sandbox.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GERMINATE_TARGET_VENV", sys.prefix)
os.environ.setdefault("GERMINATE_HOME", tempfile.mkdtemp(prefix="bench-sandbox-home-"))

from examples.demo import make_target  # noqa: E402
from germinate.metrics.snapshot import measure_tests  # noqa: E402
from germinate.seed import Seed, repo_seed  # noqa: E402
from germinate.workspace import clean_checkout  # noqa: E402

GOAL = 1.10
MODULES, FUNCS = 50, 12


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=repo, check=True,
                   capture_output=True)


def large_target(dest: Path) -> Path:
    """A package of MODULES modules x FUNCS functions (~10k lines with tests), one test per function."""
    (dest / "big").mkdir(parents=True)
    (dest / "tests").mkdir()
    (dest / "big" / "__init__.py").write_text("")
    for m in range(MODULES):
        funcs = "\n\n".join(
            f"def f{i}(x):\n    \"\"\"Function {i}.\"\"\"\n    total = 0\n    for k in range(x):\n"
            f"        if k % 3 == 0:\n            total += k * {i}\n        elif k % 3 == 1:\n"
            f"            total -= {i}\n        else:\n            total += 1\n    return total\n"
            for i in range(FUNCS))
        (dest / "big" / f"m{m:02d}.py").write_text(funcs + "\n")
        tests = "\n\n".join(f"def test_f{i}():\n    assert m.f{i}(4) == m.f{i}(4)\n" for i in range(FUNCS))
        (dest / "tests" / f"test_m{m:02d}.py").write_text(f"from big import m{m:02d} as m\n\n\n{tests}")
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "large target")
    return dest


def lines_of(repo: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in repo.rglob("*.py") if ".git" not in p.parts)


def with_sandbox(seed: Seed, kind: str) -> Seed:
    return seed.model_copy(update={"execution": seed.execution.model_copy(update={"sandbox": kind})})


def bare(tree: Path, command: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COVERAGE_FILE": f"{tmp}/.coverage", "PYTHONPATH": str(tree)}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "coverage", "run", *command.split()[1:], "-p", "no:cacheprovider"],
                       cwd=tree, env=env, capture_output=True, check=False)
        return time.perf_counter() - started


def measure(repo: Path, runs: int) -> dict:
    seed = repo_seed(repo).seed
    times: dict[str, list[float]] = {"bwrap": [], "local": [], "bare": []}
    with clean_checkout(repo, "HEAD", name="bench-sandbox") as tree:
        for kind in ("bwrap", "local"):  # warm-up: first imports, page cache
            measure_tests(tree, with_sandbox(seed, kind), repo=repo)
        for _ in range(runs):
            for kind in ("bwrap", "local"):
                started = time.perf_counter()
                run, _cov = measure_tests(tree, with_sandbox(seed, kind), repo=repo)
                times[kind].append(time.perf_counter() - started)
                assert run.status == "ok", (kind, run.status, run.reason)
            times["bare"].append(bare(tree, seed.execution.test_command))
        tests = run.passed
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"repo": repo.name, "lines": lines_of(repo), "tests": tests, "runs": times, "median": med,
            "ratio": med["bwrap"] / med["local"], "evidence": med["local"] / med["bare"]}


def markdown(rows: list[dict]) -> str:
    out = ["# Sandbox overhead", "",
           "Written by `python tests/benchmarks/bench_sandbox.py --out docs/benchmarks/sandbox.md`.", "",
           "One test measurement = `measure_tests`: export of the commit, tests under coverage, the separate "
           "collection run, the separate coverage report. bwrap and local alternate under the same load; "
           "medians. *bare* is `coverage run -m pytest` by hand in the checkout (no copy, no evidence checks).", "",
           f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
           f"{platform.system()} {platform.release()}; load average at the end "
           f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.", "",
           "| target | lines | tests | bwrap (s) | local (s) | **bwrap ÷ local** | goal | local ÷ bare |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r["median"]
        out.append(f"| {r['repo']} | {r['lines']:,} | {r['tests']} | {m['bwrap']:.2f} | {m['local']:.2f} | "
                   f"**{r['ratio']:.2f}** | ≤ {GOAL:.2f} | {r['evidence']:.2f} |")
    out += ["", "Raw runs (s):", ""]
    for r in rows:
        for kind, values in r["runs"].items():
            out.append(f"- {r['repo']} {kind}: {', '.join(f'{v:.2f}' for v in values)}")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    from germinate.environments.bwrap import probe

    if probe():
        print(f"skipped: bubblewrap cannot run here ({probe()})")
        return 0
    import logging

    logging.getLogger("germinate.environments").setLevel(logging.ERROR)  # the local kind's warning, per run
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        for repo in (make_target(Path(tmp) / "minicalc"), large_target(Path(tmp) / "big10k")):
            row = measure(repo, args.runs)
            rows.append(row)
            m = row["median"]
            print(f"{row['repo']:>10}: {row['lines']:,} lines, {row['tests']} tests; bwrap {m['bwrap']:.2f} s, "
                  f"local {m['local']:.2f} s, bare {m['bare']:.2f} s -> bwrap/local {row['ratio']:.2f} "
                  f"(goal <= {GOAL}), local/bare {row['evidence']:.2f}", flush=True)
    text = markdown(rows)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
