"""The cross-checks' pure parts: pytest's junit naming, the guard tree, forged passes."""

from __future__ import annotations

from pathlib import Path

from germinate.metrics.crosscheck import forged_passes, guard_tree, junit_id
from germinate.models import TestCase as Case
from tests.conftest import git, make_repo


def test_junit_id_follows_pytest_naming() -> None:
    assert junit_id("tests/test_calc.py::test_add") == "tests.test_calc::test_add"
    assert junit_id("tests/test_calc.py::TestAdd::test_one[a/b::c]") == "tests.test_calc.TestAdd::test_one[a/b::c]"
    assert junit_id("test_top.py::test_x") == "test_top::test_x"


def test_guard_tree_takes_the_base_infrastructure_and_unchanged_tests(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"calc.py": "X = 1\n", "tests/test_old.py": "def test_old(): pass\n",
                                      "tests/test_edited.py": "def test_e(): pass\n", "pytest.ini": "[pytest]\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "calc.py").write_text("X = 2\n")
    (repo / "tests" / "conftest.py").write_text("# forged\n")
    (repo / "tests" / "test_edited.py").write_text("def test_e(): assert 1\n")
    (repo / "tests" / "test_new.py").write_text("def test_n(): pass\n")
    (repo / "pytest.ini").write_text("[pytest]\naddopts = -p evil\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    head = git(repo, "rev-parse", "HEAD").strip()
    guard = guard_tree(repo, base, head, tmp_path / "g")
    assert guard is not None
    names = sorted(p.relative_to(guard).as_posix() for p in guard.rglob("*") if p.is_file())
    assert names == ["calc.py", "pytest.ini", "tests/test_old.py"]
    assert (guard / "calc.py").read_text() == "X = 2\n" and (guard / "pytest.ini").read_text() == "[pytest]\n"
    assert guard_tree(repo, base, base, tmp_path / "same") is None  # no infrastructure change: no guard run


def test_forged_passes_are_passes_the_base_infrastructure_turns_into_failures() -> None:
    head = [Case(id="t::a", outcome="passed"), Case(id="t::b", outcome="passed"),
            Case(id="t::c", outcome="failed")]
    guard = [Case(id="t::a", outcome="failed"), Case(id="t::b", outcome="passed"),
             Case(id="t::c", outcome="failed"), Case(id="t::d", outcome="error")]
    assert forged_passes(head, guard) == ["t::a"]
