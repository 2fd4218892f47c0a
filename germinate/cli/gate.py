"""``germinate gate``: every gate from the seed on any change, a person's or an agent's.

    germinate gate --repo PATH --base REF --head REF [--seed FILE] [--json] [--no-tests]
    germinate gate --repo PATH --base REF --patch FILE ...

Exit 0 pass, 1 blocked, 2 needs approval, 3 error. The seed is the base commit's
``seed.yaml`` (``git show BASE:seed.yaml``), never the working tree's or the change's own:
a change that loosens the seed is judged by the seed it started from. With ``--patch`` the
patch is applied (``git apply --3way``) to the base in a temporary worktree and committed
there; the user's working tree is never touched.

Static gates (paths, file types, limits, test infrastructure, dependencies, imports, secrets,
labels, checkpoints) run first, on the committed change as git holds it. If one blocks, the
evaluation ends there: nothing of the change is checked out, installed or run, and the report
says so (``stopped``). Otherwise tests run under coverage on the head (unless ``--no-tests``);
the base's figures come from its cached snapshot (``germinate sense``, same commit and seed),
sensed once if missing; the dynamic gates (tests pass, coverage) read them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from germinate.errors import ConfigError, GerminateError, RepoError

EXIT_CODES = {"pass": 0, "blocked": 1, "needs_approval": 2}
EXIT_ERROR = 3
_MARK = {"block": "BLOCK", "needs_approval": "APPROVAL", "warn": "WARN"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gate",
        help="run every gate from the seed on a change (exit 0 pass, 1 blocked, 2 needs approval, 3 error)",
        description="Evaluate every gate (paths, change budget, limits, tests, coverage, dependencies, "
        "imports, secrets, test infrastructure, labels, checkpoints) on the change BASE..HEAD, or on a "
        "patch applied to BASE in a temporary worktree. Thresholds come from BASE's seed.yaml (or --seed). "
        "Static gates run first: if one blocks, none of the change's code is installed or run. "
        "Exit 0 pass, 1 blocked, 2 needs approval, 3 error.",
    )
    p.add_argument("--repo", default=".", help="the target repository (default: .)")
    p.add_argument("--base", required=True, help="the commit the change starts from, e.g. origin/main")
    p.add_argument("--head", default=None, help="the change's commit (default: HEAD; not with --patch)")
    p.add_argument("--patch", type=Path, default=None, help="a patch file to test against BASE instead of --head")
    p.add_argument("--seed", type=Path, default=None, help="seed file (default: BASE's seed.yaml)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    p.add_argument("--no-tests", action="store_true", help="skip the test run (static gates only)")
    p.add_argument("--label", action="append", default=[], help="a label on the change (repeatable)")
    p.add_argument("--repo-label", action="append", default=[], help="a label on the repository (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from germinate.workspace import repo_root

    try:
        report = gate_change(
            repo_root(args.repo), base=args.base, head=args.head, patch=args.patch, seed_file=args.seed,
            run_tests=not args.no_tests, labels=args.label, repo_labels=args.repo_label,
        )
    except GerminateError as exc:
        _print_error(args, str(exc))
        return EXIT_ERROR
    except Exception as exc:  # CI must tell "blocked" from "broken": every crash is exit 3
        traceback.print_exc()  # a crash is a bug in Germinate: keep where it happened for the report
        _print_error(args, f"{type(exc).__name__}: {exc}")
        return EXIT_ERROR
    print(json.dumps(report, indent=2) if args.json else render(report))
    if str(report["seed"]["path"]).startswith("(defaults"):
        print(f"germinate gate: warning: no seed.yaml is committed at the base {report['base'][:12]}: judged by "
              "Germinate's defaults, not your rules. Fix: 'germinate init', commit seed.yaml, gate again "
              "(or pass --seed FILE)", file=sys.stderr)
    _warn_uncommitted(args)
    return int(report["exit_code"])


def _refuse_untestable_base(evaluation: Any, base_snapshot: Any, base_sha: str) -> None:
    """Exit 3, not "blocked", when the target's environment cannot be built at the base either: the
    seed's setup is broken, and a verdict on the change would blame it for that."""
    from germinate.metrics.execution import ENV_PROBLEM

    head, base = evaluation.tests, base_snapshot.tests
    if head.status == base.status == "error" and head.reason.startswith(ENV_PROBLEM) \
            and base.reason.startswith(ENV_PROBLEM):
        raise ConfigError(f"the tests cannot run at the base {base_sha[:12]} either, so this change cannot be "
                          f"judged: {base.reason.removeprefix(ENV_PROBLEM)}")


