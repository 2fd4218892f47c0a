"""The ``Forge`` protocol: tickets in, change requests out.

Reads (tickets, labels, checks, review feedback) are free. Writes (push, open/update a
change request, comment, label, merge, close) change the user's world: only the write
gate (``germinate/writegate.py``) calls them, after checking a ``Decision``; a test
inspects the code base to prove it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from germinate.models import ReviewComment, Ticket

# Names of the Forge methods that write. The write-gate test forbids calling them elsewhere.
WRITE_METHODS: tuple[str, ...] = (
    "push_branch",
    "open_change_request",
    "update_change_request",
    "comment",
    "set_labels",
    "merge",
    "close_ticket",
)


class ChangeRequest(BaseModel):
    """A pull request (GitHub) or a recorded local change request."""

    model_config = ConfigDict(frozen=True)

    id: str  # PR number on GitHub, store row id locally
    branch: str
    title: str
    body: str = ""
    draft: bool = True
    state: Literal["open", "merged", "closed"] = "open"
    url: str = ""
    head_sha: str = ""
    ticket_id: str = ""
    labels: list[str] = Field(default_factory=list)


class CheckStatus(BaseModel):
    """One CI check (check run or commit status) for a ref."""

    model_config = ConfigDict(frozen=True)

    name: str
    state: Literal["success", "failure", "pending", "neutral", "skipped", "error"]
    url: str = ""


@runtime_checkable
class Forge(Protocol):
    kind: str

    # --- reads ---
    def list_tickets(self, labels: Sequence[str] = ()) -> list[Ticket]:
        """Open tickets carrying any of ``labels`` (all open tickets if empty)."""
        ...

    def get_ticket(self, ticket_id: str) -> Ticket: ...

    def repo_labels(self) -> list[str]:
        """Labels that apply to the whole repository (e.g. ``red-mode``)."""
        ...

    def labels_of(self, target: str) -> list[str]:
        """Labels on ``ticket:<id>`` or ``cr:<id>``."""
        ...

    def find_change_request(self, branch: str) -> ChangeRequest | None: ...

    def checks(self, ref: str) -> list[CheckStatus]: ...

    def review_feedback(self, change: ChangeRequest) -> list[ReviewComment]:
        """Human review comments on a change request, as reviewer input."""
        ...

    def approvals(self, change: ChangeRequest) -> list[str]:
        """Logins (or names) that approved the change request."""
        ...

    # --- writes: only germinate.writegate.WriteGate calls these ---
    def push_branch(self, branch: str, worktree: Path) -> None: ...

    def open_change_request(
        self, *, branch: str, title: str, body: str, draft: bool, ticket_id: str
    ) -> ChangeRequest: ...

    def update_change_request(
        self, change: ChangeRequest, *, title: str | None = None, body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest: ...

    def comment(self, target: str, body: str) -> None: ...

    def set_labels(self, target: str, labels: Sequence[str]) -> None: ...

    def merge(self, change: ChangeRequest, *, head_sha: str, message: str) -> str:
        """Land the change on the default branch; returns the new default-branch SHA."""
        ...

    def close_ticket(self, ticket_id: str, comment: str) -> None: ...
