"""What people said on a change request, as input for the next act round (never as a decision).

On a public repository anyone can review or comment. Only people the forge calls OWNER,
MEMBER or COLLABORATOR (``author_association``), or logins the seed names
(``merge_policy.trusted_reviewers`` and ``require_human_review_from``), may start a round or
reach the implementer's prompt; everyone else's feedback is kept apart (``Feedback.ignored``)
for the record and never shown to a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from germinate.forge.base import Forge
from germinate.models import ReviewComment
from germinate.seed import Seed

TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def trusted_logins(seed: Seed | None) -> frozenset[str]:
    """Logins the seed trusts whatever the forge's association says."""
    if seed is None:
        return frozenset()
    policy = seed.automation_contract.merge_policy
    return frozenset(login.lower() for login in [*policy.trusted_reviewers, *policy.require_human_review_from])


def is_trusted(author: str, association: str, seed: Seed | None) -> bool:
    """May feedback from ``author`` (with the forge's ``association``) steer the implementer?"""
    return association.upper() in TRUSTED_ASSOCIATIONS or (bool(author) and author.lower() in trusted_logins(seed))


def outsider_reason(author: str, association: str) -> str:
    return (f"feedback by '{author or 'unknown'}' (author_association {association or 'missing'}) is not from "
            "an OWNER, MEMBER or COLLABORATOR nor in automation_contract.merge_policy.trusted_reviewers")


@dataclass(frozen=True)
class Feedback:
    """Review feedback split by who wrote it: ``trusted`` reaches the model, ``ignored`` does not."""

    trusted: list[ReviewComment] = field(default_factory=list)
    ignored: list[ReviewComment] = field(default_factory=list)

    def ignored_summary(self) -> str:
        """One line per ignored comment, for the run log."""
        return "\n".join(f"ignored: {outsider_reason(c.author, c.author_association)}: {c.body[:120]!r}"
                         for c in self.ignored)


def split_feedback(comments: list[ReviewComment], seed: Seed | None) -> Feedback:
    trusted = [c for c in comments if is_trusted(c.author, c.author_association, seed)]
    return Feedback(trusted=trusted, ignored=[c for c in comments if c not in trusted])


def review_feedback_of(forge: Forge, branch: str, seed: Seed | None) -> Feedback:
    """Review comments on the open change request of ``branch``, split by trust (empty if none)."""
    change = forge.find_change_request(branch)
    if change is None or change.state != "open":
        return Feedback()
    return split_feedback(forge.review_feedback(change), seed)


def open_review_feedback(forge: Forge, branch: str, seed: Seed | None = None) -> list[ReviewComment]:
    """The trusted review comments on the open change request of ``branch`` (none if there is none)."""
    return review_feedback_of(forge, branch, seed).trusted


def feedback_text(comments: list[ReviewComment]) -> str:
    """The comments as the implementer reads them: one bullet each, with file and line."""
    lines = []
    for c in comments:
        where = f"{c.path}:{c.line}: " if c.path and c.line else (f"{c.path}: " if c.path else "")
        lines.append(f"- [{c.severity}] {where}{c.body}")
    return ("A person reviewed the change request and asked for changes:\n" + "\n".join(lines)) if lines else ""
