"""The tests of one commit, measured through the execution seam.

One call does what a test stage needs, in this order: pick the sandbox the seed asks for
(refusing when none is usable), get the target venv (its installs sandboxed, network on),
export a throwaway copy of exactly the commit under test (no ``.git``, no untracked files),
run the tests there (no network, venv read-only), cross-check the results from outside the
tested process, and report coverage in a separate process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from germinate.environments import Environment
from germinate.environments.select import environment_for
from germinate.environments.tree import export_commit
from germinate.metrics.coverage import read_coverage
from germinate.metrics.crosscheck import forged_passes, guard_tree
from germinate.metrics.environment import TargetEnv, ensure_environment
from germinate.metrics.testrun import parse_junit, prepare_command, run_tests, target_env
from germinate.models import CoverageReport, TestRun
from germinate.seed import Seed
from germinate.workspace import head_sha

ENV_PROBLEM = "target environment: "
NO_TESTS_COLLECTED = 5  # pytest's exit status when nothing was collected


def measure_in_sandbox(worktree: Path, seed: Seed, *, repo: Path, timeout: float | None = None,
                       base_sha: str | None = None) -> tuple[TestRun, CoverageReport]:
    """Tests under coverage for the commit checked out in ``worktree``; problems become status and reason.

    With ``base_sha``, a change to test infrastructure is also run with the base's infrastructure
    (``crosscheck.infrastructure_guard``). Raises ``SandboxUnavailable`` before any target code runs.
    """
    command = seed.execution.test_command
    sandbox = environment_for(seed.execution)
    env = ensure_environment(worktree, seed, repo=repo, sandbox=sandbox)
    if not env.ok:
        reason = f"{ENV_PROBLEM}{env.reason}"
        return (TestRun(command=command, status="error", reason=reason, log_tail=env.log_tail),
                CoverageReport(available=False, reason="tests did not run: " + reason))
    limit = timeout or seed.execution.test_timeout_seconds
    sha = head_sha(worktree)
    with tempfile.TemporaryDirectory(prefix="germinate-tests-") as tmp:
        copy = export_commit(worktree, sha, Path(tmp) / "tree")
        run, data_file = run_tests(command, copy, env, timeout=limit, workdir=Path(tmp), sandbox=sandbox,
                                   passthrough=seed.execution.env_passthrough)
        if run.status == "timeout":
            return run, CoverageReport(available=False, reason="tests timed out: coverage incomplete")
        coverage = read_coverage(data_file, copy, env, seed, sandbox=sandbox)
        if base_sha and run.status == "ok":
            run = _guard(run, worktree, base_sha, sha, env, seed, sandbox, Path(tmp), limit)
        return run, coverage


def _guard(run: TestRun, worktree: Path, base_sha: str, sha: str, env: TargetEnv, seed: Seed,
           sandbox: Environment, tmp: Path, timeout: float) -> TestRun:
    """``run`` marked failed when the base's test infrastructure turns one of its passes into a failure."""
    guard = guard_tree(worktree, base_sha, sha, tmp / "guard-src")
    if guard is None:
        return run
    out = tmp / "guard-out"
    out.mkdir()
    prepared = prepare_command(seed.execution.test_command, guard, env, out / ".coverage", out / "junit.xml")
    if not prepared.pytest:
        return run
    argv = [str(env.python), "-m", "pytest", *prepared.pytest_args, f"--junitxml={out / 'junit.xml'}",
            "-p", "no:cacheprovider"]
    result = sandbox.run(argv, cwd=guard, env=target_env(env, guard, seed.execution.env_passthrough),
                         timeout=timeout, log=tmp / "guard.log", writable=[guard, out], readable=env.readable())
    if result.timed_out or (not (out / "junit.xml").is_file() and result.exit_code != NO_TESTS_COLLECTED):
        why = "timed out" if result.timed_out else f"reported nothing (exit {result.exit_code})"
        reason = (f"evidence check: this change touches test infrastructure, and the run of its code with the "
                  f"base's infrastructure {why}, so its passes cannot be trusted. Fix: keep test infrastructure "
                  "changes apart from code changes")
        return run.model_copy(update={"status": "error", "reason": reason})
    forged = forged_passes(run.cases, parse_junit(out / "junit.xml"))
    if not forged:
        return run
    shown = ", ".join(forged[:5]) + (f" and {len(forged) - 5} more" if len(forged) > 5 else "")
    reason = (f"evidence check: {len(forged)} test(s) pass only with this change's test infrastructure and fail "
              f"with the base's ({shown}): a forged pass, or tests that depend on the changed conftest/config. "
              "Fix: keep test infrastructure changes apart from code changes")
    message = "passes only with the change's test infrastructure; fails with the base's conftest/config"
    cases = [c.model_copy(update={"outcome": "failed", "message": message}) if c.id in forged else c
             for c in run.cases]
    return run.model_copy(update={"status": "failed", "reason": reason, "cases": cases,
                                  "passed": run.passed - len(forged), "failed": run.failed + len(forged)})
