"""Which tests pytest collects from a module, read from its syntax tree (nothing is imported).

pytest collects module-level ``test*`` functions, ``test*`` methods of ``Test*`` classes, and
``test*`` methods of ``unittest.TestCase`` subclasses of any name, including those inherited
from a base in the same module; a class whose base is imported (``from .base import
BaseTests``) and which defines ``test*`` methods is taken as a test case too, since the gate
would rather count a test too many than miss one. ``@pytest.mark.parametrize`` multiplies
a test by the number of literal cases (a computed list counts as one).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_NOT_TEST_BASES = frozenset({"object", "Exception", "BaseException", "ABC", "Protocol", "NamedTuple",
                             "TypedDict", "Enum", "IntEnum", "Generic"})


@dataclass(frozen=True)
class CollectedTest:
    """One test function or method, and how many items pytest makes of it."""

    qualname: str
    node: FunctionNode
    items: int


def collected_tests(tree: ast.Module) -> dict[str, CollectedTest]:
    """Tests in ``tree`` by qualified name (``func`` or ``Class.method``)."""
    out: dict[str, CollectedTest] = {}
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    imported = _imported_names(tree)
    for node in tree.body:
        if isinstance(node, FunctionNode) and node.name.startswith("test"):
            out[node.name] = CollectedTest(node.name, node, parametrised_items(node))
        elif isinstance(node, ast.ClassDef) and _is_test_class(node, classes, imported, set()):
            for name, method in _test_methods(node, classes).items():
                out[f"{node.name}.{name}"] = CollectedTest(f"{node.name}.{name}", method, parametrised_items(method))
    return out


def item_count(tree: ast.Module | None) -> int:
    """How many test items pytest would collect from the module."""
    return sum(t.items for t in collected_tests(tree).values()) if tree is not None else 0


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Attribute):
        return base.attr
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Subscript):
        return _base_name(base.value)
    return ""


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> imported name, for every import in the module."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                out[local] = alias.name.rsplit(".", 1)[-1]
    return out


def _is_test_class(node: ast.ClassDef, classes: dict[str, ast.ClassDef], imported: dict[str, str],
                   seen: set[str]) -> bool:
    if node.name in seen:
        return False
    seen = seen | {node.name}
    if node.name.startswith("Test") and not any(
            isinstance(item, FunctionNode) and item.name == "__init__" for item in node.body):
        return True
    for base in node.bases:
        name = _base_name(base)
        original = imported.get(name, name)
        if original.endswith("TestCase"):
            return True
        if name in classes and _is_test_class(classes[name], classes, imported, seen):
            return True
        if name in imported and original not in _NOT_TEST_BASES and _test_methods(node, classes):
            return True
    return False


def _test_methods(node: ast.ClassDef, classes: dict[str, ast.ClassDef],
                  seen: frozenset[str] = frozenset()) -> dict[str, FunctionNode]:
    """``test*`` methods of a class, inherited ones from same-module bases first."""
    out: dict[str, FunctionNode] = {}
    for base in node.bases:
        name = _base_name(base)
        if name in classes and name not in seen and name != node.name:
            out.update(_test_methods(classes[name], classes, seen | {node.name}))
    for item in node.body:
        if isinstance(item, FunctionNode) and item.name.startswith("test"):
            out[item.name] = item
        elif isinstance(item, ast.Assign | ast.AnnAssign):  # ``test_x = None`` hides an inherited test
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    out.pop(target.id, None)
    return out


def parametrised_items(fn: FunctionNode) -> int:
    """Items pytest makes of ``fn``: the product of its literal ``parametrize`` case counts."""
    total = 1
    for decorator in fn.decorator_list:
        if not (isinstance(decorator, ast.Call) and _base_name(decorator.func) == "parametrize"):
            continue
        cases = decorator.args[1] if len(decorator.args) > 1 else next(
            (k.value for k in decorator.keywords if k.arg == "argvalues"), None)
        if isinstance(cases, ast.List | ast.Tuple | ast.Set):
            total *= max(len(cases.elts), 1)  # no cases: one skipped item
    return total
