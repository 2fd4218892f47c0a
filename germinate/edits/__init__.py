"""Edit blocks: how a model's reply becomes file changes in a worktree.

``searchreplace`` is the one edit format (prompt, parser, failure messages side by side, as
in Aider's ``coders/``); ``matching`` finds where a block applies; ``apply`` writes it,
compiles what changed and builds the feedback the model reads next. Typical loop::

    blocks = parse_edit_blocks(reply)            # EditParseError: send str(err) back
    report = apply_edit_blocks(worktree, blocks)
    if not report.ok:
        if report.failed_fingerprints() & seen:  # same failed edit again: stop early
            ...
        seen |= report.failed_fingerprints()
        next_message = report.feedback()
"""

from germinate.edits.apply import EditPathError, EditReport, apply_edit_blocks, resolve_in_worktree
from germinate.edits.searchreplace import (
    EDIT_FORMAT,
    EditParseError,
    block_fingerprint,
    parse_edit_blocks,
    render_block,
)

__all__ = [
    "EDIT_FORMAT",
    "EditParseError",
    "EditPathError",
    "EditReport",
    "apply_edit_blocks",
    "block_fingerprint",
    "parse_edit_blocks",
    "render_block",
    "repeated_failures",
    "resolve_in_worktree",
]


def repeated_failures(report: EditReport, seen: set[str]) -> list[str]:
    """Fingerprints of blocks that failed now and in an earlier round (``seen``): a stuck model."""
    return sorted(report.failed_fingerprints() & seen)
