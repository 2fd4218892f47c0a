"""After a replayed cycle: run the commit's held-out tests on the result, and score the ticket."""

from __future__ import annotations

import tempfile
from pathlib import Path

from germinate.backtest.history import PastCommit
from germinate.backtest.score import TicketScore
from germinate.models import CycleReport
from germinate.seed import LoadedSeed
from germinate.workspace import git_bytes, run_git


def hidden_tests(source: Path, scratch: Path, loaded: LoadedSeed, commit: PastCommit, head: str) -> tuple[str, str]:
    """("pass" | "fail" | "not_run", detail): the commit's own versions of its test files laid
    over the result ``head`` and run in the sandbox; pass when every one of their tests passes."""
    from germinate.cycle.proof import in_modules, module_of
    from germinate.environments.select import environment_for
    from germinate.environments.tree import export_commit
    from germinate.metrics.environment import ensure_environment
    from germinate.metrics.testrun import run_tests

    if not head:
        return "not_run", "no change was made"
    seed = loaded.seed
    sandbox = environment_for(seed.execution)
    env = ensure_environment(scratch, seed, repo=scratch, sandbox=sandbox)
    if not env.ok:
        return "not_run", f"no test environment: {env.reason}"
    with tempfile.TemporaryDirectory(prefix="germinate-hidden-") as tmp:
        tree = export_commit(scratch, head, Path(tmp) / "tree")
        for path in commit.test_files:
            target = tree / path
            if run_git(source, "ls-tree", "--name-only", commit.sha, "--", path).strip():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(git_bytes(source, "show", f"{commit.sha}:{path}"))
            elif target.exists():
                target.unlink()
        run, _ = run_tests(seed.execution.test_command, tree, env, timeout=seed.execution.test_timeout_seconds,
                           workdir=Path(tmp), sandbox=sandbox, passthrough=seed.execution.env_passthrough)
    modules = [module_of(p) for p in commit.test_files]
    mine = [c for c in run.cases if in_modules(c, modules)]
    failing = [c.id for c in mine if c.outcome in ("failed", "error")]
    if not mine:
        return "fail", f"none of the commit's tests ran ({run.status}: {run.reason or 'no cases'})"
    if failing:
        return "fail", f"{len(failing)} of {len(mine)} failed: {', '.join(failing[:5])}"
    return "pass", f"{len(mine)} test(s) passed"


def rounds(scratch: Path, base: str, head: str) -> int:
    """Implementer rounds: the act rounds' commits on the change's branch above its base
    (landing's growth-record commit is not a round)."""
    if not base or not head:
        return 0
    subjects = run_git(scratch, "log", "--format=%s", f"{base}..{head}").splitlines()
    return sum(s.startswith("germinate: ") and " round " in s for s in subjects)


def score(commit: PastCommit, report: CycleReport, seconds: float, hidden: tuple[str, str],
          scratch: Path) -> TicketScore:
    """The ticket's score from the cycle's report and the hidden tests' result."""
    decision = report.decision
    outcome = decision.outcome if decision else "no_cycle"
    fired = [g.name for g in (decision.gates if decision else []) if not g.passed and g.severity != "warn"]
    return TicketScore(
        sha=commit.sha, subject=commit.subject, outcome=outcome, reason=decision.reason if decision else "",
        hidden_tests=hidden[0], hidden_detail=hidden[1], tokens=report.tokens, cost_usd=report.cost_usd,
        cost_known=report.cost_known, seconds=round(seconds, 2), gates_fired=fired,
        rounds=rounds(scratch, decision.base_sha, decision.head_sha) if decision else 0,
    )
