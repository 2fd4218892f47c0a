"""The sense task names its artifacts with valid keys."""

from __future__ import annotations

from tasks.sense import artifact_key


def test_artifact_keys_are_lowercase_dashes() -> None:
    assert artifact_key("hot-spots", "My_Project.v2") == "sense-hot-spots-my-project-v2"
    assert artifact_key("metrics", "___") == "sense-metrics-project"
