"""Sense: measure a commit (or a candidate change) into a ``Snapshot`` (or ``Evaluation``).

The user's working tree is never used: a commit is sensed in a clean detached checkout under
the state folder, whatever state the user's tree is in (a dirty tree is noted, not measured).
The tests (a subprocess in the target venv) and radon (in this process) run side by side.
A finished snapshot is cached on disk by (commit, seed hash), so sensing an unchanged commit
again is a file read plus a fresh look at the git state and the open tickets.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from germinate.errors import RepoError
from germinate.home import project_dir
from germinate.metrics.coverage import diff_coverage
from germinate.metrics.execution import ENV_PROBLEM, measure_in_sandbox
from germinate.metrics.gitstats import git_state
from germinate.metrics.problems import import_problems, own_packages
from germinate.metrics.radon import measure_complexity, summarise
from germinate.metrics.reward import DELETED
from germinate.metrics.scout import scout
from germinate.models import (
    ComplexityReport,
    CoverageReport,
    Evaluation,
    FileMetric,
    Snapshot,
    TestRun,
    Ticket,
)
from germinate.seed import LoadedSeed, Seed
from germinate.store import MetricSnapshotRow, Store
from germinate.workspace import clean_checkout, head_sha, python_files

SNAPSHOT_FORMAT = "1"


def cacheable(tests: TestRun) -> bool:
    """Cache every outcome except those that may be transient: a timeout, a failed venv setup."""
    return tests.status != "timeout" and not tests.reason.startswith(ENV_PROBLEM)


def measure_tests(worktree: Path, seed: Seed, *, repo: Path, timeout: float | None = None,
                  base_sha: str | None = None) -> tuple[TestRun, CoverageReport]:
    """The target's tests under coverage, sandboxed (``execution``); problems become status and reason."""
    command = seed.execution.test_command
    if not python_files(worktree):
        reason = "not a Python repository: no .py files, nothing to test or measure"
        return TestRun(command=command, status="not_run", reason=reason), CoverageReport(available=False, reason=reason)
    return measure_in_sandbox(worktree, seed, repo=repo, timeout=timeout, base_sha=base_sha)


def health_of(tests: TestRun) -> str:
    """green: the tests pass (or there are none); red: tests fail or hang; unknown: could not run."""
    if tests.status in ("failed", "timeout"):
        return "red"
    return "green" if tests.green else "unknown"


def problems_of(tests: TestRun, coverage: CoverageReport, complexity: ComplexityReport,
                worktree: Path | None = None) -> list[str]:
    problems = [f"tests: {tests.reason}"] if tests.reason else []
    problems += import_problems(tests, own_packages(worktree) if worktree is not None else set())
    if coverage.reason and tests.status not in ("not_run", "error"):
        problems.append(f"coverage: {coverage.reason}")
    problems += [f"radon: {f.path}: {f.error}" for f in complexity.files.values() if f.error]
    return problems


def measure_commit(repo: Path, worktree: Path, loaded: LoadedSeed, sha: str) -> Snapshot:
    """Measure a checked-out commit: tests under coverage alongside radon."""
    seed = loaded.seed
    with ThreadPoolExecutor(max_workers=1) as pool:
        radon_job = pool.submit(measure_complexity, worktree, seed, repo=repo)
        tests, coverage = measure_tests(worktree, seed, repo=repo)
        complexity = radon_job.result()
    tests_health = health_of(tests)
    return Snapshot(
        repo=str(repo), commit=sha, seed_hash=loaded.sha256, health=tests_health,  # type: ignore[arg-type]
        tests=tests, coverage=coverage, complexity=complexity, git=git_state(repo, sha),
        candidates=scout(coverage, complexity, seed), problems=problems_of(tests, coverage, complexity, worktree),
    )


def _cache_file(repo: Path, sha: str, seed_sha: str) -> Path:
    """One file per (commit, seed, environment): the commit fixes the dependency files and the seed
    the setup command and sandbox, so with the interpreter and the venv format they make the
    environment key; a snapshot is reused only where the same environment would be built."""
    import sys

    from germinate.metrics.environment import ENV_FORMAT

    env = f"py{sys.version_info[0]}{sys.version_info[1]}-e{ENV_FORMAT}"
    return project_dir(repo, "cache", "snapshots") / f"{sha}-{seed_sha[:16]}-{env}-v{SNAPSHOT_FORMAT}.json"


