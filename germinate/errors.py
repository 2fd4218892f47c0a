"""Errors a user can cause. Each message says what went wrong, where, and how to fix it."""

from __future__ import annotations


class GerminateError(Exception):
    """Base for every error Germinate raises on purpose; the CLI prints these without a traceback."""

    exit_code = 1


class SeedError(GerminateError):
    """The seed file cannot be read or does not validate. Carries every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class ConfigError(GerminateError):
    """A setting from the environment or the command line is wrong."""


class StoreError(GerminateError):
    """The state database cannot be reached or migrated."""


class RepoError(GerminateError):
    """The target repository is missing, dirty, conflicted, or not a git repository."""


class BudgetExceeded(GerminateError):
    """A budget (dollars, tokens, wall time, rounds) would be crossed; the stage stops cleanly."""


class WriteRefused(GerminateError):
    """The write gate refused a write: no passing decision or no approval on record."""