def _warn_uncommitted(args: argparse.Namespace) -> None:
    """The gate judges commits: say so when the working tree holds edits it did not see."""
    from germinate.workspace import is_dirty, repo_root

    repo = repo_root(args.repo)
    if args.patch is None and args.head is None and is_dirty(repo):
        print(f"germinate gate: note: uncommitted changes in {repo} were not gated. "
              "Fix: commit them, or gate them with --patch (git diff > change.patch)", file=sys.stderr)


def _print_error(args: argparse.Namespace, message: str) -> None:
    if args.json:
        print(json.dumps({"verdict": "error", "exit_code": EXIT_ERROR, "error": message}, indent=2))
    print(f"germinate gate: error: {message}", file=sys.stderr)


def base_seed(repo: Path, base_sha: str, seed_file: Path | None) -> Any:
    """The seed that judges the change: ``--seed``, else BASE's ``seed.yaml``, else defaults."""
    from germinate.seed import load_seed, repo_seed

    return load_seed(seed_file) if seed_file is not None else repo_seed(repo, base_sha)


class MalformedPatch(RepoError):
    """A patch git refuses because it names paths no checkout can hold: judged from its text."""

    def __init__(self, changes: Any, paths: list[str]) -> None:
        super().__init__(f"the patch names paths no checkout can hold: {', '.join(paths)}")
        self.changes = changes


def _malformed_patch(repo: Path, base_sha: str, patch: Path) -> MalformedPatch | None:
    from germinate.patch import changeset_from_patch, malformed_paths

    changes = changeset_from_patch(repo, base_sha, patch.read_text(encoding="utf-8", errors="replace"))
    paths = malformed_paths(changes)
    return MalformedPatch(changes, paths) if paths else None


@contextmanager
def patched_worktree(repo: Path, base_sha: str, patch: Path) -> Iterator[tuple[Path, str]]:
    """A temporary worktree of BASE with ``patch`` applied and committed: (path, head SHA)."""
    from germinate.workspace import add_worktree, commit_worktree, remove_worktree, run_git

    if not patch.is_file():
        raise ConfigError(f"--patch {patch}: no such file. Fix: give the path of a unified diff (git diff > x.patch)")
    worktree = add_worktree(repo, f"gate-patch-{uuid.uuid4().hex[:10]}", base_sha)
    try:
        run_git(worktree, "update-index", "-q", "--refresh", check=False)
        try:
            run_git(worktree, "apply", "--3way", "--index", "--whitespace=nowarn", str(patch.resolve()))
        except RepoError as exc:
            malformed = _malformed_patch(repo, base_sha, patch)
            if malformed is not None:
                raise malformed from None
            raise RepoError(f"the patch {patch} does not apply to {base_sha[:12]}: {exc}. "
                            "Fix: rebase the change onto the base, or pick the base it was made on") from None
        sha = commit_worktree(worktree, f"germinate gate: {patch.name}")
        if sha is None:
            raise ConfigError(f"--patch {patch} changes nothing on {base_sha[:12]}")
        yield worktree, sha
    finally:
        remove_worktree(repo, worktree)


