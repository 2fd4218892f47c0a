"""Split an arithmetic expression into tokens."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<op>[-+*/()]))")


class TokenError(ValueError):
    """The expression holds a character that is not part of the grammar."""


def tokenize(expr: str) -> list[str]:
    """Numbers and operators of ``expr``, in order; whitespace is ignored."""
    tokens: list[str] = []
    text = expr.rstrip()
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            bad = text[pos:].lstrip()[:1]
            raise TokenError(f"unexpected character {bad!r} in {expr!r}")
        tokens.append(match.group("number") or match.group("op"))
        pos = match.end()
    return tokens
