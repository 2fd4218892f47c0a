"""The FAIL_TO_PASS rule: which tests count as proof, and which kinds of change need one."""

from __future__ import annotations

from germinate.cycle.proof import change_kind, fail_to_pass, needs_proof, proof_gate
from germinate.models import (
    Change,
    ComplexityReport,
    CoverageReport,
    Evaluation,
    Plan,
    Ticket,
)
from germinate.models import TestCase as Case
from germinate.models import TestRun as RunOfTests
from germinate.seed import Seed

SEED = Seed.model_validate({"project": {"name": "demo"}})


def case(id_: str, outcome: str) -> Case:
    return Case(id=id_, outcome=outcome)  # type: ignore[arg-type]


def plan(kind: str = "feature", ticket_kind: str = "epic") -> Plan:
    return Plan(ticket=Ticket(id="t", title="t", kind=ticket_kind), kind=kind)  # type: ignore[arg-type]


def change(*files: str) -> Change:
    return Change(ticket_id="t", branch="b", worktree="/nowhere", base_sha="a", files_changed=list(files))


def test_only_changed_tests_that_did_not_pass_on_the_base_count() -> None:
    head = [case("tests.test_a::test_new", "passed"), case("tests.test_a::test_old", "passed"),
            case("tests.test_b::test_other", "passed"), case("tests.test_a::test_broken", "failed")]
    base = [case("tests.test_a::test_old", "passed"), case("tests.test_b::test_other", "failed")]
    assert fail_to_pass(head, base, ["tests/test_a.py"]) == ["tests.test_a::test_new"]
    assert fail_to_pass(head, [], ["tests/test_a.py"]) == ["tests.test_a::test_new", "tests.test_a::test_old"]
    assert fail_to_pass(head, base, []) == []


def test_a_label_never_dodges_the_proof() -> None:
    assert change_kind(plan("docs"), change("docs/notes.md")) == "docs"
    assert change_kind(plan("docs"), change("docs/notes.md", "pkg/a.py")) == "feature"
    assert change_kind(plan("refactor", ticket_kind="bug"), change("pkg/a.py")) == "fix"
    assert change_kind(plan("tests"), change("tests/test_a.py", "pkg/a.py")) == "feature"
    assert change_kind(plan("feature"), change("tests/test_a.py", "README.md")) == "tests"
    assert change_kind(plan("fix", ticket_kind="bug"), change("docs/notes.md")) == "docs"
    assert not needs_proof(SEED, plan("docs"), change("README.md"))
    assert needs_proof(SEED, plan("fix"), change("pkg/a.py"))
    exempt = SEED.model_copy(update={"quality_gates": SEED.quality_gates.model_copy(
        update={"ticket_proof_kinds": ["fix"]})})
    assert not needs_proof(exempt, plan("feature"), change("pkg/a.py"))


def test_the_gate_blocks_without_a_proof_and_names_it_when_there_is_one() -> None:
    ev = Evaluation(head_sha="h", base_sha="a", tests=RunOfTests(command="pytest", status="ok"),
                    coverage=CoverageReport(available=False), complexity=ComplexityReport())
    assert "not run against the base" in proof_gate(SEED, plan(), change("pkg/a.py"), ev).message  # type: ignore[union-attr]
    none = proof_gate(SEED, plan(), change("pkg/a.py"), ev.model_copy(update={"fail_to_pass": []}))
    assert none is not None and not none.passed and none.severity == "block"
    some = proof_gate(SEED, plan(), change("pkg/a.py"), ev.model_copy(update={"fail_to_pass": ["t::x"]}))
    assert some is not None and some.passed and "t::x" in some.message
    assert proof_gate(SEED, plan("docs"), change("README.md"), ev) is None


def test_a_changed_package_init_counts_for_every_test_of_the_package() -> None:
    from germinate.cycle.proof import in_modules, module_of

    assert module_of("tests/__init__.py") == "tests" and module_of("tests/test_a.py") == "tests.test_a"
    assert in_modules(case("tests.test_fifo.FIFOTest::test_clear", "failed"), [module_of("tests/__init__.py")])
    assert not in_modules(case("tests.test_fifo.FIFOTest::test_clear", "failed"), ["tests.test_lru"])


def test_layout_comments_and_docstrings_are_the_same_code_a_statement_is_not() -> None:
    from germinate.cycle.touches import same_code

    before = 'def f(a):\n    """Old."""\n    return a[1:2]\n\n__all__ = ["f"]\n'
    assert same_code(before, '# note\ndef f(a):\n    """New words."""\n    return a[1 : 2]\n\n__all__ = ["f",]\n')
    assert same_code(before, "def f(a):\n    return a[1:2]\n\n__all__ = ['f']\n")
    assert not same_code(before, before.replace("a[1:2]", "a[1:3]"))
    assert not same_code(before, None) and same_code(None, None)
    assert not same_code("x = (", "x = ((")  # unparsable: only the same text is the same


def test_the_oracle_calls_a_commit_a_feature_only_when_a_public_interface_changed() -> None:
    from germinate.backtest.kind import interface

    base = ('__all__ = ["f", "C"]\nLIMIT = 3\n_cache = {}\n\n\ndef f(a, b=1):\n    return a + b\n\n\n'
            "def _helper():\n    pass\n\n\nclass C(dict):\n    def get(self, k):\n        return 1\n\n"
            "    def _slow(self):\n        pass\n")
    assert interface(base) == interface(base.replace("return a + b", "return b + a").replace("_cache = {}", "_c = 1")
                                        .replace("def _slow", "def _fast"))  # a rewrite behind the same names
    for other in (base.replace("def f(a, b=1)", "def f(a, b=2)"), base.replace("class C(dict)", "class C(list)"),
                  base + "\n\ndef g():\n    pass\n", base.replace('"C"]', '"C", "g"]'),
                  base.replace("    def _slow", "    def __iter__(self):\n        pass\n\n    def _slow"),
                  base.replace("LIMIT = 3", "LIMITS = 3")):
        assert interface(other) != interface(base)
