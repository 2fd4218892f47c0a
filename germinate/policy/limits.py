"""Size of a change and of what it leaves behind: the change budget, Python that parses,
file length, and the length and cyclomatic complexity of new or changed functions.

Limits judge what the change made worse, not what it inherited: crossing a limit fails; a file
or function that was already over it at the base may grow by the seed's allowance
(``constraints.repo.over_limit_*``) and no more. Function length counts lines of code, not
docstrings, comments or blank lines, unless ``function_length_counts: lines``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from radon.complexity import cc_visit_ast

from germinate.models import GateResult
from germinate.policy.context import GateContext, Side, gate
from germinate.sourcelines import code_line_numbers

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


def over_limit(limit: int, allowance: int, before: int | None, after: int) -> str | None:
    """Why ``after`` fails a limit given ``before`` (None: new), or None when it does not.

    Crossing the limit fails; a figure already over it may grow by ``allowance`` at most.
    """
    if after <= limit:
        return None
    if before is None:
        return "new"
    if before <= limit:
        return f"was {before}, crossed the limit"
    if after - before > allowance:
        return f"was {before}, already over; grew by {after - before} > allowance {allowance}"
    return None


def check_file_length(ctx: GateContext) -> GateResult:
    limits = ctx.seed.constraints.repo
    limit = limits.max_lines_per_file
    block = []
    for path in python_files(ctx):
        head = ctx.text("head", path)
        if head is None:
            continue
        head_n = len(head.splitlines())
        base = ctx.text("base", _base_path(ctx, path))
        base_n = len(base.splitlines()) if base is not None else None
        why = over_limit(limit, limits.over_limit_file_growth, base_n, head_n)
        if why:
            block.append(f"{path}:{head_n}: {head_n} lines > constraints.repo.max_lines_per_file "
                         f"{limit} ({why}); split the module")
    return gate(FILE_LENGTH, ok=f"no changed file crossed {limit} lines or grew past its allowance",
                block=block, what="file too long")


@dataclass(frozen=True)
class _Function:
    qualname: str
    lineno: int
    endline: int
    complexity: int
    code_lines: int

    @property
    def lines(self) -> int:
        return self.endline - self.lineno + 1

    def length(self, counts: str) -> int:
        """Lines of code (``counts == "code"``) or every line from ``def`` to its end."""
        return self.code_lines if counts == "code" else self.lines


def functions_of(tree: ast.Module | None, text: str | None = None) -> dict[str, _Function]:
    """Every function and method (closures too) by qualified name, with length and complexity."""
    out: dict[str, _Function] = {}
    if tree is None:
        return out
    code = code_line_numbers(text, tree) if text is not None else None

    def add(block: object, prefix: str) -> None:
        name = f"{prefix}{block.name}"  # type: ignore[attr-defined]
        first, last = block.lineno, block.endline  # type: ignore[attr-defined]
        n_code = sum(1 for n in code if first <= n <= last) if code is not None else last - first + 1
        out.setdefault(name, _Function(name, first, last, block.complexity, n_code))  # type: ignore[attr-defined]
        for inner in getattr(block, "closures", []):
            add(inner, f"{name}.")

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


def _functions(ctx: GateContext, side: Side, path: str) -> dict[str, _Function]:
    return functions_of(ctx.tree(side, path), ctx.text(side, path))


def _changed_functions(ctx: GateContext, over: Callable[[_Function], bool]
                       ) -> list[tuple[str, _Function, _Function | None]]:
    """(path, head function, same function at base) for added or touched functions ``over`` a limit."""
    out = []
    for path in python_files(ctx):
        change = ctx.changes.file(path)
        if change is None or not change.added_lines:
            continue
        added = {n for n, _ in change.added_lines}
        touched = [fn for fn in _functions(ctx, "head", path).values()
                   if over(fn) and any(fn.lineno <= n <= fn.endline for n in added)]
        if touched:  # only then is the base worth reading: was it already over?
            base_fns = _functions(ctx, "base", _base_path(ctx, path))
            out += [(path, fn, base_fns.get(fn.qualname)) for fn in touched]
    return out


def check_function_limits(ctx: GateContext) -> list[GateResult]:
    limits = ctx.seed.constraints.repo
    counts = limits.function_length_counts
    unit = "lines of code" if counts == "code" else "lines"
    long_fns, complex_fns = [], []

    def over(fn: _Function) -> bool:
        return fn.length(counts) > limits.max_function_length_loc or fn.complexity > limits.max_cyclomatic_complexity

    for path, fn, before in _changed_functions(ctx, over):
        why = over_limit(limits.max_function_length_loc, limits.over_limit_function_growth,
                         before.length(counts) if before else None, fn.length(counts))
        if why:
            long_fns.append(f"{path}:{fn.lineno}: {fn.qualname} is {fn.length(counts)} {unit} > "
                            f"constraints.repo.max_function_length_loc {limits.max_function_length_loc} ({why})")
        why = over_limit(limits.max_cyclomatic_complexity, limits.over_limit_complexity_growth,
                         before.complexity if before else None, fn.complexity)
        if why:
            complex_fns.append(f"{path}:{fn.lineno}: {fn.qualname} has cyclomatic complexity "
                               f"{fn.complexity} > constraints.repo.max_cyclomatic_complexity "
                               f"{limits.max_cyclomatic_complexity} ({why})")
    return [
        gate(FUNCTION_LENGTH, ok=f"no changed function crossed {limits.max_function_length_loc} {unit}",
             block=long_fns, what="function too long"),
        gate(COMPLEXITY, ok=f"no changed function crossed complexity {limits.max_cyclomatic_complexity}",
             block=complex_fns, what="function too complex"),
    ]
