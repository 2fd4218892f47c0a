"""Errors a forge raises: each says what happened on the forge and what to do about it."""

from __future__ import annotations

from germinate.errors import GerminateError, WriteRefused


class ForgeError(GerminateError):
    """The forge answered with an error we cannot work around."""


class ForgeUnreachable(ForgeError, OSError):
    """The forge did not answer (network, DNS, TLS, timeout): transient, so retried as I/O."""


class RateLimited(ForgeError):
    """The forge's rate limit would make us wait longer than our bound (nothing was written)."""


class ChangeRequestGone(ForgeError):
    """A person merged or closed the change request, or deleted its branch, mid-cycle."""

    def __init__(self, message: str, *, merged_sha: str = ""):
        super().__init__(message)
        self.merged_sha = merged_sha


class MergeBlocked(ForgeError):
    """Required checks are not green or the required reviewers have not approved."""

    def __init__(self, message: str, blockers: list[str]):
        super().__init__(message)
        self.blockers = blockers


class Frozen(WriteRefused):
    """The target carries the freeze label (``needs-human-review``): no automated writes."""
