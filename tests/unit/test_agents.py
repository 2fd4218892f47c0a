"""The agent roles over the scripted model: plans, tests-first edit rounds in a real worktree
(with failure feedback, early stop on repeats, bounded retries), reviews and advice."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from germinate.agents import advise, implement, plan_ticket, render, review_change, template_sha256
from germinate.agents.editing import APPLIED, EXHAUSTED, NO_EDITS, REPEATED
from germinate.agents.prompting import DEFAULT_PROMPTS_DIR
from germinate.errors import ConfigError
from germinate.llm import Gateway, LLMOutputError, ledger_rows
from germinate.llm.transcript import reset
from germinate.models import (
    ComplexityReport,
    CoverageReport,
    FileCoverage,
    GateResult,
    GitState,
    Plan,
    Reward,
    Snapshot,
    Ticket,
)
from germinate.models import (
    TestRun as RunOfTests,
)
from germinate.seed import Seed
from germinate.store import Store

TICKET = Ticket(
    id="local-7", title="Add slugify", body="Titles need URL slugs.", scope=["pkg/text.py"]
)
PLAN = Plan(
    ticket=TICKET,
    summary="Add slugify() to pkg/text.py",
    acceptance_criteria=["slugify('Hello World') == 'hello-world'"],
    scope=["pkg/text.py", "tests/test_text.py"],
    tests_to_add=["tests/test_text.py::test_slugify"],
)
TEXT_PY = "def shout(s: str) -> str:\n    return s.upper()\n"


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


NEW_TEST = block(
    "tests/test_text.py",
    "",
    "from pkg.text import slugify\n\n\ndef test_slugify():\n    assert slugify('Hello World') == 'hello-world'\n",
)
GOOD_EDIT = block(
    "pkg/text.py",
    "    return s.upper()\n",
    "    return s.upper()\n\n\ndef slugify(s: str) -> str:\n    return '-'.join(s.lower().split())\n",
)
STALE_EDIT = block("pkg/text.py", "    return s.lower()\n", "    return s.casefold()\n")


def text_package(root: Path) -> Path:
    """A worktree with the package ``pkg`` (``pkg/text.py``) and an empty ``tests``."""
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "text.py").write_text(TEXT_PY)
    return root


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    return text_package(tmp_path / "wt")


def scripted(
    tmp_path: Path, responses: dict[str, list[dict[str, Any]]], **seed: Any
) -> tuple[Seed, Path]:
    path = tmp_path / "transcript.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "responses": responses}))
    reset(path)
    data = {
        "project": {"name": "demo", "description": "A tiny text library."},
        "models": {"default": f"scripted/{path}"},
    }
    data.update(seed)
    return Seed.model_validate(data), path


def gw(seed: Seed, store: Store | None = None) -> Gateway:
    return Gateway(seed, store, project="demo", cycle_id="c1", backoff_base=0.0)


def snapshot() -> Snapshot:
    cov = FileCoverage(path="pkg/text.py", statements=4, covered=2, percent=0.5, missing_lines=[2])
    return Snapshot(
        repo="/r",
        commit="a" * 40,
        seed_hash="s" * 64,
        tests=RunOfTests(command="pytest", status="ok", passed=3),
        coverage=CoverageReport(available=True, total=0.5, files={"pkg/text.py": cov}),
        complexity=ComplexityReport(),
        git=GitState(sha="a" * 40),
    )


def test_plan_ticket_builds_a_plan_from_the_architects_json(tmp_path: Path, store: Store) -> None:
    draft = {
        "summary": "Add slugify",
        "acceptance_criteria": ["slugify('A b') == 'a-b'"],
        "scope": ["pkg/text.py", "../etc/passwd", "/abs.py", "./tests/test_text.py"],
        "tests_to_add": ["tests/test_text.py::test_slugify"],
    }
    # the match proves the prompt carries the ticket, the seed slices, coverage and the map
    pattern = r"(?s)local-7.*pkg/text.py: 50% covered, uncovered lines 2.*REPO-MAP-MARK"
    seed, _ = scripted(tmp_path, {"architect": [{"match": pattern, "content": draft}]})
    plan = plan_ticket(gw(seed, store), seed, TICKET, snapshot(), "REPO-MAP-MARK")
    assert plan.ticket == TICKET and plan.summary == "Add slugify"
    assert plan.scope == ["pkg/text.py", "tests/test_text.py"]  # escapes dropped
    assert plan.snapshot_commit == "a" * 40 and plan.seed_hash == "s" * 64
    (row,) = ledger_rows(store, "demo")
    assert row.role == "architect" and row.ticket_id == "local-7"
    assert row.template_sha256 == template_sha256("architect")


def test_plan_without_acceptance_criteria_is_repaired_once_then_refused(tmp_path: Path) -> None:
    bad = {"summary": "x", "acceptance_criteria": []}
    seed, _ = scripted(tmp_path, {"architect": [{"content": bad}, {"content": bad}]})
    with pytest.raises(LLMOutputError, match="acceptance_criteria"):
        plan_ticket(gw(seed), seed, TICKET, snapshot(), "")


def test_round_zero_writes_tests_first_then_code(
    tmp_path: Path, worktree: Path, store: Store
) -> None:
    seed, _ = scripted(
        tmp_path, {"tester": [{"content": NEW_TEST}], "implementer": [{"content": GOOD_EDIT}]}
    )
    result = implement(gw(seed, store), seed, PLAN, worktree)
    assert (result.applied, result.failed, result.stopped_reason) == (2, 0, APPLIED)
    assert "def slugify" in (worktree / "pkg" / "text.py").read_text()
    assert "test_slugify" in (worktree / "tests" / "test_text.py").read_text()
    assert [r.role for r in ledger_rows(store, "demo")] == ["tester", "implementer"]


def test_failed_edit_goes_back_with_the_reason_and_the_fix_applies(
    tmp_path: Path, worktree: Path
) -> None:
    seed, _ = scripted(
        tmp_path,
        {
            "implementer": [
                {"content": STALE_EDIT},
                # answered only if the failure report (with the nearest lines) came back
                {"match": r"(?s)did not match.*return s\.upper\(\)", "content": GOOD_EDIT},
            ]
        },
    )
    result = implement(gw(seed), seed, PLAN, worktree, feedback="tests fail", round=1)
    assert result.stopped_reason == APPLIED and result.applied == 1
    assert "def slugify" in (worktree / "pkg" / "text.py").read_text()


def test_the_same_failed_edit_twice_stops_early(
    tmp_path: Path, worktree: Path, store: Store
) -> None:
    seed, _ = scripted(
        tmp_path,
        {"implementer": [{"content": STALE_EDIT, "repeat": True}]},
        execution={"max_edit_retries": 5},
    )
    result = implement(gw(seed, store), seed, PLAN, worktree, round=1)
    assert result.stopped_reason == REPEATED and result.failed == 1
    assert len(ledger_rows(store, "demo")) == 2  # not 6
    assert (worktree / "pkg" / "text.py").read_text() == TEXT_PY


def test_edit_rounds_are_bounded_by_max_edit_retries(
    tmp_path: Path, worktree: Path, store: Store
) -> None:
    replies = [
        {"content": block("pkg/text.py", f"    return s.lower{i}()\n", "    pass\n")}
        for i in range(5)
    ]
    seed, _ = scripted(tmp_path, {"implementer": replies}, execution={"max_edit_retries": 2})
    result = implement(gw(seed, store), seed, PLAN, worktree, round=1)
    assert result.stopped_reason == EXHAUSTED and "did not match" in result.message
    assert len(ledger_rows(store, "demo")) == 3


def test_unreadable_reply_repeated_is_stopped(tmp_path: Path, worktree: Path) -> None:
    truncated = "pkg/text.py\n<<<<<<< SEARCH\n    return s.upper()\n"
    seed, _ = scripted(tmp_path, {"implementer": [{"content": truncated, "repeat": True}]})
    result = implement(gw(seed), seed, PLAN, worktree, round=1)
    assert result.stopped_reason == REPEATED and "truncated" in result.message


def test_prose_only_reply_means_no_edits(tmp_path: Path, worktree: Path) -> None:
    seed, _ = scripted(
        tmp_path, {"implementer": [{"content": "I believe the code is already correct."}]}
    )
    result = implement(gw(seed), seed, PLAN, worktree, round=1)
    assert (
        result.stopped_reason == NO_EDITS
        and result.applied == 0
        and "already correct" in result.message
    )


def test_edits_outside_the_worktree_are_refused_and_nothing_escapes(
    tmp_path: Path, worktree: Path
) -> None:
    escape = block("../escaped.py", "", "x = 1\n")
    seed, _ = scripted(tmp_path, {"implementer": [{"content": escape, "repeat": True}]})
    result = implement(gw(seed), seed, PLAN, worktree, round=1)
    assert result.applied == 0 and result.stopped_reason == REPEATED
    assert not (tmp_path / "escaped.py").exists()


def test_review_change_returns_the_verdict_and_rubric(tmp_path: Path) -> None:
    review = {
        "verdict": "request_changes",
        "summary": "Missing edge case.",
        "comments": [
            {"path": "pkg/text.py", "line": 5, "severity": "major", "body": "Handle empty strings."}
        ],
        "rubric": {"correctness": 3, "tests": 2, "style": 5, "design": 4, "security": 5},
    }
    findings = [
        GateResult(name="coverage", passed=False, severity="block", message="coverage fell 2%")
    ]
    seed, _ = scripted(
        tmp_path, {"reviewer": [{"match": r"(?s)coverage fell 2%.*\+new line", "content": review}]}
    )
    result = review_change(gw(seed), seed, PLAN, "+new line", findings, round=1)
    assert result.verdict == "request_changes" and result.round == 1
    assert result.comments[0].severity == "major" and result.comments[0].line == 5
    assert result.rubric == {"correctness": 3, "tests": 2, "style": 5, "design": 4, "security": 5}


def test_review_rubric_out_of_range_is_repaired(tmp_path: Path, store: Store) -> None:
    bad = {
        "verdict": "approve",
        "rubric": {"correctness": 9, "tests": 5, "style": 5, "design": 5, "security": 5},
    }
    good = {**bad, "rubric": {**bad["rubric"], "correctness": 5}}
    seed, _ = scripted(tmp_path, {"reviewer": [{"content": bad}, {"content": good}]})
    assert review_change(gw(seed, store), seed, PLAN, "+x", [], round=0).rubric["correctness"] == 5
    assert [r.outcome for r in ledger_rows(store, "demo")] == ["invalid", "repaired"]


def test_advise_returns_the_maintainers_text(tmp_path: Path) -> None:
    seed, _ = scripted(
        tmp_path,
        {"maintainer": [{"match": "Reward: 1.250", "content": "  Looks safe to merge.\n"}]},
    )
    gates = [GateResult(name="tests", passed=True, message="all green")]
    text = advise(gw(seed), seed, PLAN, "+x", gates, Reward(total=1.25))
    assert text == "Looks safe to merge."


def test_template_hash_follows_the_template_and_a_missing_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = ("architect", "implementer", "tester", "reviewer", "maintainer")
    shas = {role: template_sha256(role) for role in roles}
    assert len(set(shas.values())) == 5
    copy = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, copy)
    monkeypatch.setenv("GERMINATE_PROMPTS_DIR", str(copy))
    assert template_sha256("reviewer") == shas["reviewer"]
    (copy / "_seed.j2").write_text((copy / "_seed.j2").read_text() + "\n")
    assert template_sha256("reviewer") != shas["reviewer"]  # shared macros count too
    (copy / "maintainer.md.j2").unlink()
    with pytest.raises(ConfigError, match="maintainer.md.j2"):
        render("maintainer", seed=None)


def test_implementer_sees_in_scope_files_that_the_python_map_leaves_out(
    tmp_path: Path, worktree: Path
) -> None:
    (worktree / "README.md").write_text("# pkg\nUsage: shout('x')\n")
    (tmp_path / "secret.txt").write_text("TOP-SECRET\n")
    plan = PLAN.model_copy(update={"scope": ["pkg/text.py", "README.md", "../secret.txt"]})
    seed, _ = scripted(
        tmp_path,
        {
            "implementer": [
                {"match": "TOP-SECRET", "content": "leaked"},
                {
                    "match": r"(?s)def shout.*README\.md\n```\n# pkg\nUsage: shout",
                    "content": "seen",
                },
            ]
        },
    )
    result = implement(gw(seed), seed, plan, worktree, round=1)
    assert result.stopped_reason == NO_EDITS and "seen" in result.message


def test_tester_is_shown_the_uncovered_lines_in_scope(tmp_path: Path, worktree: Path) -> None:
    coverage = CoverageReport(
        available=True,
        total=0.5,
        files={
            "pkg/text.py": FileCoverage(
                path="pkg/text.py", statements=4, covered=2, percent=0.5, missing_lines=[2, 7]
            ),
            "other/x.py": FileCoverage(
                path="other/x.py", statements=4, covered=0, percent=0.0, missing_lines=[99]
            ),
        },
    )
    seed, _ = scripted(
        tmp_path,
        {
            "tester": [
                {"match": "other/x.py", "content": "out of scope shown"},
                {"match": r"pkg/text\.py: lines 2, 7", "content": NEW_TEST},
            ],
            "implementer": [{"content": GOOD_EDIT}],
        },
    )
    result = implement(gw(seed), seed, PLAN, worktree, coverage=coverage)
    assert result.stopped_reason == APPLIED and result.applied == 2