def take_snapshot(repo: Path, loaded: LoadedSeed, *, ref: str = "HEAD",
                  open_tickets: list[Ticket] | None = None, use_cache: bool = True) -> Snapshot:
    """The Snapshot of ``ref``, measured in a clean checkout (cached by commit and seed hash)."""
    repo = Path(repo).resolve()
    try:
        sha = head_sha(repo, ref)
    except RepoError as exc:
        fix = "" if "Fix:" in str(exc) else (". Fix: pass a git repository with at least one commit, and a ref "
                                             "that exists there")
        raise RepoError(f"cannot sense {repo} at {ref!r}: {exc}{fix}") from None
    cache = _cache_file(repo, sha, loaded.sha256)
    snapshot: Snapshot | None = None
    if use_cache and cache.is_file():
        try:
            snapshot = Snapshot.model_validate_json(cache.read_text())
        except ValueError:
            snapshot = None  # an unreadable cache entry is measured again
    if snapshot is None:
        with clean_checkout(repo, sha, name=f"sense-{sha[:12]}-{uuid.uuid4().hex[:8]}") as worktree:
            snapshot = measure_commit(repo, worktree, loaded, sha)
        if cacheable(snapshot.tests):
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")  # parallel senses of one commit may race
            tmp.write_text(snapshot.model_dump_json())
            tmp.replace(cache)
    git = git_state(repo, sha)
    problems = [p for p in snapshot.problems if not p.startswith("git: ")]
    if git.dirty:
        problems.insert(0, f"git: the working tree has uncommitted changes; sensed a clean checkout of {sha[:12]}")
    return snapshot.model_copy(update={"git": git, "open_tickets": list(open_tickets or []), "problems": problems})


def evaluate_change(repo: Path, worktree: Path, loaded: LoadedSeed, *, base_sha: str, changed_files: list[str],
                    added_lines: dict[str, list[int]]) -> Evaluation:
    """Measure a candidate change in its worktree: tests, coverage, radon on changed files, diff coverage."""
    seed = loaded.seed
    tests, coverage = measure_tests(worktree, seed, repo=repo, base_sha=base_sha)
    complexity = measure_complexity(worktree, seed, repo=repo, paths=changed_files)
    deleted = {p: FileMetric(path=p, error=DELETED) for p in changed_files
               if p.endswith(".py") and not (worktree / p).exists()}
    if deleted:
        complexity = summarise({**complexity.files, **deleted}, seed)
    return Evaluation(
        head_sha=head_sha(worktree), base_sha=base_sha, tests=tests, coverage=coverage, complexity=complexity,
        diff_coverage=diff_coverage(coverage, added_lines),
        problems=[p for p in problems_of(tests, coverage, complexity, worktree) if not p.endswith(f": {DELETED}")],
    )


def record_snapshot(store: Store, project: str, snapshot: Snapshot, cycle_id: str | None = None) -> None:
    """Append the snapshot to the metrics history."""
    with store.session() as session:
        session.add(MetricSnapshotRow(
            project=project, commit_sha=snapshot.commit, seed_hash=snapshot.seed_hash, cycle_id=cycle_id,
            health=snapshot.health, coverage_total=snapshot.coverage.total,
            mean_complexity=snapshot.complexity.mean_complexity, max_complexity=snapshot.complexity.max_complexity,
            mean_mi=snapshot.complexity.mean_mi, tests_passed=snapshot.tests.passed,
            tests_failed=snapshot.tests.failed + snapshot.tests.errors,
            data=snapshot.model_dump(mode="json"), sha256=snapshot.content_hash(), taken_at=snapshot.taken_at,
        ))


def with_test_command(loaded: LoadedSeed, command: str) -> LoadedSeed:
    """``loaded`` with another ``execution.test_command`` (and a seed hash that says so)."""
    import hashlib

    execution = loaded.seed.execution.model_copy(update={"test_command": command})
    seed = loaded.seed.model_copy(update={"execution": execution})
    digest = hashlib.sha256(f"{loaded.sha256}\0test_command={command}".encode()).hexdigest()
    return LoadedSeed(seed=seed, path=loaded.path, sha256=digest)
