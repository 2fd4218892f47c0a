"""The oracle's answer: the true commit as edit blocks, as a perfect implementer would send them.

Each hunk of a changed file is one block: its old lines with three lines of context as
SEARCH (widened until they match exactly one place in the file), its new lines with the
same context as REPLACE; a new file is one block with an empty SEARCH, a removed one a
DELETE block. Small blocks, as a good model sends them: the reply costs what the change
does, not what the files weigh. The gates and the pipeline see a human's change through
exactly the path a model's change takes.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from germinate.backtest.history import PastCommit
from germinate.edits import render_block
from germinate.models import EditBlock
from germinate.workspace import git_bytes


def _exists(repo: Path, sha: str, path: str) -> bool:
    from germinate.workspace import run_git

    return bool(run_git(repo, "ls-tree", "--name-only", sha, "--", path, check=False).strip())


def oracle_blocks(repo: Path, commit: PastCommit, paths: list[str] | None = None) -> str:
    """Edit blocks that turn the parent's ``paths`` (default: every changed file) into the commit's."""
    blocks = []
    for path in paths if paths is not None else commit.files:
        before = _read(repo, commit.parent, path)
        after = _read(repo, commit.sha, path)
        if after is None:
            blocks.append(render_block(EditBlock(path=path, kind="delete")))
        elif before is None:
            blocks.append(render_block(EditBlock(path=path, kind="create", search="", replace=_line_ended(after))))
        else:
            blocks += [render_block(EditBlock(path=path, search=old, replace=new))
                       for old, new in hunks(_line_ended(before), _line_ended(after))]
    return "\n".join(blocks)


def _read(repo: Path, sha: str, path: str) -> str | None:
    if not _exists(repo, sha, path):
        return None
    return git_bytes(repo, "show", f"{sha}:{path}").decode("utf-8", errors="surrogateescape")


def _line_ended(text: str) -> str:
    """A block's sections end with a newline (a file without a final one gains it)."""
    return text if not text or text.endswith("\n") else text + "\n"


def hunks(before: str, after: str, context: int = 3) -> list[tuple[str, str]]:
    """(SEARCH, REPLACE) pairs, in file order, that turn ``before`` into ``after`` one by one."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    pairs: list[tuple[str, str]] = []
    shift = 0  # how many lines earlier blocks added: later blocks apply to the edited text
    current = list(old)
    for group in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lo, hi = i1, i2
        while True:
            search = "".join(old[lo:hi])
            if _places(current, old[lo:hi]) == 1 or (lo == 0 and hi == len(old)):
                break
            lo, hi = max(0, lo - 1), min(len(old), hi + 1)
        replace = "".join(old[lo:i1]) + "".join(new[j1:j2]) + "".join(old[i2:hi])
        pairs.append((search, replace))
        start = lo + shift
        current[start:start + (hi - lo)] = replace.splitlines(keepends=True)
        shift += (j2 - j1) - (i2 - i1)
    return pairs


def _places(lines: list[str], block: list[str]) -> int:
    """Where ``block`` occurs in ``lines`` as whole lines, overlaps counted (as the matcher sees it)."""
    n = len(block)
    if n == 0:
        return len(lines) + 1
    return sum(lines[k:k + n] == block for k in range(len(lines) - n + 1))
