"""Proof that a change does what its ticket asks: a test that fails without it (FAIL_TO_PASS).

Passing tests prove little on their own: prose saved as ``docs/notes.md`` passes every test.
For a ticket that adds or fixes behaviour (the plan's ``kind``; the seed lists which kinds
need proof in ``quality_gates.ticket_proof_kinds``), at least one test the change added or
edited must fail on the base's code and pass on the head's, as in SWE-bench. It is computed
by running the head's changed test files against the base's code, in the same sandbox and
through the same test run as every other execution of target code.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from germinate.models import Change, Evaluation, GateResult, Plan, TestCase
from germinate.seed import LoadedSeed, Seed

TICKET_PROOF = "ticket_proof"
# A ticket about a bug is a fix, whatever the plan calls it.
FORCED_KINDS = {"bug": "fix", "regression": "fix"}
# Plans that claim no behaviour change: when the change's code does change, it is a feature.
NO_BEHAVIOUR_KINDS = ("docs", "tests")


def change_kind(plan: Plan, change: Change) -> str:
    """The kind the proof rule applies to. First what the diff shows: a change that leaves all
    product code as it was (tests, docs, formatting) is ``tests``/``docs``/``refactor``,
    whatever the plan says, since it has no behaviour to prove. Otherwise the plan's kind, except
    that a bug is a fix and a "docs" or "tests" plan whose change alters code is a feature
    (a label never dodges the proof)."""
    from germinate.cycle.touches import touched_kind

    shown = touched_kind(Path(change.worktree), change.base_sha, change.head_sha or "HEAD", change.files_changed)
    if shown is not None:
        return shown
    kind = FORCED_KINDS.get(plan.ticket.kind, plan.kind)
    return "feature" if kind in NO_BEHAVIOUR_KINDS else kind


def needs_proof(seed: Seed, plan: Plan, change: Change) -> bool:
    return change_kind(plan, change) in seed.quality_gates.ticket_proof_kinds


def changed_test_files(change: Change) -> list[str]:
    """Test modules the change added or edited (present at its head)."""
    from germinate.policy.testsuite import is_test_module

    return [p for p in change.files_changed if is_test_module(p) and (Path(change.worktree) / p).is_file()]


def module_of(path: str) -> str:
    """``tests/test_a.py`` -> ``tests.test_a`` (how junit names the cases of that file);
    ``tests/__init__.py`` -> ``tests``: a package's shared test code belongs to all its tests."""
    parts = PurePosixPath(path).with_suffix("").parts
    return ".".join(parts[:-1] if parts and parts[-1] == "__init__" else parts)


def in_modules(case: TestCase, modules: list[str]) -> bool:
    """Whether the case belongs to one of the modules (its junit classname, any package prefix)."""
    where = case.id.split("::", 1)[0]
    return any(where == m or where.startswith(m + ".") or where.endswith("." + m) for m in modules)


def fail_to_pass(head_cases: list[TestCase], base_cases: list[TestCase], test_files: list[str]) -> list[str]:
    """Ids of the changed files' tests that pass at the head and did not pass at the base
    (failed, errored, or never ran because the file could not even be collected)."""
    modules = [module_of(p) for p in test_files]
    passed_at_base = {c.id for c in base_cases if c.outcome == "passed"}
    return sorted(c.id for c in head_cases
                  if c.outcome == "passed" and in_modules(c, modules) and c.id not in passed_at_base)


def base_run_of_head_tests(repo: Path, loaded: LoadedSeed, change: Change) -> list[TestCase]:
    """The test cases of the base's code with the head's changed test files laid over it, run in
    the sandbox (the environment, limits and test command of every other run)."""
    from germinate.environments.select import environment_for
    from germinate.environments.tree import export_commit
    from germinate.metrics.environment import ensure_environment
    from germinate.metrics.testrun import run_tests

    seed = loaded.seed
    worktree = Path(change.worktree)
    sandbox = environment_for(seed.execution)
    env = ensure_environment(worktree, seed, repo=repo, sandbox=sandbox)
    if not env.ok:
        return []
    with tempfile.TemporaryDirectory(prefix="germinate-proof-") as tmp:
        tree = export_commit(worktree, change.base_sha, Path(tmp) / "tree")
        for path in changed_test_files(change):
            target = tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_blob(worktree, change.head_sha, path))
        run, _ = run_tests(seed.execution.test_command, tree, env, timeout=seed.execution.test_timeout_seconds,
                           workdir=Path(tmp), sandbox=sandbox, passthrough=seed.execution.env_passthrough)
    return run.cases


def _blob(worktree: Path, sha: str, path: str) -> bytes:
    from germinate.workspace import git_bytes

    return git_bytes(worktree, "show", f"{sha}:{path}", fix="the change's commit must hold the file")


def with_proof(repo: Path, loaded: LoadedSeed, change: Change, evaluation: Evaluation) -> Evaluation:
    """``evaluation`` with ``fail_to_pass`` filled in (empty when no test file changed)."""
    files = changed_test_files(change)
    if not files:
        return evaluation.model_copy(update={"fail_to_pass": []})
    base_cases = base_run_of_head_tests(repo, loaded, change)
    return evaluation.model_copy(update={"fail_to_pass": fail_to_pass(evaluation.tests.cases, base_cases, files)})


def proof_gate(seed: Seed, plan: Plan, change: Change, evaluation: Evaluation | None) -> GateResult | None:
    """The ``ticket_proof`` gate (None when the change's kind needs no proof)."""
    if not needs_proof(seed, plan, change):
        return None
    kind = change_kind(plan, change)
    if evaluation is None or evaluation.fail_to_pass is None:
        return GateResult(name=TICKET_PROOF, passed=False, severity="block",
                          message=f"not proven: the {kind} change's tests were not run against the base")
    if evaluation.fail_to_pass:
        shown = ", ".join(evaluation.fail_to_pass[:5])
        return GateResult(name=TICKET_PROOF, passed=True, message=f"{len(evaluation.fail_to_pass)} test(s) fail on "
                          f"the base and pass with the change: {shown}")
    return GateResult(
        name=TICKET_PROOF, passed=False, severity="block",
        message=(f"no test shows the {kind} works: add or change a test that fails without this change and "
                 "passes with it (quality_gates.ticket_proof_kinds)"),
        evidence=[f"{p}: no test here fails on the base" for p in changed_test_files(change)] or
                 ["(change): no test file was added or changed"],
    )
