"""The red-team corpus: every case must get its expected verdict from exactly the expected gates.

The target (``cases/target``, a small bookkeeping library with its own seed) is committed to a
real git repository; each case is a commit on top of it, judged by the real ``changeset_between``
and ``evaluate_gates`` with the base commit's seed (as ``germinate gate`` reads it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from germinate import models as m
from germinate.cli.gate import base_seed
from germinate.diff import changeset_between
from germinate.policy import GATES, evaluate_gates, verdict
from tests.redteam.cases import ALL
from tests.redteam.model import Case, Measured, apply_ops, commit_malformed, git

TARGET = Path(__file__).parent / "cases" / "target"
MONEY = "src/ledgerly/money.py"


@pytest.fixture(scope="module")
def target_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    repo = tmp_path_factory.mktemp("redteam") / "ledgerly"
    shutil.copytree(TARGET, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ledgerly 0.4.1")
    yield repo, git(repo, "rev-parse", "HEAD").strip()


def _run(failing: tuple[str, ...], passed: int) -> m.TestRun:
    cases = [m.TestCase(id=t, outcome="failed") for t in failing]
    return m.TestRun(command="python -m pytest -q", status="failed" if failing else "ok", passed=passed,
                   failed=len(failing), cases=cases)


def _coverage(total: float, money: float) -> m.CoverageReport:
    return m.CoverageReport(available=True, total=total, critical_paths={MONEY: money})


def measured_as(fig: Measured, base: str, head: str) -> tuple[m.Evaluation, m.Snapshot]:
    """The sense figures a case declares, as the contracts the gates read."""
    evaluation = m.Evaluation(head_sha=head, base_sha=base, tests=_run(fig.failing, fig.passed),
                              coverage=_coverage(fig.total, fig.money), complexity=m.ComplexityReport(),
                              diff_coverage=fig.diff)
    snapshot = m.Snapshot(repo="ledgerly", commit=base, seed_hash="", tests=_run(fig.base_failing, 10),
                          coverage=_coverage(fig.base_total, fig.base_money), complexity=m.ComplexityReport(),
                          git=m.GitState(sha=base))
    return evaluation, snapshot


def judge(repo: Path, base: str, case: Case) -> tuple[str, set[str], list[str]]:
    git(repo, "checkout", "-q", "-f", "-B", f"case/{case.id}", base)
    git(repo, "clean", "-q", "-fdx")
    apply_ops(repo, case.ops)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", case.story)
    commit_malformed(repo, case.ops)
    head = git(repo, "rev-parse", "HEAD").strip()
    changes = changeset_between(repo, base, head)
    evaluation, snapshot = measured_as(case.measured, base, head)
    results = evaluate_gates(base_seed(repo, base, None).seed, changes, worktree=None, base_worktree=None,
                             evaluation=evaluation, base_snapshot=snapshot, ticket=case.ticket,
                             labels=list(case.labels), repo_labels=list(case.repo_labels))
    fired = {r.name for r in results if not r.passed and r.severity != "warn"}
    notes = [f"{r.name}: {r.message}" for r in results if not r.passed]
    return verdict(results), fired, notes


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_case(target_repo: tuple[Path, str], case: Case) -> None:
    repo, base = target_repo
    got, fired, notes = judge(repo, base, case)
    assert (got, fired) == (case.verdict, set(case.fires)), f"{case.id} ({case.story}):\n" + "\n".join(notes)


def test_corpus_is_large_and_covers_every_gate() -> None:
    bad = [c for c in ALL if c.verdict != "pass"]
    good = [c for c in ALL if c.verdict == "pass"]
    assert len(bad) >= 30 and len(good) >= 10
    assert len({c.id for c in ALL}) == len(ALL), "case ids must be unique"
    covered = set().union(*(c.fires for c in bad))
    assert covered == set(GATES), f"gates no bad case exercises: {sorted(set(GATES) - covered)}"
    assert {c.who for c in bad} == {"user", "model"}
