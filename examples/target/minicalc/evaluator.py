"""Evaluate arithmetic expressions without ``eval``: shunting-yard to RPN, then a stack."""

from __future__ import annotations

from minicalc.tokenizer import tokenize

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _binds_first(top: str, tok: str) -> bool:
    """True if the operator ``top`` on the stack applies before the incoming ``tok``."""
    return top in PRECEDENCE and PRECEDENCE[top] >= PRECEDENCE[tok]


def _close_paren(stack: list[str], out: list[str]) -> None:
    while stack and stack[-1] != "(":
        out.append(stack.pop())
    if not stack:
        raise ValueError("unbalanced ')'")
    stack.pop()


def to_rpn(tokens: list[str]) -> list[str]:
    """Reverse Polish notation of ``tokens`` (operator precedence, parentheses)."""
    out: list[str] = []
    stack: list[str] = []
    for tok in tokens:
        if tok in PRECEDENCE:
            while stack and _binds_first(stack[-1], tok):
                out.append(stack.pop())
            stack.append(tok)
        elif tok == "(":
            stack.append(tok)
        elif tok == ")":
            _close_paren(stack, out)
        else:
            out.append(tok)
    while stack:
        if stack[-1] == "(":
            raise ValueError("unbalanced '('")
        out.append(stack.pop())
    return out


def apply(op: str, left: float, right: float) -> float:
    """One binary operation."""
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        raise ZeroDivisionError("division by zero")
    return left / right


def evaluate(expr: str) -> float:
    """The value of ``expr``, e.g. ``evaluate("2 * (3 + 4)") == 14``."""
    stack: list[float] = []
    for tok in to_rpn(tokenize(expr)):
        if tok in PRECEDENCE:
            if len(stack) < 2:
                raise ValueError(f"operator {tok!r} is missing an operand in {expr!r}")
            right, left = stack.pop(), stack.pop()
            stack.append(apply(tok, left, right))
        else:
            stack.append(float(tok))
    if len(stack) != 1:
        raise ValueError(f"malformed expression {expr!r}")
    return stack[0]
