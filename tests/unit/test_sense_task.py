"""The sense task retries I/O failures only, and names its artifacts with valid keys."""

from __future__ import annotations

from prefect.states import Failed

from germinate.errors import RepoError, SeedError
from tasks.sense import artifact_key, retry_on_io


def test_retries_only_io_failures() -> None:
    assert retry_on_io(None, None, Failed(data=OSError("disk full")))
    assert retry_on_io(None, None, Failed(data=RepoError("git fetch failed")))
    assert not retry_on_io(None, None, Failed(data=SeedError(["seed.yaml:1:1: bad"])))
    assert not retry_on_io(None, None, Failed(data=ValueError("deterministic")))


def test_artifact_keys_are_lowercase_dashes() -> None:
    assert artifact_key("hot-spots", "My_Project.v2") == "sense-hot-spots-my-project-v2"
    assert artifact_key("metrics", "___") == "sense-metrics-project"
