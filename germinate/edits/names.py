"""Canonical path names: a file name means exactly what it looks like.

A name that Unicode normalisation (NFKC) changes (``ｍinicalc/`` with a full-width m), that
holds control or invisible format characters (bidi overrides, zero-width spaces), a
backslash, or that differs only in letter case from a path already in the repository, reads
as one file to a person and is another on disk. The edit layer refuses such names with a
message the model can act on; the gates block them in any change, a person's included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def name_problem(path: str) -> str | None:
    """Why ``path`` is not a canonical repository path, or None when it is."""
    if "\\" in path:
        return f"it contains a backslash; separate folders with '/' (e.g. {path.replace(chr(92), '/')!r})"
    odd = [ch for ch in path if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")]
    if odd:
        codes = ", ".join(sorted({f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}" for ch in odd}))
        return f"it contains control or invisible characters ({codes}); use plain visible characters only"
    canonical = unicodedata.normalize("NFKC", path)
    if canonical != path:
        return (f"it is not in canonical Unicode form: NFKC normalisation turns it into {canonical!r} "
                f"(look-alike characters); write the name as {canonical!r}")
    return None


class CaseIndex:
    """Every file and folder of a set of paths, to find letter-case twins of new names quickly."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.folded: dict[str, str] = {}
        for path in paths:
            parts = path.split("/")
            for n in range(1, len(parts) + 1):
                prefix = "/".join(parts[:n])
                self.exact.add(prefix)
                self.folded.setdefault(prefix.casefold(), prefix)

    def twin(self, path: str) -> str | None:
        """An indexed file or folder that ``path`` (or one of its folders) matches only up to case.

        On macOS and Windows checkouts the two are one file; on Linux two that look alike.
        """
        parts = path.split("/")
        for n in range(1, len(parts) + 1):
            prefix = "/".join(parts[:n])
            if prefix not in self.exact and prefix.casefold() in self.folded:
                return self.folded[prefix.casefold()]
        return None


def case_collision(path: str, existing: Iterable[str]) -> str | None:
    """An existing file or folder that ``path`` (or one of its folders) matches only up to case."""
    return CaseIndex(p for p in existing if p != path).twin(path)
