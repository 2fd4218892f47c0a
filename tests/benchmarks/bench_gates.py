"""Gates benchmark (issue 5): the cost of ``germinate gate`` on a typical change to a ~10k-line target.

1. Gate evaluation without the test run: ``changeset_between`` + ``evaluate_gates`` (median of
   N runs), reading both sides from git objects (``--no-tests``), and from checked-out worktrees.
2. The whole ``germinate gate`` with tests as a ratio to one bare run of the target's tests
   (``python -m pytest -q`` in a checkout), measured alternately: cold (the base is sensed
   once and cached) and warm (the next change on that base reads the base from the cache).
   Both use one interpreter (``GERMINATE_TARGET_VENV`` = this venv), so no venv is built.

The target is generated: 40 modules of ~250 lines (functions, classes, branches) and a test
module per source module. The change touches three modules (+42/-3 lines) and adds a test.
Run: ``python tests/benchmarks/bench_gates.py [--runs N]``.
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

from germinate.cli.gate import base_seed, gate_change  # noqa: E402
from germinate.diff import changeset_between  # noqa: E402
from germinate.policy import evaluate_gates  # noqa: E402
from germinate.workspace import clean_checkout  # noqa: E402

SEED = """version: 1
project: {name: bench}
quality_gates:
  coverage: {global_minimum: 0.2, diff_minimum: 0.1}
constraints:
  modules:
    forbidden_imports: [{from: "bench.m0*", to: "bench.m3*"}]
"""


def module_text(i: int) -> str:
    parts = [f'"""Module {i}: generated business rules."""', "", "from __future__ import annotations", ""]
    for f in range(16):
        parts += [
            "", f"def rule_{f}(amount: int, kind: str) -> int:",
            f'    """Rule {f} of module {i}."""',
            "    total = amount",
            f"    if kind == 'a{f}':",
            f"        total += {f}",
            f"    elif kind == 'b{f}':",
            f"        total -= {i}",
            "    for step in range(3):",
            "        total += step",
            "    return total", "",
        ]
    parts += ["", f"class Service{i}:", "    def __init__(self) -> None:", "        self.calls = 0", "",
              "    def run(self, amount: int) -> int:", "        self.calls += 1",
              "        return rule_0(amount, 'a0') + rule_1(amount, 'b1')", ""]
    return "\n".join(parts) + "\n"


def test_text(i: int) -> str:
    body = [f"from bench.m{i} import Service{i}, rule_0, rule_1", ""]
    for f in range(3):
        body += ["", f"def test_rule_{f}():", f"    assert rule_0({f}, 'a0') == {f + 3}",
                 f"    assert rule_1({f}, 'x') == {f + 3}", ""]
    body += ["", "def test_service():", f"    assert Service{i}().run(1) == {8 - i}", ""]
    return "\n".join(body) + "\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def build_target(root: Path) -> tuple[Path, str, str, int]:
    """The generated target committed on main, and a typical change on a branch: (repo, base, head, lines)."""
    repo = root / "bench-target"
    (repo / "bench").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "seed.yaml").write_text(SEED)
    (repo / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "1"\ndependencies = ["attrs"]\n')
    (repo / "bench" / "__init__.py").write_text("")
    for i in range(40):
        (repo / "bench" / f"m{i}.py").write_text(module_text(i))
        (repo / "tests" / f"test_m{i}.py").write_text(test_text(i))
    lines = sum(len(p.read_text().splitlines()) for p in repo.rglob("*.py"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "target")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "change")
    for i in (3, 17, 29):
        path = repo / "bench" / f"m{i}.py"
        text = path.read_text().replace(f"    elif kind == 'b5':\n        total -= {i}\n",
                                        f"    elif kind == 'b5':\n        total -= {i} * 2\n")
        text += ("\n\ndef audit(amounts: list[int]) -> dict[str, int]:\n    \"\"\"Totals by sign.\"\"\"\n"
                 "    out = {'pos': 0, 'neg': 0}\n    for a in amounts:\n        if a >= 0:\n"
                 "            out['pos'] += a\n        else:\n            out['neg'] += a\n    return out\n")
        path.write_text(text)
    (repo / "tests" / "test_audit.py").write_text(
        "from bench.m3 import audit\n\n\ndef test_audit():\n    assert audit([1, -2, 3]) == {'pos': 4, 'neg': -2}\n")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "change")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    return repo, base, head, lines


def gates_only(repo: Path, base: str, head: str, worktrees: tuple[Path, Path] | None) -> float:
    started = time.perf_counter()
    loaded = base_seed(repo, base, None)
    changes = changeset_between(repo, base, head)
    evaluate_gates(loaded.seed, changes, worktree=worktrees[0] if worktrees else None,
                   base_worktree=worktrees[1] if worktrees else None, evaluation=None, base_snapshot=None,
                   ticket=None)
    return time.perf_counter() - started


def bare_tests(repo: Path, head: str) -> float:
    with clean_checkout(repo, head, name="bench-bare") as tree:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tree,
                       capture_output=True, check=False)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="repetitions of the gates-only figure")
    parser.add_argument("--test-runs", type=int, default=3, help="repetitions of the with-tests figures")
    args = parser.parse_args()
    os.environ.setdefault("GERMINATE_TARGET_VENV", sys.prefix)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GERMINATE_HOME"] = str(Path(tmp) / "home")
        repo, base, head, lines = build_target(Path(tmp))
        changes = changeset_between(repo, base, head)
        print(f"target: {lines} lines of Python in {len(list(repo.rglob('*.py')))} files; change: "
              f"{len(changes.files)} files, +{changes.lines_added}/-{changes.lines_removed}")
        git_only = [gates_only(repo, base, head, None) for _ in range(args.runs)]
        with clean_checkout(repo, head, name="bench-head") as h, clean_checkout(repo, base, name="bench-base") as b:
            on_trees = [gates_only(repo, base, head, (h, b)) for _ in range(args.runs)]
        bare, cold, warm = [], [], []
        for run in range(args.test_runs):  # alternated, so load changes hit every figure alike
            bare.append(bare_tests(repo, head))
            os.environ["GERMINATE_HOME"] = str(Path(tmp) / f"home-{run}")  # cold: the base not sensed yet
            started = time.perf_counter()
            report = gate_change(repo, base=base, head=head, run_tests=True)
            cold.append(time.perf_counter() - started)
            assert report["tests"]["base_from_cache"] is False
            started = time.perf_counter()  # warm: the next change on the same base
            report = gate_change(repo, base=base, head=head, run_tests=True)
            warm.append(time.perf_counter() - started)
            assert report["tests"]["base_from_cache"] is True
        assert report["verdict"] == "pass", [g for g in report["gates"] if not g["passed"]]
    med = statistics.median
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"gates only, from git objects (--no-tests): median {med(git_only) * 1000:.0f} ms "
          f"(min {min(git_only) * 1000:.0f}, max {max(git_only) * 1000:.0f}, n={args.runs})")
    print(f"gates only, on checked-out worktrees:      median {med(on_trees) * 1000:.0f} ms (n={args.runs})")
    print(f"bare test run (pytest -q):                 median {med(bare):.2f} s (n={args.test_runs})")
    print(f"germinate gate with tests, cold (base sensed once, head under coverage): median {med(cold):.2f} s "
          f"= {med(cold) / med(bare):.2f}x the bare test run (n={args.test_runs})")
    print(f"germinate gate with tests, warm (base from the snapshot cache): median {med(warm):.2f} s "
          f"= {med(warm) / med(bare):.2f}x the bare test run (n={args.test_runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
