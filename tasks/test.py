"""test: the target's tests under coverage and radon on the changed files, at the change's head."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from germinate.models import Change, Evaluation
from germinate.seed import LoadedSeed
from tasks._caching import content_key
from tasks.log import tested_commit_name


def _test_key(p: dict) -> list[object]:
    return [p["change"].head_sha, p["change"].base_sha, p["loaded"].sha256]


@task(name="test", task_run_name=tested_commit_name, cache_key_fn=content_key(_test_key), persist_result=True)
def run_tests_task(repo: str, loaded: LoadedSeed, change: Change) -> Evaluation:
    """The change measured; cached by content (head + base SHA, seed hash, this task's source)."""
    from germinate.cycle.evidence import evaluate

    return evaluate(Path(repo), loaded, change)
