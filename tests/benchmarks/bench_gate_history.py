"""Gate false-positive benchmark (issue 12): real human history through ``germinate gate``.

For each real project fetched for measuring (``/work/.mirror/<owner+name>/repo``, cloned to a
temporary folder; nothing is vendored), the last N non-merge commits by people (bots left
out) are replayed: ``germinate init`` writes the seed at the parent of the oldest replayed
commit (what a team adopting Germinate then would get), and every commit is judged with
``germinate gate --base C^ --head C --seed SEED --json`` in a subprocess with a clean
environment (static gates: ``--no-tests``; ``--with-tests`` runs the real gate with tests: the
``setup_command`` ``init`` wrote builds the target's venv, and the suite runs in the sandbox the
seed asks for, bubblewrap here).

Each blocking finding is classified by the rule its gate enforces:

- **fair, seed**: the seed states the rule and the commit breaks it (writes outside
  ``automation_contract.ai_access.write_paths`` or to CI config, more than the change budget,
  a new runtime package off the allowlist, a size limit crossed, tests deleted or weakened,
  a binary or symlink added);
- **false finding**: the gate claims something the commit does not do (a "secret" that is no
  key, a parse error in valid Python, dev tooling called "a new runtime package", a test run
  that could not start because the seed's ``setup_command`` no longer fits the tree, on a commit
  that changes no dependency, packaging or tox/nox file...). A commit
  whose every blocking finding is false is a **false positive** (the verdict is wrong); one
  also blocked for a fair reason is counted apart. Every block is printed with its evidence
  for a person to check the classification.

Run: ``python tests/benchmarks/bench_gate_history.py [--commits 60] [--with-tests] [PROJECT...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
MIRRORS = Path("/work/.mirror")
PROJECTS = ("more-itertools+more-itertools", "pallets+itsdangerous", "tkem+cachetools", "python-humanize+humanize")
BOTS = ("[bot]", "dependabot", "pre-commit-ci", "github-actions", "renovate")
GERMINATE = Path(sys.executable).with_name("germinate")
# Gates whose blocks enforce a rule the seed states: a block is the seed speaking.
SEED_RULES = {
    "write_paths": "writes outside automation_contract.ai_access.write_paths, or CI/seed files",
    "change_budget": "more than execution.change_budget",
    "dependencies": "a new runtime package not on the allowlist, or a non-index source",
    "file_types": "adds a binary or symlink",
    "file_length": "takes a file across the fitted limit or past its allowance",
    "function_length": "takes a function across the fitted limit or past its allowance",
    "complexity": "takes a function across the fitted complexity limit",
    "tests_kept": "deletes or renames away a test",
    "tests_not_skipped": "adds a skip/xfail or deselects tests",
    "assertions_kept": "a changed test checks less",
    "forbidden_imports": "an import the seed forbids",
    "tests_pass": "tests fail",
    "coverage_floor": "coverage below the floor",
    "coverage_no_decrease": "coverage fell",
}
# Gates whose findings claim a fact about the code: a block where the fact is false is a
# false positive. Secrets never come from a seed rule a human commit would knowingly break.
FACT_GATES = {"secrets", "syntax"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def clean_env(home: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "LANG", "TMPDIR") if k in os.environ}
    return {**env, "HOME": str(home), "GERMINATE_HOME": str(home / "germinate"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def human_commits(repo: Path, count: int) -> list[str]:
    """The newest ``count`` non-merge commits by people, oldest first."""
    out = git(repo, "log", "--no-merges", "--format=%H%x09%an%x09%ae", "-n", str(count * 3))
    picked = []
    for line in out.splitlines():
        sha, name, email = line.split("\t")
        if not any(b in f"{name} {email}".lower() for b in BOTS) and git(repo, "rev-list", "--parents", "-n1", sha).count(" ") == 1:
            picked.append(sha)
        if len(picked) == count:
            break
    return picked[::-1]


def seed_at(repo: Path, sha: str, home: Path, dest: Path) -> Path:
    """``germinate init`` on a checkout of ``sha``: the seed a team adopting Germinate then would get."""
    tree = dest / "init-checkout"
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(repo), str(tree)], check=True)
    git(tree, "checkout", "-q", sha)
    proc = subprocess.run([str(GERMINATE), "init", str(tree)], env=clean_env(home), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"germinate init failed on {repo.name}@{sha[:10]}: {proc.stderr}")
    seed = dest / "seed.yaml"
    seed.write_text((tree / "seed.yaml").read_text())
    return seed


def gate(repo: Path, sha: str, seed: Path, home: Path, tests: bool) -> dict:
    args = [str(GERMINATE), "gate", "--repo", str(repo), "--base", f"{sha}^", "--head", sha, "--seed", str(seed),
            "--json", *([] if tests else ["--no-tests"])]
    proc = subprocess.run(args, env=clean_env(home), capture_output=True, text=True, timeout=1800)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"verdict": "error", "error": proc.stderr[-500:], "gates": []}


def runtime_at(repo: Path, sha: str) -> set[str]:
    """The runtime packages the project declares at ``sha``, read from the commit's tree with the
    classification ``init`` and the gate share (``germinate.policy.dependency_roles``)."""
    from germinate.policy.dependency_roles import classify
    from germinate.policy.depfiles import is_dependency_file

    paths = [p for p in git(repo, "ls-tree", "-r", "--name-only", sha).splitlines() if is_dependency_file(p)]

    def read(path: str) -> str | None:
        proc = subprocess.run(["git", "show", f"{sha}:{path}"], cwd=repo, capture_output=True, text=True)
        return proc.stdout if proc.returncode == 0 else None

    return set(classify(paths, read).runtime)


def _named_packages(evidence: list[str]) -> set[str]:
    found = set()
    for line in evidence:
        found.update(re.findall(r"package '([^']+)'", line))
        listed = re.search(r"new packages \(([^)]*)\)", line)
        if listed:
            found.update(p.strip() for p in listed.group(1).split(","))
    return found


def _touches_setup(report: dict) -> bool:
    from germinate.policy.depfiles import is_dependency_file

    paths = (report.get("changes") or {}).get("paths", [])
    return any(is_dependency_file(p) or p.rsplit("/", 1)[-1] in ("tox.ini", "noxfile.py", "MANIFEST.in") for p in paths)


def classify(report: dict, runtime: set[str]) -> tuple[str, list[str]]:
    """(pass | approval | fair | fair_false_finding | false_positive | error, causes).

    ``false_positive``: every blocking finding is false, so the verdict itself is wrong;
    ``fair_false_finding``: blocked rightly by the seed, but one of the findings is false.
    """
    if report["verdict"] == "error":
        return "error", [report.get("error", "")[:200]]
    blocks = [g for g in report["gates"] if not g["passed"] and g["severity"] == "block"]
    if not blocks:
        return ("approval" if report["verdict"] == "needs_approval" else "pass"), []
    causes, false = [], set()
    for g in blocks:
        causes.append(f"{g['name']}: {g['evidence'][0] if g['evidence'] else g['message']}"[:160])
        named = _named_packages(g["evidence"])
        if g["name"] in FACT_GATES or g["name"] not in SEED_RULES:
            false.add(g["name"])
        elif g["name"] == "dependencies" and named and not named & runtime:  # "a new runtime package"
            false.add(g["name"])
            causes.append(f"  (false: not runtime packages at the head: {', '.join(sorted(named))})")
        elif g["name"] == "tests_pass" and "test run error" in g["message"] and not _touches_setup(report):
            false.add(g["name"])  # the environment failed, and nothing the commit changed feeds it
            causes.append("  (false: the seed's environment cannot be built on this tree, and the commit changes "
                          "no dependency, packaging or tox/nox file)")
    if not false:
        return "fair", causes
    return ("false_positive" if len(false) == len(blocks) else "fair_false_finding"), causes


def replay(name: str, count: int, tests: bool, work: Path) -> Counter[str]:
    mirror = MIRRORS / name / "repo"
    repo = work / name
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(mirror), str(repo)], check=True)
    commits = human_commits(repo, count)
    home = work / f"home-{name}"
    seed = seed_at(repo, f"{commits[0]}^", home, work / f"seed-{name}")
    print(f"\n## {name}: {len(commits)} human non-merge commits, {commits[0][:10]}..{commits[-1][:10]}; "
          f"seed from 'germinate init' at {commits[0][:10]}^")
    tally: Counter[str] = Counter()
    gate_counts: Counter[str] = Counter()
    started = time.perf_counter()
    for sha in commits:
        report = gate(repo, sha, seed, home, tests)
        kind, causes = classify(report, runtime_at(repo, sha))
        tally[kind] += 1
        subject = git(repo, "log", "-1", "--format=%s", sha).strip()[:60]
        for cause in causes:
            gate_counts[f"{kind}:{cause.split(':', 1)[0]}"] += 1
        notes = _notes(report)
        tally.update(f"note:{name}" for name in notes)
        if tests:
            tally.update(_test_tally(report))
        if kind not in ("pass",) or notes or tests:
            print(f"  {sha[:10]} {kind:<18} {subject}{_tests_line(report) if tests else ''}", flush=True)
            for cause in causes + [f"(not blocking) {name}: {text}" for name, text in notes.items()]:
                print(f"      - {cause}")
    elapsed = time.perf_counter() - started
    total = _commits(tally)
    print(f"  result: {_summary(tally)}; {elapsed:.0f} s ({elapsed / total:.1f} s per gate)")
    print(f"  blocks by gate: {dict(sorted(gate_counts.items()))}")
    return tally


def _notes(report: dict) -> dict[str, str]:
    """Non-blocking dependency findings (development requirements): shown, never counted as blocks."""
    return {g["name"]: (g["evidence"][0] if g["evidence"] else g["message"])[:160] for g in report.get("gates", [])
            if not g["passed"] and g["severity"] == "warn" and g["name"] == "dependencies"}


def _tests_line(report: dict) -> str:
    run = report.get("tests") or {}
    if not run:
        return f"  [tests not run: {(report.get('stopped') or '')[:80]}]"
    cached = "base cached" if run.get("base_from_cache") else "base run"
    return (f"  [tests {run.get('status')}: {run.get('passed')} passed, {run.get('failed')} failed; "
            f"coverage {run.get('base_coverage') or 0:.1%} -> {run.get('coverage') or 0:.1%}; {cached}; "
            f"{(report.get('timings') or {}).get('total_s', 0):.0f} s]")


def _test_tally(report: dict) -> list[str]:
    run = report.get("tests") or {}
    if not run:
        return ["tests:not_run"]
    return [f"tests:{run.get('status')}"] + (["tests:base_from_cache"] if run.get("base_from_cache") else [])


def _commits(tally: Counter[str]) -> int:
    return sum(n for key, n in tally.items() if ":" not in key)


def _summary(tally: Counter[str]) -> str:
    total = _commits(tally)
    return (f"{total} commits: {tally['pass']} pass, {tally['approval']} need approval, {tally['fair']} fair blocks, "
            f"{tally['fair_false_finding']} fair blocks with a false finding "
            f"({tally['fair_false_finding'] / total:.1%}), {tally['false_positive']} false positives "
            f"({tally['false_positive'] / total:.1%}), {tally['error']} errors; "
            f"{tally['note:dependencies']} with a non-blocking development-requirement note"
            + "".join(f"; {key} {n}" for key, n in sorted(tally.items()) if key.startswith("tests:")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", default=list(PROJECTS[:2]))
    parser.add_argument("--commits", type=int, default=60)
    parser.add_argument("--with-tests", "--tests", dest="tests", action="store_true",
                        help="the real gate with tests: builds each project's venv, runs the suite in the sandbox")
    args = parser.parse_args()
    missing = [p for p in args.projects if not (MIRRORS / p / "repo").exists()]
    if missing:
        print(f"skipped: no mirror for {', '.join(missing)} under {MIRRORS}")
        args.projects = [p for p in args.projects if p not in missing]
    if args.tests:
        from germinate.environments import bwrap

        why = bwrap.probe()
        print(f"sandbox: {'bubblewrap' if not why else 'none usable: ' + why}")
        if why:
            return 1
    grand: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="gate-history-") as tmp:
        for name in args.projects:
            grand += replay(name, args.commits, args.tests, Path(tmp))
    total = _commits(grand)
    if total:
        print(f"\nall: {_summary(grand)}")
    return 1 if grand["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