def gate_change(repo: Path, *, base: str, head: str | None = None, patch: Path | None = None,
                seed_file: Path | None = None, run_tests: bool = True, labels: list[str] | None = None,
                repo_labels: list[str] | None = None) -> dict[str, Any]:
    """Evaluate every gate on BASE..HEAD (or BASE + patch); the report ``--json`` prints."""

    if patch is not None and head is not None:
        raise ConfigError("--head and --patch exclude each other: a patch is tested on top of --base")
    repo = repo.resolve()
    base_sha = _commit(repo, base, "--base")
    loaded = base_seed(repo, base_sha, seed_file)
    with ExitStack() as stack:
        if patch is not None:
            try:
                worktree, head_commit = stack.enter_context(patched_worktree(repo, base_sha, patch))
            except MalformedPatch as exc:  # judged from the patch's text: nothing applied, nothing run
                return _evaluate(repo, loaded, base_sha, exc.changes.head, None, stack, run_tests=False,
                                 labels=labels or [], repo_labels=repo_labels or [], changes=exc.changes)
        else:
            worktree, head_commit = None, _commit(repo, head or "HEAD", "--head")
        return _evaluate(repo, loaded, base_sha, head_commit, worktree, stack, run_tests=run_tests,
                         labels=labels or [], repo_labels=repo_labels or [])


def _commit(repo: Path, ref: str, option: str) -> str:
    from germinate.workspace import head_sha

    try:
        return head_sha(repo, ref)
    except RepoError as exc:
        if not repo.is_dir():
            raise
        raise RepoError(f"{option} {ref}: not a commit of {repo} ({exc}). Fix: give a branch, tag or SHA that "
                        "exists there (git log --oneline)") from None


def _evaluate(repo: Path, loaded: Any, base_sha: str, head_commit: str, worktree: Path | None,
              stack: ExitStack, *, run_tests: bool, labels: list[str], repo_labels: list[str],
              changes: Any = None) -> dict[str, Any]:
    """Static gates on the committed change first; tests (and the dynamic gates) only if none blocks."""
    from germinate.diff import changeset_between
    from germinate.policy import (
        DYNAMIC_GATES,
        in_gate_order,
        not_run,
        run_dynamic_gates,
        run_static_gates,
        verdict,
    )

    timings: dict[str, float] = {}
    start = time.perf_counter()
    changes = changes or changeset_between(worktree or repo, base_sha, head_commit)
    static = run_static_gates(loaded.seed, changes, labels=labels, repo_labels=repo_labels)
    timings["static_gates_s"] = round(time.perf_counter() - start, 3)
    evaluation = base_snapshot = None
    base_cached = False
    stopped = None
    if static.blocked:
        names = ", ".join(dict.fromkeys(r.name for r in static.blocking()))
        stopped = (f"stopped before any of the change's code ran (no install, no tests): "
                   f"blocking static gate(s): {names}")
        dynamic = [not_run(name) for name in sorted(DYNAMIC_GATES)]
        timings["gates_s"] = timings["static_gates_s"]
    elif run_tests and not static.installs_allowed:
        why = ("the dependencies gate asks a person first: installing the change would run the new "
               "packages' code before anyone approved them")
        stopped = f"tests not run: {why}"
        dynamic = [not_run(name, why) for name in sorted(DYNAMIC_GATES)]
        timings["gates_s"] = timings["static_gates_s"]
    else:
        try:
            if run_tests:
                from germinate.workspace import clean_checkout

                tests_start = time.perf_counter()
                tests_start_wall = datetime.now(UTC)
                if worktree is None:
                    worktree = stack.enter_context(
                        clean_checkout(repo, head_commit, name=f"gate-head-{uuid.uuid4().hex[:10]}"))
                evaluation, base_snapshot = measure(repo, loaded, base_sha, changes, worktree)
                base_cached = base_snapshot.taken_at < tests_start_wall
                _refuse_untestable_base(evaluation, base_snapshot, base_sha)
                timings["tests_s"] = round(time.perf_counter() - tests_start, 3)
            gates_start = time.perf_counter()
            dynamic = run_dynamic_gates(loaded.seed, changes, evaluation=evaluation, base_snapshot=base_snapshot)
            timings["gates_s"] = round(timings["static_gates_s"] + time.perf_counter() - gates_start, 3)
        except RepoError as exc:  # a tree git will not check out is judged from the diff, not a crash
            stopped = f"the change cannot be checked out, so its tests cannot run: {exc}"
            dynamic = [_unmeasurable(name, str(exc)) for name in sorted(DYNAMIC_GATES)]
    results = in_gate_order(static.results + dynamic)
    timings["total_s"] = round(time.perf_counter() - start, 3)
    outcome = verdict(results)
    return {
        "verdict": outcome, "exit_code": EXIT_CODES[outcome], "base": base_sha, "head": head_commit,
        "seed": {"path": str(loaded.path), "sha256": loaded.sha256},
        "changes": {"files": len(changes.files), "lines_added": changes.lines_added,
                    "lines_removed": changes.lines_removed, "paths": changes.paths()},
        "stopped": stopped,
        "tests": None if evaluation is None else {
            "status": evaluation.tests.status, "passed": evaluation.tests.passed,
            "failed": evaluation.tests.failed, "coverage": evaluation.coverage.total,
            "base_coverage": base_snapshot.coverage.total if base_snapshot else None,
            "base_from_cache": base_cached},
        "gates": [r.model_dump() for r in results], "timings": timings,
    }


