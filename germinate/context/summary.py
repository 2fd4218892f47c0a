"""Per-file summaries from the AST, cached by content hash.

A summary holds what a file defines (classes, functions, methods, constants, with their
signatures), the identifiers it uses, and where its imported names come from. It depends
on the file's bytes only, so it is cached under ``cache_dir`` by their SHA-256.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

SUMMARY_VERSION = 4
MAX_SIGNATURE = 200
TYPING_FACTORIES = {"TypeVar", "ParamSpec", "TypeVarTuple", "NewType"}

Summary = dict[
    str, Any
]  # {"defs": [[kind, name, line, depth, signature, parent_line]], "refs", "attrs", "imports"}


def signature(node: ast.AST) -> str:
    """``class Name(Base):`` or ``def name(args) -> ret``, shortened past MAX_SIGNATURE chars."""
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
        return f"class {node.name}({bases}):" if bases else f"class {node.name}:"
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
        returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
        sig = f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"
        return sig if len(sig) <= MAX_SIGNATURE else sig[: MAX_SIGNATURE - 3] + "..."
    return ""


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "overload")
        or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in node.decorator_list
    )


def _is_constant(node: ast.Assign | ast.AnnAssign, name: str) -> bool:
    """UPPER_CASE module constants; not one-letter names nor TypeVar("T")-style declarations."""
    if len(name) < 2 or not name.isupper():
        return False
    value = node.value
    if isinstance(value, ast.Call):
        func = (
            value.func.id if isinstance(value.func, ast.Name) else getattr(value.func, "attr", "")
        )
        return func not in TYPING_FACTORIES
    return True


def _definitions(tree: ast.Module) -> list[list[Any]]:
    out: list[list[Any]] = []

    def walk(body: list[ast.stmt], depth: int, parent: int) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not _is_overload(node):  # the implementation's signature is the one to show
                    out.append(["def", node.name, node.lineno, depth, signature(node), parent])
            elif isinstance(node, ast.ClassDef):
                out.append(["class", node.name, node.lineno, depth, signature(node), parent])
                if depth < 2:
                    walk(node.body, depth + 1, node.lineno)
            elif depth == 0 and isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and _is_constant(node, target.id):
                        out.append(["const", target.id, node.lineno, 0, target.id, 0])

    walk(tree.body, 0, 0)
    return out


def _references(tree: ast.Module) -> tuple[dict[str, int], dict[str, int], dict[str, list[Any]]]:
    refs: Counter[str] = Counter()
    attrs: Counter[str] = Counter()
    imports: dict[str, list[Any]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            refs[node.id] += 1
        elif isinstance(node, ast.Attribute):
            attrs[node.attr] += 1
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                imports[local] = [node.module or "", node.level, alias.name]
                refs[local] += 1
    return dict(refs), dict(attrs), imports


def summarise(source: bytes) -> Summary:
    """The summary of one Python source; a file that does not parse gets an empty one."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as err:
        return {
            "defs": [],
            "refs": {},
            "attrs": {},
            "imports": {},
            "error": f"{type(err).__name__}: {err}",
        }
    refs, attrs, imports = _references(tree)
    return {"defs": _definitions(tree), "refs": refs, "attrs": attrs, "imports": imports}


def cached_summary(source: bytes, cache_dir: Path | None) -> Summary:
    """``summarise`` through the cache: ``cache_dir/v<N>/<sha[:2]>/<sha>.json``."""
    digest = hashlib.sha256(source).hexdigest()
    entry = cache_dir / f"v{SUMMARY_VERSION}" / digest[:2] / f"{digest}.json" if cache_dir else None
    if entry is not None and entry.is_file():
        try:
            cached: Summary = json.loads(entry.read_text(encoding="utf-8"))
            return cached
        except (OSError, ValueError):
            pass  # a torn or foreign entry is rebuilt and overwritten below
    summary = summarise(source)
    if entry is not None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(summary, separators=(",", ":")), encoding="utf-8")
        tmp.replace(entry)  # atomic: concurrent builders never see half an entry
    return summary


def module_name(path: str) -> str:
    """Dotted module of a repository path: ``src/pkg/sub/__init__.py`` -> ``pkg.sub``."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        parts = parts[1:]
    return ".".join(parts)


def resolve_import(path: str, module: str, level: int) -> str:
    """The absolute dotted module an import in ``path`` names (relative imports resolved)."""
    if level == 0:
        return module
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    base = package[: max(0, len(package) - (level - 1))]
    return ".".join([*base, *([module] if module else [])])
