"""Tasks retry transient I/O failures only; a deterministic refusal fails at once."""

from __future__ import annotations

import pytest
from prefect.states import Failed

from germinate.errors import RepoError, SeedError, WriteRefused
from germinate.forge.errors import (
    ChangeRequestGone,
    ForgeUnreachable,
    Frozen,
    MergeBlocked,
    RateLimited,
)
from tasks._retry import retry_on_io
from tasks.decide import land_task


@pytest.mark.parametrize("error", [OSError("disk full"), TimeoutError("slow disk"),
                                   ForgeUnreachable("no answer"), RateLimited("wait 900 s")])
def test_io_failures_are_retried(error: BaseException) -> None:
    assert retry_on_io(None, None, Failed(data=error))


@pytest.mark.parametrize("error", [
    WriteRefused("no approval"), Frozen("needs-human-review"), MergeBlocked("checks red", ["ci"]),
    ChangeRequestGone("merged by a person"), RepoError("/tmp/x is not a git repository"),
    SeedError(["seed.yaml:1:1: bad"]), ValueError("deterministic"),
])
def test_deterministic_failures_are_not_retried(error: BaseException) -> None:
    assert not retry_on_io(None, None, Failed(data=error))


def test_landing_retries_only_io() -> None:
    assert land_task.retries == 1
    assert land_task.retry_condition_fn is retry_on_io
