"""The target's tests: they pass, and the change did not make them weaker.

Weakening is read from the code, base against head, seeing every test pytest collects
(``germinate.policy.collection``: unittest classes of any name, parametrised cases): test
modules deleted, renamed out of collection or emptied; tests or parametrised cases removed (a test
renamed or moved to another class or file with the same body is kept, not removed); skip/xfail markers added; assertions in a
changed test reduced (a trivial ``assert True`` or an assert after an early ``return`` does
not count); pytest configuration that stops tests from being collected.
"""

from __future__ import annotations

import ast
import posixpath
import re

from germinate.diff import FileChange
from germinate.models import GateResult
from germinate.policy.collection import CollectedTest, FunctionNode, collected_tests
from germinate.policy.context import GateContext, gate, not_measured

TESTS_PASS = "tests_pass"
TESTS_KEPT = "tests_kept"
TESTS_NOT_SKIPPED = "tests_not_skipped"
ASSERTIONS_KEPT = "assertions_kept"

SKIP_NAMES = frozenset({"skip", "skipif", "xfail", "importorskip", "skipTest", "skipIf",
                        "skipUnless", "expectedFailure"})
CHECK_CALLS = frozenset({"raises", "warns", "deprecated_call", "fail"})
PYTEST_CONFIG = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "conftest.py")
# Options that change which tests run; added in config they hide tests.
_DESELECT = re.compile(r"--ignore(?:-glob)?(?=[\s='\"]|$)|--deselect\b|(^|[\s'\"])-k[\s=]|collect_ignore|norecursedirs|"
                       r"pytest_collection_modifyitems|--lf\b|--last-failed|--sw\b|--stepwise|"
                       r"\b(testpaths|python_files|python_functions|python_classes)\b")


def is_test_module(path: str) -> bool:
    name = posixpath.basename(path)
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def head_testpaths(ctx: GateContext) -> list[str]:
    """The folders pytest collects from at the head (``testpaths`` of the first configuration file
    pytest would use: pytest.ini, pyproject.toml, tox.ini, setup.cfg); [] when unset (everywhere)."""
    import configparser
    import tomllib

    for name, section in (("pytest.ini", "pytest"), ("pyproject.toml", ""), ("tox.ini", "pytest"),
                          ("setup.cfg", "tool:pytest")):
        text = ctx.text("head", name)
        if text is None:
            continue
        paths: object = None
        if name == "pyproject.toml":
            try:
                options = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options")
            except tomllib.TOMLDecodeError:
                continue
            if options is None:
                continue
            paths = options.get("testpaths")
        else:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            if not parser.has_section(section):
                continue
            paths = parser.get(section, "testpaths", fallback="").split()
        items = paths.split() if isinstance(paths, str) else paths if isinstance(paths, list) else []
        return [p.strip("/") for p in items if isinstance(p, str) and p.strip("/") not in ("", ".")]
    return []


def collected_module(path: str, testpaths: list[str]) -> bool:
    """Whether pytest, run from the root, collects ``path`` as a test module."""
    return is_test_module(path) and (not testpaths or any(
        path == p or path.startswith(p + "/") for p in testpaths))


def test_functions(tree: ast.Module) -> dict[str, FunctionNode]:
    """Collected tests by qualified name (see ``germinate.policy.collection``)."""
    return {name: test.node for name, test in collected_tests(tree).items()}


def check_tests_pass(ctx: GateContext) -> GateResult:
    ev = ctx.evaluation
    if ev is None:
        return not_measured(TESTS_PASS, "the tests were not run (--no-tests or no evaluation)")
    run = ev.tests
    if run.status in ("timeout", "error", "not_run"):
        return gate(TESTS_PASS, ok="", block=[f"(tests): test run {run.status}: {run.reason or run.log_tail[-300:]}"],
                    what="tests did not complete")
    base_run = ctx.base_snapshot.tests if ctx.base_snapshot else None
    if run.status == "no_tests" and base_run is not None and base_run.passed > 0:
        return gate(TESTS_PASS, ok="", block=[f"(tests): no tests collected; the base ran {base_run.passed}"],
                    what="tests disappeared")
    failing = {c.id for c in run.cases if c.outcome in ("failed", "error")}
    before = {c.id for c in base_run.cases if c.outcome in ("failed", "error")} if base_run else set()
    if (run.failed or run.errors) and not failing:
        return gate(TESTS_PASS, ok="", block=[f"(tests): {run.failed} failed, {run.errors} errors"],
                    what="tests fail")
    new = sorted(failing - before)
    old = sorted(failing & before)
    return gate(TESTS_PASS, ok=f"{run.passed} passed, none failing",
                block=[f"{t}: fails" for t in new],
                warn=[f"{t}: still failing, as at the base" for t in old], what="tests fail")


