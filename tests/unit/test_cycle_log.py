"""The growth log and capabilities doc, committed in the change's worktree; the report text."""

from __future__ import annotations

import subprocess
from pathlib import Path

from germinate.cycle.act import describe_change, prepare_worktree, reset_worktree
from germinate.cycle.land import is_landed, rebase_change
from germinate.cycle.log import capabilities_doc, commit_growth_records, landed_tickets
from germinate.cycle.report import approval_description, gate_table, summary_table
from germinate.models import CycleReport, Decision, GateResult, Plan, Ticket, utcnow
from germinate.seed import Seed
from germinate.workspace import commit_worktree

SEED = Seed.model_validate({"project": {"name": "calc", "description": "A calculator."},
                            "growth_objectives": {"roadmap_epics": [{"id": "pow", "title": "Power"}]}})
PLAN = Plan(ticket=Ticket(id="epic-pow", title="Power", kind="epic", source="seed"), summary="Add pow.",
            acceptance_criteria=["pow(2, 3) == 8"])


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def decision(head: str, outcome: str = "merged") -> Decision:
    return Decision(cycle_id="epic-pow-abc", ticket_id="epic-pow", outcome=outcome,  # type: ignore[arg-type]
                    reason="every blocking gate passed", head_sha=head, branch="germinate/epic-pow",
                    gates=[GateResult(name="tests_pass", passed=True, message="green"),
                           GateResult(name="write_paths", passed=False, message="a | b")])


def test_growth_records_are_committed_on_the_branch_once(repo_factory) -> None:
    repo = repo_factory({"calc/ops.py": '"""Operations."""\n\n\ndef add(a, b):\n    """Sum."""\n    return a + b\n'})
    base = git(repo, "rev-parse", "HEAD").strip()
    branch, worktree = prepare_worktree(repo, "epic-pow", base)
    (worktree / "calc" / "ops.py").write_text('def pow_(a, b):\n    """Power."""\n    return a**b\n')
    head = commit_worktree(worktree, "pow")
    assert head and git(repo, "rev-parse", "HEAD").strip() == base  # the user's tree is untouched
    new_head = commit_growth_records(worktree, SEED, decision(head), PLAN, before=None, evaluation=None)
    again = commit_growth_records(worktree, SEED, decision(head), PLAN, before=None, evaluation=None)
    assert new_head == again != head  # resumed: no second entry, no second commit
    log = (worktree / "AUTOGEN_LOG.md").read_text()
    assert landed_tickets(log) == ["epic-pow"] and "- [x] pow(2, 3) == 8" in log
    caps = (worktree / "docs" / "CAPABILITIES.md").read_text()
    assert "- [x] pow: Power" in caps and "`def pow_`: Power." in caps
    assert git(worktree, "show", "--name-only", "--format=", "HEAD").split() == ["AUTOGEN_LOG.md",
                                                                                 "docs/CAPABILITIES.md"]
    assert branch == "germinate/epic-pow" and not is_landed(repo, "main", new_head)


def test_capabilities_list_product_modules_only(repo_factory) -> None:
    repo = repo_factory({"calc/ops.py": '"""Operations."""\n\n\ndef add(a, b):\n    return a + b\n',
                         "tests/test_ops.py": "def test_x():\n    pass\n", ".gitignore": "scratch/\n"})
    (repo / "scratch").mkdir()
    (repo / "scratch" / "tmp.py").write_text("def leaked():\n    pass\n")  # git-ignored: not the product's
    (repo / "calc" / "new.py").write_text("def fresh():\n    pass\n")  # untracked, not ignored: listed
    caps = capabilities_doc(repo, SEED, landed=[])
    assert "`calc/ops.py`" in caps and "`def add`" in caps and "`def fresh`" in caps
    assert "leaked" not in caps and "test_ops" not in caps


def test_a_change_is_rebased_when_the_base_moved_and_refused_when_it_conflicts(repo_factory) -> None:
    repo = repo_factory({"a.py": "x = 1\n", "b.py": "y = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    branch, worktree = prepare_worktree(repo, "t-1", base)
    (worktree / "a.py").write_text("x = 2\n")
    commit_worktree(worktree, "change a")
    change = describe_change("t-1", branch, worktree, base, rounds=1)
    assert change.files_changed == ["a.py"] and change.lines_added == 1
    (repo / "b.py").write_text("y = 2\n")
    git(repo, "commit", "-qam", "main moves")
    moved = git(repo, "rev-parse", "HEAD").strip()
    rebased = rebase_change(change, moved)
    assert rebased is not None and rebased.base_sha == moved and rebased.files_changed == ["a.py"]
    (repo / "a.py").write_text("x = 3\n")
    git(repo, "commit", "-qam", "main conflicts")
    assert rebase_change(rebased, git(repo, "rev-parse", "HEAD").strip()) is None
    assert git(worktree, "rev-parse", "HEAD").strip() == rebased.head_sha  # aborted cleanly
    reset_worktree(worktree, base)
    assert (worktree / "a.py").read_text() == "x = 1\n"


def test_reports_show_gates_and_escape_table_cells() -> None:
    d = decision("h" * 40, "awaiting_human")
    table = gate_table(d.gates)
    assert "| write_paths | **FAIL** | block | a \\| b |" in table
    text = approval_description(d, PLAN, "+x = 1\n", approve_command="germinate approve RUN")
    assert "germinate approve RUN" in text and "```diff" in text and "### Reward" in text
    report = CycleReport(cycle_id="c", project="calc", ticket=PLAN.ticket, decision=d, coverage_before=0.5,
                         coverage_after=0.75, tokens=1200, cost_usd=0.0012, started_at=utcnow(),
                         finished_at=utcnow())
    lines = summary_table([report]).splitlines()
    row = lines[2]
    assert "epic-pow" in row and "50.0% -> 75.0%" in row and "$0.0012" in row
    assert lines[-2:] == ["why:", f" 1  awaiting_human: {' '.join(d.reason.split())}"]  # not landed: says why
