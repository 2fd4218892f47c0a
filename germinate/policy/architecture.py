"""Architecture: the seed's forbidden imports (``constraints.modules.forbidden_imports``,
``from`` -> ``to``), checked on the AST of every changed Python file.

Relative imports are resolved; ``importlib.import_module("x")`` and ``__import__("x")`` with a
literal name count as imports, so a dynamic import does not slip past. A pattern with a ``/``
is a path glob (``src/app/web/**``); otherwise a dotted module glob where ``app.db`` also
covers ``app.db.models``. Only imports the change adds are judged.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatchcase

from germinate.globs import glob_match
from germinate.models import GateResult
from germinate.policy.context import GateContext, gate
from germinate.policy.limits import python_files

FORBIDDEN_IMPORTS = "forbidden_imports"
_DYNAMIC = frozenset({"import_module", "__import__"})


def module_name(path: str) -> str:
    """``src/app/web/views.py`` -> ``app.web.views``; ``app/__init__.py`` -> ``app``."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(tree: ast.Module, path: str) -> dict[str, int]:
    """Modules a file imports, resolved to absolute dotted names, with the first line."""
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base] + [f"{base}.{a.name}" for a in node.names if a.name != "*"]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if fname in _DYNAMIC and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        for name in names:
            if name:
                found.setdefault(name, getattr(node, "lineno", 0))
    return found


def _matches(pattern: str, module: str, path: str | None) -> bool:
    if "/" in pattern or pattern.endswith(".py"):
        candidates = [path] if path else []
        candidates += [module.replace(".", "/"), module.replace(".", "/") + ".py",
                       "src/" + module.replace(".", "/")]
        return any(glob_match(c, pattern) for c in candidates)
    return fnmatchcase(module, pattern) or fnmatchcase(module, pattern + ".*")


def check_forbidden_imports(ctx: GateContext) -> GateResult:
    rules = ctx.seed.constraints.modules.forbidden_imports
    if not rules:
        return gate(FORBIDDEN_IMPORTS, ok="no forbidden imports declared in the seed")
    block = []
    for path in python_files(ctx):
        tree = ctx.tree("head", path)
        if tree is None:
            continue
        importer = module_name(path)
        applicable = [r for r in rules if _matches(r.from_, importer, path)]
        if not applicable:
            continue
        before: dict[str, int] | None = None
        for target, line in imports_of(tree, path).items():
            rule = next((r for r in applicable if _matches(r.to, target, None)), None)
            if rule is None:
                continue
            if before is None:  # the base is read only when there is something to excuse
                change = ctx.changes.file(path)
                base_path = change.old_path if change and change.old_path else path
                base_tree = ctx.tree("base", base_path)
                before = imports_of(base_tree, base_path) if base_tree else {}
            if target not in before:
                block.append(f"{path}:{line}: {importer} imports {target}, forbidden by "
                             f"constraints.modules.forbidden_imports ({rule.from_} -> {rule.to})")
    return gate(FORBIDDEN_IMPORTS, ok=f"no new import breaks the {len(rules)} architecture rule(s)",
                block=block, what="architecture")
