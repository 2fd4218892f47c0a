"""Size of a change and of what it leaves behind: the change budget, Python that parses,
file length, and the length and cyclomatic complexity of new or changed functions.

Limits judge what the change made worse: a legacy 600-line file the change shrinks, or an
old long function it leaves alone, does not block; growing either does.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from radon.complexity import cc_visit_ast

from germinate.models import GateResult
from germinate.policy.context import GateContext, gate

CHANGE_BUDGET = "change_budget"
SYNTAX = "syntax"
FILE_LENGTH = "file_length"
FUNCTION_LENGTH = "function_length"
COMPLEXITY = "complexity"


def check_change_budget(ctx: GateContext) -> GateResult:
    budget = ctx.seed.execution.change_budget
    lines = ctx.changes.lines_added + ctx.changes.lines_removed
    files = len(ctx.changes.files)
    block = []
    if lines > budget.max_lines_changed:
        block.append(f"(change): {lines} lines changed > execution.change_budget.max_lines_changed "
                     f"{budget.max_lines_changed}; split the change")
    if files > budget.max_files_touched:
        block.append(f"(change): {files} files touched > execution.change_budget.max_files_touched "
                     f"{budget.max_files_touched}; split the change")
    return gate(CHANGE_BUDGET, ok=f"{lines} lines in {files} file(s), within the change budget",
                block=block, what="change too large")


def python_files(ctx: GateContext) -> list[str]:
    """Changed Python files that exist at the head."""
    return [f.path for f in ctx.changes.files
            if f.path.endswith(".py") and f.status != "deleted" and not f.symlink and not f.binary]


def check_syntax(ctx: GateContext) -> GateResult:
    block = []
    for path in python_files(ctx):
        text = ctx.text("head", path)
        if text is None or ctx.tree("head", path) is not None:
            continue
        try:  # the parse failed: compile again for the message and line
            compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            block.append(f"{path}:{exc.lineno or 0}: {exc.msg}")
        except ValueError as exc:
            block.append(f"{path}:1: {exc}")
    return gate(SYNTAX, ok="every changed Python file parses", block=block,
                what="Python that does not parse")


def check_file_length(ctx: GateContext) -> GateResult:
    limit = ctx.seed.constraints.repo.max_lines_per_file
    block = []
    for path in python_files(ctx):
        head = ctx.text("head", path)
        if head is None:
            continue
        head_n = len(head.splitlines())
        base = ctx.text("base", _base_path(ctx, path))
        base_n = len(base.splitlines()) if base is not None else 0
        if head_n > limit and head_n > base_n:
            grew = f"grew {base_n} -> {head_n}" if base is not None else f"new, {head_n} lines"
            block.append(f"{path}:{head_n}: {head_n} lines > constraints.repo.max_lines_per_file "
                         f"{limit} ({grew}); split the module")
    return gate(FILE_LENGTH, ok=f"no changed file grew past {limit} lines", block=block,
                what="file too long")


@dataclass(frozen=True)
class _Function:
    qualname: str
    lineno: int
    endline: int
    complexity: int

    @property
    def length(self) -> int:
        return self.endline - self.lineno + 1


def functions_of(tree: ast.Module | None) -> dict[str, _Function]:
    """Every function and method (closures too) by qualified name, with length and complexity."""
    out: dict[str, _Function] = {}

    def add(block: object, prefix: str) -> None:
        name = f"{prefix}{block.name}"  # type: ignore[attr-defined]
        out.setdefault(name, _Function(name, block.lineno, block.endline,  # type: ignore[attr-defined]
                                       block.complexity))  # type: ignore[attr-defined]
        for inner in getattr(block, "closures", []):
            add(inner, f"{name}.")

    if tree is None:
        return out
    for block in cc_visit_ast(tree):
        if hasattr(block, "methods"):
            for method in block.methods:
                add(method, f"{block.name}.")
        elif getattr(block, "classname", None):
            add(block, f"{block.classname}.")
        else:
            add(block, "")
    return out


def _base_path(ctx: GateContext, path: str) -> str:
    change = ctx.changes.file(path)
    return change.old_path if change and change.old_path else path


def _changed_functions(ctx: GateContext, over: Callable[[_Function], bool]
                       ) -> list[tuple[str, _Function, _Function | None]]:
    """(path, head function, same function at base) for added or touched functions ``over`` a limit."""
    out = []
    for path in python_files(ctx):
        change = ctx.changes.file(path)
        if change is None or not change.added_lines:
            continue
        added = {n for n, _ in change.added_lines}
        touched = [fn for fn in functions_of(ctx.tree("head", path)).values()
                   if over(fn) and any(fn.lineno <= n <= fn.endline for n in added)]
        if touched:  # only then is the base worth reading: was it already over?
            base_fns = functions_of(ctx.tree("base", _base_path(ctx, path)))
            out += [(path, fn, base_fns.get(fn.qualname)) for fn in touched]
    return out


def check_function_limits(ctx: GateContext) -> list[GateResult]:
    limits = ctx.seed.constraints.repo
    long_fns, complex_fns = [], []

    def over(fn: _Function) -> bool:
        return fn.length > limits.max_function_length_loc or fn.complexity > limits.max_cyclomatic_complexity

    for path, fn, before in _changed_functions(ctx, over):
        if fn.length > limits.max_function_length_loc and (before is None or fn.length > before.length):
            was = f"was {before.length}" if before else "new"
            long_fns.append(f"{path}:{fn.lineno}: {fn.qualname} is {fn.length} lines > "
                            f"constraints.repo.max_function_length_loc {limits.max_function_length_loc} ({was})")
        if fn.complexity > limits.max_cyclomatic_complexity and (
                before is None or fn.complexity > before.complexity):
            was = f"was {before.complexity}" if before else "new"
            complex_fns.append(f"{path}:{fn.lineno}: {fn.qualname} has cyclomatic complexity "
                               f"{fn.complexity} > constraints.repo.max_cyclomatic_complexity "
                               f"{limits.max_cyclomatic_complexity} ({was})")
    return [
        gate(FUNCTION_LENGTH, ok=f"changed functions within {limits.max_function_length_loc} lines",
             block=long_fns, what="function too long"),
        gate(COMPLEXITY, ok=f"changed functions within complexity {limits.max_cyclomatic_complexity}",
             block=complex_fns, what="function too complex"),
    ]
