"""Lines of code in Python source: not blank, not only a comment, not part of a docstring.

One measure for the function-length gate (``germinate.policy.limits``), the limits ``init``
fits and the functions ``sense`` reports over the seed's limits.
"""

from __future__ import annotations

import ast
import io
import tokenize


def code_line_numbers(text: str, tree: ast.Module) -> frozenset[int]:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    lines: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in _NOT_CODE:
                lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return frozenset(range(1, len(text.splitlines()) + 1))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                lines.difference_update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return frozenset(lines)


_NOT_CODE = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                       tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER})