def _pairs(ctx: GateContext) -> list[tuple[FileChange, str]]:
    """(change, base path) for changed files that were test modules at the base."""
    return [(f, f.old_path or f.path) for f in ctx.changes.files
            if is_test_module(f.old_path or f.path) and f.status != "added"]


def check_tests_kept(ctx: GateContext) -> GateResult:
    block = []
    moved = MovedTests(ctx)
    testpaths = head_testpaths(ctx)
    for change, base_path in _pairs(ctx):
        base_tree = ctx.tree("base", base_path)
        base_tests = collected_tests(base_tree) if base_tree else {}
        held = sum(t.items for t in base_tests.values())
        if change.status == "deleted" or (change.path != base_path and not collected_module(change.path, testpaths)):
            lost = sum(t.items for t in base_tests.values() if moved.take(t) is None)
            if lost and change.status == "deleted":
                block.append(f"{base_path}: test module deleted ({lost} tests)")
            elif lost:
                block.append(f"{base_path}: renamed to {change.path}, which pytest does not collect ({lost} tests)")
            continue
        head_text = ctx.text("head", change.path)
        head_tree = ctx.tree("head", change.path)
        if head_tree is None:
            continue  # the syntax gate reports it
        head_tests = collected_tests(head_tree)
        if base_tests and (not head_text or not head_text.strip() or not head_tests):
            block.append(f"{change.path}: test module emptied (had {held} tests)")
            continue
        for name, test in sorted(base_tests.items()):
            kept = head_tests.get(name) or moved.take(test)
            if kept is None:
                block.append(f"{change.path}:{test.node.lineno}: test {name} removed or renamed away")
            elif kept.items < test.items:
                block.append(f"{change.path}:{kept.node.lineno}: test {name} lost parametrised cases: "
                             f"{test.items} -> {kept.items}")
    ok = "no test deleted, renamed away or emptied"
    policy = ctx.seed.quality_gates.tests_removed  # what a removal does: the seed decides, block by default
    if policy == "needs_approval":
        return gate(TESTS_KEPT, ok=ok, approval=block, what="tests removed (quality_gates.tests_removed: needs_approval)")
    if policy == "allow":
        return gate(TESTS_KEPT, ok=ok, warn=block, what="tests removed (quality_gates.tests_removed: allow)")
    return gate(TESTS_KEPT, ok=ok, block=block, what="tests removed")


def body_of(test: CollectedTest) -> str:
    """A test's code without its name or docstring: decorators (parametrised cases included),
    arguments and statements. Equal bodies under two names are one test renamed or moved."""
    node = test.node
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
            body[0].value.value, str):
        body = body[1:]
    return "|".join(ast.dump(part) for part in [*node.decorator_list, node.args, *body])


class MovedTests:
    """Tests the change added (new names, in any changed test module) that a removed test may
    have become: renamed, moved to another class or another file. Each added test stands for at
    most one removed test, and only one whose body is the same (a weakened body is not a move)."""

    def __init__(self, ctx: GateContext) -> None:
        self._pool: dict[str, list[CollectedTest]] = {}
        testpaths = head_testpaths(ctx)
        for change in ctx.changes.files:
            if change.status == "deleted" or not collected_module(change.path, testpaths):
                continue  # a test moved where pytest does not look is a test lost
            head_tree = ctx.tree("head", change.path)
            if head_tree is None:
                continue
            base_path = change.old_path or change.path
            base_tree = ctx.tree("base", base_path) if change.status != "added" and is_test_module(base_path) else None
            before = collected_tests(base_tree) if base_tree is not None else {}
            for name, test in collected_tests(head_tree).items():
                if name not in before and ("." not in name or _own_method(head_tree, name)):
                    self._pool.setdefault(body_of(test), []).append(test)

    def take(self, removed: CollectedTest) -> CollectedTest | None:
        """The added test that ``removed`` became (used up), or None: it was lost."""
        candidates = self._pool.get(body_of(removed))
        return candidates.pop(0) if candidates else None


