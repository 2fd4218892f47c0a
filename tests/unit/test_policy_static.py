"""The contract the cycle relies on: ``run_static_gates`` before any code runs, then the dynamic gates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from germinate import models as m
from germinate.diff import changeset_between
from germinate.policy import (
    DYNAMIC_GATES,
    GATES,
    SECURITY_GATES,
    STATIC_GATES,
    evaluate_gates,
    in_gate_order,
    run_dynamic_gates,
    run_static_gates,
)
from germinate.seed import Seed
from tests.conftest import git

SEED = Seed.model_validate({"project": {"name": "t"},
                            "constraints": {"repo": {"max_lines_per_file": 5}}})


def change(repo_factory: Any, files: dict[str, str]) -> Any:
    repo: Path = repo_factory({"pkg/a.py": "A = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return changeset_between(repo, base, "HEAD")


def test_static_and_dynamic_gates_partition_every_gate() -> None:
    assert set(GATES) == STATIC_GATES | DYNAMIC_GATES and not STATIC_GATES & DYNAMIC_GATES
    dynamic = {"tests_pass", "coverage_floor", "critical_coverage", "coverage_no_decrease", "diff_coverage"}
    assert dynamic == DYNAMIC_GATES
    assert {"secrets", "dependencies", "test_infrastructure"} == SECURITY_GATES and SECURITY_GATES <= STATIC_GATES


def test_a_fixable_block_stops_code_but_not_the_candidate(repo_factory: Any) -> None:
    static = run_static_gates(SEED, change(repo_factory, {"pkg/long.py": "X = 1\n" * 9}))
    assert {r.name for r in static.results} == STATIC_GATES
    assert static.blocked and not static.ends_candidate
    assert [r.name for r in static.blocking()] == ["file_length"]


def test_a_security_block_ends_the_candidate(repo_factory: Any) -> None:
    key = 'KEY = "AKIA' + "Q3EGRTZ7NMXWYV4P" + '"\n'
    static = run_static_gates(SEED, change(repo_factory, {"pkg/keys.py": key}))
    assert static.blocked and static.ends_candidate and static.verdict == "blocked"


PATHS_SEED = Seed.model_validate({"project": {"name": "t"},
                                  "automation_contract": {"ai_access": {"write_paths": ["pkg/**"]}}})


def test_a_write_outside_the_write_paths_or_a_binary_is_fixable(repo_factory: Any) -> None:
    from germinate.cycle.decide import ends_candidate, fixable_failures

    for files in ({"other/x.py": "X = 1\n"}, {"seed.yaml": "version: 1\n"}, {"pkg/blob.bin": "\x00\x01\x02"},
                  {"pkg/__pycache__/a.cpython-311.pyc": "junk"}):
        static = run_static_gates(PATHS_SEED, change(repo_factory, files))
        assert static.blocked and not static.ends_candidate, files
        assert fixable_failures(static.results) and not ends_candidate(static.results), files


def test_a_link_or_an_escaping_entry_ends_the_candidate(repo_factory: Any) -> None:
    from germinate.cycle.decide import ends_candidate, fixable_failures

    repo: Path = repo_factory({"pkg/a.py": "A = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "pkg" / "alias.py").symlink_to("a.py")  # inside the tree, still a link: no fix round
    (repo / "other.py").write_text("B = 2\n")  # fixable on its own, not next to a link
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    static = run_static_gates(PATHS_SEED, changeset_between(repo, base, "HEAD"))
    assert static.ends_candidate
    assert [g.name for g in ends_candidate(static.results)] == ["file_types"]
    assert fixable_failures(static.results) == []


def test_static_then_dynamic_equals_every_gate(repo_factory: Any) -> None:
    changes = change(repo_factory, {"tests/conftest.py": "import os\n"})
    evaluation = m.Evaluation(head_sha=changes.head, base_sha=changes.base,
                              tests=m.TestRun(command="pytest", status="ok", passed=3),
                              coverage=m.CoverageReport(available=True, total=0.9), complexity=m.ComplexityReport())
    static = run_static_gates(SEED, changes)
    assert static.verdict == "needs_approval" and not static.blocked
    split = in_gate_order(static.results + run_dynamic_gates(SEED, changes, evaluation=evaluation,
                                                             base_snapshot=None))
    whole = evaluate_gates(SEED, changes, worktree=None, base_worktree=None, evaluation=evaluation,
                           base_snapshot=None, ticket=None)
    assert [r.model_dump() for r in split] == [r.model_dump() for r in whole]
    approved = run_static_gates(SEED, changes, approvals_needed_ok=True)
    assert approved.verdict == "pass"