def _unmeasurable(name: str, why: str) -> Any:
    from germinate.models import GateResult
    from germinate.policy.testsuite import TESTS_PASS

    return GateResult(name=name, passed=False, severity="block" if name == TESTS_PASS else "warn",
                      message=f"not measured: git cannot check the change out ({why.splitlines()[-1][:200]})")


def measure(repo: Path, loaded: Any, base_sha: str, changes: Any, worktree: Path) -> tuple[Any, Any]:
    """The head's Evaluation (tests under coverage) and the base's Snapshot.

    The base comes from the sense cache when that commit was sensed with this seed (by
    ``germinate sense`` or an earlier gate), so gating many changes on one base runs the base
    once. Otherwise it is sensed, side by side with the head, and cached for the next call.
    """
    from concurrent.futures import ThreadPoolExecutor

    from germinate.metrics import evaluate_change
    from germinate.metrics.snapshot import take_snapshot

    with ThreadPoolExecutor(max_workers=1) as pool:
        base_job = pool.submit(take_snapshot, repo, loaded, ref=base_sha)
        evaluation = evaluate_change(repo, worktree, loaded, base_sha=base_sha, changed_files=changes.paths(),
                                     added_lines=changes.added_line_numbers())
        return evaluation, base_job.result()


def render(report: dict[str, Any]) -> str:
    """The human table: one line per gate, evidence under failures, the verdict last."""
    lines = [f"germinate gate {report['base'][:12]}..{report['head'][:12]}  seed {report['seed']['path']}",
             f"  {report['changes']['files']} file(s), +{report['changes']['lines_added']} "
             f"-{report['changes']['lines_removed']}"]
    if report["tests"]:
        t = report["tests"]
        cov = f", coverage {t['coverage']:.1%}" if t["coverage"] is not None else ""
        lines.append(f"  tests {t['status']}: {t['passed']} passed, {t['failed']} failed{cov}")
    if report.get("stopped"):
        lines.append(f"  {report['stopped']}")
    for g in report["gates"]:
        mark = "pass" if g["passed"] else _MARK[g["severity"]]
        lines.append(f"  {mark:<8} {g['name']:<22} {g['message']}")
        if not g["passed"]:
            lines += [f"           - {e}" for e in g["evidence"][:10]]
    lines.append(f"verdict: {report['verdict']} (exit {report['exit_code']})")
    return "\n".join(lines)