def _skip_markers(tree: ast.Module, skip: list[tuple[int, int]] = []) -> list[int]:  # noqa: B006 - read only
    """Lines of skip/xfail names, leaving out those inside the ``skip`` line spans."""
    lines = []
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        line = getattr(node, "lineno", 0)
        if name in SKIP_NAMES and not any(first <= line <= last for first, last in skip):
            lines.append(line)
    return lines


def _new_test_spans(head: ast.Module, base: ast.Module | None) -> list[tuple[int, int]]:
    """Line spans (decorators included) of tests and classes at the head the base did not have."""
    before = collected_tests(base) if base is not None else {}
    old_classes = {n.name for n in base.body if isinstance(n, ast.ClassDef)} if base is not None else set()
    spans = [(min([n.lineno, *(d.lineno for d in n.decorator_list)]), n.end_lineno or n.lineno)
             for n in head.body if isinstance(n, ast.ClassDef) and n.name not in old_classes]
    for name, test in collected_tests(head).items():
        if name not in before and ("." not in name or _own_method(head, name)):
            node = test.node
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append((first, node.end_lineno or node.lineno))
    return spans


def _own_method(tree: ast.Module, qualname: str) -> bool:
    """True if ``Class.method`` is defined in that class itself (not inherited from a base)."""
    cls, method = qualname.split(".", 1)
    return any(isinstance(node, ast.ClassDef) and node.name == cls and any(
        isinstance(item, FunctionNode) and item.name == method for item in node.body) for node in tree.body)


def check_tests_not_skipped(ctx: GateContext) -> GateResult:
    block = []
    for change in ctx.changes.files:
        if change.status == "deleted" or change.binary:
            continue
        path, base_path = change.path, change.old_path or change.path
        testish = is_test_module(path) or posixpath.basename(path) == "conftest.py" or (
            path.endswith(".py") and "tests/" in f"/{path}")
        # A new test module's markers can only switch off its own new tests; a new conftest.py
        # reaches every test below it, so it is judged like any changed file.
        new_module = change.status == "added" and is_test_module(path)
        if testish and path.endswith(".py") and not new_module:
            head_tree = ctx.tree("head", path)
            base_tree = ctx.tree("base", base_path)
            # A marker on a test the base did not have switches nothing off: only markers
            # outside new tests count (existing tests, classes, module-level pytestmark).
            head_marks = _skip_markers(head_tree, skip=_new_test_spans(head_tree, base_tree)) if head_tree else []
            base_marks = _skip_markers(base_tree) if base_tree else []
            if len(head_marks) > len(base_marks):
                added = {n for n, _ in change.added_lines}
                where = [n for n in head_marks if n in added] or head_marks
                block.append(f"{path}:{where[0]}: {len(head_marks) - len(base_marks)} skip/xfail "
                             "marker(s) added")
        if posixpath.basename(path) in PYTEST_CONFIG:
            block += [f"{path}:{n}: changes which tests run: {text.strip()[:80]}"
                      for n, text in change.added_lines if _DESELECT.search(text)]
    return gate(TESTS_NOT_SKIPPED, ok="no test newly skipped, xfailed or deselected", block=block,
                what="tests switched off")


def _is_trivial(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_is_trivial(v) for v in test.values)
    if isinstance(test, ast.Compare) and len(test.comparators) == 1:
        return ast.dump(test.left) == ast.dump(test.comparators[0]) and isinstance(
            test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE)
    return False


def count_assertions(fn: FunctionNode) -> int:
    """Meaningful checks in a test, stopping at a top-level ``return`` (what follows never runs)."""
    total = 0
    for stmt in fn.body:
        if isinstance(stmt, ast.Return):
            break
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assert) and not _is_trivial(node.test):
                total += 1
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if name.startswith("assert") or name in CHECK_CALLS:
                    total += 1
    return total


def check_assertions_kept(ctx: GateContext) -> GateResult:
    block = []
    for change, base_path in _pairs(ctx):
        if change.status == "deleted" or not is_test_module(change.path):
            continue
        base_tree, head_tree = ctx.tree("base", base_path), ctx.tree("head", change.path)
        if base_tree is None or head_tree is None:
            continue
        head_tests = test_functions(head_tree)
        for name, base_fn in test_functions(base_tree).items():
            head_fn = head_tests.get(name)
            if head_fn is None:
                continue
            before, after = count_assertions(base_fn), count_assertions(head_fn)
            if after < before:
                block.append(f"{change.path}:{head_fn.lineno}: {name} checks less: "
                             f"{before} -> {after} assertions")
    return gate(ASSERTIONS_KEPT, ok="no changed test lost assertions", block=block,
                what="tests weakened")
