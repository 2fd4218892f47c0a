"""Path globs as the seed writes them: relative to the repository root, ``**`` crosses folders.

``*`` and ``?`` stay inside one folder, ``[...]`` is a character class, and a pattern that
matches a folder matches everything under it (``packages/schema`` covers
``packages/schema/core.py``), as in ``.gitignore``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1024)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    pattern = normalise_path(pattern.strip()).rstrip("/")
    while pattern.endswith("/**"):  # "dir/**" also names "dir" itself (a delete of the folder)
        pattern = pattern[:-3]
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?", re.IGNORECASE if ignore_case else 0)


def normalise_path(path: str) -> str:
    """NFKC-normalised, forward slashes, no leading ``./``: defeats look-alike spellings."""
    path = unicodedata.normalize("NFKC", path).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def glob_match(path: str, pattern: str, *, ignore_case: bool = False, raw: bool = False) -> bool:
    """True if ``path`` (relative, forward slashes) is matched by ``pattern``.

    ``raw`` matches the name as it is on disk (no NFKC, no ``\\`` -> ``/``): what an allow-list
    needs, so a look-alike spelling of an allowed folder is not allowed. Deny-lists match the
    normalised name, so a look-alike of a protected path is still protected.
    """
    return _compile(pattern, ignore_case).fullmatch(path if raw else normalise_path(path)) is not None


def first_match(path: str, patterns: Iterable[str], *, ignore_case: bool = False, raw: bool = False) -> str | None:
    """The first of ``patterns`` that matches ``path``, or None."""
    return next((p for p in patterns if glob_match(path, p, ignore_case=ignore_case, raw=raw)), None)
