"""What people said on a change request, as input for the next act round (never as a decision)."""

from __future__ import annotations

from germinate.forge.base import Forge
from germinate.models import ReviewComment


def open_review_feedback(forge: Forge, branch: str) -> list[ReviewComment]:
    """Review comments on the open change request of ``branch`` (none if there is none)."""
    change = forge.find_change_request(branch)
    if change is None or change.state != "open":
        return []
    return forge.review_feedback(change)


def feedback_text(comments: list[ReviewComment]) -> str:
    """The comments as the implementer reads them: one bullet each, with file and line."""
    lines = []
    for c in comments:
        where = f"{c.path}:{c.line}: " if c.path and c.line else (f"{c.path}: " if c.path else "")
        lines.append(f"- [{c.severity}] {where}{c.body}")
    return ("A person reviewed the change request and asked for changes:\n" + "\n".join(lines)) if lines else ""
